package quiz_test

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"custos/app/apptest"
	"custos/app/dbtest"
	"custos/app/people"
	"custos/app/quiz"
)

// TestParallelRequestsRecordOneResultAndNeverExceedTheLimit fires real parallel requests (run it
// with -race). On PostgreSQL they alternate between two instances of Custos on one database.
func TestParallelRequestsRecordOneResultAndNeverExceedTheLimit(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		w := newWorld(t, u)
		envs := []*apptest.Env{w.env}
		if strings.HasPrefix(u, "postgres") {
			envs = append(envs, w.instance(t, u))
		}
		p := w.person(t, "chen@example.com", "Chen Jing", people.Employee, "mini", "strict")
		c := w.client(t, "chen@example.com")

		// parallel sends the same form n times at once, spread over the instances, and counts
		// the answers by status.
		parallel := func(n int, path string, form url.Values) map[int]int {
			var (
				wg       sync.WaitGroup
				mu       sync.Mutex
				statuses = map[int]int{}
			)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					status, _ := raw(t, envs[i%len(envs)], c, path, form)
					mu.Lock()
					statuses[status]++
					mu.Unlock()
				}()
			}
			wg.Wait()
			return statuses
		}

		t.Run("parallel starts open one attempt", func(t *testing.T) {
			if got := parallel(10, "/courses/mini/quiz/start", url.Values{}); got[303] != 10 {
				t.Errorf("statuses %v, want 10 redirects to the one attempt", got)
			}
			if n := len(w.attempts(t, p.ID, "mini")); n != 1 {
				t.Fatalf("%d attempts after parallel starts, want 1", n)
			}
		})

		t.Run("30 parallel submits record one result", func(t *testing.T) {
			bank := w.bank("mini")
			_, f := quizPage(t, c, bank, "/courses/mini/quiz")
			if got := parallel(30, "/courses/mini/quiz", answer(bank, f, true)); got[303] != 30 {
				t.Errorf("statuses %v, want 30 redirects to the one result", got)
			}
			list := w.attempts(t, p.ID, "mini")
			if len(list) != 1 || !list[0].HasPassed() {
				t.Fatalf("attempts after parallel submits: %+v", list)
			}
			if s, a := w.audits(t, "quiz.submit"), w.audits(t, "assignment.complete"); s != 1 || a != 1 {
				t.Errorf("%d quiz.submit and %d assignment.complete records, want one each", s, a)
			}
		})

		t.Run("parallel starts never exceed the attempts allowed", func(t *testing.T) {
			bank := w.bank("strict")
			parallel(10, "/courses/strict/quiz/start", url.Values{})
			_, f := quizPage(t, c, bank, "/courses/strict/quiz")
			if r := c.Post(t, "/courses/strict/quiz", answer(bank, f, false)); r.Status != 303 {
				t.Fatalf("submit: %d", r.Status)
			}
			if got := parallel(10, "/courses/strict/quiz/start", url.Values{}); got[409] != 10 {
				t.Errorf("starts without attempts left: %v, want 10 refusals", got)
			}
			a := w.assignment(t, p.ID, "strict")
			g := &quiz.Grant{AssignmentID: a.ID, Extra: 1, GrantedBy: p.ID, Reason: "test", At: w.clock.Now()}
			if _, err := w.db().NewInsert().Model(g).Exec(context.Background()); err != nil {
				t.Fatal(err)
			}
			parallel(12, "/courses/strict/quiz/start", url.Values{})
			list := w.attempts(t, p.ID, "strict")
			if len(list) != 2 || list[1].AttemptNo != 2 || list[1].Submitted() {
				t.Fatalf("after one extra attempt and parallel starts: %d attempts", len(list))
			}
			if n := w.audits(t, "quiz.start"); n != 3 {
				t.Errorf("%d quiz.start records, want 3", n)
			}
		})
	})
}
