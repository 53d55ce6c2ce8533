package demo

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"

	"custos/app"
	"custos/app/people"
	"custos/app/server"
	"custos/app/training"
	"custos/courses"
)

// The story plays the demo company's last weeks through the real web pages, so every record
// (lesson times, quiz attempts, signatures, certificates, audit entries) is exactly what people
// would have left: some finished with certificates, some halfway, one overdue, a new hire, a
// leaver with open training.

// browser is a minimal in-process browser: cookies, CSRF tokens, forms.
type browser struct {
	email string
	s     *server.Server
	jar   *cookiejar.Jar
	csrf  string
}

var (
	csrfField   = regexp.MustCompile(`name="_csrf" value="([^"]*)"`)
	lessonTimer = regexp.MustCompile(`name="opened" value="(\d+)">\s*<input type="hidden" name="sig" value="([0-9a-f]+)"`)
	attemptID   = regexp.MustCompile(`name="attempt" value="(\d+)"`)
	questionIn  = regexp.MustCompile(`name="q\.([^"]+)" value="([^"]+)"`)
	versionIn   = regexp.MustCompile(`name="version" value="([0-9a-f]+)"`)
	base, _     = url.Parse("http://demo.invalid/")
)

func (b *browser) do(method, path string, form url.Values) (int, string, error) {
	var body io.Reader
	if form != nil {
		if form.Get("_csrf") == "" {
			form.Set("_csrf", b.csrf)
		}
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, base.String()+strings.TrimPrefix(path, "/"), body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("User-Agent", "Custos demo")
	for _, c := range b.jar.Cookies(base) {
		req.AddCookie(c)
	}
	resp, err := b.s.Fiber.Test(req, -1)
	if err != nil {
		return 0, "", fmt.Errorf("demo %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	b.jar.SetCookies(base, resp.Cookies())
	if m := csrfField.FindSubmatch(data); m != nil {
		b.csrf = string(m[1])
	}
	if resp.StatusCode >= 400 {
		return resp.StatusCode, string(data), fmt.Errorf("demo %s %s: status %d", method, path, resp.StatusCode)
	}
	return resp.StatusCode, string(data), nil
}

func (b *browser) get(path string) (string, error) {
	_, body, err := b.do(http.MethodGet, path, nil)
	return body, err
}

func (b *browser) post(path string, form url.Values) (string, error) {
	_, body, err := b.do(http.MethodPost, path, form)
	return body, err
}

// story drives the demo people through their training on s, whose clock it moves along.
type story struct {
	a     *app.App
	s     *server.Server
	cat   *courses.Catalog
	clock time.Time
}

func (st *story) advance(d time.Duration) { st.clock = st.clock.Add(d) }

func (st *story) signIn(email string) (*browser, error) {
	jar, _ := cookiejar.New(nil)
	b := &browser{email: email, s: st.s, jar: jar}
	if _, err := b.get("/login"); err != nil {
		return nil, err
	}
	if _, err := b.post("/login", url.Values{"email": {email}, "password": {Password}}); err != nil {
		return nil, err
	}
	_, err := b.get("/") // the signed-in session's CSRF token
	return b, err
}

// readLessons reads lessons from..to (1-based, inclusive), two minutes each.
func (st *story) readLessons(b *browser, slug string, from, to int) error {
	for n := from; n <= to; n++ {
		path := fmt.Sprintf("/courses/%s/lessons/%d", slug, n)
		page, err := b.get(path)
		if err != nil {
			return err
		}
		m := lessonTimer.FindStringSubmatch(page)
		if m == nil {
			return fmt.Errorf("demo: %s has no completion form", path)
		}
		st.advance(2 * time.Minute)
		if _, err := b.post(path, url.Values{"opened": {m[1]}, "sig": {m[2]}}); err != nil {
			return err
		}
	}
	return nil
}

// takeQuiz starts an attempt and answers it, every question right or every question wrong.
func (st *story) takeQuiz(b *browser, slug string, right bool) error {
	if _, err := b.post("/courses/"+slug+"/quiz/start", url.Values{}); err != nil {
		return err
	}
	page, err := b.get("/courses/" + slug + "/quiz")
	if err != nil {
		return err
	}
	m := attemptID.FindStringSubmatch(page)
	if m == nil {
		return fmt.Errorf("demo: no open attempt on the %s quiz", slug)
	}
	bank := st.cat.Get(slug).Bank
	form := url.Values{"attempt": {m[1]}}
	options := map[string][]string{}
	for _, q := range questionIn.FindAllStringSubmatch(page, -1) {
		options[q[1]] = append(options[q[1]], q[2])
	}
	for id, opts := range options {
		correct := bank.Question(id).CorrectOptions()
		if right {
			form["q."+id] = correct
			continue
		}
		for _, o := range opts {
			if !contains(correct, o) {
				form["q."+id] = []string{o}
				break
			}
		}
	}
	st.advance(6 * time.Minute)
	_, err = b.post("/courses/"+slug+"/quiz", form)
	return err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (st *story) sign(b *browser, slug, name string) error {
	page, err := b.get("/courses/" + slug + "/sign")
	if err != nil {
		return err
	}
	m := versionIn.FindStringSubmatch(page)
	if m == nil {
		return fmt.Errorf("demo: no signing form for %s", slug)
	}
	st.advance(3 * time.Minute)
	_, err = b.post("/courses/"+slug+"/sign", url.Values{"version": {m[1]}, "agree": {"1"}, "full_name": {name}})
	return err
}

// complete does a whole course: every lesson, the quiz (failing first when told to), the
// signature. It returns the browser to go on with, which is a new session after a cool-down.
func (st *story) complete(b *browser, slug, name string, failFirst bool) (*browser, error) {
	c := st.cat.Get(slug)
	if err := st.readLessons(b, slug, 1, len(c.Lessons)); err != nil {
		return b, err
	}
	if c.HasQuiz() {
		if failFirst {
			if err := st.takeQuiz(b, slug, false); err != nil {
				return b, err
			}
			// Come back after the cool-down, in a new session: the old one has gone idle.
			st.advance(c.Cooldown + time.Minute)
			var err error
			if b, err = st.signIn(b.email); err != nil {
				return b, err
			}
		}
		if err := st.takeQuiz(b, slug, true); err != nil {
			return b, err
		}
	}
	if c.HasUndertaking() {
		return b, st.sign(b, slug, name)
	}
	return b, nil
}

// play runs the story from start, the moment the demo company's training began.
func (st *story) play(ctx context.Context, start time.Time) error {
	st.clock = start
	st.s.Now = func() time.Time { return st.clock }
	if _, err := training.Schedule(ctx, st.a.DB, st.a.Audit, st.cat, st.clock, nil); err != nil {
		return err
	}
	type step struct {
		email string
		do    func(b *browser, name string) error
	}
	all := func(slugs ...string) func(*browser, string) error {
		return func(b *browser, name string) error {
			for _, slug := range slugs {
				var err error
				if b, err = st.complete(b, slug, name, false); err != nil {
					return err
				}
			}
			return nil
		}
	}
	steps := []step{
		{"admin@example.com", all("confidentiality-undertaking", "customer-information")},
		{"manager@example.com", all("confidentiality-undertaking", "customer-information", "incident-response")},
		{"zhang.wei@example.com", all("confidentiality-undertaking", "customer-information")},
		{"emma.wilson@example.com", func(b *browser, name string) error {
			b, err := st.complete(b, "customer-information", name, true)
			if err != nil {
				return err
			}
			return st.readLessons(b, "incident-response", 1, 2)
		}},
		{"sarah.johnson@example.com", all("customer-information")},
		{"aoife.obrien@example.com", all("confidentiality-undertaking")},
		{"jose.garcia@example.com", func(b *browser, _ string) error { return st.readLessons(b, "customer-information", 1, 3) }},
		{"liu.yang@example.com", func(b *browser, _ string) error { return st.readLessons(b, "customer-information", 1, 2) }},
	}
	for _, sp := range steps {
		st.advance(26 * time.Hour)
		p, err := people.ByEmail(ctx, st.a.DB, sp.email)
		if err != nil {
			return err
		}
		b, err := st.signIn(sp.email)
		if err != nil {
			return err
		}
		if err := sp.do(b, p.Name); err != nil {
			return fmt.Errorf("demo story for %s: %w", sp.email, err)
		}
	}
	return st.overdueAndLeaver(ctx, start)
}

// overdueAndLeaver moves 刘洋's course back so it is overdue, and gives 赵磊, who has left, the
// open assignment he never finished: the exceptions a report must show.
func (st *story) overdueAndLeaver(ctx context.Context, start time.Time) error {
	liu, err := people.ByEmail(ctx, st.a.DB, "liu.yang@example.com")
	if err != nil {
		return err
	}
	_, err = st.a.DB.NewUpdate().Model((*training.Assignment)(nil)).
		Set("opened_at = ?", start.AddDate(0, 0, -33)).Set("due_at = ?", start.AddDate(0, 0, -3)).
		Where("person_id = ? AND course = 'customer-information'", liu.ID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("demo: backdate an overdue assignment: %w", err)
	}
	zhao, err := people.ByEmail(ctx, st.a.DB, "zhao.lei@example.com")
	if err != nil {
		return err
	}
	c := st.cat.Get("customer-information")
	opened := zhao.LeftOn.Time(time.UTC).AddDate(0, 0, -40)
	a := &training.Assignment{PersonID: zhao.ID, Course: c.Slug, Cycle: 1, Reason: "first", CourseVersion: c.Version,
		OpenedAt: opened, DueAt: opened.AddDate(0, 0, c.WindowDays), CreatedAt: opened}
	if _, err := st.a.DB.NewInsert().Model(a).On("CONFLICT (person_id, course, cycle) DO NOTHING").Returning("NULL").Exec(ctx); err != nil {
		return fmt.Errorf("demo: the leaver's open assignment: %w", err)
	}
	return nil
}
