package e2e

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"custos/app/certs"
	"custos/app/demo"
	"custos/courses"
)

// The employee: 陈静, the new hire who has done nothing yet, signs in, reads every lesson of
// the customer-information course, fails the quiz, comes back after the cool-down and passes
// it, signs the undertaking with the keyboard alone, downloads her certificate and checks it on
// the public verification page.
func TestEmployeeCompletesTheCourse(t *testing.T) {
	t.Parallel()
	eachLanguage(t, func(t *testing.T, s *site, lang string) {
		const email, slug = "chen.jing@example.com", "customer-information"
		c := s.env.App.Catalog.Get(slug)
		name := s.person(t, email).Name
		b := s.open(t, lang, "employee")

		b.signIn(email, demo.Password)
		b.see(b.T("home_title"), c.Title.In(lang), b.T("status_assigned"), b.T("home_start"))
		b.click(`section.assignment h2 a[href="/courses/` + slug + `"]`)
		b.see(c.Summary.In(lang), b.T("course_locked"))

		b.click(`ol.lessons a[href="/courses/` + slug + `/lessons/1"]`)
		for _, l := range c.Lessons {
			b.see(l.Title.In(lang), b.T("lesson_position", "N", l.Index, "Total", len(c.Lessons)))
			s.clock.Advance(l.MinRead + 5*time.Second) // reading, on the server's clock
			b.click(fmt.Sprintf(`form[action="/courses/%s/lessons/%d"] button[type=submit]`, slug, l.Index))
		}
		if p := b.path(); p != "/courses/"+slug {
			t.Fatalf("after the last lesson the tab is at %s, not the course", p)
		}
		b.see(b.T("course_lesson_read"), b.T("course_quiz_start"))

		b.click(`a.button[href="/courses/` + slug + `/quiz"]`)
		b.see(b.T("quiz_heading"))
		b.click(`form[action="/courses/` + slug + `/quiz/start"] button[type=submit]`)
		b.answerQuiz(c, false)
		b.see(b.T("quiz_result_failed"), b.T("quiz_result_fail_note"))
		b.click(`a[href="/courses/` + slug + `/quiz"]`)
		if eval[bool](b, `!!document.querySelector('form[action$="/quiz/start"]')`) {
			t.Error("the quiz offers another attempt during the cool-down")
		}

		// Back after the cool-down, in a new session: the first one has gone idle meanwhile.
		s.clock.Advance(c.Cooldown + time.Minute)
		b.visit("/courses/" + slug + "/quiz")
		if p := b.path(); p != "/login" {
			t.Fatalf("an idle session still opens %s", p)
		}
		b.signInHere(email, demo.Password) // in the language she chose before

		b.click(`section.assignment h2 a[href="/courses/` + slug + `"]`)
		b.click(`a.button[href="/courses/` + slug + `/quiz"]`)
		b.see(b.T("quiz_result_failed")) // the first attempt, in the history
		b.click(`form[action="/courses/` + slug + `/quiz/start"] button[type=submit]`)
		b.answerQuiz(c, true)
		b.see(b.T("quiz_result_passed"), b.T("quiz_result_pass_note"))

		b.click(`a[href="/courses/` + slug + `"]`)
		b.see(b.T("home_quiz_passed"))
		b.click(`a.button[href="/courses/` + slug + `/sign"]`)
		b.signWithKeyboard(name)
		b.see(b.T("attest_signed_heading"), name)

		b.click(`nav a[href="/"]`)
		b.see(b.T("status_completed"), b.T("home_certificate"))
		list := s.certificates(t, email, slug)
		if len(list) != 1 {
			t.Fatalf("%s has %d certificates for %s, want 1", email, len(list), slug)
		}
		cert := list[0]
		file, pdf := b.download(`a.button[href="/certificates/` + cert.Serial + `.pdf"]`)
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) || file != "certificate-"+cert.Serial+".pdf" {
			t.Errorf("the certificate download is %q, %d bytes starting %q", file, len(pdf), pdf[:min(len(pdf), 8)])
		}

		// Anyone holding the certificate can check it: a browser with no session opens the
		// address its QR code carries.
		valid, _ := verdicts(lang)
		v := s.open(t, lang, "public")
		v.visit("/verify/" + cert.Code)
		v.chooseLanguage()
		v.see(valid, certs.MaskName(name), c.Title.In(lang))
		v.notSee(name)
		if got := v.text(".verdict"); got != valid {
			t.Errorf("the verification verdict reads %q, want %q", got, valid)
		}
	})
}

// answerQuiz answers the open attempt by clicking the options, every answer right or every
// answer wrong, and submits it; the right answers come from the course's question bank.
func (b *tab) answerQuiz(c *courses.Course, right bool) {
	b.t.Helper()
	type input struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	inputs := eval[[]input](b, `[...document.querySelectorAll('form.quiz input[name^="q."]')].map(i => ({name: i.name, value: i.value}))`)
	options := map[string][]string{}
	var order []string
	for _, in := range inputs {
		if _, seen := options[in.Name]; !seen {
			order = append(order, in.Name)
		}
		options[in.Name] = append(options[in.Name], in.Value)
	}
	if len(order) != c.Questions {
		b.t.Fatalf("the quiz shows %d questions, want %d", len(order), c.Questions)
	}
	var clicks []chromedp.Action[chromedp.Void]
	for _, field := range order {
		q := c.Bank.Question(strings.TrimPrefix(field, "q."))
		if q == nil {
			b.t.Fatalf("the quiz shows %s, which is not in the bank", field)
		}
		correct := q.CorrectOptions()
		var pick []string
		for _, o := range options[field] {
			if slices.Contains(correct, o) == right && (right || len(pick) == 0) {
				pick = append(pick, o)
			}
		}
		for _, o := range pick {
			clicks = append(clicks, chromedp.Click(chromedp.CSS(`input[name=`+jsString(field)+`][value=`+jsString(o)+`]`)))
		}
	}
	b.do("answer the quiz", clicks...)
	b.click(`form.quiz button[type=submit]`)
}

// signWithKeyboard signs the undertaking shown with the keyboard alone: Tab to the box, Space to
// tick it, Tab to the name, type it, Enter to submit.
func (b *tab) signWithKeyboard(name string) {
	b.t.Helper()
	b.see(b.T("attest_agree"), b.T("attest_full_name"))
	b.tabTo(`input[name="agree"]`)
	b.do("press Space", chromedp.KeyEvent(" "))
	if !eval[bool](b, `document.querySelector('input[name="agree"]').checked`) {
		b.t.Fatal("Space did not tick the agreement box")
	}
	b.tabTo("#full_name")
	b.typeKeys(name)
	b.pressToLoad(kb.Enter)
}
