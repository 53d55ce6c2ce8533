package reports

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"custos/app/apperr"
	"custos/app/people"
	"custos/app/server"
	"custos/app/training"
)

// Bounds on the team page's lists; the reports carry everything.
const (
	maxListed   = 100
	maxExpiring = 200
	chartMonths = 12
)

// courseCounts is one course's row of the team page.
type courseCounts struct {
	Slug, Title                                                string
	Total, Completed, InProgress, Overdue, NotStarted, Expired int
}

// openItem is an assignment not yet completed, with a remind button.
type openItem struct {
	AssignmentID            int64
	Name, Email, Department string
	Course                  string
	Status                  training.Status
	Due                     time.Time
	DaysOverdue             int
}

// expiringCert is a certificate that lapses soon and has no completed successor.
type expiringCert struct {
	Serial, Name, Email, Department, Course string
	ValidUntil                              time.Time
	Days                                    int
}

type courseOption struct{ Slug, Title string }

// expiringGroup is a list of expiring certificates under its heading's message id.
type expiringGroup struct {
	Heading string
	Certs   []expiringCert
}

type teamPage struct {
	server.Page
	Scope       string // message id of the scope sentence
	People      int
	Filter      Filter
	Cycle       int
	Departments []string
	Courses     []courseOption
	Cycles      []int
	ByCourse    []courseCounts
	Overdue     []openItem
	OverdueMore int
	Open        []openItem
	OpenMore    int
	Expiring    [2]expiringGroup // within 30 days, then 31 to 60
	ExpiringCut bool
	Chart       chart
	CanRemind   bool
}

// showTeam is the team page: per course, how many completed, are in progress, are overdue or
// have not started; who is overdue and by how much; certificates lapsing in the next 30 and 60
// days; completion over the last twelve months.
func (h *Handler) showTeam(c *fiber.Ctx) error {
	ctx, v, now := c.UserContext(), server.ViewerOf(c), h.s.Now()
	scope, err := ScopeFor(ctx, h.s.DB, v)
	if err != nil {
		return err
	}
	f, err := ParseFilter(ctx, h.s.DB, h.cat, scope, c, now)
	if err != nil {
		return err
	}
	f.From, f.To = people.Date{}, people.Date{} // the page shows now; periods are for reports
	cycle, err := parseCycle(c.Query("cycle"))
	if err != nil {
		return err
	}
	l := h.s.Localizer(c)
	page := &teamPage{Filter: f, Cycle: cycle, CanRemind: scope.Role != people.Auditor,
		Expiring: [2]expiringGroup{{Heading: "team_expiring_30"}, {Heading: "team_expiring_60"}},
		Scope:    map[people.Role]string{people.Manager: "team_scope_team", people.Auditor: "team_scope_auditor"}[scope.Role]}
	if page.Scope == "" {
		page.Scope = "team_scope_all"
	}
	// The remind action comes back here and says what it did.
	switch c.Query("reminded") {
	case "queued":
		page.Notice = l.T("notify_remind_queued")
	case "already":
		page.Notice = l.T("notify_remind_already")
	}
	title := func(slug string) string {
		if co := h.cat.Get(slug); co != nil {
			return co.Title.In(l.Lang)
		}
		return slug
	}
	if err := h.tally(ctx, page, scope, f, now, title); err != nil {
		return err
	}
	if err := h.expiring(ctx, page, scope, f, now, title); err != nil {
		return err
	}
	if page.Departments, err = departmentsIn(ctx, h.s.DB, scope); err != nil {
		return err
	}
	for _, co := range h.cat.Courses {
		if scope.HasCourse(co.Slug) {
			page.Courses = append(page.Courses, courseOption{co.Slug, co.Title.In(l.Lang)})
		}
	}
	page.Title = "team_title"
	return h.s.Render(c, "team", page)
}

func parseCycle(s string) (int, error) {
	if s = strings.TrimSpace(s); s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 10000 {
		return 0, apperr.New(apperr.Invalid, "reports_error_cycle", "Value", clip(strings.Clone(s)))
	}
	return n, nil
}

// tally reads the scope's assignments once, grouped by person and course, and fills the
// counts, the open lists and the chart. Only people still with the company count.
func (h *Handler) tally(ctx context.Context, page *teamPage, scope Scope, f Filter, now time.Time, title func(string) string) error {
	r := newRows(h.s.DB, now, scope, f)
	r.current = true
	ends, labels := monthEnds(now, chartMonths)
	done, total := make([]int, len(ends)), make([]int, len(ends))
	counts := map[string]*courseCounts{}
	overdue := &topItems{less: func(a, b openItem) int { return b.DaysOverdue - a.DaysOverdue }}
	open := &topItems{less: func(a, b openItem) int { return a.Due.Compare(b.Due) }}
	maxCycle := 0
	var group []Row
	var lastPerson int64

	flush := func() {
		// The cycle looked at: the newest, or the one asked for.
		var picked []Row
		for _, g := range group {
			if page.Cycle == 0 || g.Cycle == page.Cycle {
				picked = append(picked, g)
			}
		}
		group = group[:0]
		if len(picked) == 0 {
			return
		}
		a := picked[len(picked)-1]
		cc := counts[a.Course]
		if cc == nil {
			cc = &courseCounts{Slug: a.Course, Title: title(a.Course)}
			counts[a.Course] = cc
		}
		cc.Total++
		switch a.Status {
		case training.Completed:
			cc.Completed++
		case training.InProgress:
			cc.InProgress++
		case training.Overdue:
			cc.Overdue++
		case training.Assigned:
			cc.NotStarted++
		case training.Expired:
			cc.Expired++
		}
		if a.CompletedAt == nil {
			item := openItem{AssignmentID: a.AssignmentID, Name: a.Name, Email: a.Email, Department: a.Department,
				Course: cc.Title, Status: a.Status, Due: a.DueAt, DaysOverdue: a.DaysOverdue}
			if a.Status == training.Overdue {
				overdue.add(item)
			} else {
				open.add(item)
			}
		}
		// Completion at each month's end: the newest cycle opened by then, done and valid then.
		for k, end := range ends {
			for i := len(picked) - 1; i >= 0; i-- {
				p := picked[i]
				if p.OpenedAt.After(end) {
					continue
				}
				total[k]++
				if p.CompletedAt != nil && !p.CompletedAt.After(end) && (p.ValidUntil == nil || p.ValidUntil.After(end)) {
					done[k]++
				}
				break
			}
		}
	}
	err := r.each(ctx, func(row *Row) error {
		if len(group) > 0 && (group[0].PersonID != row.PersonID || group[0].Course != row.Course) {
			flush()
		}
		if row.PersonID != lastPerson {
			page.People++
			lastPerson = row.PersonID
		}
		maxCycle = max(maxCycle, row.Cycle)
		group = append(group, *row)
		return nil
	})
	if err != nil {
		return err
	}
	flush()

	for _, cc := range counts {
		page.ByCourse = append(page.ByCourse, *cc)
	}
	slices.SortFunc(page.ByCourse, func(a, b courseCounts) int { return strings.Compare(a.Title, b.Title) })
	page.Overdue, page.OverdueMore = overdue.top()
	page.Open, page.OpenMore = open.top()
	for i := 1; i <= maxCycle; i++ {
		page.Cycles = append(page.Cycles, i)
	}
	page.Chart = newChart(labels, done, total)
	return nil
}

