package reports

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	appdb "custos/app/db"
	"custos/app/people"
	"custos/app/training"
)

// Row is one person's assignment as the completion report shows it.
type Row struct {
	AssignmentID int64
	PersonID     int64
	Email        string
	Name         string
	Department   string
	Manager      string // the manager's e-mail address
	TimeZone     string
	Loc          *time.Location // the person's time zone, for their calendar days
	HiredOn      people.Date
	LeftOn       people.Date
	Active       bool
	Course       string
	Cycle        int
	Reason       string // first, new_hire or renewal
	OpenedAt     time.Time
	DueAt        time.Time
	StartedAt    *time.Time
	CompletedAt  *time.Time
	ValidUntil   *time.Time
	Score        int    // best passed quiz score; -1 when none
	Serial       string // certificate serial, "" when none
	Undertaking  string // version of the undertaking signed in this assignment, "" when none
	Status       training.Status
	DaysOverdue  int
}

// Left reports whether the person had left (or was deactivated) on day now.
func (r *Row) Left(now time.Time) bool {
	return !r.Active || (!r.LeftOn.IsZero() && !r.LeftOn.After(people.DateOf(now.UTC())))
}

// MissedOnboarding reports whether this is a new hire's assignment not completed within its
// window: still open past the due date, or completed late.
func (r *Row) MissedOnboarding(now time.Time) bool {
	if r.Reason != "new_hire" {
		return false
	}
	if r.CompletedAt == nil {
		return now.After(r.DueAt)
	}
	return r.CompletedAt.After(r.DueAt)
}

// rows reads the rows of a scope and filter in pages, in the order of the assignments' unique
// key (person, course, cycle), so each page starts where the last ended and no page re-reads
// or skips a row (keyset pagination): memory stays that of two pages whatever the size.
type rows struct {
	db       bun.IDB
	now      time.Time
	where    where
	evidence bool // read score, certificate serial and undertaking version too
	current  bool // only people still with the company (the team page)
	page     int
}

// PageSize is how many rows one query reads.
const PageSize = 5000

func newRows(db bun.IDB, now time.Time, scope Scope, f Filter) *rows {
	r := &rows{db: db, now: now, page: PageSize}
	scope.apply(&r.where)
	f.apply(&r.where)
	return r
}

const rowColumns = `a.id, a.person_id, a.course, a.cycle, a.reason, a.opened_at, a.due_at, a.started_at,
	a.completed_at, a.valid_until, p.email, p.name, p.department, p.time_zone, p.hired_on, p.left_on, p.active,
	COALESCE(m.email, '')`

// The evidence of each assignment, one indexed lookup each: quiz_attempts, certificates and
// signatures are all keyed by assignment first.
const evidenceColumns = `,
	(SELECT MAX(q.score) FROM quiz_attempts q WHERE q.assignment_id = a.id AND q.passed),
	COALESCE((SELECT c.serial FROM certificates c WHERE c.assignment_id = a.id), ''),
	COALESCE((SELECT s.version FROM signatures s WHERE s.assignment_id = a.id ORDER BY s.signed_at DESC, s.id DESC LIMIT 1), '')`

// SQL returns the query of one page after the key (person, course, cycle) and its arguments.
// With limit 0 it is the whole report in one statement (what the benchmark hands to psql).
func (r *rows) SQL(afterPerson int64, afterCourse string, afterCycle int, limit int) (string, []any) {
	var b strings.Builder
	b.WriteString("SELECT " + rowColumns)
	if r.evidence {
		b.WriteString(evidenceColumns)
	}
	b.WriteString(`
FROM assignments a
JOIN people p ON p.id = a.person_id
LEFT JOIN people m ON m.id = p.manager_id
WHERE (a.person_id, a.course, a.cycle) > (?, ?, ?) AND p.id >= ? AND ` + r.where.sql())
	// p.id >= … says again what the key implies, so that the planner starts its walk of people
	// where the page starts too, not at the first person every time.
	args := append([]any{afterPerson, afterCourse, afterCycle, afterPerson}, r.where.args...)
	if r.current {
		b.WriteString(" AND p.active AND (p.left_on IS NULL OR p.left_on > ?)")
		args = append(args, people.DateOf(r.now.UTC()))
	}
	b.WriteString("\nORDER BY a.person_id, a.course, a.cycle")
	if limit > 0 {
		b.WriteString(fmt.Sprintf(" LIMIT %d", limit))
	}
	return b.String(), args
}

