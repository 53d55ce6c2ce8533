package attest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"custos/app/certs"
	"custos/app/people"
	"custos/app/server"
	"custos/certificates"
	"custos/locales"
)

// receipt sends the PDF receipt of a signature, in the language of the text signed, to the
// signer, their managers, auditors and admins. Anyone else gets 404, as for a signature that
// does not exist. The download is an audit event.
func (h *Handler) receipt(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, err := c.ParamsInt("id")
	if err != nil {
		return fiber.ErrNotFound
	}
	sig := new(Signature)
	if err := h.s.DB.NewSelect().Model(sig).Where("id = ?", id).Scan(ctx); errors.Is(err, sql.ErrNoRows) {
		return fiber.ErrNotFound
	} else if err != nil {
		return fmt.Errorf("load signature %d: %w", id, err)
	}
	if ok, err := certs.MayRead(ctx, h.s.DB, server.ViewerOf(c), sig.PersonID, sig.Course); err != nil || !ok {
		if err != nil {
			return err
		}
		return fiber.ErrNotFound
	}
	text, err := signedText(ctx, h.s.DB, sig)
	if err != nil {
		return err
	}
	var pdf bytes.Buffer
	if err := h.receipts.Receipt(&pdf, h.receiptOf(sig, text)); err != nil {
		return err
	}
	err = h.s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return h.s.Audit.Append(ctx, tx, h.s.Event(c, "undertaking.receipt", fmt.Sprintf("signature:%d", sig.ID),
			"person", people.Subject(sig.PersonID)))
	})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`inline; filename="signature-%d.pdf"`, sig.ID))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(pdf.Bytes())
}

// receiptOf lays out what the receipt prints, in the language of the signed text.
func (h *Handler) receiptOf(sig *Signature, text *SignedText) certificates.Receipt {
	return ReceiptOf(h.s.I18n, h.s.Config.OrgName, sig, text)
}

// ReceiptOf lays out what a signature's receipt prints, in the language of the signed text; the
// evidence bundle prints the same receipts.
func ReceiptOf(b *locales.Bundle, org string, sig *Signature, text *SignedText) certificates.Receipt {
	l := b.For(sig.Locale)
	return certificates.Receipt{
		Org: org, Signer: sig.TypedName, Email: sig.Email,
		DocumentTitle: text.Title, DocumentText: text.Text, Locale: sig.Locale,
		VersionHash: sig.Version, TextHash: sig.TextHash, SignedAt: sig.SignedAt.UTC(),
		Method:          methodText(l, sig),
		ServerSignature: sig.ServerSignature, KeyFingerprint: sig.KeyFingerprint, RecordJSON: sig.Record,
		Labels: certificates.ReceiptLabels{
			Title: l.T("attest_receipt_title"), Intro: l.T("attest_receipt_intro"), Signature: l.T("attest_receipt_signature"),
			Signer: l.T("attest_receipt_signer"), Email: l.T("attest_receipt_email"), SignedAt: l.T("attest_receipt_signed_at"),
			Method: l.T("attest_receipt_method"), Locale: l.T("attest_receipt_locale"), VersionHash: l.T("attest_receipt_version"),
			TextHash: l.T("attest_receipt_text_hash"), KeyFingerprint: l.T("attest_receipt_key"),
			ServerSignature: l.T("attest_receipt_server_signature"), Record: l.T("attest_receipt_record"),
			Page: l.T("attest_receipt_page"), DateTimeLayout: "2006-01-02 15:04:05 MST",
		},
	}
}

// methodText says in words how the signer signed in and signed.
func methodText(l *locales.Localizer, sig *Signature) string {
	return l.T("attest_method_"+sig.Method, "Auth", l.T("attest_auth_"+sig.AuthMethod))
}
