package reports

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"custos/app/people"
	"custos/app/training"
	"custos/certificates"
	"custos/courses"
	"custos/locales"
)

// Bounds on what the PDF lists: it is read by people, and the CSV and XLSX carry every row.
// The totals always count every row.
const (
	MaxPDFRows       = 10000
	MaxExceptionRows = 1000
)

// PDFOptions is what the PDF needs beyond the rows.
type PDFOptions struct {
	Renderer *certificates.Renderer
	Catalog  *courses.Catalog
	L        *locales.Localizer
	Org      string
	By       string // who asked for the report, printed under the title
}

// deptTotals counts one department's rows.
type deptTotals struct {
	people, assignments, completed, overdue int
}

// exceptions is a bounded list of rows an auditor looks at first, with how many there were.
type exceptions struct {
	rows  [][]string
	total int
}

func (e *exceptions) add(cells ...string) {
	if e.total++; len(e.rows) < MaxExceptionRows {
		e.rows = append(e.rows, cells)
	}
}

// summary gathers the PDF's opening pages while the rows stream past, so the report reads the
// database once and holds only what it prints.
type summary struct {
	now                         time.Time
	l                           *locales.Localizer
	cat                         *courses.Catalog
	people, assignments         int
	status                      map[training.Status]int
	depts                       map[string]*deptTotals
	courses                     map[string]bool
	lastPerson                  int64
	overdue, lateHires, leavers exceptions
	rows                        [][]string
	rowsTotal                   int
}

func (s *summary) title(course string) string {
	if c := s.cat.Get(course); c != nil {
		return c.Title.In(s.l.Lang)
	}
	return course
}

func (s *summary) add(r *Row) {
	d := s.depts[r.Department]
	if d == nil {
		d = &deptTotals{}
		s.depts[r.Department] = d
	}
	if r.PersonID != s.lastPerson { // rows come grouped by person
		s.people++
		d.people++
		s.lastPerson = r.PersonID
	}
	s.assignments++
	d.assignments++
	s.status[r.Status]++
	s.courses[r.Course] = true
	if r.Status == training.Completed {
		d.completed++
	}
	course, due := s.title(r.Course), day(&r.DueAt, r.Loc)
	if r.Status == training.Overdue {
		d.overdue++
		s.overdue.add(r.Name, r.Email, r.Department, r.Manager, course, due, strconv.Itoa(r.DaysOverdue))
	}
	if r.MissedOnboarding(s.now) {
		completed := day(r.CompletedAt, r.Loc)
		if completed == "" {
			completed = s.l.T("status_" + string(r.Status))
		}
		s.lateHires.add(r.Name, r.Email, r.Department, r.HiredOn.String(), course, due, completed)
	}
	if r.Left(s.now) && r.CompletedAt == nil {
		left := r.LeftOn.String()
		if left == "" {
			left = s.l.T("reports_pdf_deactivated")
		}
		s.leavers.add(r.Name, r.Email, r.Department, left, course, s.l.T("status_"+string(r.Status)), due)
	}
	if s.rowsTotal++; len(s.rows) < MaxPDFRows {
		score := ""
		if r.Score >= 0 {
			score = strconv.Itoa(r.Score)
		}
		version := r.Undertaking
		if len(version) > 12 {
			version = version[:12] + "…"
		}
		s.rows = append(s.rows, []string{r.Name, r.Email, r.Department, r.Manager, course, strconv.Itoa(r.Cycle),
			s.l.T("status_" + string(r.Status)), day(&r.OpenedAt, r.Loc), due, day(r.CompletedAt, r.Loc), score, r.Serial, version})
	}
}

// WritePDF writes the report as a PDF for people: the summary first (totals, rates by
// department, the controls the courses evidence), then the exceptions (overdue, new hires who
// missed their onboarding window, leavers with open items), then the rows.
func (c Completion) WritePDF(ctx context.Context, w io.Writer, o PDFOptions) error {
	s := &summary{now: c.Now, l: o.L, cat: o.Catalog, status: map[training.Status]int{}, depts: map[string]*deptTotals{},
		courses: map[string]bool{}}
	if err := c.rows().each(ctx, func(r *Row) error { s.add(r); return nil }); err != nil {
		return err
	}
	if err := o.Renderer.Report(w, c.document(s, o)); err != nil {
		return fmt.Errorf("completion report pdf: %w", err)
	}
	return nil
}

