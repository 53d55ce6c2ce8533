package admin

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"custos/app/audit"
	"custos/app/people"
	"custos/app/server"
)

type auditPage struct {
	server.Page
	Entries    []audit.Shown
	Actions    []string
	Action     string
	PersonID   int64
	Person     string
	NextBefore int64
}

const auditPageSize = 100

// showAudit lists the audit log, newest first, filterable by person (e-mail address) and kind.
// An auditor sees the entries their grant covers, read from their record on every request.
func (h *Handler) showAudit(c *fiber.Ctx) error {
	ctx, v := c.UserContext(), server.ViewerOf(c)
	page := &auditPage{Action: c.Query("action"), Person: c.Query("person")}
	f := audit.Filter{Action: page.Action, Limit: auditPageSize}
	if v.Is(string(people.Auditor)) {
		p, err := people.ByID(ctx, h.s.DB, v.ID)
		if err != nil {
			return err
		}
		f.Scope = audit.Scope{Courses: p.AuditCourses, Departments: p.AuditDepartments}
	}
	f.Before, _ = strconv.ParseInt(c.Query("before"), 10, 64)
	if page.Person != "" {
		p, err := people.ByEmail(ctx, h.s.DB, page.Person)
		if err != nil {
			return err
		}
		f.ActorID, page.PersonID = p.ID, p.ID
	}
	var err error
	if page.Entries, err = audit.List(ctx, h.s.DB, f); err != nil {
		return err
	}
	if page.Actions, err = audit.Actions(ctx, h.s.DB); err != nil {
		return err
	}
	if n := len(page.Entries); n == auditPageSize {
		page.NextBefore = page.Entries[n-1].Seq
	}
	return h.s.Render(c, "admin_audit", page)
}
