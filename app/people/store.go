package people

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"custos/app/apperr"
)

// ByEmail loads the person with that address (any case).
func ByEmail(ctx context.Context, db bun.IDB, email string) (*Person, error) {
	p := new(Person)
	err := db.NewSelect().Model(p).Where("email = ?", NormalizeEmail(email)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "error_person_not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("load person by email: %w", err)
	}
	return p, nil
}

// ByID loads one person.
func ByID(ctx context.Context, db bun.IDB, id int64) (*Person, error) {
	p := new(Person)
	err := db.NewSelect().Model(p).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "error_person_not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("load person %d: %w", id, err)
	}
	return p, nil
}

// Filter narrows a listing of people; zero fields match everyone.
type Filter struct {
	Search     string // part of a name or e-mail address
	Department string
	Role       Role
	Inactive   bool // include deactivated people and leavers
	Limit      int
	Offset     int
}

// Apply adds the filter's conditions to q.
func (f Filter) Apply(q *bun.SelectQuery) *bun.SelectQuery {
	if s := strings.TrimSpace(f.Search); s != "" {
		like := "%" + escapeLike(strings.ToLower(s)) + "%"
		q = q.Where("(LOWER(person.name) LIKE ? ESCAPE '\\' OR person.email LIKE ? ESCAPE '\\')", like, like)
	}
	if f.Department != "" {
		q = q.Where("person.department = ?", f.Department)
	}
	if f.Role != "" {
		q = q.Where("person.role = ?", f.Role)
	}
	if !f.Inactive {
		q = q.Where("person.active")
	}
	if f.Limit > 0 {
		q = q.Limit(int64(f.Limit)).Offset(int64(f.Offset))
	}
	return q
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// List returns the people matching f, by name, and how many match in all.
func List(ctx context.Context, db bun.IDB, f Filter) ([]Person, int, error) {
	var out []Person
	n, err := db.NewSelect().Model(&out).
		Apply(f.Apply).Order("person.name", "person.id").ScanAndCount(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("list people: %w", err)
	}
	return out, int(n), nil
}

// Departments lists the departments people belong to, for filters.
func Departments(ctx context.Context, db bun.IDB) ([]string, error) {
	var out []string
	err := db.NewSelect().Model((*Person)(nil)).Distinct().Column("department").
		Where("department <> ''").Order("department").Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("list departments: %w", err)
	}
	return out, nil
}

// TeamIDs is SQL selecting the IDs of everyone below a manager in the manager chain; a recursive query
// works the same in both dialects, and Save and the import refuse cycles so it always ends.
const TeamIDs = `WITH RECURSIVE team(id) AS (
	SELECT id FROM people WHERE manager_id = ?
	UNION
	SELECT p.id FROM people p JOIN team t ON p.manager_id = t.id
) SELECT id FROM team`

// Team returns everyone below managerID in the manager chain, direct and indirect, by name.
func Team(ctx context.Context, db bun.IDB, managerID int64) ([]Person, error) {
	var out []Person
	err := db.NewSelect().Model(&out).Where("id IN ("+TeamIDs+")", managerID).Order("name", "id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("load team of %d: %w", managerID, err)
	}
	return out, nil
}

// Manages reports whether personID is below managerID in the manager chain.
func Manages(ctx context.Context, db bun.IDB, managerID, personID int64) (bool, error) {
	var n int
	err := db.NewRaw("SELECT COUNT(*) FROM ("+TeamIDs+" WHERE id = ?) AS t", managerID, personID).Scan(ctx, &n)
	if err != nil {
		return false, fmt.Errorf("check manager chain: %w", err)
	}
	return n > 0, nil
}

// Change is what an HR record, a command or an admin says about one person. Nil fields keep
// what is stored (or take the default for someone new).
type Change struct {
	Email      string
	Name       *string
	Department *string
	Manager    *string // the manager's e-mail address; "" for none
	Role       *Role
	Locale     *string
	TimeZone   *string
	HiredOn    *Date
	LeftOn     *Date
	Active     *bool
	Audit      *AuditAccess // an auditor's scope and expiry (auditor.go)
}

// DefaultTimeZone is given to people whose record names none.
const DefaultTimeZone = "Asia/Shanghai"