func (c Completion) document(s *summary, o PDFOptions) certificates.Report {
	l := o.L
	pct := func(n, of int) string {
		if of == 0 {
			return "—"
		}
		return fmt.Sprintf("%d%%", n*100/of)
	}
	count := func(n int) string { return l.T("reports_pdf_count_pct", "N", n, "Percent", pct(n, s.assignments)) }
	done := s.status[training.Completed]

	facts := []certificates.ReportFact{
		{Label: l.T("reports_pdf_people"), Value: strconv.Itoa(s.people)},
		{Label: l.T("reports_pdf_assignments"), Value: strconv.Itoa(s.assignments)},
		{Label: l.T("status_completed"), Value: count(done)},
		{Label: l.T("status_in_progress"), Value: count(s.status[training.InProgress])},
		{Label: l.T("status_assigned"), Value: count(s.status[training.Assigned])},
		{Label: l.T("status_overdue"), Value: count(s.status[training.Overdue])},
		{Label: l.T("status_expired"), Value: count(s.status[training.Expired])},
	}

	deptNames := make([]string, 0, len(s.depts))
	for d := range s.depts {
		deptNames = append(deptNames, d)
	}
	slices.Sort(deptNames)
	depts := &certificates.ReportTable{Columns: []certificates.ReportColumn{
		{Header: l.T("reports_col_department"), Width: 4}, {Header: l.T("reports_pdf_people"), Width: 1.5, Right: true},
		{Header: l.T("reports_pdf_assignments"), Width: 1.5, Right: true}, {Header: l.T("status_completed"), Width: 1.5, Right: true},
		{Header: l.T("reports_pdf_rate"), Width: 1.5, Right: true}, {Header: l.T("status_overdue"), Width: 1.5, Right: true},
	}, Empty: l.T("reports_pdf_no_rows")}
	for _, name := range deptNames {
		d := s.depts[name]
		label := name
		if label == "" {
			label = l.T("reports_pdf_no_department")
		}
		depts.Rows = append(depts.Rows, []string{label, strconv.Itoa(d.people), strconv.Itoa(d.assignments),
			strconv.Itoa(d.completed), pct(d.completed, d.assignments), strconv.Itoa(d.overdue)})
	}

	controls := c.controls(s, o.Catalog, l)

	exc := func(heading string, e exceptions, empty string, cols ...certificates.ReportColumn) certificates.ReportSection {
		sec := certificates.ReportSection{Heading: l.T(heading, "N", e.total),
			Table: &certificates.ReportTable{Columns: cols, Rows: e.rows, Empty: l.T(empty)}}
		if e.total > len(e.rows) {
			sec.Note = l.T("reports_pdf_more_rows", "N", e.total-len(e.rows))
		}
		return sec
	}
	col := func(id string, width float64, right ...bool) certificates.ReportColumn {
		return certificates.ReportColumn{Header: l.T(id), Width: width, Right: len(right) > 0}
	}
	person := []certificates.ReportColumn{col("reports_col_name", 3), col("reports_col_email", 3.6), col("reports_col_department", 2.3)}

	rows := certificates.ReportSection{Heading: l.T("reports_pdf_rows", "N", s.rowsTotal), Table: &certificates.ReportTable{
		Columns: append(slices.Clone(person), col("reports_col_manager", 3.4), col("reports_col_course", 3.4),
			col("reports_col_cycle", 1.3, true), col("reports_col_status", 2), col("reports_col_opened", 2.3),
			col("reports_col_due", 2.3), col("reports_col_completed", 2.3), col("reports_col_score", 1.3, true),
			col("reports_col_certificate_serial", 3.1), col("reports_col_undertaking_version", 2.4)),
		Rows: s.rows, Empty: l.T("reports_pdf_no_rows")}}
	if s.rowsTotal > len(s.rows) {
		rows.Note = l.T("reports_pdf_rows_cut", "N", s.rowsTotal-len(s.rows), "Max", MaxPDFRows)
	}

	return certificates.Report{
		Org:       o.Org,
		Title:     l.T("reports_pdf_title"),
		Locale:    l.Lang,
		Generated: c.Now,
		Intro:     c.intro(l, o),
		Sections: []certificates.ReportSection{
			{Heading: l.T("reports_pdf_summary"), Facts: facts},
			{Heading: l.T("reports_pdf_by_department"), Table: depts},
			controls,
			exc("reports_pdf_overdue", s.overdue, "reports_pdf_none_overdue", append(slices.Clone(person),
				col("reports_col_manager", 3.5), col("reports_col_course", 3.5), col("reports_col_due", 2.3), col("reports_pdf_days_overdue", 1.6, true))...),
			exc("reports_pdf_late_hires", s.lateHires, "reports_pdf_none_late_hires", append(slices.Clone(person),
				col("reports_pdf_hired", 2.3), col("reports_col_course", 3.5), col("reports_col_due", 2.3), col("reports_col_completed", 2.4))...),
			exc("reports_pdf_leavers", s.leavers, "reports_pdf_none_leavers", append(slices.Clone(person),
				col("reports_pdf_left", 2.4), col("reports_col_course", 3.5), col("reports_col_status", 2), col("reports_col_due", 2.3))...),
			rows,
		},
		Labels: certificates.ReportLabels{Generated: l.T("reports_pdf_generated"), Page: l.T("reports_pdf_page"),
			Continued: l.T("reports_pdf_continued"), DateTimeLayout: l.T("reports_pdf_datetime_layout")},
	}
}

