package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Listed is a reminder with its recipient, for the pages.
type Listed struct {
	Reminder    `bun:",extend"`
	PersonName  string `bun:"person_name"`
	PersonEmail string `bun:"person_email"`
}

// When is the moment that matters for the reminder: when it was dealt with, or planned.
func (l *Listed) When() time.Time {
	if l.DoneAt != nil {
		return *l.DoneAt
	}
	return l.CreatedAt
}

// Filter narrows a listing of reminders; zero fields match all.
type Filter struct {
	PersonID int64
	Status   Status
	Before   int64 // only reminders with a smaller ID: the next page
	Limit    int
}

// Apply adds the filter's conditions to q.
func (f Filter) Apply(q *bun.SelectQuery) *bun.SelectQuery {
	if f.PersonID != 0 {
		q = q.Where("reminder.person_id = ?", f.PersonID)
	}
	if f.Status != "" {
		q = q.Where("reminder.status = ?", f.Status)
	}
	if f.Before > 0 {
		q = q.Where("reminder.id < ?", f.Before)
	}
	if f.Limit > 0 {
		q = q.Limit(int64(f.Limit))
	}
	return q
}

// List returns the reminders matching f, newest first.
func List(ctx context.Context, idb bun.IDB, f Filter) ([]Listed, error) {
	var out []Listed
	err := idb.NewSelect().Model(&out).
		ColumnExpr("reminder.*").
		ColumnExpr("p.name AS person_name, p.email AS person_email").
		Join("JOIN people AS p ON p.id = reminder.person_id").
		Apply(f.Apply).Order("reminder.id DESC").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list reminders: %w", err)
	}
	return out, nil
}

// StatusCount is how many reminders have one status.
type StatusCount struct {
	Status Status `bun:"status"`
	Count  int    `bun:"count"`
}

// CountByStatus counts the reminders of each status, in the order of Statuses.
func CountByStatus(ctx context.Context, idb bun.IDB) ([]StatusCount, error) {
	var rows []StatusCount
	err := idb.NewSelect().Model((*Reminder)(nil)).ColumnExpr("status, COUNT(*) AS count").
		Group("status").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("count reminders: %w", err)
	}
	by := make(map[Status]int, len(rows))
	for _, r := range rows {
		by[r.Status] = r.Count
	}
	out := make([]StatusCount, len(Statuses))
	for i, s := range Statuses {
		out[i] = StatusCount{Status: s, Count: by[s]}
	}
	return out, nil
}

// QueueManual queues a manager's reminder about an assignment for its person. The occurrence
// is the person's calendar day, so the unique key allows one such reminder a day per assignment;
// queued is false when there was one already.
func QueueManual(ctx context.Context, idb bun.IDB, assignmentID, personID, managerID int64, course string, day string, now time.Time) (queued bool, err error) {
	r := pending(KindManual, personID, &assignmentID, day, course, now)
	r.RequestedBy = &managerID
	n, err := enqueue(ctx, idb, []Reminder{r})
	return n > 0, err
}
