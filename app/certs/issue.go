package certs

import (
	"bytes"
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"custos/app/audit"
	"custos/app/people"
	"custos/app/training"
	"custos/certificates"
	"custos/courses"
	"custos/locales"
)

// ScoreFunc returns the score of the quiz attempt that passed an assignment, when there is one.
type ScoreFunc func(ctx context.Context, db bun.IDB, assignmentID int64) (score int, ok bool, err error)

// Issuer issues certificates when assignments complete.
type Issuer struct {
	Renderer *certificates.Renderer
	I18n     *locales.Bundle
	Audit    *audit.Log
	Org      string
	BaseURL  string
	// Score finds the quiz score to print; nil prints none.
	Score ScoreFunc
}

// Issue is a training.OnComplete: inside the completing transaction it lays out the PDF in the
// holder's language, stores it with its hash and records the event. A completion that rolls
// back takes its certificate with it.
func (is *Issuer) Issue(ctx context.Context, tx bun.Tx, a *training.Assignment, c *courses.Course) error {
	p, err := people.ByID(ctx, tx, a.PersonID)
	if err != nil {
		return err
	}
	cert := &Certificate{
		Serial: newSerial(*a.CompletedAt), Code: newCode(), AssignmentID: a.ID, PersonID: p.ID, Course: c.Slug,
		CourseVersion: c.Version, Holder: p.Name, Locale: p.Locale, IssuedAt: *a.CompletedAt, ValidUntil: *a.ValidUntil,
	}
	if c.HasQuiz() && is.Score != nil {
		score, ok, err := is.Score(ctx, tx, a.ID)
		if err != nil {
			return err
		}
		if ok {
			cert.Score = &score
		}
	}
	var buf bytes.Buffer
	if err := is.Renderer.Certificate(&buf, is.layout(cert, c, p)); err != nil {
		return fmt.Errorf("lay out certificate for %s: %w", p.Email, err)
	}
	cert.PDF = buf.Bytes()
	if err := store(ctx, tx, cert); err != nil {
		return err
	}
	return is.Audit.Append(ctx, tx, audit.Entry{At: cert.IssuedAt, ActorID: p.ID, Actor: p.Email, Action: "certificate.issue",
		Subject: "certificate:" + cert.Serial, Details: map[string]string{"course": c.Slug, "version": c.Version,
			"assignment": fmt.Sprint(a.ID), "pdf_sha256": cert.PDFSHA256}})
}

// layout turns a stored certificate into what the PDF shows, in the holder's language with the
// other language's title beneath.
func (is *Issuer) layout(cert *Certificate, c *courses.Course, p *people.Person) certificates.Certificate {
	l := is.I18n.For(cert.Locale)
	alt := is.I18n.For(map[string]string{"en": "zh-Hans", "zh-Hans": "en"}[cert.Locale])
	score := -1
	if cert.Score != nil {
		score = *cert.Score
	}
	return certificates.Certificate{
		Org: is.Org, Serial: cert.Serial, VerifyURL: is.BaseURL + "/verify/" + cert.Code, Holder: cert.Holder,
		CourseTitle: c.Title.In(cert.Locale), CourseVersion: cert.CourseVersion[:12], Locale: cert.Locale,
		Issued: cert.IssuedAt.In(p.Location()), ValidUntil: cert.ValidUntil.In(p.Location()), Score: score, Controls: c.Controls,
		Labels: certificates.CertificateLabels{
			Title: l.T("cert_pdf_title"), TitleAlt: alt.T("cert_pdf_title"), Certifies: l.T("cert_pdf_certifies"),
			Completed: l.T("cert_pdf_completed"), Version: l.T("cert_pdf_version"), IssuedOn: l.T("cert_pdf_issued"),
			ValidUntil: l.T("cert_pdf_valid_until"), Score: l.T("cert_pdf_score"), Controls: l.T("cert_pdf_controls"),
			Serial: l.T("cert_pdf_serial"), Verify: l.T("cert_pdf_verify"), DateLayout: l.T("cert_pdf_date_layout"),
		},
	}
}