// apply copies c onto p and reports whether anything changed. managerID resolves an address.
func (c Change) apply(p *Person, managerID func(email string) (*int64, bool)) (bool, *apperr.Error) {
	before := *p
	if p.ID == 0 {
		p.Email, p.Role, p.Locale, p.TimeZone, p.Active = NormalizeEmail(c.Email), Employee, "en", DefaultTimeZone, true
	}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&p.Name, c.Name)
	set(&p.Department, c.Department)
	set(&p.Locale, c.Locale)
	set(&p.TimeZone, c.TimeZone)
	if c.Role != nil {
		p.Role = *c.Role
	}
	if c.HiredOn != nil {
		p.HiredOn = *c.HiredOn
	}
	if c.LeftOn != nil {
		p.LeftOn = *c.LeftOn
	}
	if c.Active != nil {
		p.Active = *c.Active
	}
	if c.Manager != nil {
		m := NormalizeEmail(*c.Manager)
		if m == "" {
			p.ManagerID = nil
		} else if m == p.Email {
			return false, apperr.New(apperr.Invalid, "error_manager_self")
		} else if id, ok := managerID(m); ok {
			p.ManagerID = id
		} else {
			return false, apperr.New(apperr.Invalid, "error_manager_unknown", "Email", m)
		}
	}
	if err := validateFields(p.Email, p.Name, p.Department, p.Role, p.Locale, p.TimeZone); err != nil {
		return false, err
	}
	if err := c.Audit.apply(p); err != nil {
		return false, err
	}
	if !p.HiredOn.IsZero() && !p.LeftOn.IsZero() && p.HiredOn.After(p.LeftOn) {
		return false, apperr.New(apperr.Invalid, "error_left_before_hired")
	}
	return !samePerson(before, *p), nil
}

func samePerson(a, b Person) bool {
	sameManager := (a.ManagerID == nil && b.ManagerID == nil) ||
		(a.ManagerID != nil && b.ManagerID != nil && *a.ManagerID == *b.ManagerID)
	return a.Email == b.Email && a.Name == b.Name && a.Department == b.Department && sameManager &&
		a.Role == b.Role && a.Locale == b.Locale && a.TimeZone == b.TimeZone && a.HiredOn == b.HiredOn &&
		a.LeftOn == b.LeftOn && a.Active == b.Active && sameAudit(a, b)
}

// Save creates or updates the person c names, in one transaction that the caller owns (so an
// audit entry can go in the same one). It reports whether the person is new and whether anything
// changed.
func Save(ctx context.Context, tx bun.Tx, c Change, now time.Time) (p *Person, created, changed bool, err error) {
	p, err = ByEmail(ctx, tx, c.Email)
	if apperr.CodeOf(err) == apperr.NotFound {
		p, err = new(Person), nil
	}
	if err != nil {
		return nil, false, false, err
	}
	lookup := func(email string) (*int64, bool) {
		m, err := ByEmail(ctx, tx, email)
		if err != nil {
			return nil, false
		}
		return &m.ID, true
	}
	changed, verr := c.apply(p, lookup)
	if verr != nil {
		return nil, false, false, verr
	}
	if p.ManagerID != nil && p.ID != 0 {
		if cycle, err := Manages(ctx, tx, p.ID, *p.ManagerID); err != nil {
			return nil, false, false, err
		} else if cycle {
			return nil, false, false, apperr.New(apperr.Invalid, "error_manager_cycle", "Email", p.Email)
		}
	}
	if !changed {
		return p, false, false, nil
	}
	p.UpdatedAt = now
	if p.ID == 0 {
		p.CreatedAt = now
		if _, err := tx.NewInsert().Model(p).Exec(ctx); err != nil {
			return nil, false, false, fmt.Errorf("insert person %s: %w", p.Email, err)
		}
		return p, true, true, nil
	}
	if _, err := tx.NewUpdate().Model(p).WherePK().ExcludeColumn("password_hash", "created_at").Exec(ctx); err != nil {
		return nil, false, false, fmt.Errorf("update person %s: %w", p.Email, err)
	}
	return p, false, true, nil
}

// SetPassword stores a password hash for the person.
func SetPassword(ctx context.Context, db bun.IDB, id int64, hash string, now time.Time) error {
	_, err := db.NewUpdate().Model((*Person)(nil)).Set("password_hash = ?", hash).Set("updated_at = ?", now).
		Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("set password of %d: %w", id, err)
	}
	return nil
}

// Count returns how many people are stored.
func Count(ctx context.Context, db bun.IDB) (int, error) {
	n, err := db.NewSelect().Model((*Person)(nil)).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count people: %w", err)
	}
	return int(n), nil
}
