package admin

import (
	"context"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"custos/app/apperr"
	"custos/app/auth"
	"custos/app/people"
	"custos/app/server"
)

const pageSize = 50

type peoplePage struct {
	server.Page
	People      []people.Person
	Managers    map[int64]string
	Total       int
	Filter      people.Filter
	Departments []string
	Roles       []people.Role
	PrevOffset  int
	NextOffset  int
}

func (h *Handler) listPeople(c *fiber.Ctx) error {
	ctx := c.UserContext()
	offset, _ := strconv.Atoi(c.Query("offset"))
	f := people.Filter{
		Search: c.Query("q"), Department: c.Query("department"), Role: people.Role(c.Query("role")),
		Inactive: c.Query("inactive") == "1", Limit: pageSize, Offset: max(offset, 0),
	}
	list, total, err := people.List(ctx, h.s.DB, f)
	if err != nil {
		return err
	}
	depts, err := people.Departments(ctx, h.s.DB)
	if err != nil {
		return err
	}
	managers, err := managerNames(ctx, h.s.DB, list)
	if err != nil {
		return err
	}
	page := &peoplePage{People: list, Managers: managers, Total: total, Filter: f, Departments: depts,
		Roles: people.Roles, PrevOffset: -1, NextOffset: -1}
	if f.Offset > 0 {
		page.PrevOffset = max(f.Offset-pageSize, 0)
	}
	if f.Offset+pageSize < total {
		page.NextOffset = f.Offset + pageSize
	}
	page.Title = "people_title"
	return h.s.Render(c, "admin_people", page)
}

func managerNames(ctx context.Context, db bun.IDB, list []people.Person) (map[int64]string, error) {
	var ids []int64
	for _, p := range list {
		if p.ManagerID != nil {
			ids = append(ids, *p.ManagerID)
		}
	}
	names := make(map[int64]string)
	if len(ids) == 0 {
		return names, nil
	}
	var managers []people.Person
	if err := db.NewSelect().Model(&managers).Column("id", "name").Where("id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("load managers: %w", err)
	}
	for _, m := range managers {
		names[m.ID] = m.Name
	}
	return names, nil
}

// personForm is the add/edit form, as typed, so a refused form comes back with what was entered.
type personForm struct {
	Email, Name, Department, Manager, Role, Locale, TimeZone, HiredOn, LeftOn string
	Active                                                                    bool
	Audit                                                                     auditForm // auditor.go
}

type personPage struct {
	server.Page
	ID      int64
	Form    personForm
	Errors  []string
	Roles   []people.Role
	Locales []string
	Saved   bool
}

func (h *Handler) newPerson(c *fiber.Ctx) error {
	return h.s.Render(c, "admin_person", &personPage{
		Form:  personForm{Role: string(people.Employee), Locale: "en", TimeZone: people.DefaultTimeZone, Active: true},
		Roles: people.Roles, Locales: people.Locales,
	})
}

func (h *Handler) editPerson(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	p, err := people.ByID(ctx, h.s.DB, id)
	if err != nil {
		return err
	}
	form := personForm{Email: p.Email, Name: p.Name, Department: p.Department, Role: string(p.Role),
		Locale: p.Locale, TimeZone: p.TimeZone, HiredOn: p.HiredOn.String(), LeftOn: p.LeftOn.String(), Active: p.Active,
		Audit: auditFormOf(p)}
	if p.ManagerID != nil {
		m, err := people.ByID(ctx, h.s.DB, *p.ManagerID)
		if err != nil {
			return err
		}
		form.Manager = m.Email
	}
	return h.s.Render(c, "admin_person", &personPage{ID: p.ID, Form: form, Roles: people.Roles,
		Locales: people.Locales, Saved: c.Query("saved") == "1"})
}

func readPersonForm(c *fiber.Ctx) personForm {
	return personForm{
		Email: formValue(c, "email"), Name: formValue(c, "name"), Department: formValue(c, "department"),
		Manager: formValue(c, "manager_email"), Role: formValue(c, "role"), Locale: formValue(c, "locale"),
		TimeZone: formValue(c, "time_zone"), HiredOn: formValue(c, "hired_on"), LeftOn: formValue(c, "left_on"),
		Active: c.FormValue("active") == "1", Audit: readAuditForm(c),
	}
}

