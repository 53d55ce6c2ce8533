package training

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"custos/app/audit"
	"custos/app/people"
	"custos/courses"
)

// RenewalLead is how long before a completion expires the next cycle opens.
const RenewalLead = 30 * 24 * time.Hour

// scheduleBatch is how many people the scheduler holds in memory at once, so a run over
// 100,000 people uses the memory of 1,000.
const scheduleBatch = 1000

// ScheduleResult counts what one scheduler run created.
type ScheduleResult struct {
	People  int
	Created map[string]int // by course slug
}

// Total is the number of assignments created.
func (r ScheduleResult) Total() int {
	n := 0
	for _, c := range r.Created {
		n += c
	}
	return n
}

// Schedule gives every current person in scope the assignment they are due: a first one, one at
// their hire date, or the next cycle when their completion is about to expire. It is safe to run
// at any time and on several instances at once: the unique (person, course, cycle) key makes a
// second insert of the same cycle do nothing. progress, when not nil, hears after each batch.
func Schedule(ctx context.Context, db *bun.DB, log *audit.Log, cat *courses.Catalog, now time.Time, progress func(people int)) (ScheduleResult, error) {
	res := ScheduleResult{Created: map[string]int{}}
	zones := map[string]*time.Location{}
	var after int64
	for {
		var batch []people.Person
		err := db.NewSelect().Model(&batch).
			Column("id", "department", "role", "time_zone", "hired_on", "left_on", "active").
			Where("id > ? AND active", after).Order("id").Limit(scheduleBatch).Scan(ctx)
		if err != nil {
			return res, fmt.Errorf("schedule: load people after %d: %w", after, err)
		}
		if len(batch) == 0 {
			return res, nil
		}
		after = batch[len(batch)-1].ID
		latest, err := latestCycles(ctx, db, batch)
		if err != nil {
			return res, err
		}
		var due []Assignment
		for i := range batch {
			p := &batch[i]
			if !p.Current(now) {
				continue // leavers get nothing new; their history stays
			}
			loc, ok := zones[p.TimeZone]
			if !ok {
				loc = p.Location()
				zones[p.TimeZone] = loc
			}
			for _, c := range cat.Courses {
				if !c.InScope(p.Department, string(p.Role)) {
					continue
				}
				if a, ok := next(c, p, latest[cycleKey{p.ID, c.Slug}], now, loc); ok {
					due = append(due, a)
				}
			}
		}
		if err := insertAssignments(ctx, db, log, due, now, res.Created); err != nil {
			return res, err
		}
		res.People += len(batch)
		if progress != nil {
			progress(res.People)
		}
	}
}

type cycleKey struct {
	person int64
	course string
}

// latestCycles loads the newest assignment of each course for a batch of people.
func latestCycles(ctx context.Context, db bun.IDB, batch []people.Person) (map[cycleKey]*Assignment, error) {
	ids := make([]int64, len(batch))
	for i, p := range batch {
		ids[i] = p.ID
	}
	var rows []Assignment
	err := db.NewSelect().Model(&rows).
		Where("person_id IN (?)", bun.In(ids)).
		Where("cycle = (SELECT MAX(b.cycle) FROM assignments b WHERE b.person_id = assignment.person_id AND b.course = assignment.course)").
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("schedule: load latest cycles: %w", err)
	}
	out := make(map[cycleKey]*Assignment, len(rows))
	for i := range rows {
		out[cycleKey{rows[i].PersonID, rows[i].Course}] = &rows[i]
	}
	return out, nil
}

// next decides whether p is due a new assignment of c, given their latest one (nil for none).
func next(c *courses.Course, p *people.Person, latest *Assignment, now time.Time, loc *time.Location) (Assignment, bool) {
	a := Assignment{PersonID: p.ID, Course: c.Slug, CourseVersion: c.Version, OpenedAt: now, CreatedAt: now}
	window := time.Duration(c.WindowDays) * 24 * time.Hour
	switch {
	case latest == nil:
		a.Cycle, a.Reason = 1, "first"
		if !p.HiredOn.IsZero() {
			hired := p.HiredOn.Time(loc)
			if hired.After(now) {
				return a, false // not started yet: assigned on the hire date
			}
			if now.Sub(hired) < window {
				// A new hire's window runs from their first day, not from when we noticed.
				a.Reason, a.OpenedAt = "new_hire", hired.UTC()
			}
		}
	case latest.CompletedAt == nil || latest.ValidUntil == nil:
		return a, false // still open: one cycle at a time
	case now.Before(latest.ValidUntil.Add(-RenewalLead)):
		return a, false // not yet time to renew
	default:
		a.Cycle, a.Reason = latest.Cycle+1, "renewal"
	}
	a.DueAt = endOfDay(a.OpenedAt.In(loc).AddDate(0, 0, c.WindowDays))
	if a.Reason == "renewal" && latest.ValidUntil.After(a.DueAt) {
		a.DueAt = *latest.ValidUntil // renew before the old completion runs out
	}
	return a, true
}

// endOfDay is the last second of t's day in t's location, in UTC.
func endOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 23, 59, 59, 0, t.Location()).UTC()
}

// insertAssignments writes one batch, with one audit record per course naming how many were
// made and for whom (the first and last assignment ID), in the same transaction.
func insertAssignments(ctx context.Context, db *bun.DB, log *audit.Log, due []Assignment, now time.Time, created map[string]int) error {
	if len(due) == 0 {
		return nil
	}
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		byCourse := map[string][]Assignment{}
		var order []string
		for _, a := range due {
			if _, ok := byCourse[a.Course]; !ok {
				order = append(order, a.Course)
			}
			byCourse[a.Course] = append(byCourse[a.Course], a)
		}
		for _, course := range order {
			rows := byCourse[course]
			// No RETURNING: a skipped row returns nothing, and bun would miscount.
			res, err := tx.NewInsert().Model(&rows).On("CONFLICT (person_id, course, cycle) DO NOTHING").Returning("NULL").Exec(ctx)
			if err != nil {
				return fmt.Errorf("schedule: insert assignments of %s: %w", course, err)
			}
			n, _ := res.RowsAffected()
			if n == 0 {
				continue
			}
			created[course] += int(n)
			err = log.Append(ctx, tx, audit.Entry{At: now, Actor: "scheduler", Action: "assignment.create",
				Subject: "course:" + course, Details: map[string]string{"count": strconv.FormatInt(n, 10)}})
			if err != nil {
				return err
			}
		}
		return nil
	})
}
