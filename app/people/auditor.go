package people

import (
	"database/sql/driver"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"custos/app/apperr"
)

// MaxAuditScope bounds the entries of an auditor's course or department list.
const MaxAuditScope = 100

// Lines is a short list of texts stored one per line in a TEXT column: an auditor's courses or
// departments. Neither a course slug nor a department can hold a line break, so the encoding is
// exact. nil and empty are the same and are stored as "".
type Lines []string

// Value stores the list one entry per line.
func (l Lines) Value() (driver.Value, error) { return strings.Join(l, "\n"), nil }

// Scan reads what Value stored.
func (l *Lines) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case nil:
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("scan lines from %T", src)
	}
	*l = nil
	for _, x := range strings.Split(s, "\n") {
		if x = strings.TrimSpace(x); x != "" {
			*l = append(*l, x)
		}
	}
	return nil
}

// ParseLines reads a list typed one entry per line (an admin form's text area): entries are
// trimmed, blank lines dropped and repeats removed, keeping the first order.
func ParseLines(s string) Lines {
	var out Lines
	for _, x := range strings.Split(strings.ReplaceAll(s, "\r", "\n"), "\n") {
		if x = strings.TrimSpace(x); x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// AuditExpired reports whether p is an auditor whose access ended before day now (in UTC, like
// leave dates): the expiry day itself still works.
func (p *Person) AuditExpired(now time.Time) bool {
	return p.Role == Auditor && !p.AuditUntil.IsZero() && DateOf(now.UTC()).After(p.AuditUntil)
}

// validateAuditScope checks an auditor's lists: bounded, and entries that could be course slugs
// and departments.
func validateAuditScope(courses, departments Lines) *apperr.Error {
	if len(courses) > MaxAuditScope || len(departments) > MaxAuditScope {
		return apperr.New(apperr.Invalid, "reports_error_scope_too_long", "Max", MaxAuditScope)
	}
	for _, c := range courses {
		if utf8.RuneCountInString(c) > 100 || strings.ContainsFunc(c, unicode.IsSpace) || hasControl(c) {
			return apperr.New(apperr.Invalid, "reports_error_scope_course", "Course", c)
		}
	}
	for _, d := range departments {
		if utf8.RuneCountInString(d) > MaxDepartmentLen || hasControl(d) {
			return apperr.New(apperr.Invalid, "reports_error_scope_department", "Department", d, "Max", MaxDepartmentLen)
		}
	}
	return nil
}

// AuditAccess is what an admin grants an auditor: the courses and departments they may read
// (empty: all) and the last day their account works (zero: no end).
type AuditAccess struct {
	Courses     Lines
	Departments Lines
	Until       Date
}

// apply copies a onto p after checking it; a nil a keeps what is stored.
func (a *AuditAccess) apply(p *Person) *apperr.Error {
	if a == nil {
		return nil
	}
	if err := validateAuditScope(a.Courses, a.Departments); err != nil {
		return err
	}
	p.AuditCourses, p.AuditDepartments, p.AuditUntil = a.Courses, a.Departments, a.Until
	return nil
}

func sameAudit(a, b Person) bool {
	return slices.Equal(a.AuditCourses, b.AuditCourses) && slices.Equal(a.AuditDepartments, b.AuditDepartments) &&
		a.AuditUntil == b.AuditUntil
}

// AuditorSees reports whether auditor p's grant covers a record of course about a person in
// department: an empty list in the grant covers everything.
func (p *Person) AuditorSees(course, department string) bool {
	return (len(p.AuditCourses) == 0 || slices.Contains(p.AuditCourses, course)) &&
		(len(p.AuditDepartments) == 0 || slices.Contains(p.AuditDepartments, department))
}
