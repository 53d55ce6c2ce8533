package quiz_test

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"custos/app/dbtest"
	"custos/app/people"
	"custos/quizzes"
)

// TestTheBuiltInQuizzesNeverShowTheAnswers takes the built-in courses' quizzes in both languages
// and scans every page shown before submission (the attempt, and the attempt shown again after
// a refusal) for anything that tells a correct option from a wrong one. The other tests scan
// every quiz page they open the same way (see quizPage).
func TestTheBuiltInQuizzesNeverShowTheAnswers(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		w := newWorld(t, u)
		w.person(t, "he@example.com", "He Ming", people.Employee, "customer-information", "incident-response")
		c := w.client(t, "he@example.com")
		for _, slug := range []string{"customer-information", "incident-response"} {
			course := w.env.App.Catalog.Get(slug)
			path := "/courses/" + slug + "/quiz"
			quizPage(t, c, course.Bank, path)
			if r := c.Post(t, path+"/start", nil); r.Status != 303 {
				t.Fatalf("%s: start %d", slug, r.Status)
			}
			var f shownForm
			for _, lang := range []string{"zh-Hans", "en"} {
				_, f = quizPage(t, c, course.Bank, path+"?lang="+lang)
				if len(f.Questions) != course.Questions {
					t.Fatalf("%s in %s: %d questions shown, want %d", slug, lang, len(f.Questions), course.Questions)
				}
			}
			// Half answered: the form comes back with a message and must still give nothing away.
			form := answer(course.Bank, shownForm{Attempt: f.Attempt, Questions: f.Questions[:len(f.Questions)/2]}, true)
			r := c.Post(t, path, form)
			if r.Status != 422 || !strings.Contains(r.Body, "still without an answer") {
				t.Fatalf("%s: half answered: %d", slug, r.Status)
			}
			assertNoLeak(t, r.Body, course.Bank)
			// A tampered form is refused the same way.
			r = c.Post(t, path, url.Values{"attempt": {f.Attempt}, "q." + f.Questions[0].ID: {"not-an-option"}})
			if r.Status != 422 {
				t.Fatalf("%s: tampered: %d", slug, r.Status)
			}
			assertNoLeak(t, r.Body, course.Bank)
		}
	})
}

// failures records what a check reports instead of failing the test.
type failures []string

func (f *failures) Helper() {}

func (f *failures) Errorf(format string, args ...any) { *f = append(*f, format) }

// TestTheLeakCheckNoticesALeak makes sure assertNoLeak is not blind: pages that mark the
// correct option in any of a few ways are caught, and a fair page passes.
func TestTheLeakCheckNoticesALeak(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(content(t), "quizzes", "mini.toml"))
	if err != nil {
		t.Fatal(err)
	}
	bank, err := quizzes.Parse("quizzes/mini.toml", data)
	if err != nil {
		t.Fatal(err)
	}
	option := func(id, extra string) string {
		return `<label class="check option"><input type="radio" name="q.m-single" value="` + id + `"` + extra + `> <span>Text ` + id + `</span></label>`
	}
	fair := option("b", "") + option("a", "") + option("c", "")
	for name, page := range map[string]string{
		"a class on the correct option":   strings.Replace(fair, `value="a">`, `value="a" class="x">`, 1),
		"a data attribute":                strings.Replace(fair, `value="a">`, `value="a" data-ok="1">`, 1),
		"a hidden field":                  fair + `<input type="hidden" name="key" value="a">`,
		"a script":                        fair + `<script>var k = "a"</script>`,
		"a missing option":                option("b", "") + option("a", ""),
		"the correct option marked apart": strings.Replace(fair, `<span>Text a</span>`, `<span>Text a</span><b></b>`, 1),
	} {
		var got failures
		assertNoLeak(&got, page, bank)
		if len(got) == 0 {
			t.Errorf("%s: not noticed", name)
		}
	}
	var got failures
	if assertNoLeak(&got, fair, bank); len(got) != 0 {
		t.Errorf("a fair page is reported: %v", got)
	}
}