// change turns the form into a Change, or the message keys of what is wrong with it.
func (f personForm) change() (people.Change, []*apperr.Error) {
	var errs []*apperr.Error
	role := people.Role(f.Role)
	ch := people.Change{Email: people.NormalizeEmail(f.Email), Name: &f.Name, Department: &f.Department,
		Manager: &f.Manager, Role: &role, Locale: &f.Locale, TimeZone: &f.TimeZone, Active: &f.Active}
	for _, d := range []struct {
		col, val string
		dst      **people.Date
	}{{"hired_on", f.HiredOn, &ch.HiredOn}, {"left_on", f.LeftOn, &ch.LeftOn}} {
		date, err := people.ParseDate(d.val)
		if err != nil {
			errs = append(errs, apperr.New(apperr.Invalid, "error_date_invalid", "Column", d.col, "Value", d.val))
			continue
		}
		*d.dst = &date
	}
	if access, err := f.Audit.access(role); err != nil {
		errs = append(errs, err)
	} else {
		ch.Audit = access
	}
	return ch, errs
}

func (h *Handler) createPerson(c *fiber.Ctx) error { return h.savePerson(c, 0) }

func (h *Handler) updatePerson(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	if _, err := people.ByID(c.UserContext(), h.s.DB, id); err != nil {
		return err
	}
	return h.savePerson(c, id)
}

// savePerson validates the form and stores it with its audit record in one transaction; a
// refused form is shown again with every problem and nothing is written.
func (h *Handler) savePerson(c *fiber.Ctx, id int64) error {
	ctx, l := c.UserContext(), h.s.Localizer(c)
	form := readPersonForm(c)
	password := formValue(c, "password")
	if id != 0 {
		p, err := people.ByID(ctx, h.s.DB, id)
		if err != nil {
			return err
		}
		form.Email = p.Email // the address is the person's key; HR changes it by import
	}
	ch, errs := form.change()
	if password != "" && len([]rune(password)) < auth.MinPasswordLen {
		errs = append(errs, apperr.New(apperr.Invalid, "error_password_short", "Min", auth.MinPasswordLen))
	}
	var saved *people.Person
	if len(errs) == 0 {
		err := h.s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if id == 0 {
				if _, err := people.ByEmail(ctx, tx, ch.Email); err == nil {
					return apperr.New(apperr.Conflict, "error_email_taken", "Email", ch.Email)
				}
			}
			p, created, changed, err := people.Save(ctx, tx, ch, h.s.Now())
			if err != nil {
				return err
			}
			saved = p
			if password != "" {
				hash, err := auth.HashPassword(password)
				if err != nil {
					return err
				}
				if err := people.SetPassword(ctx, tx, p.ID, hash, h.s.Now()); err != nil {
					return err
				}
				changed = true
			}
			if !p.Current(h.s.Now()) {
				if err := auth.EndSessions(ctx, tx, p.ID); err != nil {
					return err
				}
			}
			if !changed {
				return nil
			}
			action := "person.update"
			if created {
				action = "person.create"
			}
			return h.s.Audit.Append(ctx, tx, h.s.Event(c, action, people.Subject(p.ID),
				"email", p.Email, "name", p.Name, "role", string(p.Role), "department", p.Department,
				"manager", people.NormalizeEmail(form.Manager), "active", strconv.FormatBool(p.Active),
				"left_on", p.LeftOn.String(), "password_set", strconv.FormatBool(password != ""), "auditor_access", auditDetail(p)))
		})
		if e, ok := apperr.As(err); ok && e.Code != apperr.Internal {
			errs = append(errs, e)
		} else if err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = l.TMap(e.Key, e.Args)
		}
		c.Status(fiber.StatusUnprocessableEntity)
		return h.s.Render(c, "admin_person", &personPage{ID: id, Form: form, Errors: msgs, Roles: people.Roles, Locales: people.Locales})
	}
	return c.Redirect(fmt.Sprintf("/admin/people/%d?saved=1", saved.ID), fiber.StatusSeeOther)
}

