package training

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"custos/courses"
)

// Completion is what a finished assignment is waiting for, part by part.
type Completion struct {
	LessonsDone, LessonsTotal int
	QuizPassed                bool
	Signed                    bool
}

// Done reports whether every part of course c is complete.
func (p Completion) Done(c *courses.Course) bool {
	return p.LessonsDone >= p.LessonsTotal && (!c.HasQuiz() || p.QuizPassed) && (!c.HasUndertaking() || p.Signed)
}

// LessonsComplete reports whether every lesson has been read, which unlocks the quiz and the
// signature.
func (p Completion) LessonsComplete() bool { return p.LessonsDone >= p.LessonsTotal }

// PartChecker reports whether a later part of a course (a passed quiz, a signature) is done for
// an assignment.
type PartChecker func(ctx context.Context, db bun.IDB, a *Assignment, c *courses.Course) (bool, error)

// Part is a part of a course after its lessons. The quiz and signing packages provide theirs;
// training knows only to ask.
type Part struct {
	// Done reports whether the part is done; a nil Done counts as not done.
	Done PartChecker
	// Hint is an SQL condition on an assignments row (alias "assignment") that is false whenever
	// the part is not done, so "my training" reads it with the assignments in its one query and
	// asks Done only where it holds. Empty means always ask.
	Hint string
}

// Parts are the parts beyond lessons.
type Parts struct {
	Quiz      Part
	Signature Part
}

// Progress works out where an assignment stands.
func (ps Parts) Progress(ctx context.Context, db bun.IDB, a *Assignment, c *courses.Course) (Completion, error) {
	done, err := LessonsDone(ctx, db, a.ID)
	if err != nil {
		return Completion{}, err
	}
	return ps.progressOf(ctx, db, a, c, done)
}

// progressOf works out where an assignment stands from the lessons read in it. The later parts
// are asked only once every lesson is read: before that, none can be done.
func (ps Parts) progressOf(ctx context.Context, db bun.IDB, a *Assignment, c *courses.Course, done map[string]LessonDone) (Completion, error) {
	p := Completion{LessonsTotal: len(c.Lessons)}
	for _, l := range c.Lessons {
		if _, ok := done[l.Slug]; ok {
			p.LessonsDone++
		}
	}
	if !p.LessonsComplete() {
		return p, nil
	}
	return p, ps.later(ctx, db, a, c, &p, true, true)
}

// later fills in the parts after the lessons, asking only those that may be done.
func (ps Parts) later(ctx context.Context, db bun.IDB, a *Assignment, c *courses.Course, p *Completion, mayQuiz, maySign bool) error {
	var err error
	if c.HasQuiz() && mayQuiz && ps.Quiz.Done != nil {
		if p.QuizPassed, err = ps.Quiz.Done(ctx, db, a, c); err != nil {
			return err
		}
	}
	if c.HasUndertaking() && maySign && ps.Signature.Done != nil {
		if p.Signed, err = ps.Signature.Done(ctx, db, a, c); err != nil {
			return err
		}
	}
	return nil
}

// OnComplete runs inside the completing transaction, for example to issue the certificate.
type OnComplete func(ctx context.Context, tx bun.Tx, a *Assignment, c *courses.Course) error

// CompleteIfDone marks a inside tx as completed when every part is done, valid for one
// recurrence. It is called after each part; the WHERE on completed_at makes a second call (a
// double submit, another instance) a no-op, so only one caller runs onComplete.
func (ps Parts) CompleteIfDone(ctx context.Context, tx bun.Tx, a *Assignment, c *courses.Course, now time.Time, onComplete OnComplete) (bool, error) {
	if a.CompletedAt != nil {
		return false, nil
	}
	p, err := ps.Progress(ctx, tx, a, c)
	if err != nil || !p.Done(c) {
		return false, err
	}
	valid := c.Recurrence.AddTo(now)
	res, err := tx.NewUpdate().Model(a).Set("completed_at = ?", now).Set("valid_until = ?", valid).
		WherePK().Where("completed_at IS NULL").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("complete assignment %d: %w", a.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	a.CompletedAt, a.ValidUntil = &now, &valid
	if onComplete != nil {
		if err := onComplete(ctx, tx, a, c); err != nil {
			return false, err
		}
	}
	return true, nil
}
