package quiz

import (
	"testing"
	"time"

	"custos/courses"
)

func TestStanding(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	course := &courses.Course{MaxAttempts: 2, Cooldown: time.Hour}
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	yes, no, zero := true, false, 0
	failed := Attempt{AttemptNo: 1, StartedAt: now.Add(-3 * time.Hour), SubmittedAt: at(-30 * time.Minute), Score: &zero, Passed: &no, Expired: &no}
	passed := failed
	passed.Passed = &yes
	open := Attempt{AttemptNo: 2, StartedAt: now.Add(-time.Minute), Deadline: at(9 * time.Minute)}
	late := Attempt{AttemptNo: 2, StartedAt: now.Add(-2 * time.Hour), Deadline: at(-50 * time.Minute)}
	// Recorded an hour after its deadline, yet its cool-down runs from the deadline.
	expired := Attempt{AttemptNo: 1, StartedAt: now.Add(-2 * time.Hour), Deadline: at(-90 * time.Minute), SubmittedAt: at(-10 * time.Minute),
		Score: &zero, Passed: &no, Expired: &yes}

	for _, tc := range []struct {
		name     string
		attempts []Attempt
		granted  int
		start    bool
		out      bool
		left     int
		retryAt  *time.Time
	}{
		{"no attempt yet", nil, 0, true, false, 2, nil},
		{"a failed attempt cools down", []Attempt{failed}, 0, false, false, 1, at(30 * time.Minute)},
		{"an open attempt is answered, not restarted", []Attempt{failed, open}, 0, false, false, 0, nil},
		{"a run-out attempt cools down from its deadline", []Attempt{late}, 0, false, false, 1, at(10 * time.Minute)},
		{"an expired attempt cools down from its deadline", []Attempt{expired}, 0, true, false, 1, nil},
		{"out of attempts", []Attempt{expired, failed}, 0, false, true, 0, at(30 * time.Minute)},
		{"a grant gives another", []Attempt{expired, failed}, 1, false, false, 1, at(30 * time.Minute)},
		{"a pass ends the quiz", []Attempt{passed}, 0, false, false, 1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := standingOf(tc.attempts, tc.granted, course, now)
			if st.CanStart() != tc.start || st.OutOfAttempts() != tc.out || st.Left != tc.left {
				t.Errorf("can start %v, out %v, left %d; want %v, %v, %d", st.CanStart(), st.OutOfAttempts(), st.Left, tc.start, tc.out, tc.left)
			}
			if want := tc.retryAt; (want == nil) != st.RetryAt.IsZero() || want != nil && !want.Equal(st.RetryAt) {
				t.Errorf("retry at %v, want %v", st.RetryAt, want)
			}
		})
	}
}
