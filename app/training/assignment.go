package training

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"custos/app/apperr"
	"custos/app/db"
)

// Status is where an assignment stands, as SPEC.md names it.
type Status string

// The statuses of an assignment.
const (
	Assigned   Status = "assigned"
	InProgress Status = "in_progress"
	Completed  Status = "completed"
	Overdue    Status = "overdue"
	Expired    Status = "expired"
)

// Assignment is one person's cycle of one course.
type Assignment struct {
	bun.BaseModel `bun:"table:assignments"`

	ID            int64      `bun:"id,pk,autoincrement"`
	PersonID      int64      `bun:"person_id,notnull"`
	Course        string     `bun:"course,notnull"`
	Cycle         int        `bun:"cycle,notnull"`
	Reason        string     `bun:"reason,notnull"` // first, new_hire or renewal
	CourseVersion string     `bun:"course_version,notnull"`
	OpenedAt      time.Time  `bun:"opened_at,notnull"`
	DueAt         time.Time  `bun:"due_at,notnull"`
	StartedAt     *time.Time `bun:"started_at"`
	CompletedAt   *time.Time `bun:"completed_at"`
	ValidUntil    *time.Time `bun:"valid_until"`
	CreatedAt     time.Time  `bun:"created_at,notnull"`
}

// Status computes the assignment's status at now. Due dates are the end of a day in the person's
// time zone, fixed when the assignment was made, so comparing instants is enough here.
func (a *Assignment) Status(now time.Time) Status {
	switch {
	case a.CompletedAt != nil && a.ValidUntil != nil && !now.Before(*a.ValidUntil):
		return Expired
	case a.CompletedAt != nil:
		return Completed
	case now.After(a.DueAt):
		return Overdue
	case a.StartedAt != nil:
		return InProgress
	}
	return Assigned
}

// DaysOverdue is how many whole days past due an open assignment is.
func (a *Assignment) DaysOverdue(now time.Time) int {
	if a.CompletedAt != nil || !now.After(a.DueAt) {
		return 0
	}
	return int(now.Sub(a.DueAt).Hours()/24) + 1
}

// LessonDone records that a lesson was read: when, how long, in which language and version.
type LessonDone struct {
	bun.BaseModel `bun:"table:lesson_progress"`

	AssignmentID  int64     `bun:"assignment_id,pk"`
	Lesson        string    `bun:"lesson,pk"`
	CourseVersion string    `bun:"course_version,notnull"`
	Locale        string    `bun:"locale,notnull"`
	Seconds       int       `bun:"seconds,notnull"`
	CompletedAt   time.Time `bun:"completed_at,notnull"`
}

// ForPerson returns a person's assignments, the newest cycle of each course first.
func ForPerson(ctx context.Context, db bun.IDB, personID int64) ([]Assignment, error) {
	var out []Assignment
	err := db.NewSelect().Model(&out).Where("person_id = ?", personID).
		Order("opened_at DESC", "course", "cycle DESC").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("load assignments of %d: %w", personID, err)
	}
	return out, nil
}

// currentQuery is a person's newest assignment of a course: the one they work on now.
func currentQuery(db bun.IDB, personID, course any) *bun.SelectQuery {
	return db.NewSelect().Model((*Assignment)(nil)).Where("person_id = ? AND course = ?", personID, course).
		Order("cycle DESC").Limit(1)
}

// Current returns the person's newest assignment of a course: the one they work on now. Someone
// without one gets not_found, which the pages show as 404, so nobody reads a course that is not
// theirs.
func Current(ctx context.Context, db bun.IDB, personID int64, course string) (*Assignment, error) {
	a := new(Assignment)
	return currentOrNotFound(a, course, currentQuery(db, personID, course).Scan(ctx, a))
}

// Current is the package's Current through a prepared statement, for the course pages.
func (h *Handler) Current(ctx context.Context, personID int64, course string) (*Assignment, error) {
	a := new(Assignment)
	return currentOrNotFound(a, course, h.current.One(ctx, a, personID, course))
}

func currentOrNotFound(a *Assignment, course string, err error) (*Assignment, error) {
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "error_not_assigned")
	}
	if err != nil {
		return nil, fmt.Errorf("load assignment of %s: %w", course, err)
	}
	return a, nil
}

// Listed is an assignment as "my training" lists it: with how many of its lessons were read and
// the hints of its later parts.
type Listed struct {
	Assignment  `bun:",extend"`
	LessonsRead int  `bun:"lessons_read"`
	QuizMaybe   bool `bun:"quiz_maybe"`
	SignedMaybe bool `bun:"signed_maybe"`
}

// listing is the query behind "my training", the page everyone opens: a person's assignments in
// the order of ForPerson, each with its count of lessons read and the parts' hints, in one
// prepared statement.
func listing(d *bun.DB, parts Parts) *db.Statement {
	hint := func(p Part) bun.Safe {
		if p.Hint == "" {
			return "1 = 1"
		}
		return bun.Safe(p.Hint)
	}
	return db.NewStatement(d, d.NewSelect().Model((*Assignment)(nil)).
		ColumnExpr("?TableColumns").
		ColumnExpr("(SELECT COUNT(*) FROM lesson_progress lp WHERE lp.assignment_id = assignment.id) AS lessons_read").
		ColumnExpr("(?) AS quiz_maybe", hint(parts.Quiz)).
		ColumnExpr("(?) AS signed_maybe", hint(parts.Signature)).
		Where("person_id = ?", db.Param(d, 1)).
		Order("opened_at DESC", "course", "cycle DESC"))
}

// lessonsQuery is the lessons read in an assignment.
func lessonsQuery(db bun.IDB, assignmentID any) *bun.SelectQuery {
	return db.NewSelect().Model((*LessonDone)(nil)).Where("assignment_id = ?", assignmentID)
}

// LessonsDone returns the lessons read in an assignment, by lesson slug.
func LessonsDone(ctx context.Context, db bun.IDB, assignmentID int64) (map[string]LessonDone, error) {
	var rows []LessonDone
	if err := lessonsQuery(db, assignmentID).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("load lesson progress: %w", err)
	}
	return bySlug(rows), nil
}

// LessonsDone is the package's LessonsDone through a prepared statement, for the pages.
func (h *Handler) LessonsDone(ctx context.Context, assignmentID int64) (map[string]LessonDone, error) {
	var rows []LessonDone
	if err := h.lessons.All(ctx, &rows, assignmentID); err != nil {
		return nil, fmt.Errorf("load lesson progress: %w", err)
	}
	return bySlug(rows), nil
}

func bySlug(rows []LessonDone) map[string]LessonDone {
	out := make(map[string]LessonDone, len(rows))
	for _, r := range rows {
		out[r.Lesson] = r
	}
	return out
}
