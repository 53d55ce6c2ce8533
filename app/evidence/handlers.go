package evidence

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"custos/app/apperr"
	"custos/app/auth"
	"custos/app/people"
	"custos/app/reports"
	"custos/app/server"
	"custos/app/signing"
	"custos/certificates"
	"custos/courses"
)

// Handler serves the evidence page and bundle downloads.
type Handler struct {
	s        *server.Server
	cat      *courses.Catalog
	key      *signing.Key
	renderer *certificates.Renderer
}

// StreamTimeout bounds building one bundle.
const StreamTimeout = 30 * time.Minute

// DefaultPeriod is the period a request without dates covers: the last year, an audit cycle.
const DefaultPeriod = 12 // months

// Routes adds /evidence, /evidence.zip and, on the API group, /api/v1/evidence.
func Routes(s *server.Server, api fiber.Router, cat *courses.Catalog, key *signing.Key, renderer *certificates.Renderer) {
	h := &Handler{s: s, cat: cat, key: key, renderer: renderer}
	readers := auth.RequireRole(people.Admin, people.Auditor)
	s.Fiber.Get("/evidence", readers, h.showPage)
	s.Fiber.Get("/evidence.zip", readers, h.download)
	api.Get("/evidence", h.download)
}

type evidencePage struct {
	server.Page
	Courses []*courses.Course
	From    string
	To      string
}

func (h *Handler) showPage(c *fiber.Ctx) error {
	now := h.s.Now()
	return h.s.Render(c, "evidence", &evidencePage{Courses: h.cat.Courses,
		From: now.AddDate(0, -DefaultPeriod, 0).Format("2006-01-02"), To: now.Format("2006-01-02")})
}

// download checks who asks and for what, records the download, then streams the bundle. Bad
// input is refused before a byte is sent (JSON on the API, a page elsewhere).
func (h *Handler) download(c *fiber.Ctx) error {
	ctx, v, now := c.UserContext(), server.ViewerOf(c), h.s.Now()
	if !v.Is(string(people.Admin), string(people.Auditor)) {
		return apperr.New(apperr.Forbidden, "error_forbidden")
	}
	scope, err := reports.ScopeFor(ctx, h.s.DB, v)
	if err != nil {
		return err
	}
	f, err := reports.ParseFilter(ctx, h.s.DB, h.cat, scope, c, now)
	if err != nil {
		return err
	}
	if f.To.IsZero() {
		f.To = people.DateOf(now)
	}
	if f.From.IsZero() {
		f.From = people.DateOf(f.To.Time(time.UTC).AddDate(0, -DefaultPeriod, 0))
	}
	req := Request{From: f.From, To: f.To, Course: f.Course, Courses: scope.Courses, Departments: scope.Departments}
	err = h.s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return h.s.Audit.Append(ctx, tx, h.s.Event(c, "evidence.download", "evidence",
			"from", f.From.String(), "to", f.To.String(), "course", f.Course, "scope", scope.Describe()))
	})
	if err != nil {
		return err
	}
	report := reports.Completion{DB: h.s.DB, Now: now, Scope: scope, Filter: f}
	lang := h.s.Localizer(c)
	by := v.Name + " <" + v.Email + ">"
	deps := Deps{DB: h.s.DB, Key: h.key, I18n: h.s.I18n, Renderer: h.renderer, Org: h.s.Config.OrgName, Now: now,
		Report: func(ctx context.Context, w io.Writer, format string) error {
			if format == "csv" {
				return report.WriteCSV(ctx, w)
			}
			return report.WritePDF(ctx, w, reports.PDFOptions{Renderer: h.renderer, Catalog: h.cat, L: lang, Org: h.s.Config.OrgName, By: by})
		}}
	name := fmt.Sprintf("evidence-%s-%s.zip", f.From, f.To)
	c.Set(fiber.HeaderContentType, "application/zip")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	log, id := h.s.Log, server.RequestID(c)
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := context.WithTimeout(context.Background(), StreamTimeout)
		defer cancel()
		if err := Write(ctx, w, deps, req); err != nil {
			log.Error("evidence bundle failed", slog.String("id", id), slog.Any("err", err))
			return
		}
		w.Flush()
	})
	return nil
}
