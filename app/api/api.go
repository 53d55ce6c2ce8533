package api

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/uptrace/bun"

	"custos/app/apperr"
	"custos/app/certs"
	"custos/app/people"
	"custos/app/server"
	"custos/app/training"
	"custos/courses"
)

// Handler serves /api/v1.
type Handler struct {
	s   *server.Server
	cat *courses.Catalog
	v1  fiber.Router
}

// Routes adds the API. Requests authenticate with a bearer token only: a browser's session
// cookie is ignored here, since API routes take no CSRF token.
func Routes(s *server.Server, cat *courses.Catalog) *Handler {
	h := &Handler{s: s, cat: cat}
	s.Fiber.Get("/api/v1/openapi.json", h.openAPI)
	h.v1 = s.Fiber.Group("/api/v1", h.bearer)
	h.v1.Get("/assignments", h.listAssignments)
	h.v1.Put("/users/:email", h.putUser)
	h.v1.Get("/certificates/:serial", h.getCertificate)
	return h
}

// Group returns the authenticated /api/v1 group, for endpoints other packages add. It is the
// one group: a second Group call would run the token check twice per request.
func (h *Handler) Group() fiber.Router { return h.v1 }

// bearer makes the token's owner the viewer, replacing whatever the cookie said.
func (h *Handler) bearer(c *fiber.Ctx) error {
	if c.Path() == "/api/v1/openapi.json" || strings.HasPrefix(c.Path(), "/api/v1/verify/") {
		return c.Next()
	}
	server.SetViewer(c, nil)
	secret, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	if !ok {
		return apperr.New(apperr.Unauthorized, "api_token_missing")
	}
	t, err := Authenticate(c.UserContext(), h.s.DB, strings.TrimSpace(secret), h.s.Now())
	if err != nil {
		return err
	}
	p := t.Person
	server.SetViewer(c, &server.Viewer{ID: p.ID, Name: p.Name, Email: p.Email, Role: string(p.Role), Locale: p.Locale})
	return c.Next()
}

// assignmentJSON is one assignment as the API shows it.
type assignmentJSON struct {
	ID          int64      `json:"id"`
	Email       string     `json:"email"`
	Name        string     `json:"name"`
	Department  string     `json:"department"`
	Course      string     `json:"course"`
	Cycle       int        `json:"cycle"`
	Status      string     `json:"status"`
	OpenedAt    time.Time  `json:"opened_at"`
	DueAt       time.Time  `json:"due_at"`
	CompletedAt *time.Time `json:"completed_at"`
	ValidUntil  *time.Time `json:"valid_until"`
}

const maxPage = 5000

// listAssignments returns the assignments the token's owner may see: their own, their team's
// for a manager, everyone's for admins and auditors.
func (h *Handler) listAssignments(c *fiber.Ctx) error {
	ctx, v, now := c.UserContext(), server.ViewerOf(c), h.s.Now()
	limit, offset, err := paging(c)
	if err != nil {
		return err
	}
	var rows []struct {
		training.Assignment `bun:",extend"`
		Email               string `bun:"email"`
		Name                string `bun:"name"`
		Department          string `bun:"department"`
	}
	q := h.s.DB.NewSelect().Model(&rows).ColumnExpr("assignment.*").
		ColumnExpr("p.email, p.name, p.department").
		Join("JOIN people AS p ON p.id = assignment.person_id").
		Order("assignment.id").Limit(int64(limit)).Offset(int64(offset))
	switch {
	case v.Is(string(people.Admin), string(people.Auditor)):
	case v.Is(string(people.Manager)):
		q = q.Where("(assignment.person_id = ? OR assignment.person_id IN ("+people.TeamIDs+"))", v.ID, v.ID)
	default:
		q = q.Where("assignment.person_id = ?", v.ID)
	}
	if course := c.Query("course"); course != "" {
		if h.cat.Get(course) == nil {
			return apperr.New(apperr.Invalid, "api_unknown_course", "Course", course)
		}
		q = q.Where("assignment.course = ?", course)
	}
	if dept := c.Query("department"); dept != "" {
		q = q.Where("p.department = ?", dept)
	}
	if status := c.Query("status"); status != "" {
		cond, ok := statusCondition(training.Status(status))
		if !ok {
			return apperr.New(apperr.Invalid, "api_unknown_status", "Status", status)
		}
		q = q.Where(cond, now)
	}
	if err := q.Scan(ctx); err != nil {
		return fmt.Errorf("api: list assignments: %w", err)
	}
	out := make([]assignmentJSON, len(rows))
	for i, r := range rows {
		out[i] = assignmentJSON{ID: r.ID, Email: r.Email, Name: r.Name, Department: r.Department, Course: r.Course,
			Cycle: r.Cycle, Status: string(r.Status(now)), OpenedAt: r.OpenedAt, DueAt: r.DueAt,
			CompletedAt: r.CompletedAt, ValidUntil: r.ValidUntil}
	}
	return c.JSON(fiber.Map{"assignments": out, "limit": limit, "offset": offset})
}