// topItems keeps the first maxListed items in less's order out of any number, in bounded
// memory: everyone's open items can be hundreds of thousands.
type topItems struct {
	items []openItem
	total int
	less  func(a, b openItem) int
}

func (t *topItems) add(item openItem) {
	t.total++
	t.items = append(t.items, item)
	if len(t.items) >= 4*maxListed {
		t.trim()
	}
}

func (t *topItems) trim() {
	slices.SortStableFunc(t.items, t.less)
	t.items = t.items[:min(len(t.items), maxListed)]
}

// top returns the first items and how many more there were.
func (t *topItems) top() ([]openItem, int) {
	t.trim()
	return t.items, t.total - len(t.items)
}

// monthEnds returns the ends of the last n months, the current one ending now, oldest first,
// and their labels (YYYY-MM).
func monthEnds(now time.Time, n int) ([]time.Time, []string) {
	now = now.UTC()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	ends, labels := make([]time.Time, n), make([]string, n)
	for i := range n {
		start := first.AddDate(0, i-(n-1), 0)
		end := start.AddDate(0, 1, 0).Add(-time.Microsecond)
		if i == n-1 {
			end = now
		}
		ends[i], labels[i] = end, start.Format("2006-01")
	}
	return ends, labels
}

// expiring lists the certificates of people in scope that lapse within 60 days and that no
// completed later cycle has replaced.
func (h *Handler) expiring(ctx context.Context, page *teamPage, scope Scope, f Filter, now time.Time, title func(string) string) error {
	var w where
	scope.apply(&w)
	f.apply(&w)
	query := `SELECT c.serial, c.valid_until, c.course, p.name, p.email, p.department
FROM certificates c
JOIN assignments a ON a.id = c.assignment_id
JOIN people p ON p.id = a.person_id
WHERE c.revoked_at IS NULL AND c.valid_until > ? AND c.valid_until <= ?
	AND p.active AND (p.left_on IS NULL OR p.left_on > ?)
	AND NOT EXISTS (SELECT 1 FROM assignments b WHERE b.person_id = a.person_id AND b.course = a.course
		AND b.cycle > a.cycle AND b.completed_at IS NOT NULL)
	AND ` + w.sql() + fmt.Sprintf(`
ORDER BY c.valid_until, c.serial
LIMIT %d`, maxExpiring+1)
	args := append([]any{now, now.AddDate(0, 0, 60), people.DateOf(now.UTC())}, w.args...)
	res, err := h.s.DB.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("expiring certificates: %w", err)
	}
	defer res.Close()
	n := 0
	for res.Next() {
		var e expiringCert
		var until stamp
		if err := res.Scan(&e.Serial, &until, &e.Course, &e.Name, &e.Email, &e.Department); err != nil {
			return fmt.Errorf("expiring certificates: %w", err)
		}
		if n++; n > maxExpiring {
			page.ExpiringCut = true
			break
		}
		e.ValidUntil, e.Course = until.t, title(e.Course)
		e.Days = int(math.Ceil(e.ValidUntil.Sub(now).Hours() / 24))
		g := &page.Expiring[0]
		if e.ValidUntil.Sub(now) > 30*24*time.Hour {
			g = &page.Expiring[1]
		}
		g.Certs = append(g.Certs, e)
	}
	return res.Err()
}

// departmentsIn lists the departments the filter may offer: a manager's team's, an auditor's
// grant (or all), everyone's for an admin.
func departmentsIn(ctx context.Context, db bun.IDB, scope Scope) ([]string, error) {
	switch {
	case scope.Role == people.Manager:
		var out []string
		err := db.NewSelect().Model((*people.Person)(nil)).Distinct().Column("department").
			Where("department <> ''").Where("id IN ("+people.TeamIDs+")", scope.ManagerID).Order("department").Scan(ctx, &out)
		if err != nil {
			return nil, fmt.Errorf("list team departments: %w", err)
		}
		return out, nil
	case scope.Role == people.Auditor && len(scope.Departments) > 0:
		return slices.Sorted(slices.Values(scope.Departments)), nil
	}
	return people.Departments(ctx, db)
}
