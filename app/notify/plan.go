package notify

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"custos/app/db"
	"custos/app/people"
	"custos/app/training"
)

// Planner decides which reminders are due and queues them. Running it again, or on several
// instances at once, queues nothing twice: the table's unique keys see to that.
type Planner struct {
	Deps
	// FromHour and ToHour bound the part of the recipient's day, in their time zone, in which
	// reminders are planned, so nobody is mailed at three in the morning. A manager's manual
	// reminder goes at once.
	FromHour, ToHour int
}

// NewPlanner returns a planner that mails people between 08:00 and 20:00 their time.
func NewPlanner(d Deps) *Planner { return &Planner{Deps: d, FromHour: 8, ToHour: 20} }

// planBatch is how many assignments the planner holds in memory at once.
const planBatch = 1000

// assignedNotice is how long after an assignment opens its "new assignment" e-mail may still
// go: after an outage or at the first start, nobody gets news of months-old assignments.
const assignedNotice = 7 * 24 * time.Hour

// Tick plans due reminders unless another instance is doing so; Housekeeping calls it.
func (p *Planner) Tick(ctx context.Context) {
	release, ok, err := db.TryLock(ctx, p.DB, "reminders", p.Now(), 30*time.Minute)
	if err != nil || !ok {
		if err != nil {
			p.Log.Warn("reminder planner lock", "err", err)
		}
		return
	}
	defer release()
	n, err := p.Plan(ctx, p.Now())
	if err != nil {
		p.Log.Error("reminder planner", "err", err)
	}
	if n > 0 {
		p.Log.Info("planned reminders", "count", n)
	}
}

