package quiz_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"custos/app/dbtest"
	"custos/app/people"
	"custos/app/quiz"
)

// with returns a copy of v with field set to values (none: removed).
func with(v url.Values, field string, values ...string) url.Values {
	out := clone(v)
	if len(values) == 0 {
		out.Del(field)
	} else {
		out[field] = values
	}
	return out
}

var ticked = regexp.MustCompile(`name="q\.([^"]+)" value="([^"]*)" checked`)

func TestBadSubmissionsAreRefusedAndChangeNothing(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		ctx := context.Background()
		w := newWorld(t, u)
		p := w.person(t, "zhou@example.com", "Zhou Jie", people.Employee, "mini")
		other := w.person(t, "other@example.com", "Someone Else", people.Employee, "mini")
		bank := w.bank("mini")
		// Someone else's open attempt, whose id a tamperer might try.
		theirs := &quiz.Attempt{AssignmentID: w.assignment(t, other.ID, "mini").ID, PersonID: other.ID, Course: "mini", AttemptNo: 1,
			Bank: "mini", BankVersion: bank.Version, CourseVersion: "v", Total: 1, PassMark: 75, Locale: "en", StartedAt: w.clock.Now(),
			Questions: quiz.Shown{{ID: "m-tf", Options: []string{"true", "false"}}}}
		if _, err := w.db().NewInsert().Model(theirs).Exec(ctx); err != nil {
			t.Fatal(err)
		}

		c := w.client(t, "zhou@example.com")
		c.Post(t, "/courses/mini/quiz/start", nil)
		_, f := quizPage(t, c, bank, "/courses/mini/quiz")
		right := answer(bank, f, true)
		auditsBefore := w.audits(t, "quiz.submit")

		for _, bad := range []struct {
			name string
			form url.Values
			msg  string
		}{
			{"a question that was not drawn", with(right, "q.no-such-question", "a"), "a question that is not part of this attempt"},
			{"someone else's attempt", with(right, "attempt", fmt.Sprint(theirs.ID)), "not for the attempt you have open"},
			{"an attempt that does not exist", with(right, "attempt", "999999"), "not for the attempt you have open"},
			{"no attempt id", with(right, "attempt"), "not for the attempt you have open"},
			{"a tampered option", with(right, "q.m-single", "zzz"), "not one of the options shown"},
			{"a tampered checkbox", with(right, "q.m-multi", "a", "zzz"), "not one of the options shown"},
			{"two answers to a true/false question", with(right, "q.m-tf", "true", "false"), "received several"},
			{"an unanswered question", with(right, "q.m-single2"), "1 still without an answer"},
			{"nothing answered", url.Values{"attempt": {f.Attempt}}, "4 still without an answer"},
		} {
			t.Run(bad.name, func(t *testing.T) {
				r := c.Post(t, "/courses/mini/quiz", clone(bad.form))
				if r.Status != 422 || !strings.Contains(r.Body, bad.msg) {
					t.Fatalf("%d, want 422 with %q\n%s", r.Status, bad.msg, r.Body)
				}
				assertNoLeak(t, r.Body, bank)
				if again := formOf(r.Body); again.Attempt != f.Attempt || len(again.Questions) != 4 {
					t.Errorf("the form is not shown again: attempt %q, %d questions", again.Attempt, len(again.Questions))
				}
			})
		}
		t.Run("the form shown again keeps what was entered", func(t *testing.T) {
			form := with(right, "q.m-single2")
			r := c.Post(t, "/courses/mini/quiz", clone(form))
			got := map[string][]string{}
			for _, m := range ticked.FindAllStringSubmatch(r.Body, -1) {
				got[m[1]] = append(got[m[1]], m[2])
			}
			for _, q := range f.Questions {
				want := slices.Clone(form["q."+q.ID])
				slices.Sort(want)
				slices.Sort(got[q.ID])
				if !slices.Equal(want, got[q.ID]) {
					t.Errorf("question %s: ticked %v, entered %v", q.ID, got[q.ID], want)
				}
			}
		})

		mine := w.attempts(t, p.ID, "mini")
		if len(mine) != 1 || mine[0].Submitted() || w.audits(t, "quiz.submit") != auditsBefore {
			t.Fatalf("refused submissions changed something: %+v", mine)
		}
		if still := w.attempts(t, other.ID, "mini"); len(still) != 1 || still[0].Submitted() {
			t.Fatal("someone else's attempt was touched")
		}

		t.Run("answers after the time limit are refused and the attempt fails", func(t *testing.T) {
			now := w.clock.Now()
			_, err := w.db().NewUpdate().Model((*quiz.Attempt)(nil)).Set("started_at = ?", now.Add(-30*time.Minute)).
				Set("deadline = ?", now.Add(-20*time.Minute)).Where("id = ?", mine[0].ID).Exec(ctx)
			if err != nil {
				t.Fatal(err)
			}
			r := c.Post(t, "/courses/mini/quiz", clone(right))
			if r.Status != 422 || !strings.Contains(r.Body, "ran out before your answers arrived") || !strings.Contains(r.Body, "Time ran out") {
				t.Fatalf("late submission: %d\n%s", r.Status, r.Body)
			}
			at := w.attempts(t, p.ID, "mini")[0]
			if !at.Submitted() || at.HasPassed() || at.Expired == nil || !*at.Expired || at.Percent() != 0 || len(at.Answers) != 0 {
				t.Errorf("late attempt stored as %+v", at)
			}
			if n := w.audits(t, "quiz.submit"); n != auditsBefore+1 {
				t.Errorf("%d quiz.submit records, want %d", n, auditsBefore+1)
			}
			// Sending it again shows the result; nothing more is recorded.
			if r := c.Post(t, "/courses/mini/quiz", clone(right)); r.Status != 303 || w.audits(t, "quiz.submit") != auditsBefore+1 {
				t.Errorf("a second late submission: %d", r.Status)
			}
			// The cool-down runs from the deadline: 40 minutes are left of it.
			if r, _ := quizPage(t, c, bank, "/courses/mini/quiz"); !strings.Contains(r.Body, "in about 40 minutes") {
				t.Errorf("cool-down after a late attempt:\n%s", r.Body)
			}
		})

		t.Run("an attempt left to run out is recorded when the next one is asked for", func(t *testing.T) {
			w.clock.Advance(2 * time.Hour)
			if r := c.Post(t, "/courses/mini/quiz/start", nil); r.Status != 303 {
				t.Fatalf("second start: %d", r.Status)
			}
			second := w.attempts(t, p.ID, "mini")[1]
			now := w.clock.Now()
			w.db().NewUpdate().Model((*quiz.Attempt)(nil)).Set("started_at = ?", now.Add(-15*time.Minute)).
				Set("deadline = ?", now.Add(-5*time.Minute)).Where("id = ?", second.ID).Exec(ctx)
			r, form := quizPage(t, c, bank, "/courses/mini/quiz")
			if form.Attempt != "" || !strings.Contains(r.Body, "You have used every attempt") {
				t.Errorf("quiz page with the last attempt run out:\n%s", r.Body)
			}
			if w.attempts(t, p.ID, "mini")[1].Submitted() {
				t.Fatal("a GET recorded the attempt")
			}
			if r := c.Post(t, "/courses/mini/quiz/start", nil); r.Status != 409 || !strings.Contains(r.Body, "You have no attempts left") {
				t.Errorf("start without attempts: %d", r.Status)
			}
			if at := w.attempts(t, p.ID, "mini")[1]; !at.Submitted() || at.Expired == nil || !*at.Expired {
				t.Errorf("the run-out attempt was not recorded: %+v", at)
			}
			if n := w.audits(t, "quiz.submit"); n != auditsBefore+2 {
				t.Errorf("%d quiz.submit records, want %d", n, auditsBefore+2)
			}
		})
	})
}
