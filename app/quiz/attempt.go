package quiz

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"custos/app/training"
	"custos/courses"
	"custos/quizzes"
)

// submitGrace is how long after its deadline a submission is still accepted: a form sent in
// the last second must not be lost to the network.
const submitGrace = 15 * time.Second

// Attempt is one quiz attempt as stored: what was shown, what was answered and the outcome.
// The result fields stay nil until the attempt is submitted or recorded as expired.
type Attempt struct {
	bun.BaseModel `bun:"table:quiz_attempts,alias:qa"`

	ID            int64      `bun:"id,pk,autoincrement"`
	AssignmentID  int64      `bun:"assignment_id,notnull"`
	PersonID      int64      `bun:"person_id,notnull"`
	Course        string     `bun:"course,notnull"`
	AttemptNo     int        `bun:"attempt_no,notnull"`
	Bank          string     `bun:"bank,notnull"`
	BankVersion   string     `bun:"bank_version,notnull"`
	CourseVersion string     `bun:"course_version,notnull"`
	Questions     Shown      `bun:"questions,notnull"`
	Total         int        `bun:"total,notnull"`
	PassMark      int        `bun:"pass_mark,notnull"`
	Locale        string     `bun:"locale,notnull"`
	StartedAt     time.Time  `bun:"started_at,notnull"`
	Deadline      *time.Time `bun:"deadline"`
	SubmittedAt   *time.Time `bun:"submitted_at"`
	Answers       Answers    `bun:"answers"`
	Score         *int       `bun:"score"`
	Correct       *int       `bun:"correct"`
	Passed        *bool      `bun:"passed"`
	Expired       *bool      `bun:"expired"`
}

// Submitted reports whether the attempt has its result (submitted or recorded as expired).
func (at *Attempt) Submitted() bool { return at.SubmittedAt != nil }

// HasPassed reports whether the attempt is submitted and passed.
func (at *Attempt) HasPassed() bool { return at.Passed != nil && *at.Passed }

// Percent is the recorded score in percent; 0 before submission.
func (at *Attempt) Percent() int { return deref(at.Score) }

// Late reports whether an open attempt's time ran out at now: it can no longer be answered and
// counts as failed, ended at its deadline.
func (at *Attempt) Late(now time.Time) bool {
	return !at.Submitted() && at.Deadline != nil && now.After(at.Deadline.Add(submitGrace))
}

// Drawn returns the questions shown, as the quizzes package scores them.
func (at *Attempt) Drawn() []quizzes.Drawn {
	out := make([]quizzes.Drawn, len(at.Questions))
	for i, q := range at.Questions {
		out[i] = quizzes.Drawn{QuestionID: q.ID, OptionOrder: q.Options}
	}
	return out
}

// ShownQuestion is one question of an attempt: its id and its options in the order shown.
type ShownQuestion struct {
	ID      string   `json:"id"`
	Options []string `json:"options"`
}

// Shown is the questions of an attempt in the order shown, stored as JSON.
type Shown []ShownQuestion

// Value stores the questions as JSON text, the same in both dialects.
func (s Shown) Value() (driver.Value, error) {
	if s == nil {
		s = Shown{}
	}
	b, err := json.Marshal(s)
	return string(b), err
}

// Scan reads the JSON text back.
func (s *Shown) Scan(src any) error { return scanJSON(src, s) }

// Answers maps a question id to the option ids given, stored as JSON; nil is stored as NULL.
type Answers map[string][]string

// Value stores the answers as JSON text (keys sorted, so the same answers store the same text).
func (a Answers) Value() (driver.Value, error) {
	if a == nil {
		return nil, nil
	}
	b, err := json.Marshal(map[string][]string(a))
	return string(b), err
}

// Scan reads the JSON text back; NULL becomes nil.
func (a *Answers) Scan(src any) error {
	if src == nil {
		*a = nil
		return nil
	}
	return scanJSON(src, (*map[string][]string)(a))
}

func scanJSON(src, dst any) error {
	switch v := src.(type) {
	case string:
		return json.Unmarshal([]byte(v), dst)
	case []byte:
		return json.Unmarshal(v, dst)
	case nil:
		return nil
	}
	return fmt.Errorf("quiz: cannot read %T as JSON", src)
}

// Grant is extra attempts an administrator gave one assignment.
type Grant struct {
	bun.BaseModel `bun:"table:quiz_grants"`

	ID           int64     `bun:"id,pk,autoincrement"`
	AssignmentID int64     `bun:"assignment_id,notnull"`
	Extra        int       `bun:"extra,notnull"`
	GrantedBy    int64     `bun:"granted_by,notnull"`
	Reason       string    `bun:"reason,notnull"`
	At           time.Time `bun:"at,notnull"`
}

// AttemptsOf returns an assignment's attempts, oldest first.
func AttemptsOf(ctx context.Context, db bun.IDB, assignmentID int64) ([]Attempt, error) {
	var out []Attempt
	if err := db.NewSelect().Model(&out).Where("assignment_id = ?", assignmentID).Order("attempt_no").Scan(ctx); err != nil {
		return nil, fmt.Errorf("load quiz attempts of assignment %d: %w", assignmentID, err)
	}
	return out, nil
}

// grantedTo returns how many extra attempts an assignment was granted.
func grantedTo(ctx context.Context, db bun.IDB, assignmentID int64) (int, error) {
	var n int
	err := db.NewSelect().Model((*Grant)(nil)).ColumnExpr("COALESCE(SUM(extra), 0)").
		Where("assignment_id = ?", assignmentID).Scan(ctx, &n)
	if err != nil {
		return 0, fmt.Errorf("load quiz grants of assignment %d: %w", assignmentID, err)
	}
	return n, nil
}

