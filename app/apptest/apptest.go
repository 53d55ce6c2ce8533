// Package apptest runs a whole Custos in a test: a real database, the real server answering real
// HTTP requests through Fiber, and a client with a cookie jar that signs in like a browser.
package apptest

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"custos/app"
	"custos/app/audit"
	"custos/app/auth"
	"custos/app/config"
	"custos/app/db"
	"custos/app/people"
	"custos/app/server"
)

// Password is the password MustCreatePerson gives everyone.
const Password = "correct horse battery"

// Env is one running Custos.
type Env struct {
	App    *app.App
	Server *server.Server
}

// New starts Custos on the database at dbURL (see dbtest). Options may adjust the config.
func New(t testing.TB, dbURL string, opts ...func(*config.Config)) *Env {
	t.Helper()
	dir := t.TempDir()
	cfg, err := config.Load(func(name string) string {
		switch name {
		case "CUSTOS_DATABASE_URL":
			return dbURL
		case "CUSTOS_DATA_DIR":
			return dir
		case "CUSTOS_BASE_URL":
			return "http://custos.test"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range opts {
		o(&cfg)
	}
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if _, err := db.Migrate(context.Background(), a.DB); err != nil {
		t.Fatal(err)
	}
	s, err := a.Server()
	if err != nil {
		t.Fatal(err)
	}
	return &Env{App: a, Server: s}
}

// DB is the environment's database.
func (e *Env) DB() *bun.DB { return e.App.DB }

// MustCreatePerson adds a person with Password; manager is an e-mail address or "".
func (e *Env) MustCreatePerson(t testing.TB, email, name string, role people.Role, manager string) *people.Person {
	t.Helper()
	ctx := context.Background()
	dept := "Sales"
	var p *people.Person
	err := e.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		p, _, _, err = people.Save(ctx, tx, people.Change{Email: email, Name: &name, Role: &role, Manager: &manager, Department: &dept}, e.App.Now())
		if err != nil {
			return err
		}
		hash, err := auth.HashPassword(Password)
		if err != nil {
			return err
		}
		return people.SetPassword(ctx, tx, p.ID, hash, e.App.Now())
	})
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return p
}

// Client is a browser: it keeps cookies and remembers the last CSRF token it saw.
type Client struct {
	env  *Env
	jar  *cookiejar.Jar
	csrf string
	// Header is added to every request (for example Accept-Language).
	Header http.Header
}

// Response is what came back, with the body read.
type Response struct {
	Status int
	Header http.Header
	Body   string
	Raw    *http.Response
}

var base, _ = url.Parse("http://custos.test/")

// Count counts the rows of table that match where ("" for all).
func (e *Env) Count(t testing.TB, table, where string, args ...any) int {
	t.Helper()
	q := e.DB().NewSelect().Table(table)
	if where != "" {
		q = q.Where(where, args...)
	}
	n, err := q.Count(context.Background())
	if err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return int(n)
}

// AuditEntries lists the audit entries of one kind, newest first.
func (e *Env) AuditEntries(t testing.TB, action string) []audit.Shown {
	t.Helper()
	list, err := audit.List(context.Background(), e.DB(), audit.Filter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// VerifyAudit fails the test unless the audit log verifies with the server's key.
func (e *Env) VerifyAudit(t testing.TB) {
	t.Helper()
	if _, err := audit.Verify(context.Background(), e.DB(), e.App.Key.VerifierKey()); err != nil {
		t.Errorf("audit log does not verify: %v", err)
	}
}

// Client returns a new browser with no cookies.
func (e *Env) Client() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{env: e, jar: jar, Header: http.Header{}}
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]*)"`)

// Do sends req and records cookies and any CSRF token in the page.
func (c *Client) Do(t testing.TB, req *http.Request) *Response {
	t.Helper()
	for _, ck := range c.jar.Cookies(base) {
		req.AddCookie(ck)
	}
	for k, v := range c.Header {
		req.Header[k] = v
	}
	resp, err := c.env.Server.Fiber.Test(req, int((30 * time.Second).Milliseconds()))
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	c.jar.SetCookies(base, resp.Cookies())
	if m := csrfField.FindStringSubmatch(string(body)); m != nil {
		c.csrf = m[1]
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: string(body), Raw: resp}
}

// Get fetches path.
func (c *Client) Get(t testing.TB, path string) *Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://custos.test"+path, nil)
	return c.Do(t, req)
}

// Post submits a form to path, adding the CSRF token last seen unless form has one.
func (c *Client) Post(t testing.TB, path string, form url.Values) *Response {
	t.Helper()
	form = maps.Clone(form) // the caller's form stays as it was: tests post one form from many goroutines
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["_csrf"]; !ok {
		form.Set("_csrf", c.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://custos.test"+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(t, req)
}

// CSRF returns the token last seen in a page.
func (c *Client) CSRF() string { return c.csrf }

// Cookie returns the value of the named cookie, or "".
func (c *Client) Cookie(name string) string {
	for _, ck := range c.jar.Cookies(base) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// SignIn signs in with the form and fails the test unless it worked.
func (c *Client) SignIn(t testing.TB, email, password string) {
	t.Helper()
	c.Get(t, "/login")
	r := c.Post(t, "/login", url.Values{"email": {email}, "password": {password}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("sign in as %s: status %d", email, r.Status)
	}
}
