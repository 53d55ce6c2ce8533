package quiz_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"custos/app/apptest"
	"custos/app/config"
	"custos/app/people"
	"custos/app/quiz"
	"custos/app/training"
	"custos/quizzes"
)

// content is a content folder with three small courses next to the built-in ones:
//   - mini: two lessons, four questions (single, multiple, true/false, single), all drawn; two
//     attempts, a one-hour cool-down, a ten-minute limit, answers revealed;
//   - strict: one lesson, one attempt, no cool-down or time limit, answers not revealed, and the
//     built-in confidentiality undertaking to sign after the quiz;
//   - drill: mini's bank with six attempts, no cool-down and a pass mark of 100%, for repeated
//     attempts.
func content(t testing.TB) string {
	dir := t.TempDir()
	miniBank := `[[question]]
id = "m-single"
lesson = "01-a"
kind = "single"
text = { en = "Which one is A?", zh-Hans = "哪个是甲？" }
explanation = { en = "Because A is A.", zh-Hans = "因为甲就是甲。" }
options = [
  { id = "a", correct = true, en = "Option A", zh-Hans = "甲" },
  { id = "b", en = "Option B", zh-Hans = "乙" },
  { id = "c", en = "Option C", zh-Hans = "丙" },
]

[[question]]
id = "m-multi"
lesson = "01-a"
kind = "multiple"
text = { en = "Which are vowels?", zh-Hans = "哪些是元音？" }
explanation = { en = "A and E are vowels.", zh-Hans = "A 和 E 是元音。" }
options = [
  { id = "a", correct = true, en = "Letter A", zh-Hans = "字母 A" },
  { id = "e", correct = true, en = "Letter E", zh-Hans = "字母 E" },
  { id = "k", en = "Letter K", zh-Hans = "字母 K" },
]

[[question]]
id = "m-tf"
lesson = "02-b"
kind = "truefalse"
text = { en = "Lock your screen when you leave?", zh-Hans = "离开时要锁屏吗？" }
explanation = { en = "Always lock it.", zh-Hans = "务必锁屏。" }
options = [
  { id = "true", correct = true, en = "True", zh-Hans = "对" },
  { id = "false", en = "False", zh-Hans = "错" },
]

[[question]]
id = "m-single2"
lesson = "02-b"
kind = "single"
text = { en = "Which one is Y?", zh-Hans = "哪个是 Y？" }
explanation = { en = "Y is Y.", zh-Hans = "Y 就是 Y。" }
options = [
  { id = "x", en = "Option X", zh-Hans = "X" },
  { id = "y", correct = true, en = "Option Y", zh-Hans = "Y" },
  { id = "z", en = "Option Z", zh-Hans = "Z" },
]
`
	strictBank := `[[question]]
id = "s-one"
lesson = "01-only"
kind = "single"
text = { en = "Who may see customer data?", zh-Hans = "谁可以查看客户数据？" }
explanation = { en = "Only those who need it for their work.", zh-Hans = "只有工作需要的人。" }
options = [
  { id = "need", correct = true, en = "Those who need it", zh-Hans = "工作需要的人" },
  { id = "all", en = "Everyone", zh-Hans = "所有人" },
]

[[question]]
id = "s-two"
lesson = "01-only"
kind = "truefalse"
text = { en = "Passwords may be shared.", zh-Hans = "密码可以共享。" }
explanation = { en = "Never share passwords.", zh-Hans = "绝不共享密码。" }
options = [
  { id = "true", en = "True", zh-Hans = "对" },
  { id = "false", correct = true, en = "False", zh-Hans = "错" },
]
`
	course := func(title, bank, extra string, lessons ...string) string {
		s := fmt.Sprintf(`title = { en = %q, zh-Hans = "%s（中文）" }
summary = { en = "For tests.", zh-Hans = "测试用。" }
recurrence = "P12M"
window_days = 30
scope = { departments = [], roles = [] }
quiz = %q
%s
`, title, title, bank, extra)
		for _, l := range lessons {
			s += fmt.Sprintf("\n[[lesson]]\nfile = %q\n", l)
		}
		return s
	}
	files := map[string]string{
		"quizzes/mini.toml":   miniBank,
		"quizzes/strict.toml": strictBank,
		"courses/mini/course.toml": course("Mini course", "mini",
			"questions = 4\npass_mark = 75\nmax_attempts = 2\ncooldown = \"PT1H\"\ntime_limit = \"PT10M\"\nreveal_answers = true", "01-a", "02-b"),
		"courses/strict/course.toml": course("Strict course", "strict",
			"questions = 2\npass_mark = 100\nmax_attempts = 1\nreveal_answers = false\nundertaking = \"confidentiality\"", "01-only"),
		"courses/drill/course.toml": course("Drill course", "mini",
			"questions = 4\npass_mark = 100\nmax_attempts = 6\nreveal_answers = true", "01-a", "02-b"),
	}
	for _, c := range []string{"mini", "drill"} {
		files["courses/"+c+"/lessons/01-a.en.md"] = "# Lesson A\n\nA.\n"
		files["courses/"+c+"/lessons/01-a.zh-Hans.md"] = "# 第一课\n\n甲。\n"
		files["courses/"+c+"/lessons/02-b.en.md"] = "# Lesson B\n\nB.\n"
		files["courses/"+c+"/lessons/02-b.zh-Hans.md"] = "# 第二课\n\n乙。\n"
	}
	files["courses/strict/lessons/01-only.en.md"] = "# The only lesson\n\nRead it.\n"
	files["courses/strict/lessons/01-only.zh-Hans.md"] = "# 唯一的一课\n\n请阅读。\n"
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// world is a running Custos with the test content, a settable clock and the people in it.
type world struct {
	env   *apptest.Env
	clock *apptest.Clock
	dir   string
}

func newWorld(t *testing.T, dbURL string) *world {
	t.Helper()
	dir := content(t)
	w := &world{dir: dir, clock: apptest.NewClock(time.Now())}
	w.env = w.instance(t, dbURL)
	return w
}

// instance starts one more Custos on dbURL sharing the world's content and clock.
func (w *world) instance(t *testing.T, dbURL string) *apptest.Env {
	env := apptest.New(t, dbURL, func(c *config.Config) {
		c.ContentDir = w.dir
		// The clock jumps over cool-downs; sessions must outlive the jumps.
		c.SessionIdle, c.SessionLifetime = 30*24*time.Hour, 30*24*time.Hour
	})
	env.Server.Now = w.clock.Now
	return env
}

func (w *world) db() *bun.DB { return w.env.DB() }

// person adds someone and schedules their training; ready reads every lesson of the courses named.
func (w *world) person(t *testing.T, email, name string, role people.Role, ready ...string) *people.Person {
	t.Helper()
	p := w.env.MustCreatePerson(t, email, name, role, "")
	if _, err := training.Schedule(context.Background(), w.db(), w.env.App.Audit, w.env.App.Catalog, w.clock.Now(), nil); err != nil {
		t.Fatal(err)
	}
	for _, slug := range ready {
		w.readLessons(t, p.ID, slug)
	}
	return p
}

// readLessons records every lesson of a course as read, as reading them in the browser would.
func (w *world) readLessons(t *testing.T, personID int64, slug string) {
	t.Helper()
	ctx := context.Background()
	a, err := training.Current(ctx, w.db(), personID, slug)
	if err != nil {
		t.Fatalf("%s not assigned: %v", slug, err)
	}
	course := w.env.App.Catalog.Get(slug)
	for _, l := range course.Lessons {
		row := &training.LessonDone{AssignmentID: a.ID, Lesson: l.Slug, CourseVersion: course.Version, Locale: "en", Seconds: 60, CompletedAt: w.clock.Now()}
		if _, err := w.db().NewInsert().Model(row).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

func (w *world) client(t *testing.T, email string) *apptest.Client {
	c := w.env.Client()
	c.Header.Set("Accept-Language", "en")
	c.SignIn(t, email, apptest.Password)
	c.Get(t, "/") // for the session's CSRF token
	return c
}

func (w *world) bank(slug string) *quizzes.Bank { return w.env.App.Catalog.Get(slug).Bank }

func (w *world) assignment(t *testing.T, personID int64, slug string) *training.Assignment {
	t.Helper()
	a, err := training.Current(context.Background(), w.db(), personID, slug)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (w *world) attempts(t *testing.T, personID int64, slug string) []quiz.Attempt {
	t.Helper()
	list, err := quiz.AttemptsOf(context.Background(), w.db(), w.assignment(t, personID, slug).ID)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// audits counts the audit records of one action.
func (w *world) audits(t *testing.T, action string) int {
	t.Helper()
	n, err := w.db().NewSelect().Table("audit_log").Where("action = ?", action).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// shownQuestion is a question as the quiz page shows it.
type shownQuestion struct {
	ID      string
	Kind    string // radio or checkbox
	Options []string
}

// shownForm is the quiz form as a browser sees it.
type shownForm struct {
	Attempt   string
	Questions []shownQuestion
}

var (
	attemptField = regexp.MustCompile(`name="attempt" value="([^"]*)"`)
	optionInput  = regexp.MustCompile(`<input type="(radio|checkbox)" name="q\.([^"]+)" value="([^"]*)"`)
)

// formOf reads the quiz form from a page; Attempt is "" when the page has none.
func formOf(body string) shownForm {
	var f shownForm
	if m := attemptField.FindStringSubmatch(body); m != nil {
		f.Attempt = m[1]
	}
	for _, m := range optionInput.FindAllStringSubmatch(body, -1) {
		id := m[2]
		if n := len(f.Questions); n == 0 || f.Questions[n-1].ID != id {
			f.Questions = append(f.Questions, shownQuestion{ID: id, Kind: m[1]})
		}
		q := &f.Questions[len(f.Questions)-1]
		q.Options = append(q.Options, m[3])
	}
	return f
}

// quizPage fetches a quiz page, checks that it gives nothing away about the answers and returns
// its form.
func quizPage(t *testing.T, c *apptest.Client, bank *quizzes.Bank, path string) (*apptest.Response, shownForm) {
	t.Helper()
	r := c.Get(t, path)
	if r.Status != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", path, r.Status, r.Body)
	}
	assertNoLeak(t, r.Body, bank)
	return r, formOf(r.Body)
}

var (
	optionLabel = regexp.MustCompile(`(?s)<label[^>]*>\s*<input[^>]*name="q\.([^"]+)"[^>]*>.*?</label>`)
	valueAttr   = regexp.MustCompile(`value="[^"]*"`)
	spanText    = regexp.MustCompile(`(?s)<span>.*?</span>`)
	hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]*)"`)
	dataAttr    = regexp.MustCompile(`\sdata-[a-z-]+=`)
	answerAttr  = regexp.MustCompile(`(?i)\s[a-z-]+="[^"]*(correct|right|answer-key)[^"]*"`)
)

// assertNoLeak fails when a page could tell a browser which options are correct before the
// attempt is submitted. For every question shown, the markup of each option (with its value,
// its text and whether it is ticked taken out) must be identical, so a correct option looks
// exactly like a wrong one; every option of the question must be there; the page may carry no
// script, no data attributes, no attribute naming correctness and no hidden field but the CSRF
// token and the attempt id.
func assertNoLeak(t reporter, body string, bank *quizzes.Bank) {
	t.Helper()
	if strings.Contains(strings.ToLower(body), "<script") {
		t.Errorf("the quiz page carries a script")
	}
	if dataAttr.MatchString(body) {
		t.Errorf("the quiz page carries data attributes")
	}
	if m := answerAttr.FindString(body); m != "" {
		t.Errorf("the quiz page has an attribute about correctness: %s", m)
	}
	for _, m := range hiddenInput.FindAllStringSubmatch(body, -1) {
		if m[1] != "_csrf" && m[1] != "attempt" {
			t.Errorf("the quiz page has a hidden field %q", m[1])
		}
	}
	labels := map[string][]string{}
	for _, m := range optionLabel.FindAllStringSubmatch(body, -1) {
		labels[m[1]] = append(labels[m[1]], m[0])
	}
	for id, list := range labels {
		q := bank.Question(id)
		if q == nil {
			t.Errorf("the page shows question %q, which is not in bank %s", id, bank.Name)
			continue
		}
		if len(list) != len(q.Options) {
			t.Errorf("question %s: %d options shown, the bank has %d", id, len(list), len(q.Options))
		}
		var correctMarkup, wrongMarkup []string
		for _, l := range list {
			value := strings.TrimSuffix(strings.TrimPrefix(valueAttr.FindString(l), `value="`), `"`)
			norm := spanText.ReplaceAllString(strings.Replace(valueAttr.ReplaceAllString(l, `value=""`), " checked", "", 1), "<span></span>")
			if o := q.Option(value); o != nil && o.Correct {
				correctMarkup = append(correctMarkup, norm)
			} else {
				wrongMarkup = append(wrongMarkup, norm)
			}
		}
		if len(correctMarkup) == 0 || len(wrongMarkup) == 0 {
			t.Errorf("question %s: cannot compare (%d correct, %d wrong options shown)", id, len(correctMarkup), len(wrongMarkup))
			continue
		}
		all := append(slices.Clone(correctMarkup), wrongMarkup...)
		for _, m := range all[1:] {
			if m != all[0] {
				t.Errorf("question %s: a correct option's markup differs from a wrong one's:\n%s\n%s", id, correctMarkup[0], wrongMarkup[0])
				break
			}
		}
	}
}

// reporter is the part of testing.T that assertNoLeak uses, so a test can check the check.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
}

// answer fills in a form: the correct options of every question when right, else a wrong one.
func answer(bank *quizzes.Bank, f shownForm, right bool) url.Values {
	v := url.Values{"attempt": {f.Attempt}}
	for _, sq := range f.Questions {
		q := bank.Question(sq.ID)
		for _, o := range q.Options {
			if o.Correct == right {
				v.Add("q."+q.ID, o.ID)
				if !right {
					break
				}
			}
		}
	}
	return v
}

// raw sends a form as the browser c would, without touching c, so many can run in parallel.
func raw(t *testing.T, env *apptest.Env, c *apptest.Client, path string, form url.Values) (int, string) {
	f := url.Values{"_csrf": {c.CSRF()}}
	for k, v := range form {
		f[k] = v
	}
	req, _ := http.NewRequest(http.MethodPost, "http://custos.test"+path, strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "custos_session", Value: c.Cookie("custos_session")})
	resp, err := env.Server.Fiber.Test(req, int((60 * time.Second).Milliseconds()))
	if err != nil {
		t.Errorf("POST %s: %v", path, err)
		return 0, ""
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

// clone copies a form, since Client.Post adds its CSRF token to the one it is given.
func clone(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
