package attest

import (
	"context"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"custos/app/db"
	"custos/app/server"
	"custos/app/training"
	"custos/courses"
)

// maxTypedName bounds what the name field may hold; a person's name is at most 200 characters.
const maxTypedName = 300

type signPage struct {
	server.Page
	Course     *courses.Course
	CourseName string
	Doc        courses.Document
	DocHTML    template.HTML
	RecordName string     // the viewer's name on record, which the typed name must match
	Locked     bool       // lessons are still to be read
	Signature  *Signature // the signature of the current version, once given
	Earlier    *Signature // the newest signature of an earlier version, when the text changed
	FullName   string
	Agree      bool
	Error      string
}

// signState loads what the signing page shows: the course, the viewer's assignment, whether the
// lessons are read, and any signature already given. Not assigned, or no undertaking: 404.
func (h *Handler) signState(c *fiber.Ctx) (*signPage, *training.Assignment, error) {
	course := h.training.Catalog().Get(c.Params("slug"))
	if course == nil || !course.HasUndertaking() {
		return nil, nil, fiber.ErrNotFound
	}
	ctx, v, lang := c.UserContext(), server.ViewerOf(c), server.Lang(c)
	a, err := h.training.Current(ctx, v.ID, course.Slug)
	if err != nil {
		return nil, nil, err
	}
	progress, err := training.Parts{}.Progress(ctx, h.s.DB, a, course)
	if err != nil {
		return nil, nil, err
	}
	page := &signPage{Course: course, CourseName: course.Title.In(lang), RecordName: v.Name, Locked: !progress.LessonsComplete()}
	page.setDoc(course.Undertaking.Doc(lang))
	if page.Signature, err = currentSignature(ctx, h.s.DB, a.ID, course.Undertaking); err != nil {
		return nil, nil, err
	}
	if page.Signature == nil {
		if page.Earlier, err = newestSignature(ctx, h.s.DB, a.PersonID, course.Undertaking.Name); err != nil {
			return nil, nil, err
		}
	}
	return page, a, nil
}

func (p *signPage) setDoc(d courses.Document) { p.Doc, p.DocHTML = d, d.HTML }

// newestSignature loads the person's newest signature of a document in any version, or nil.
func newestSignature(ctx context.Context, db bun.IDB, personID int64, document string) (*Signature, error) {
	var rows []Signature
	err := db.NewSelect().Model(&rows).Where("person_id = ? AND document = ?", personID, document).
		Order("signed_at DESC", "id DESC").Limit(1).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("load signatures of %s: %w", document, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return &rows[0], nil
}

// showSign shows the undertaking in the viewer's language with the signing form, or the
// signature already given; showing the text is an audit event.
func (h *Handler) showSign(c *fiber.Ctx) error {
	page, a, err := h.signState(c)
	if err != nil {
		return err
	}
	if page.Locked {
		page.Error = h.s.Localizer(c).T("attest_error_lessons_first")
	}
	ctx := c.UserContext()
	err = h.s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return h.s.Audit.Append(ctx, tx, h.s.Event(c, "undertaking.view", fmt.Sprintf("assignment:%d", a.ID),
			"course", page.Course.Slug, "document", page.Course.Undertaking.Name, "version", page.Doc.Version, "locale", page.Doc.Locale))
	})
	if err != nil {
		return err
	}
	return h.s.Render(c, "sign", page)
}

// sign records a signature: the posted version must be a current text of the undertaking, the
// box ticked and the typed name the viewer's own. Anything else shows the page again with a
// message and stores nothing. A signature already given (a double submit) is success.
func (h *Handler) sign(c *fiber.Ctx) error {
	page, a, err := h.signState(c)
	if err != nil {
		return err
	}
	l := h.s.Localizer(c)
	back := "/courses/" + page.Course.Slug + "/sign"
	page.FullName = strings.Clone(strings.ToValidUTF8(c.FormValue("full_name"), "\uFFFD"))
	page.Agree = c.FormValue("agree") != ""
	doc, current := currentDoc(page.Course.Undertaking, c.FormValue("version"))
	switch {
	case page.Signature != nil:
		return c.Redirect(back, fiber.StatusSeeOther)
	case page.Locked:
		return h.refuse(c, page, fiber.StatusConflict, l.T("attest_error_lessons_first"))
	case !current:
		page.Agree = false // they have not read this text yet
		return h.refuse(c, page, fiber.StatusConflict, l.T("attest_error_version_changed"))
	case !page.Agree:
		return h.refuse(c, page, fiber.StatusUnprocessableEntity, l.T("attest_error_agree"))
	case strings.TrimSpace(page.FullName) == "":
		return h.refuse(c, page, fiber.StatusUnprocessableEntity, l.T("attest_error_name_missing"))
	case utf8.RuneCountInString(page.FullName) > maxTypedName || !NameMatches(page.FullName, page.RecordName):
		return h.refuse(c, page, fiber.StatusUnprocessableEntity, l.T("attest_error_name_mismatch", "Name", page.RecordName))
	}
	authMethod, err := sessionAuthMethod(c.UserContext(), h.s.DB, server.ViewerOf(c).SessionID)
	if err != nil {
		return err
	}
	sig := h.newSignature(c, page.Course, a, doc, page.FullName, authMethod)
	if err := h.store(c, page.Course, a, doc, sig); err != nil && !db.IsUniqueViolation(err) {
		return err
	}
	return c.Redirect(back, fiber.StatusSeeOther)
}

