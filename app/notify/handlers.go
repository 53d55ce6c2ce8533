package notify

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"custos/app/apperr"
	"custos/app/auth"
	"custos/app/people"
	"custos/app/server"
	"custos/app/training"
	"custos/courses"
)

// Handler serves the reminder pages and the manager's "remind" action.
type Handler struct {
	s   *server.Server
	cat *courses.Catalog
}

// Routes adds /reminders (mine), /admin/reminders (everyone's, with status) and the team
// page's POST /team/remind.
func Routes(s *server.Server, cat *courses.Catalog) {
	h := &Handler{s: s, cat: cat}
	s.Fiber.Get("/reminders", auth.RequireSignIn, h.showMine)
	s.Fiber.Get("/admin/reminders", auth.RequireRole(people.Admin), h.showAdmin)
	s.Fiber.Post("/team/remind", auth.RequireRole(people.Manager, people.Admin), h.remind)
}

// row is one reminder as a page shows it.
type row struct {
	Listed
	Title string // the course in the viewer's language
}

func (h *Handler) rows(list []Listed, lang string) []row {
	out := make([]row, len(list))
	for i, l := range list {
		out[i] = row{Listed: l}
		if l.Course != "" {
			out[i].Title = courseTitle(h.cat, l.Course, lang)
		}
	}
	return out
}

type minePage struct {
	server.Page
	Rows []row
}

// showMine lists the reminders sent to the viewer.
func (h *Handler) showMine(c *fiber.Ctx) error {
	v := server.ViewerOf(c)
	list, err := List(c.UserContext(), h.s.DB, Filter{PersonID: v.ID, Limit: 200})
	if err != nil {
		return err
	}
	return h.s.Render(c, "reminders", &minePage{Rows: h.rows(list, server.Lang(c))})
}

type adminPage struct {
	server.Page
	MailOff    bool // CUSTOS_SMTP_URL is unset: e-mail goes to the log
	Counts     []StatusCount
	Statuses   []Status
	Status     string
	Rows       []row
	NextBefore int64
}

const adminPageSize = 100

// showAdmin lists every reminder, newest first, filterable by status, with what went wrong.
func (h *Handler) showAdmin(c *fiber.Ctx) error {
	ctx := c.UserContext()
	page := &adminPage{MailOff: h.s.Config.SMTPURL == "", Statuses: Statuses}
	f := Filter{Limit: adminPageSize}
	for _, st := range Statuses {
		if c.Query("status") == string(st) {
			f.Status, page.Status = st, string(st)
		}
	}
	f.Before, _ = strconv.ParseInt(c.Query("before"), 10, 64)
	list, err := List(ctx, h.s.DB, f)
	if err != nil {
		return err
	}
	if page.Counts, err = CountByStatus(ctx, h.s.DB); err != nil {
		return err
	}
	page.Rows = h.rows(list, server.Lang(c))
	if n := len(list); n == adminPageSize {
		page.NextBefore = list[n-1].ID
	}
	return h.s.Render(c, "admin_reminders", page)
}

// remind queues a manager's reminder to someone in their team about an open assignment, at
// most one a day per assignment, and goes back to the team page. An assignment of someone
// outside the viewer's team is answered as if it did not exist.
func (h *Handler) remind(c *fiber.Ctx) error {
	ctx, v := c.UserContext(), server.ViewerOf(c)
	id, err := strconv.ParseInt(strings.TrimSpace(c.FormValue("assignment_id")), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	a := new(training.Assignment)
	if err := h.s.DB.NewSelect().Model(a).Where("id = ?", id).Scan(ctx); errors.Is(err, sql.ErrNoRows) {
		return fiber.ErrNotFound
	} else if err != nil {
		return err
	}
	if ok, err := people.Manages(ctx, h.s.DB, v.ID, a.PersonID); err != nil {
		return err
	} else if !ok {
		return fiber.ErrNotFound
	}
	if a.CompletedAt != nil {
		return apperr.New(apperr.Invalid, "notify_remind_done")
	}
	p, err := people.ByID(ctx, h.s.DB, a.PersonID)
	if err != nil {
		return err
	}
	now := h.s.Now()
	day := now.In(p.Location()).Format("2006-01-02")
	var queued bool
	err = h.s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if queued, err = QueueManual(ctx, tx, a.ID, a.PersonID, v.ID, a.Course, day, now); err != nil || !queued {
			return err
		}
		return h.s.Audit.Append(ctx, tx, h.s.Event(c, "reminder.manual", "assignment:"+strconv.FormatInt(a.ID, 10),
			"person", people.Subject(a.PersonID), "course", a.Course))
	})
	if err != nil {
		return err
	}
	result := "queued"
	if !queued {
		result = "already"
	}
	return c.Redirect("/team?"+url.Values{"reminded": {result}}.Encode(), fiber.StatusSeeOther)
}