// each calls fn for every row, page by page. A page is read whole before fn sees it, so a slow
// reader (a download on a slow link) never holds a database connection, and the next page is
// read while fn works through this one, so the database and the writer work at the same time.
// fn's row is valid until fn returns.
func (r *rows) each(ctx context.Context, fn func(*Row) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		page []Row
		err  error
	}
	full, free := make(chan result, 1), make(chan []Row, 2)
	free <- make([]Row, 0, r.page)
	free <- make([]Row, 0, r.page)
	go func() {
		defer close(full)
		var (
			afterPerson int64
			afterCourse string
			afterCycle  int
		)
		for {
			var page []Row
			select {
			case page = <-free:
			case <-ctx.Done():
				return
			}
			page = page[:0]
			query, args := r.SQL(afterPerson, afterCourse, afterCycle, r.page)
			err := r.readPage(ctx, query, args, &page)
			select {
			case full <- result{page, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || len(page) < r.page {
				return
			}
			last := page[len(page)-1]
			afterPerson, afterCourse, afterCycle = last.PersonID, last.Course, last.Cycle
		}
	}()
	zones := map[string]*time.Location{}
	for res := range full {
		if res.err != nil {
			return res.err
		}
		for i := range res.page {
			row := &res.page[i]
			if zones[row.TimeZone] == nil {
				zones[row.TimeZone] = (&people.Person{TimeZone: row.TimeZone}).Location()
			}
			row.Loc = zones[row.TimeZone]
			a := training.Assignment{DueAt: row.DueAt, StartedAt: row.StartedAt, CompletedAt: row.CompletedAt, ValidUntil: row.ValidUntil}
			row.Status, row.DaysOverdue = a.Status(r.now), a.DaysOverdue(r.now)
			if err := fn(row); err != nil {
				return err
			}
		}
		free <- res.page
	}
	return ctx.Err() // the reader stopped early only if the caller's context ended
}

func (r *rows) readPage(ctx context.Context, query string, args []any, page *[]Row) error {
	if !appdb.IsPostgres(r.db) {
		return r.scanPage(ctx, r.db, query, args, page)
	}
	return r.db.RunInTx(ctx, &sql.TxOptions{ReadOnly: true}, func(ctx context.Context, tx bun.Tx) error {
		// The correlated lookups make PostgreSQL estimate a page as costly enough to compile
		// to machine code, which took longer than reading the page (measured: about 150 ms
		// of JIT against 80 ms of work for 5,000 rows).
		if _, err := tx.ExecContext(ctx, "SET LOCAL jit = off"); err != nil {
			return fmt.Errorf("read report rows: %w", err)
		}
		return r.scanPage(ctx, tx, query, args, page)
	})
}

func (r *rows) scanPage(ctx context.Context, db bun.IDB, query string, args []any, page *[]Row) error {
	res, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("read report rows: %w", err)
	}
	defer res.Close()
	for res.Next() {
		var (
			row                          Row
			opened, due                  stamp
			started, completed, validity stamp
			score                        sql.NullInt64
		)
		dest := []any{&row.AssignmentID, &row.PersonID, &row.Course, &row.Cycle, &row.Reason, &opened, &due, &started,
			&completed, &validity, &row.Email, &row.Name, &row.Department, &row.TimeZone, &row.HiredOn, &row.LeftOn,
			&row.Active, &row.Manager}
		if r.evidence {
			dest = append(dest, &score, &row.Serial, &row.Undertaking)
		}
		if err := res.Scan(dest...); err != nil {
			return fmt.Errorf("read report row: %w", err)
		}
		row.OpenedAt, row.DueAt = opened.t, due.t
		row.StartedAt, row.CompletedAt, row.ValidUntil = started.ptr(), completed.ptr(), validity.ptr()
		row.Score = -1
		if score.Valid {
			row.Score = int(score.Int64)
		}
		*page = append(*page, row)
	}
	if err := res.Err(); err != nil {
		return fmt.Errorf("read report rows: %w", err)
	}
	return nil
}

// stamp scans a timestamp column as either driver returns it: PostgreSQL gives time.Time,
// SQLite gives time.Time or the text bun stored.
type stamp struct {
	t     time.Time
	valid bool
}

var stampLayouts = []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02"}

func (s *stamp) Scan(src any) error {
	var text string
	switch v := src.(type) {
	case nil:
		*s = stamp{}
		return nil
	case time.Time:
		*s = stamp{v.UTC(), true}
		return nil
	case string:
		text = v
	case []byte:
		text = string(v)
	default:
		return fmt.Errorf("scan timestamp from %T", src)
	}
	for _, l := range stampLayouts {
		if t, err := time.Parse(l, text); err == nil {
			*s = stamp{t.UTC(), true}
			return nil
		}
	}
	return fmt.Errorf("scan timestamp from %q", text)
}

func (s stamp) ptr() *time.Time {
	if !s.valid {
		return nil
	}
	t := s.t
	return &t
}

// day formats t as YYYY-MM-DD in loc; "" for nil.
func day(t *time.Time, loc *time.Location) string {
	if t == nil {
		return ""
	}
	return t.In(loc).Format("2006-01-02")
}
