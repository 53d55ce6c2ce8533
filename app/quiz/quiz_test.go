package quiz_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"custos/app/audit"
	"custos/app/dbtest"
	"custos/app/people"
)

func TestAPersonFailsWaitsForTheCoolDownAndPasses(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		w := newWorld(t, u)
		p := w.person(t, "li@example.com", "Li Na", people.Employee)
		c := w.client(t, "li@example.com")
		bank := w.bank("mini")

		t.Run("the quiz is locked until every lesson is read", func(t *testing.T) {
			r, f := quizPage(t, c, bank, "/courses/mini/quiz")
			if !strings.Contains(r.Body, "Read every lesson of the course before you take the quiz.") || f.Attempt != "" {
				t.Fatalf("locked quiz page:\n%s", r.Body)
			}
			if r := c.Post(t, "/courses/mini/quiz/start", nil); r.Status != 422 || len(w.attempts(t, p.ID, "mini")) != 0 {
				t.Fatalf("start before the lessons: %d", r.Status)
			}
		})
		w.readLessons(t, p.ID, "mini")

		r, f := quizPage(t, c, bank, "/courses/mini/quiz")
		for _, want := range []string{"Start attempt 1", "2 of 2", "10 minutes", "75%"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("quiz page before the first attempt lacks %q", want)
			}
		}
		if f.Attempt != "" {
			t.Fatal("a GET started an attempt")
		}
		if n := len(w.attempts(t, p.ID, "mini")); n != 0 {
			t.Fatalf("%d attempts after only looking", n)
		}

		// First attempt: every answer wrong.
		if r := c.Post(t, "/courses/mini/quiz/start", nil); r.Status != 303 || r.Header.Get("Location") != "/courses/mini/quiz" {
			t.Fatalf("start: %d %s", r.Status, r.Header.Get("Location"))
		}
		r, f = quizPage(t, c, bank, "/courses/mini/quiz")
		if f.Attempt == "" || len(f.Questions) != 4 || !strings.Contains(r.Body, "Submit by") {
			t.Fatalf("attempt page: attempt %q, %d questions\n%s", f.Attempt, len(f.Questions), r.Body)
		}
		for _, q := range f.Questions {
			if want := map[string]string{"m-multi": "checkbox"}[q.ID]; want != "" && q.Kind != want || want == "" && q.Kind != "radio" {
				t.Errorf("question %s is answered with %s inputs", q.ID, q.Kind)
			}
		}
		r = c.Post(t, "/courses/mini/quiz", answer(bank, f, false))
		first := w.attempts(t, p.ID, "mini")[0]
		if r.Status != 303 || r.Header.Get("Location") != fmt.Sprintf("/courses/mini/quiz/attempts/%d", first.ID) {
			t.Fatalf("submit: %d %s", r.Status, r.Header.Get("Location"))
		}
		res := c.Get(t, r.Header.Get("Location"))
		for _, want := range []string{"Not passed", "You answered 0 of 4 questions correctly: 0%", "Because A is A.", "Y is Y.", "correct answer", "your answer"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("result page lacks %q", want)
			}
		}
		if !first.Submitted() || first.HasPassed() || first.Percent() != 0 || first.Locale != "en" || first.BankVersion != bank.Version ||
			len(first.Questions) != 4 || len(first.Answers) != 4 || first.Total != 4 || first.PassMark != 75 || first.Deadline == nil {
			t.Errorf("stored attempt %+v", first)
		}

		// The cool-down: no new attempt for an hour.
		r, _ = quizPage(t, c, bank, "/courses/mini/quiz")
		if !strings.Contains(r.Body, "You can try again from") || !strings.Contains(r.Body, "1 of 2") || strings.Contains(r.Body, "Start attempt 2") {
			t.Errorf("quiz page during the cool-down:\n%s", r.Body)
		}
		if r := c.Post(t, "/courses/mini/quiz/start", nil); r.Status != 409 || !strings.Contains(r.Body, "the waiting time after your last attempt is not over") {
			t.Errorf("start during the cool-down: %d", r.Status)
		}
		if n := len(w.attempts(t, p.ID, "mini")); n != 1 {
			t.Fatalf("%d attempts after a refused start", n)
		}

		// An hour later: the second attempt, all right, with the fields in any order.
		w.clock.Advance(61 * time.Minute)
		r, _ = quizPage(t, c, bank, "/courses/mini/quiz")
		if !strings.Contains(r.Body, "Start attempt 2") {
			t.Fatalf("no second attempt after the cool-down:\n%s", r.Body)
		}
		c.Post(t, "/courses/mini/quiz/start", nil)
		_, f = quizPage(t, c, bank, "/courses/mini/quiz")
		r = c.Post(t, "/courses/mini/quiz", answer(bank, f, true))
		res = c.Get(t, r.Header.Get("Location"))
		for _, want := range []string{"Passed", "You answered 4 of 4 questions correctly: 100%", "Well done"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("result page of the pass lacks %q", want)
			}
		}

		a := w.assignment(t, p.ID, "mini")
		if a.CompletedAt == nil {
			t.Error("the pass did not complete the assignment, which has no other part")
		}
		if s, f, c := w.audits(t, "quiz.start"), w.audits(t, "quiz.submit"), w.audits(t, "assignment.complete"); s != 2 || f != 2 || c != 1 {
			t.Errorf("audit: %d starts, %d submits, %d completions; want 2, 2, 1", s, f, c)
		}
		var records []string
		w.db().NewSelect().Table("audit_log").Column("record").Where("action = 'quiz.submit'").Order("seq").Scan(context.Background(), &records)
		if len(records) == 2 && (!strings.Contains(records[0], `"passed":"false"`) || !strings.Contains(records[1], `"score":"100"`) || !strings.Contains(records[1], `"passed":"true"`)) {
			t.Errorf("quiz.submit records lack the score and result: %v", records)
		}

		r, _ = quizPage(t, c, bank, "/courses/mini/quiz")
		if !strings.Contains(r.Body, "You passed this quiz with 100%.") {
			t.Errorf("quiz page after the pass:\n%s", r.Body)
		}
		if r := c.Post(t, "/courses/mini/quiz/start", nil); r.Status != 409 || len(w.attempts(t, p.ID, "mini")) != 2 {
			t.Errorf("start after passing: %d", r.Status)
		}
		if course := c.Get(t, "/courses/mini"); !strings.Contains(course.Body, "Quiz passed") {
			t.Error("the course page does not say the quiz was passed")
		}
		if _, err := audit.Verify(context.Background(), w.db(), w.env.App.Key.VerifierKey()); err != nil {
			t.Errorf("audit log: %v", err)
		}
	})
}