// setActive deactivates or reactivates a person; deactivation signs them out everywhere.
func (h *Handler) setActive(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	active := c.FormValue("active") == "1"
	if v := server.ViewerOf(c); v.ID == id && !active {
		return apperr.New(apperr.Invalid, "error_deactivate_self")
	}
	err := h.s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		p, err := people.ByID(ctx, tx, id)
		if err != nil {
			return err
		}
		_, _, changed, err := people.Save(ctx, tx, people.Change{Email: p.Email, Active: &active}, h.s.Now())
		if err != nil || !changed {
			return err
		}
		if !active {
			if err := auth.EndSessions(ctx, tx, id); err != nil {
				return err
			}
		}
		action := "person.deactivate"
		if active {
			action = "person.activate"
		}
		return h.s.Audit.Append(ctx, tx, h.s.Event(c, action, people.Subject(id), "email", p.Email))
	})
	if err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/people/%d?saved=1", id), fiber.StatusSeeOther)
}

type importPage struct {
	server.Page
	Problems []string
	Result   *people.ImportResult
}

func (h *Handler) showImport(c *fiber.Ctx) error {
	return h.s.Render(c, "admin_import", &importPage{})
}

// importPeople takes an uploaded HR export: every bad line is listed and nothing is imported,
// or everything is imported in one transaction with one audit record per person changed.
func (h *Handler) importPeople(c *fiber.Ctx) error {
	ctx, l := c.UserContext(), h.s.Localizer(c)
	page := &importPage{}
	fh, err := c.FormFile("file")
	if err != nil {
		page.Problems = []string{l.T("error_import_no_file")}
		c.Status(fiber.StatusUnprocessableEntity)
		return h.s.Render(c, "admin_import", page)
	}
	f, err := fh.Open()
	if err != nil {
		return fmt.Errorf("open upload: %w", err)
	}
	defer f.Close()
	rows, err := people.ReadCSV(f)
	var res people.ImportResult
	if err == nil {
		err = h.s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			var touched []*people.Person
			res, touched, err = people.ImportTx(ctx, tx, rows, h.s.Now(), nil)
			if err != nil {
				return err
			}
			return h.recordImport(ctx, tx, c, res, touched)
		})
	}
	if err != nil {
		page.Problems = ImportMessages(err, l.TMap, l.T)
		if page.Problems == nil {
			return err
		}
		c.Status(fiber.StatusUnprocessableEntity)
		return h.s.Render(c, "admin_import", page)
	}
	page.Result = &res
	return h.s.Render(c, "admin_import", page)
}

func (h *Handler) recordImport(ctx context.Context, tx bun.Tx, c *fiber.Ctx, res people.ImportResult, touched []*people.Person) error {
	now := h.s.Now()
	for _, p := range touched {
		if !p.Current(now) {
			if err := auth.EndSessions(ctx, tx, p.ID); err != nil {
				return err
			}
		}
		if err := h.s.Audit.Append(ctx, tx, h.s.Event(c, "person.import", people.Subject(p.ID), "email", p.Email,
			"role", string(p.Role), "department", p.Department, "left_on", p.LeftOn.String())); err != nil {
			return err
		}
	}
	return h.s.Audit.Append(ctx, tx, h.s.Event(c, "people.import", "people",
		"created", strconv.Itoa(res.Created), "updated", strconv.Itoa(res.Updated), "unchanged", strconv.Itoa(res.Unchanged)))
}

// ImportMessages turns an import's refusal into one translated line per problem, or nil when err
// is not a refusal a person can act on.
func ImportMessages(err error, tmap func(string, map[string]any) string, t func(string, ...any) string) []string {
	if ie, ok := err.(*people.ImportError); ok {
		out := make([]string, len(ie.Problems))
		for i, p := range ie.Problems {
			out[i] = t("import_line", "Line", p.Line, "Message", tmap(p.Err.Key, p.Err.Args))
		}
		return out
	}
	if e, ok := apperr.As(err); ok && e.Code != apperr.Internal {
		return []string{tmap(e.Key, e.Args)}
	}
	return nil
}
