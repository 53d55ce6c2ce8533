package certs

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/uptrace/bun"

	"custos/app/apperr"
	"custos/app/auth"
	"custos/app/people"
	"custos/app/server"
	"custos/courses"
)

// Handler serves certificate downloads, public verification and revocation.
type Handler struct {
	s   *server.Server
	cat *courses.Catalog
}

// VerifyLimit bounds public verification per client address, against enumeration of codes.
const VerifyLimit = 30

// Routes adds the certificate routes.
func Routes(s *server.Server, cat *courses.Catalog) {
	h := &Handler{s: s, cat: cat}
	limit := s.RateLimit("verify", VerifyLimit, time.Minute)
	s.Fiber.Get("/certificates/:serial.pdf", auth.RequireSignIn, h.download)
	s.Fiber.Get("/verify/:code", limit, h.showVerify)
	s.Fiber.Get("/api/v1/verify/:code", limit, h.verifyJSON)
	s.Fiber.Get("/admin/certificates", auth.RequireRole(people.Admin, people.Auditor), h.listAdmin)
	s.Fiber.Post("/admin/certificates/:serial/revoke", auth.RequireRole(people.Admin), h.revoke)
}

// MayRead reports whether the viewer may see a training record of course (a certificate, a
// signature receipt) about personID: the person themselves, their managers, admins, and
// auditors whose grant covers the course and the person's department.
func MayRead(ctx context.Context, db bun.IDB, v *server.Viewer, personID int64, course string) (bool, error) {
	switch {
	case v.ID == personID || v.Is(string(people.Admin)):
		return true, nil
	case v.Is(string(people.Auditor)):
		auditor, err := people.ByID(ctx, db, v.ID)
		if err != nil {
			return false, err
		}
		holder, err := people.ByID(ctx, db, personID)
		if err != nil {
			return false, err
		}
		return auditor.AuditorSees(course, holder.Department), nil
	case v.Is(string(people.Manager)):
		return people.Manages(ctx, db, v.ID, personID)
	}
	return false, nil
}

// download sends the PDF exactly as issued. Anyone who may not see it gets 404, as if it did
// not exist, so serials cannot be probed.
func (h *Handler) download(c *fiber.Ctx) error {
	ctx, v := c.UserContext(), server.ViewerOf(c)
	cert, err := BySerial(ctx, h.s.DB, c.Params("serial"))
	if err != nil {
		return err
	}
	if ok, err := MayRead(ctx, h.s.DB, v, cert.PersonID, cert.Course); err != nil {
		return err
	} else if !ok {
		return fiber.ErrNotFound
	}
	err = h.s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return h.s.Audit.Append(ctx, tx, h.s.Event(c, "certificate.download", "certificate:"+cert.Serial))
	})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="certificate-%s.pdf"`, cert.Serial))
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(cert.PDF)
}

type verifyPage struct {
	server.Page
	Found      bool
	Status     Status
	Holder     string
	CourseName string
	Issued     time.Time
	ValidUntil time.Time
	RevokedAt  time.Time
}

// verification is what anyone may learn from a code: status, course, dates, a masked name.
type verification struct {
	Status     Status     `json:"status"`
	Holder     string     `json:"holder"`
	Course     string     `json:"course"`
	CourseName string     `json:"course_title"`
	IssuedAt   time.Time  `json:"issued_at"`
	ValidUntil time.Time  `json:"valid_until"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

func (h *Handler) verify(c *fiber.Ctx) (*verification, error) {
	cert, err := ByCode(c.UserContext(), h.s.DB, c.Params("code"))
	if err != nil {
		return nil, err
	}
	title := cert.Course
	if course := h.cat.Get(cert.Course); course != nil {
		title = course.Title.In(server.Lang(c))
	}
	return &verification{Status: cert.Status(h.s.Now()), Holder: MaskName(cert.Holder), Course: cert.Course,
		CourseName: title, IssuedAt: cert.IssuedAt, ValidUntil: cert.ValidUntil, RevokedAt: cert.RevokedAt}, nil
}