func TestAPersonOutOfAttemptsIsToldWhomToAskAndAnAdminGrantsMore(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		w := newWorld(t, u)
		p := w.person(t, "wang@example.com", "Wang Fang", people.Employee, "strict")
		w.person(t, "boss@example.com", "Zhao Admin", people.Admin)
		c := w.client(t, "wang@example.com")
		bank := w.bank("strict")

		if r := c.Post(t, "/courses/strict/quiz/start", nil); r.Status != 303 {
			t.Fatalf("start: %d\n%s", r.Status, r.Body)
		}
		_, f := quizPage(t, c, bank, "/courses/strict/quiz")
		r := c.Post(t, "/courses/strict/quiz", answer(bank, f, false))
		if r.Status != 303 {
			t.Fatalf("submit: %d\n%s", r.Status, r.Body)
		}
		res := c.Get(t, r.Header.Get("Location"))
		if !strings.Contains(res.Body, "Not passed") || !strings.Contains(res.Body, "Never share passwords.") {
			t.Errorf("result page:\n%s", res.Body)
		}
		if strings.Contains(res.Body, "correct answer") {
			t.Error("the result page reveals the correct answers of a course that does not reveal them")
		}

		r, _ = quizPage(t, c, bank, "/courses/strict/quiz")
		for _, want := range []string{"You have used every attempt", "Zhao Admin", "boss@example.com", "0 of 1"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("page out of attempts lacks %q", want)
			}
		}
		if r := c.Post(t, "/courses/strict/quiz/start", nil); r.Status != 409 || !strings.Contains(r.Body, "You have no attempts left") {
			t.Errorf("start without attempts left: %d", r.Status)
		}
		a := w.assignment(t, p.ID, "strict")
		good := url.Values{"assignment": {fmt.Sprint(a.ID)}, "extra": {"1"}, "reason": {"Was ill during the first attempt"}}
		if r := c.Post(t, "/admin/quiz/grants", clone(good)); r.Status != 403 {
			t.Errorf("an employee granting attempts: %d, want 403", r.Status)
		}
		if r := c.Get(t, "/admin/quiz"); r.Status != 403 {
			t.Errorf("an employee on the admin page: %d, want 403", r.Status)
		}

		admin := w.client(t, "boss@example.com")
		page := admin.Get(t, "/admin/quiz")
		if page.Status != 200 || !strings.Contains(page.Body, "wang@example.com") || !strings.Contains(page.Body, "1 of 1") {
			t.Fatalf("admin page does not list the person out of attempts:\n%s", page.Body)
		}
		id := fmt.Sprint(a.ID)
		for _, bad := range []struct {
			form url.Values
			msg  string
		}{
			{url.Values{"assignment": {id}, "extra": {"0"}, "reason": {"x"}}, "Extra attempts must be a whole number from 1 to 10"},
			{url.Values{"assignment": {id}, "extra": {"many"}, "reason": {"x"}}, "Extra attempts must be a whole number from 1 to 10"},
			{url.Values{"assignment": {id}, "extra": {"11"}, "reason": {"x"}}, "Extra attempts must be a whole number from 1 to 10"},
			{url.Values{"assignment": {id}, "extra": {"2"}, "reason": {"   "}}, "Give a reason for the grant"},
			{url.Values{"assignment": {"999999"}, "extra": {"1"}, "reason": {"x"}}, "There is no open assignment with a quiz"},
		} {
			r := admin.Post(t, "/admin/quiz/grants", bad.form)
			if r.Status != 422 || !strings.Contains(r.Body, bad.msg) {
				t.Errorf("grant %v: %d, want 422 with %q", bad.form, r.Status, bad.msg)
			}
		}
		if n := w.audits(t, "quiz.grant"); n != 0 {
			t.Fatalf("%d grants recorded after refusals", n)
		}
		r = admin.Post(t, "/admin/quiz/grants", clone(good))
		if r.Status != 303 {
			t.Fatalf("grant: %d", r.Status)
		}
		if page := admin.Get(t, r.Header.Get("Location")); !strings.Contains(page.Body, "The extra attempts were granted") || strings.Contains(page.Body, "wang@example.com") {
			t.Errorf("admin page after the grant:\n%s", page.Body)
		}
		if n := w.audits(t, "quiz.grant"); n != 1 {
			t.Errorf("%d quiz.grant records, want 1", n)
		}

		r, _ = quizPage(t, c, bank, "/courses/strict/quiz")
		if !strings.Contains(r.Body, "1 of 2") || !strings.Contains(r.Body, "Start attempt 2") {
			t.Fatalf("quiz page after the grant:\n%s", r.Body)
		}
		if home := c.Get(t, "/"); !strings.Contains(home.Body, "Pass the quiz") || strings.Contains(home.Body, "Quiz passed") {
			t.Errorf("my training after a failed attempt does not ask for the quiz:\n%s", home.Body)
		}
		c.Post(t, "/courses/strict/quiz/start", nil)
		_, f = quizPage(t, c, bank, "/courses/strict/quiz")
		r = c.Post(t, "/courses/strict/quiz", answer(bank, f, true))
		if res := c.Get(t, r.Header.Get("Location")); !strings.Contains(res.Body, "Passed") {
			t.Errorf("second attempt after the grant did not pass:\n%s", res.Body)
		}
		// The course waits for its signature; my training says so.
		if home := c.Get(t, "/"); !strings.Contains(home.Body, "Quiz passed") || !strings.Contains(home.Body, "Sign the undertaking") {
			t.Errorf("my training after the pass:\n%s", home.Body)
		}
		// Someone else's result is not found, even for an administrator.
		if r := admin.Get(t, r.Header.Get("Location")); r.Status != 404 {
			t.Errorf("another person's result: %d, want 404", r.Status)
		}
	})
}