// refuse shows the signing page again with a message; nothing has been stored.
func (h *Handler) refuse(c *fiber.Ctx, page *signPage, status int, msg string) error {
	page.Error = msg
	c.Status(status)
	return h.s.Render(c, "sign", page)
}

// newSignature describes the signature this request gives and seals it with the server's key.
func (h *Handler) newSignature(c *fiber.Ctx, course *courses.Course, a *training.Assignment, doc courses.Document, typed, authMethod string) *Signature {
	v := server.ViewerOf(c)
	s := &Signature{
		PersonID: v.ID, Email: v.Email, AssignmentID: a.ID, Course: course.Slug, Document: course.Undertaking.Name,
		Version: doc.Version, Locale: doc.Locale, TextHash: textHash(doc.Text), TypedName: typed,
		SignedAt: h.s.Now(), IP: c.IP(), UserAgent: cleanUserAgent(c.Get(fiber.HeaderUserAgent)),
		SessionID: v.SessionID, AuthMethod: authMethod, Method: MethodTypedName,
	}
	seal(s, h.key)
	return s
}

// store writes the signature and the text it signed, appends the audit record and completes the
// assignment when this was its last part, all in one transaction. A signature of the same
// version already stored for the assignment (two submits at once) leaves everything as it was.
func (h *Handler) store(c *fiber.Ctx, course *courses.Course, a *training.Assignment, doc courses.Document, sig *Signature) error {
	now := sig.SignedAt
	return h.s.DB.RunInTx(c.UserContext(), nil, func(ctx context.Context, tx bun.Tx) error {
		text := &SignedText{Version: doc.Version, Document: sig.Document, Locale: doc.Locale, Title: doc.Title, Text: doc.Text, FirstSignedAt: now}
		if _, err := tx.NewInsert().Model(text).On("CONFLICT (document, version) DO NOTHING").Exec(ctx); err != nil {
			return fmt.Errorf("store signed text %s: %w", doc.Version, err)
		}
		res, err := tx.NewInsert().Model(sig).On("CONFLICT (assignment_id, document, version) DO NOTHING").Returning("NULL").Exec(ctx)
		if err != nil {
			return fmt.Errorf("store signature of assignment %d: %w", a.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // signed a moment ago: a double submit stores one signature
		}
		if err := tx.NewSelect().Model(sig).Column("id").
			Where("assignment_id = ? AND document = ? AND version = ?", sig.AssignmentID, sig.Document, sig.Version).Scan(ctx); err != nil {
			return fmt.Errorf("read back signature of assignment %d: %w", a.ID, err)
		}
		if _, err := tx.NewUpdate().Model(a).Set("started_at = ?", now).WherePK().Where("started_at IS NULL").Exec(ctx); err != nil {
			return fmt.Errorf("start assignment %d: %w", a.ID, err)
		}
		err = h.s.Audit.Append(ctx, tx, h.s.Event(c, "undertaking.sign", "signature:"+strconv.FormatInt(sig.ID, 10),
			"assignment", strconv.FormatInt(a.ID, 10), "course", course.Slug, "document", sig.Document,
			"version", sig.Version, "locale", sig.Locale, "method", sig.Method))
		if err != nil {
			return err
		}
		completed, err := h.training.Parts.CompleteIfDone(ctx, tx, a, course, now, h.training.OnComplete)
		if err != nil || !completed {
			return err
		}
		return h.s.Audit.Append(ctx, tx, h.s.Event(c, "assignment.complete", fmt.Sprintf("assignment:%d", a.ID), "course", course.Slug))
	})
}

// sessionAuthMethod says how the session signed in (password, for now).
func sessionAuthMethod(ctx context.Context, db bun.IDB, sessionID int64) (string, error) {
	var method string
	if err := db.NewSelect().Table("sessions").Column("auth_method").Where("id = ?", sessionID).Scan(ctx, &method); err != nil {
		return "", fmt.Errorf("load session %d: %w", sessionID, err)
	}
	return method, nil
}

// cleanUserAgent keeps a user agent storable and its record exact: valid UTF-8 without control
// characters (PostgreSQL refuses NUL), at most 400 bytes.
func cleanUserAgent(ua string) string {
	ua = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(ua, "\uFFFD"))
	for len(ua) > 400 {
		_, size := utf8.DecodeLastRuneInString(ua)
		ua = ua[:len(ua)-size]
	}
	return ua
}