// Passed reports whether an assignment has a passed quiz attempt.
func Passed(ctx context.Context, db bun.IDB, a *training.Assignment, _ *courses.Course) (bool, error) {
	n, err := db.NewSelect().Model((*Attempt)(nil)).
		Where("assignment_id = ? AND passed AND submitted_at IS NOT NULL", a.ID).Count(ctx)
	if err != nil {
		return false, fmt.Errorf("check quiz passed for assignment %d: %w", a.ID, err)
	}
	return n > 0, nil
}

// PassingScore returns the score of the attempt that passed an assignment, for its certificate.
func PassingScore(ctx context.Context, db bun.IDB, assignmentID int64) (int, bool, error) {
	var scores []int
	err := db.NewSelect().Model((*Attempt)(nil)).Column("score").
		Where("assignment_id = ? AND passed AND submitted_at IS NOT NULL", assignmentID).
		Order("score DESC").Limit(1).Scan(ctx, &scores)
	if err != nil {
		return 0, false, fmt.Errorf("load passing score of assignment %d: %w", assignmentID, err)
	}
	if len(scores) == 0 {
		return 0, false, nil
	}
	return scores[0], true, nil
}

// Part is the quiz as a part of its course, for training.
var Part = training.Part{Done: Passed,
	Hint: "EXISTS (SELECT 1 FROM quiz_attempts qa WHERE qa.assignment_id = assignment.id AND qa.passed AND qa.submitted_at IS NOT NULL)"}

// Standing is where a person stands with a quiz at one moment: what they may do next.
type Standing struct {
	Attempts []Attempt
	Open     *Attempt  // the attempt being answered, within its time
	Late     *Attempt  // an open attempt whose time ran out, not yet recorded as such
	Passed   *Attempt  // the passed attempt, if any
	Allowed  int       // attempts allowed this cycle: the course's maximum plus grants
	Left     int       // attempts not yet started
	RetryAt  time.Time // when the cool-down after a failed attempt ends; zero when none applies
}

// standingOf works out a standing from the attempts (oldest first) and the extra attempts
// granted. A late attempt counts as failed and ended at its deadline.
func standingOf(attempts []Attempt, granted int, c *courses.Course, now time.Time) Standing {
	st := Standing{Attempts: attempts, Allowed: c.MaxAttempts + granted}
	st.Left = max(st.Allowed-len(attempts), 0)
	for i := range attempts {
		at := &attempts[i]
		switch {
		case at.HasPassed():
			st.Passed = at
		case at.Late(now):
			st.Late = at
		case !at.Submitted():
			st.Open = at
		}
	}
	if n := len(attempts); n > 0 && st.Passed == nil && st.Open == nil {
		if end := endOf(&attempts[n-1]); c.Cooldown > 0 && now.Before(end.Add(c.Cooldown)) {
			st.RetryAt = end.Add(c.Cooldown)
		}
	}
	return st
}

// endOf is when a finished attempt ended: its deadline when time ran out (however much later
// that was recorded), else its submission.
func endOf(at *Attempt) time.Time {
	expired := at.Expired != nil && *at.Expired
	if at.Deadline != nil && (expired || !at.Submitted()) {
		return *at.Deadline
	}
	if at.SubmittedAt != nil {
		return *at.SubmittedAt
	}
	return at.StartedAt
}

// CanStart reports whether a new attempt may start now.
func (st Standing) CanStart() bool {
	return st.Passed == nil && st.Open == nil && st.Left > 0 && st.RetryAt.IsZero()
}

// OutOfAttempts reports whether the person has used every attempt without passing.
func (st Standing) OutOfAttempts() bool {
	return st.Passed == nil && st.Open == nil && st.Left == 0
}

// find returns the attempt with id, or nil.
func (st Standing) find(id int64) *Attempt {
	for i := range st.Attempts {
		if st.Attempts[i].ID == id {
			return &st.Attempts[i]
		}
	}
	return nil
}

// loadStanding loads an assignment's standing with the quiz from db.
func loadStanding(ctx context.Context, db bun.IDB, a *training.Assignment, c *courses.Course, now time.Time) (Standing, error) {
	attempts, err := AttemptsOf(ctx, db, a.ID)
	if err != nil {
		return Standing{}, err
	}
	granted, err := grantedTo(ctx, db, a.ID)
	if err != nil {
		return Standing{}, err
	}
	return standingOf(attempts, granted, c, now), nil
}

// recordLate completes a late attempt as failed and expired, with no answers: none came in time.
// It reports false when another request recorded it first.
func recordLate(ctx context.Context, tx bun.Tx, at *Attempt, now time.Time) (bool, error) {
	zero, no, yes := 0, false, true
	at2 := *at
	at2.SubmittedAt, at2.Answers, at2.Score, at2.Correct, at2.Passed, at2.Expired = &now, Answers{}, &zero, &zero, &no, &yes
	return complete(ctx, tx, &at2, at)
}

// complete writes the result fields of done over the stored open attempt, once: the WHERE on
// submitted_at makes every later or parallel writer a no-op. On success it copies done into at.
func complete(ctx context.Context, tx bun.Tx, done, at *Attempt) (bool, error) {
	res, err := tx.NewUpdate().Model(done).
		Column("submitted_at", "answers", "score", "correct", "passed", "expired").
		WherePK().Where("submitted_at IS NULL").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("record quiz attempt %d: %w", done.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	*at = *done
	return true, nil
}