// Plan queues every reminder due at now and returns how many it queued.
func (p *Planner) Plan(ctx context.Context, now time.Time) (int, error) {
	total := 0
	for _, step := range []func(context.Context, time.Time) (int, error){p.planOpen, p.planExpiring, p.planDigests} {
		n, err := step(ctx, now)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// awake reports whether now is within the planned part of the day in loc.
func (p *Planner) awake(now time.Time, loc *time.Location) bool {
	h := now.In(loc).Hour()
	return h >= p.FromHour && h < p.ToHour
}

// openRow is an open assignment as the planner needs it.
type openRow struct {
	ID       int64     `bun:"id"`
	PersonID int64     `bun:"person_id"`
	Course   string    `bun:"course"`
	Reason   string    `bun:"reason"`
	OpenedAt time.Time `bun:"opened_at"`
	DueAt    time.Time `bun:"due_at"`
	TimeZone string    `bun:"time_zone"`
}

// planOpen queues the reminders of open assignments: new, due in a week, due tomorrow, and
// overdue (once in each week past the due date).
func (p *Planner) planOpen(ctx context.Context, now time.Time) (int, error) {
	total := 0
	var after int64
	for {
		var rows []openRow
		err := p.DB.NewRaw(`SELECT a.id, a.person_id, a.course, a.reason, a.opened_at, a.due_at, p.time_zone
			FROM assignments a JOIN people p ON p.id = a.person_id
			WHERE a.id > ? AND a.completed_at IS NULL AND a.opened_at <= ? AND (a.due_at <= ? OR a.opened_at >= ?)
			AND p.active AND (p.left_on IS NULL OR p.left_on > ?)
			ORDER BY a.id LIMIT ?`,
			after, now, now.Add(8*24*time.Hour), now.Add(-assignedNotice), people.DateOf(now), planBatch).Scan(ctx, &rows)
		if err != nil {
			return total, fmt.Errorf("plan reminders: load open assignments: %w", err)
		}
		if len(rows) == 0 {
			return total, nil
		}
		after = rows[len(rows)-1].ID
		ids := make([]int64, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
		}
		have, err := existing(ctx, p.DB, ids)
		if err != nil {
			return total, err
		}
		var due []Reminder
		for _, r := range rows {
			loc := (&people.Person{TimeZone: r.TimeZone}).Location()
			if !p.awake(now, loc) {
				continue
			}
			kind, occurrence, ok := openReminder(r, now, loc)
			id := r.ID
			if ok && !have[key{id, kind, occurrence}] {
				due = append(due, pending(kind, r.PersonID, &id, occurrence, r.Course, now))
			}
		}
		n, err := enqueue(ctx, p.DB, due)
		total += n
		if err != nil {
			return total, err
		}
	}
}

// openReminder decides the one reminder an open assignment is due at now, if any. Days are
// counted on the person's calendar, so "due tomorrow" means tomorrow where they are.
func openReminder(r openRow, now time.Time, loc *time.Location) (Kind, string, bool) {
	if now.After(r.DueAt) {
		week := int(now.Sub(r.DueAt) / (7 * 24 * time.Hour))
		return KindOverdue, strconv.Itoa(week), true
	}
	left := days(now.In(loc), r.DueAt.In(loc))
	window := days(r.OpenedAt.In(loc), r.DueAt.In(loc))
	switch {
	case left == 1 && window > 1:
		return KindDue1, "", true
	case left >= 2 && left <= 7 && window > 7:
		return KindDue7, "", true
	case r.Reason != "renewal" && now.Sub(r.OpenedAt) < assignedNotice:
		// A renewal is announced by the "certificate expiring" e-mail instead.
		return KindAssigned, "", true
	}
	return "", "", false
}

// days counts calendar days from a's day to b's day, both in the same location.
func days(a, b time.Time) int {
	dayA := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	dayB := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(dayB.Sub(dayA).Hours() / 24)
}

// expiringRow is a completion whose certificate runs out soon.
type expiringRow struct {
	ID       int64  `bun:"id"`
	PersonID int64  `bun:"person_id"`
	Course   string `bun:"course"`
	TimeZone string `bun:"time_zone"`
}

// planExpiring queues a "certificate expiring" e-mail when a completion comes within
// training.RenewalLead of its end, the moment the next cycle opens, unless it was renewed
// already or its certificate was revoked.
func (p *Planner) planExpiring(ctx context.Context, now time.Time) (int, error) {
	var rows []expiringRow
	err := p.DB.NewRaw(`SELECT a.id, a.person_id, a.course, p.time_zone
		FROM assignments a JOIN people p ON p.id = a.person_id
		WHERE a.completed_at IS NOT NULL AND a.valid_until > ? AND a.valid_until <= ?
		AND p.active AND (p.left_on IS NULL OR p.left_on > ?)
		AND NOT EXISTS (SELECT 1 FROM assignments b WHERE b.person_id = a.person_id AND b.course = a.course
			AND b.cycle > a.cycle AND b.completed_at IS NOT NULL)
		AND NOT EXISTS (SELECT 1 FROM certificates c WHERE c.assignment_id = a.id AND c.revoked_at IS NOT NULL)
		AND NOT EXISTS (SELECT 1 FROM reminders r WHERE r.assignment_id = a.id AND r.kind = ?)
		ORDER BY a.id`,
		now, now.Add(training.RenewalLead), people.DateOf(now), KindExpiring).Scan(ctx, &rows)
	if err != nil {
		return 0, fmt.Errorf("plan reminders: load expiring certificates: %w", err)
	}
	var due []Reminder
	for _, r := range rows {
		if p.awake(now, (&people.Person{TimeZone: r.TimeZone}).Location()) {
			id := r.ID
			due = append(due, pending(KindExpiring, r.PersonID, &id, "", r.Course, now))
		}
	}
	return enqueue(ctx, p.DB, due)
}

// managerRow is a manager with someone overdue below them.
type managerRow struct {
	ID       int64  `bun:"id"`
	TimeZone string `bun:"time_zone"`
}

// planDigests queues one digest a week (an ISO week on the manager's calendar) for every
// manager with someone overdue below them, directly or further down.
func (p *Planner) planDigests(ctx context.Context, now time.Time) (int, error) {
	var rows []managerRow
	today := people.DateOf(now)
	err := p.DB.NewRaw(`WITH RECURSIVE chain(id) AS (
			SELECT p.manager_id FROM people p JOIN assignments a ON a.person_id = p.id
			WHERE a.completed_at IS NULL AND a.due_at < ? AND p.manager_id IS NOT NULL
			AND p.active AND (p.left_on IS NULL OR p.left_on > ?)
			UNION
			SELECT m.manager_id FROM people m JOIN chain c ON m.id = c.id WHERE m.manager_id IS NOT NULL
		)
		SELECT p.id, p.time_zone FROM people p
		WHERE p.id IN (SELECT id FROM chain) AND p.role IN (?, ?)
		AND p.active AND (p.left_on IS NULL OR p.left_on > ?)
		ORDER BY p.id`, now, today, people.Manager, people.Admin, today).Scan(ctx, &rows)
	if err != nil {
		return 0, fmt.Errorf("plan reminders: find managers of overdue people: %w", err)
	}
	var due []Reminder
	for _, m := range rows {
		loc := (&people.Person{TimeZone: m.TimeZone}).Location()
		if !p.awake(now, loc) {
			continue
		}
		year, week := now.In(loc).ISOWeek()
		due = append(due, pending(KindDigest, m.ID, nil, fmt.Sprintf("%d-W%02d", year, week), "", now))
	}
	return enqueue(ctx, p.DB, due)
}

// pending is a new reminder, due at once.
func pending(kind Kind, personID int64, assignmentID *int64, occurrence, course string, now time.Time) Reminder {
	return Reminder{Kind: kind, PersonID: personID, AssignmentID: assignmentID, Occurrence: occurrence,
		Course: course, Status: Pending, NextAttemptAt: now, CreatedAt: now}
}

// key identifies a reminder of an assignment.
type key struct {
	assignment int64
	kind       Kind
	occurrence string
}

// existing returns the keys of the reminders already queued for some assignments, so the
// planner only writes what is new.
func existing(ctx context.Context, idb bun.IDB, assignmentIDs []int64) (map[key]bool, error) {
	var rows []struct {
		AssignmentID int64  `bun:"assignment_id"`
		Kind         Kind   `bun:"kind"`
		Occurrence   string `bun:"occurrence"`
	}
	err := idb.NewSelect().Table("reminders").Column("assignment_id", "kind", "occurrence").
		Where("assignment_id IN (?)", bun.In(assignmentIDs)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("plan reminders: load queued reminders: %w", err)
	}
	out := make(map[key]bool, len(rows))
	for _, r := range rows {
		out[key{r.AssignmentID, r.Kind, r.Occurrence}] = true
	}
	return out, nil
}

// enqueue inserts reminders, skipping any already there (another instance may have planned the
// same ones a moment ago), and returns how many it added.
func enqueue(ctx context.Context, idb bun.IDB, rs []Reminder) (int, error) {
	if len(rs) == 0 {
		return 0, nil
	}
	// ON CONFLICT without a target covers both partial unique indexes, in both dialects. No
	// RETURNING: a skipped row returns nothing, and bun would miscount.
	res, err := idb.NewInsert().Model(&rs).On("CONFLICT DO NOTHING").Returning("NULL").Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("queue reminders: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
