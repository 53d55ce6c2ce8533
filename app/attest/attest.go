// Package attest is signed undertakings: the signing page, the signatures it stores (a canonical
// record sealed with the server's Ed25519 key), their receipts, the lists managers, auditors and
// admins read, and the check that every stored signature is still what was signed.
//
// Which signature completes an assignment: one of the undertaking's current version in any of
// its languages. Each language's text is the same undertaking, so someone who signed the
// Chinese text need not sign the English one too; the signature records which text (locale and
// version) they read.
package attest

import (
	"context"
	"fmt"
	"slices"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"custos/app/auth"
	"custos/app/people"
	"custos/app/server"
	"custos/app/signing"
	"custos/app/training"
	"custos/certificates"
	"custos/courses"
)

// Handler serves the signing pages, receipts and signature lists.
type Handler struct {
	s        *server.Server
	training *training.Handler // its Parts and OnComplete are read at each signature
	key      *signing.Key
	receipts *certificates.Renderer
}

// Routes adds the signing pages, the published key, receipts and the signature lists. th is the
// training handler, whose Parts and OnComplete complete an assignment when the signature was its
// last part; receipts is the shared PDF renderer.
func Routes(s *server.Server, th *training.Handler, key *signing.Key, receipts *certificates.Renderer) {
	h := &Handler{s: s, training: th, key: key, receipts: receipts}
	r := s.Fiber
	r.Get("/.well-known/custos-signing-key", h.publicKey)
	r.Get("/courses/:slug/sign", auth.RequireSignIn, h.showSign)
	r.Post("/courses/:slug/sign", auth.RequireSignIn, h.sign)
	r.Get("/signatures/:id<int>/receipt.pdf", auth.RequireSignIn, h.receipt)
	r.Get("/admin/signatures", auth.RequireRole(people.Admin, people.Auditor), h.listSignatures)
	r.Get("/team/signatures", auth.RequireRole(people.Manager, people.Admin), h.showTeam)
}

// publicKey serves the server's public key, with which anyone can check a signature record.
func (h *Handler) publicKey(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "text/plain; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.SendString(h.key.PublicPEM())
}

// CurrentVersions lists the versions of u's text in the catalogue now, one per language.
func CurrentVersions(u *courses.Undertaking) []string {
	out := make([]string, 0, len(u.Docs))
	for _, d := range u.Docs {
		out = append(out, d.Version)
	}
	slices.Sort(out)
	return out
}

// currentDoc returns the language of u whose current text has version, if any.
func currentDoc(u *courses.Undertaking, version string) (courses.Document, bool) {
	for _, d := range u.Docs {
		if d.Version == version {
			return d, true
		}
	}
	return courses.Document{}, false
}

// Part is the signature as a part of its course, for training. Its hint is any signature of the
// assignment; Signed then asks for one of the current version.
var Part = training.Part{Done: Signed,
	Hint: "EXISTS (SELECT 1 FROM signatures sg WHERE sg.assignment_id = assignment.id)"}

// Signed reports whether assignment a holds a signature of the current version of its course's
// undertaking, in any language.
func Signed(ctx context.Context, db bun.IDB, a *training.Assignment, c *courses.Course) (bool, error) {
	s, err := currentSignature(ctx, db, a.ID, c.Undertaking)
	return s != nil, err
}

// currentSignature loads assignment a's signature of u's current version, or nil.
func currentSignature(ctx context.Context, db bun.IDB, assignmentID int64, u *courses.Undertaking) (*Signature, error) {
	if u == nil {
		return nil, nil
	}
	var rows []Signature
	err := db.NewSelect().Model(&rows).
		Where("assignment_id = ? AND document = ? AND version IN (?)", assignmentID, u.Name, bun.In(CurrentVersions(u))).
		Order("signed_at", "id").Limit(1).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("load signature of assignment %d: %w", assignmentID, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return &rows[0], nil
}

// signedText loads the text a signature signed.
func signedText(ctx context.Context, db bun.IDB, s *Signature) (*SignedText, error) {
	t := new(SignedText)
	if err := db.NewSelect().Model(t).Where("document = ? AND version = ?", s.Document, s.Version).Scan(ctx); err != nil {
		return nil, fmt.Errorf("load the text signed by signature %d: %w", s.ID, err)
	}
	return t, nil
}
