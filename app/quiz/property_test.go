package quiz_test

import (
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"custos/app/dbtest"
	"custos/app/people"
	"custos/quizzes"
)

// TestScoringDoesNotDependOnTheOrderShown is a property test at the attempt level: the same
// answers (chosen at random, by option id) given to attempts that each show the questions'
// options in a new random order, and sent with the form's fields in a random order, always score
// what the bank gives for them in its own order.
func TestScoringDoesNotDependOnTheOrderShown(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		w := newWorld(t, u)
		p := w.person(t, "sun@example.com", "Sun Li", people.Employee, "drill")
		c := w.client(t, "sun@example.com")
		bank := w.bank("drill")
		seed := rand.Uint64()
		t.Logf("seed %d", seed)
		rng := rand.New(rand.NewPCG(seed, 1))

		// Random answers that do not reach drill's pass mark of 100%, so the course stays open.
		var given map[string][]string
		var want quizzes.Result
		canonical := make([]quizzes.Drawn, len(bank.Questions))
		for i, q := range bank.Questions {
			ids := make([]string, len(q.Options))
			for j, o := range q.Options {
				ids[j] = o.ID
			}
			canonical[i] = quizzes.Drawn{QuestionID: q.ID, OptionOrder: ids}
		}
		for want.Total == 0 || want.Percent == 100 {
			given = map[string][]string{}
			for _, q := range bank.Questions {
				perm := rng.Perm(len(q.Options))
				n := 1
				if q.Kind == quizzes.Multiple {
					n = 1 + rng.IntN(len(q.Options))
				}
				for _, k := range perm[:n] {
					given[q.ID] = append(given[q.ID], q.Options[k].ID)
				}
			}
			var err error
			if want, err = bank.Score(canonical, given); err != nil {
				t.Fatal(err)
			}
		}

		orders := map[string]bool{}
		const rounds = 5
		for round := range rounds {
			if r := c.Post(t, "/courses/drill/quiz/start", nil); r.Status != 303 {
				t.Fatalf("round %d: start %d\n%s", round, r.Status, r.Body)
			}
			_, f := quizPage(t, c, bank, "/courses/drill/quiz")
			var shown []string
			for _, q := range f.Questions {
				shown = append(shown, q.ID+":"+strings.Join(q.Options, ","))
			}
			orders[strings.Join(shown, " ")] = true

			// The fields in a random order, each question's values in a random order too.
			var fields []string
			for id, opts := range given {
				for _, o := range opts {
					fields = append(fields, url.QueryEscape("q."+id)+"="+url.QueryEscape(o))
				}
			}
			fields = append(fields, "attempt="+f.Attempt, "_csrf="+url.QueryEscape(c.CSRF()))
			rng.Shuffle(len(fields), func(i, j int) { fields[i], fields[j] = fields[j], fields[i] })
			req, _ := http.NewRequest(http.MethodPost, "http://custos.test/courses/drill/quiz", strings.NewReader(strings.Join(fields, "&")))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if r := c.Do(t, req); r.Status != 303 {
				t.Fatalf("round %d: submit %d\n%s", round, r.Status, r.Body)
			}
			at := w.attempts(t, p.ID, "drill")[round]
			if at.Percent() != want.Percent || *at.Correct != want.Correct || at.HasPassed() {
				t.Errorf("round %d: scored %d%% (%d right), the bank gives %d%% (%d right) for %v",
					round, at.Percent(), *at.Correct, want.Percent, want.Correct, given)
			}
		}
		if len(orders) < 2 {
			t.Errorf("%d attempts showed the options in one order only", rounds)
		}
	})
}