// statusCondition is the SQL form of training.Assignment.Status; its one ? takes the current time.
func statusCondition(s training.Status) (string, bool) {
	cond, ok := map[training.Status]string{
		training.Completed:  "assignment.completed_at IS NOT NULL AND assignment.valid_until > ?",
		training.Expired:    "assignment.completed_at IS NOT NULL AND assignment.valid_until <= ?",
		training.Overdue:    "assignment.completed_at IS NULL AND assignment.due_at < ?",
		training.InProgress: "assignment.completed_at IS NULL AND assignment.started_at IS NOT NULL AND assignment.due_at >= ?",
		training.Assigned:   "assignment.completed_at IS NULL AND assignment.started_at IS NULL AND assignment.due_at >= ?",
	}[s]
	return cond, ok
}

func paging(c *fiber.Ctx) (limit, offset int, err error) {
	limit, offset = 500, 0
	if s := c.Query("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > maxPage {
			return 0, 0, apperr.New(apperr.Invalid, "api_bad_limit", "Max", maxPage)
		}
	}
	if s := c.Query("offset"); s != "" {
		if offset, err = strconv.Atoi(s); err != nil || offset < 0 {
			return 0, 0, apperr.New(apperr.Invalid, "api_bad_offset")
		}
	}
	return limit, offset, nil
}

// userJSON is the body of PUT /api/v1/users/{email}; absent fields keep what is stored.
type userJSON struct {
	Name         *string `json:"name"`
	Department   *string `json:"department"`
	ManagerEmail *string `json:"manager_email"`
	Role         *string `json:"role"`
	Locale       *string `json:"locale"`
	TimeZone     *string `json:"time_zone"`
	HiredOn      *string `json:"hired_on"`
	LeftOn       *string `json:"left_on"`
	Active       *bool   `json:"active"`
}

// putUser lets an HR system keep a person in sync (admins' tokens only). 201 when created.
func (h *Handler) putUser(c *fiber.Ctx) error {
	if !server.ViewerOf(c).Is(string(people.Admin)) {
		return apperr.New(apperr.Forbidden, "error_forbidden")
	}
	email := people.NormalizeEmail(utils.CopyString(c.Params("email")))
	var body userJSON
	dec := json.NewDecoder(bytes.NewReader(c.Body()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil || dec.Decode(&struct{}{}) != io.EOF {
		return apperr.New(apperr.Invalid, "api_bad_json")
	}
	ch := people.Change{Email: email, Name: body.Name, Department: body.Department, Manager: body.ManagerEmail,
		Locale: body.Locale, TimeZone: body.TimeZone, Active: body.Active}
	if body.Role != nil {
		r := people.Role(*body.Role)
		ch.Role = &r
	}
	for _, d := range []struct {
		col string
		val *string
		dst **people.Date
	}{{"hired_on", body.HiredOn, &ch.HiredOn}, {"left_on", body.LeftOn, &ch.LeftOn}} {
		if d.val == nil {
			continue
		}
		date, err := people.ParseDate(*d.val)
		if err != nil {
			return apperr.New(apperr.Invalid, "error_date_invalid", "Column", d.col, "Value", *d.val)
		}
		*d.dst = &date
	}
	var p *people.Person
	var created bool
	err := h.s.DB.RunInTx(c.UserContext(), nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := people.ByEmail(ctx, tx, email); err != nil && body.Name == nil {
			return apperr.New(apperr.Invalid, "error_name_missing")
		}
		var changed bool
		var err error
		if p, created, changed, err = people.Save(ctx, tx, ch, h.s.Now()); err != nil || !changed {
			return err
		}
		if !p.Current(h.s.Now()) {
			if _, err := tx.NewDelete().Table("sessions").Where("person_id = ?", p.ID).Exec(ctx); err != nil {
				return err
			}
		}
		action := map[bool]string{true: "person.create", false: "person.update"}[created]
		return h.s.Audit.Append(ctx, tx, h.s.Event(c, action, people.Subject(p.ID), "email", p.Email, "via", "api",
			"role", string(p.Role), "department", p.Department, "left_on", p.LeftOn.String()))
	})
	if err != nil {
		return err
	}
	if created {
		c.Status(fiber.StatusCreated)
	}
	return c.JSON(personJSON(p))
}

func personJSON(p *people.Person) fiber.Map {
	return fiber.Map{"email": p.Email, "name": p.Name, "department": p.Department, "role": p.Role, "locale": p.Locale,
		"time_zone": p.TimeZone, "hired_on": p.HiredOn.String(), "left_on": p.LeftOn.String(), "active": p.Active}
}

// getCertificate describes a certificate to those who may download it; others get 404.
func (h *Handler) getCertificate(c *fiber.Ctx) error {
	ctx, v := c.UserContext(), server.ViewerOf(c)
	cert, err := certs.BySerial(ctx, h.s.DB, c.Params("serial"))
	if err != nil {
		return err
	}
	ok, err := certs.MayRead(ctx, h.s.DB, v, cert.PersonID, cert.Course)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.New(apperr.NotFound, "error_not_found")
	}
	return c.JSON(fiber.Map{"serial": cert.Serial, "course": cert.Course, "course_version": cert.CourseVersion,
		"holder": cert.Holder, "issued_at": cert.IssuedAt, "valid_until": cert.ValidUntil, "status": cert.Status(h.s.Now()),
		"revoked_at": cert.RevokedAt, "score": cert.Score, "pdf_sha256": cert.PDFSHA256,
		"pdf_url": h.s.Config.BaseURL + "/certificates/" + cert.Serial + ".pdf"})
}

//go:embed openapi.json
var openAPIDoc []byte

func (h *Handler) openAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(openAPIDoc)
}