// controls lists the controls evidenced by the report's courses: the course filtered on, else
// every course the rows cover.
func (c Completion) controls(s *summary, cat *courses.Catalog, l *locales.Localizer) certificates.ReportSection {
	slugs := make([]string, 0, len(s.courses))
	for slug := range s.courses {
		slugs = append(slugs, slug)
	}
	if c.Filter.Course != "" {
		slugs = []string{c.Filter.Course}
	}
	slices.Sort(slugs)
	byControl := map[string][]string{}
	var ids []string
	for _, slug := range slugs {
		course := cat.Get(slug)
		if course == nil {
			continue
		}
		for _, id := range course.Controls {
			if byControl[id] == nil {
				ids = append(ids, id)
			}
			byControl[id] = append(byControl[id], course.Title.In(l.Lang))
		}
	}
	slices.Sort(ids)
	table := &certificates.ReportTable{Columns: []certificates.ReportColumn{
		{Header: l.T("reports_pdf_control"), Width: 1}, {Header: l.T("reports_pdf_control_courses"), Width: 3}},
		Empty: l.T("reports_pdf_no_controls")}
	for _, id := range ids {
		table.Rows = append(table.Rows, []string{id, strings.Join(byControl[id], "; ")})
	}
	return certificates.ReportSection{Heading: l.T("reports_pdf_controls"), Text: []string{l.T("reports_pdf_controls_intro")}, Table: table}
}

// intro says what the report covers and who asked for it.
func (c Completion) intro(l *locales.Localizer, o PDFOptions) []string {
	all := l.T("reports_pdf_all")
	or := func(s, def string) string {
		if s == "" {
			return def
		}
		return s
	}
	var scope string
	switch c.Scope.Role {
	case people.Manager:
		scope = l.T("reports_scope_team")
	case people.Auditor:
		courses := make([]string, len(c.Scope.Courses))
		for i, slug := range c.Scope.Courses {
			courses[i] = slug
			if co := o.Catalog.Get(slug); co != nil {
				courses[i] = co.Title.In(l.Lang)
			}
		}
		scope = l.T("reports_scope_auditor", "Courses", or(strings.Join(courses, ", "), all),
			"Departments", or(strings.Join(c.Scope.Departments, ", "), all))
	default:
		scope = l.T("reports_scope_all")
	}
	course := all
	if c.Filter.Course != "" {
		course = c.Filter.Course
		if co := o.Catalog.Get(course); co != nil {
			course = co.Title.In(l.Lang)
		}
	}
	return []string{
		scope,
		l.T("reports_pdf_filters", "Course", course, "Department", or(c.Filter.Department, all),
			"From", or(c.Filter.From.String(), "…"), "To", or(c.Filter.To.String(), "…")),
		l.T("reports_pdf_by", "Name", o.By),
	}
}
