package reports

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"custos/app/apperr"
	"custos/app/people"
	"custos/courses"
)

// MaxPeriodYears bounds a report's period: longer ones are refused rather than run.
const MaxPeriodYears = 10

// Filter narrows a report; zero fields match everything. From and To are calendar days (UTC)
// on which assignments were opened, both included.
type Filter struct {
	Course     string
	Department string
	From, To   people.Date
}

// Query is how a filter arrives: the query string of a page or the API.
type Query interface {
	Query(key string, defaultValue ...string) string
}

// ParseFilter reads and checks ?course=&department=&from=&to= against the catalogue, the
// departments people belong to and the reader's scope. Every refusal is a message key a person
// can read: malformed or reversed dates, a period over MaxPeriodYears, an unknown course or
// department (invalid), or one outside an auditor's grant (forbidden).
func ParseFilter(ctx context.Context, db bun.IDB, cat *courses.Catalog, scope Scope, q Query, today time.Time) (Filter, error) {
	// Cloned: Fiber's strings point into a request buffer that is reused once the handler
	// returns, and a download streams on after that.
	f := Filter{Course: strings.Clone(strings.TrimSpace(q.Query("course"))),
		Department: strings.Clone(strings.TrimSpace(q.Query("department")))}
	var err error
	for _, d := range []struct {
		name string
		dst  *people.Date
	}{{"from", &f.From}, {"to", &f.To}} {
		raw := strings.TrimSpace(q.Query(d.name))
		if *d.dst, err = parseDay(raw); err != nil {
			return Filter{}, apperr.New(apperr.Invalid, "reports_error_date", "Field", d.name, "Value", clip(strings.Clone(raw)))
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.From.After(f.To) {
		return Filter{}, apperr.New(apperr.Invalid, "reports_error_from_after_to", "From", f.From.String(), "To", f.To.String())
	}
	if !f.From.IsZero() {
		end := f.To
		if end.IsZero() {
			end = people.DateOf(today.UTC())
		}
		if f.From.Time(time.UTC).AddDate(MaxPeriodYears, 0, 0).Before(end.Time(time.UTC)) {
			return Filter{}, apperr.New(apperr.Invalid, "reports_error_period_too_long", "Years", MaxPeriodYears)
		}
	}
	if f.Course != "" {
		if cat.Get(f.Course) == nil {
			return Filter{}, apperr.New(apperr.Invalid, "reports_error_unknown_course", "Course", clip(f.Course))
		}
		if !scope.HasCourse(f.Course) {
			return Filter{}, apperr.New(apperr.Forbidden, "reports_error_course_out_of_scope", "Course", f.Course)
		}
	}
	if f.Department != "" {
		depts, err := people.Departments(ctx, db)
		if err != nil {
			return Filter{}, err
		}
		if !slices.Contains(depts, f.Department) {
			return Filter{}, apperr.New(apperr.Invalid, "reports_error_unknown_department", "Department", clip(f.Department))
		}
		if !scope.HasDepartment(f.Department) {
			return Filter{}, apperr.New(apperr.Forbidden, "reports_error_department_out_of_scope", "Department", f.Department)
		}
	}
	return f, nil
}

// parseDay reads YYYY-MM-DD exactly; "" is no day.
func parseDay(s string) (people.Date, error) {
	if s == "" {
		return people.Date{}, nil
	}
	if len(s) != len("2006-01-02") {
		return people.Date{}, apperr.New(apperr.Invalid, "reports_error_date")
	}
	if _, err := time.Parse("2006-01-02", s); err != nil {
		return people.Date{}, err
	}
	return people.ParseDate(s)
}

// clip shortens what someone typed before it is echoed in a message.
func clip(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

// apply adds the filter's conditions on assignments a and people p.
func (f Filter) apply(w *where) {
	if f.Course != "" {
		w.add("a.course = ?", f.Course)
	}
	if f.Department != "" {
		w.add("p.department = ?", f.Department)
	}
	if !f.From.IsZero() {
		w.add("a.opened_at >= ?", f.From.Time(time.UTC))
	}
	if !f.To.IsZero() {
		w.add("a.opened_at < ?", f.To.Time(time.UTC).AddDate(0, 0, 1))
	}
}

// Args returns the filter as name, value pairs for audit records, leaving out empty ones.
func (f Filter) Args() []string {
	var out []string
	for _, kv := range [][2]string{{"course", f.Course}, {"department", f.Department}, {"from", f.From.String()}, {"to", f.To.String()}} {
		if kv[1] != "" {
			out = append(out, kv[0], kv[1])
		}
	}
	return out
}
