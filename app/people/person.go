// Package people holds the people Custos trains: their records, roles, managers and the HR
// import that keeps them in sync.
package people

import (
	"database/sql/driver"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"custos/app/apperr"
)

// Role is what a person may do in Custos.
type Role string

// The four roles of SPEC.md.
const (
	Employee Role = "employee"
	Manager  Role = "manager"
	Auditor  Role = "auditor"
	Admin    Role = "admin"
)

// Roles lists every role, for forms and validation.
var Roles = []Role{Employee, Manager, Auditor, Admin}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Locales lists the languages a person can choose.
var Locales = []string{"en", "zh-Hans"}

// Limits on field lengths, so a runaway import cannot fill pages and PDFs with megabytes.
const (
	MaxNameLen       = 200
	MaxEmailLen      = 254
	MaxDepartmentLen = 100
)

// Person is someone Custos trains. Managers, auditors and admins are people too.
type Person struct {
	bun.BaseModel `bun:"table:people"`

	ID           int64     `bun:"id,pk,autoincrement"`
	Email        string    `bun:"email,notnull"`
	Name         string    `bun:"name,notnull"`
	Department   string    `bun:"department,notnull"`
	ManagerID    *int64    `bun:"manager_id"`
	Role         Role      `bun:"role,notnull"`
	Locale       string    `bun:"locale,notnull"`
	TimeZone     string    `bun:"time_zone,notnull"`
	HiredOn      Date      `bun:"hired_on,nullzero"`
	LeftOn       Date      `bun:"left_on,nullzero"`
	Active       bool      `bun:"active,notnull"`
	PasswordHash string    `bun:"password_hash,notnull"`
	CreatedAt    time.Time `bun:"created_at,notnull"`
	UpdatedAt    time.Time `bun:"updated_at,notnull"`

	// Auditor access (see auditor.go): the courses and departments an auditor may read (empty:
	// all) and the last day their account works (zero: no end).
	AuditCourses     Lines `bun:"audit_courses,notnull"`
	AuditDepartments Lines `bun:"audit_departments,notnull"`
	AuditUntil       Date  `bun:"audit_until,nullzero"`
}

// Current reports whether p is still with the company on day now: not deactivated, not past
// their leave date and, for an auditor, not past the end of their access. Only current people
// sign in and receive new training.
func (p *Person) Current(now time.Time) bool {
	return p.Active && (p.LeftOn.IsZero() || p.LeftOn.After(DateOf(now))) && !p.AuditExpired(now)
}

// Location returns p's time zone, falling back to UTC for a name the system does not know.
func (p *Person) Location() *time.Location {
	if loc, ok := zones.Load(p.TimeZone); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(p.TimeZone)
	if err != nil {
		return time.UTC
	}
	zones.Store(p.TimeZone, loc)
	return loc
}

// zones caches time zones: time.LoadLocation reads the zone database on every call, which
// showed on every page.
var zones sync.Map

// NormalizeEmail is the one spelling of an address that Custos stores and compares, which makes
// addresses unique without regard to case.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidEmail reports whether s is an address Custos accepts: one plain address, no display name.
func ValidEmail(s string) bool {
	if s == "" || len(s) > MaxEmailLen {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}

// validateFields checks what a person record may hold, naming the field at fault by message key.
func validateFields(email, name, department string, role Role, locale, tz string) *apperr.Error {
	switch {
	case email == "":
		return apperr.New(apperr.Invalid, "error_email_missing")
	case !ValidEmail(email):
		return apperr.New(apperr.Invalid, "error_email_invalid", "Email", email)
	case strings.TrimSpace(name) == "":
		return apperr.New(apperr.Invalid, "error_name_missing")
	case utf8.RuneCountInString(name) > MaxNameLen:
		return apperr.New(apperr.Invalid, "error_name_too_long", "Max", MaxNameLen)
	case !utf8.ValidString(name) || hasControl(name):
		return apperr.New(apperr.Invalid, "error_name_invalid")
	case utf8.RuneCountInString(department) > MaxDepartmentLen || !utf8.ValidString(department) || hasControl(department):
		return apperr.New(apperr.Invalid, "error_department_invalid", "Max", MaxDepartmentLen)
	case !role.Valid():
		return apperr.New(apperr.Invalid, "error_role_unknown", "Role", string(role))
	case !validLocale(locale):
		return apperr.New(apperr.Invalid, "error_locale_unknown", "Locale", locale)
	}
	if _, err := time.LoadLocation(tz); err != nil || tz == "" || tz == "Local" {
		return apperr.New(apperr.Invalid, "error_time_zone_unknown", "Zone", tz)
	}
	return nil
}

func validLocale(l string) bool {
	for _, x := range Locales {
		if l == x {
			return true
		}
	}
	return false
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// Date is a calendar day with no time of day or zone (hire and leave dates). It is stored as
// YYYY-MM-DD in both dialects.
type Date struct{ t time.Time }

// DateOf returns the calendar day of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// ParseDate reads YYYY-MM-DD; "" is the zero Date.
func ParseDate(s string) (Date, error) {
	if s = strings.TrimSpace(s); s == "" {
		return Date{}, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date like 2026-03-01", s)
	}
	return Date{t}, nil
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d.t.IsZero() }

// After reports whether d is a later day than e.
func (d Date) After(e Date) bool { return d.t.After(e.t) }

// Time returns midnight of d in loc.
func (d Date) Time(loc *time.Location) time.Time {
	return time.Date(d.t.Year(), d.t.Month(), d.t.Day(), 0, 0, 0, 0, loc)
}

// String is YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format("2006-01-02")
}

// Value stores d as YYYY-MM-DD text, which both PostgreSQL's DATE and SQLite accept.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan reads what either driver returns for a DATE column.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
	case time.Time:
		*d = DateOf(v)
	case string:
		return d.scanText(v)
	case []byte:
		return d.scanText(string(v))
	default:
		return fmt.Errorf("scan date from %T", src)
	}
	return nil
}

func (d *Date) scanText(s string) error {
	if len(s) >= 10 {
		s = s[:10]
	}
	p, err := ParseDate(s)
	*d = p
	return err
}

// Subject names a person in audit records.
func Subject(id int64) string { return fmt.Sprintf("person:%d", id) }