func (h *Handler) showVerify(c *fiber.Ctx) error {
	v, err := h.verify(c)
	if apperr.CodeOf(err) == apperr.NotFound {
		c.Status(fiber.StatusNotFound)
		return h.s.Render(c, "verify", &verifyPage{})
	}
	if err != nil {
		return err
	}
	page := &verifyPage{Found: true, Status: v.Status, Holder: v.Holder, CourseName: v.CourseName, Issued: v.IssuedAt, ValidUntil: v.ValidUntil}
	if v.RevokedAt != nil {
		page.RevokedAt = *v.RevokedAt
	}
	return h.s.Render(c, "verify", page)
}

func (h *Handler) verifyJSON(c *fiber.Ctx) error {
	v, err := h.verify(c)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// MaskName shows enough of a holder's name to match a person in front of you and no more:
// 张伟 → 张*, José García → J. García, Priya → P.
func MaskName(name string) string {
	name = strings.TrimSpace(name)
	first, _ := utf8.DecodeRuneInString(name)
	if first == utf8.RuneError {
		return ""
	}
	if unicode.Is(unicode.Han, first) {
		return string(first) + strings.Repeat("*", utf8.RuneCountInString(name)-1)
	}
	words := strings.Fields(name)
	initial := string(unicode.ToUpper(first)) + "."
	if len(words) < 2 {
		return initial
	}
	return initial + " " + words[len(words)-1]
}

type adminPage struct {
	server.Page
	Certificates []Certificate
	Names        map[int64]string
	Query        string
	Error        string
}

// listAdmin lists certificates, newest first, optionally those of one person (e-mail) or one
// serial, with a revoke form for admins.
func (h *Handler) listAdmin(c *fiber.Ctx) error {
	ctx := c.UserContext()
	page := &adminPage{Query: strings.TrimSpace(c.Query("q"))}
	q := h.s.DB.NewSelect().Model(&page.Certificates).ExcludeColumn("pdf").Order("issued_at DESC").Limit(200)
	if v := server.ViewerOf(c); v.Is(string(people.Auditor)) {
		auditor, err := people.ByID(ctx, h.s.DB, v.ID)
		if err != nil {
			return err
		}
		if len(auditor.AuditCourses) > 0 {
			q = q.Where("course IN (?)", bun.In([]string(auditor.AuditCourses)))
		}
		if len(auditor.AuditDepartments) > 0 {
			q = q.Where("person_id IN (SELECT id FROM people WHERE department IN (?))", bun.In([]string(auditor.AuditDepartments)))
		}
	}
	if page.Query != "" {
		if validSerial(strings.ToUpper(page.Query)) {
			q = q.Where("serial = ?", strings.ToUpper(page.Query))
		} else if p, err := people.ByEmail(ctx, h.s.DB, page.Query); err == nil {
			q = q.Where("person_id = ?", p.ID)
		} else {
			q = q.Where("1 = 0")
		}
	}
	if err := q.Scan(ctx); err != nil {
		return fmt.Errorf("list certificates: %w", err)
	}
	page.Names = map[int64]string{}
	for _, cert := range page.Certificates {
		page.Names[cert.PersonID] = cert.Holder
	}
	return h.s.Render(c, "admin_certificates", page)
}

// revoke records a revocation with its reason, once; verification says revoked from then on.
func (h *Handler) revoke(c *fiber.Ctx) error {
	ctx, v := c.UserContext(), server.ViewerOf(c)
	reason := strings.TrimSpace(utils.CopyString(c.FormValue("reason")))
	if reason == "" || utf8.RuneCountInString(reason) > 500 {
		return apperr.New(apperr.Invalid, "cert_revoke_reason_missing")
	}
	cert, err := BySerial(ctx, h.s.DB, c.Params("serial"))
	if err != nil {
		return err
	}
	now := h.s.Now()
	err = h.s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model(cert).Set("revoked_at = ?", now).Set("revoked_by = ?", v.ID).
			Set("revoke_reason = ?", reason).WherePK().Where("revoked_at IS NULL").Exec(ctx)
		if err != nil {
			return fmt.Errorf("revoke %s: %w", cert.Serial, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "cert_already_revoked")
		}
		return h.s.Audit.Append(ctx, tx, h.s.Event(c, "certificate.revoke", "certificate:"+cert.Serial,
			"reason", reason, "holder", fmt.Sprint(cert.PersonID)))
	})
	if err != nil {
		return err
	}
	return c.Redirect("/admin/certificates?q="+cert.Serial, fiber.StatusSeeOther)
}
