package server_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"custos/app/apptest"
	"custos/app/auth"
	"custos/app/config"
	"custos/app/dbtest"
	"custos/app/people"
	"custos/app/server"
)

var (
	hashOnce   sync.Once
	cachedHash string
)

// admin adds an administrator who signs in with apptest.Password, hashing it once per run.
func admin(t *testing.T, env *apptest.Env) *apptest.Client {
	t.Helper()
	hashOnce.Do(func() {
		var err error
		if cachedHash, err = auth.HashPassword(apptest.Password); err != nil {
			panic(err)
		}
	})
	ctx, name, role := context.Background(), "Ada Admin", people.Admin
	err := env.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		p, _, _, err := people.Save(ctx, tx, people.Change{Email: "admin@example.com", Name: &name, Role: &role}, env.App.Now())
		if err != nil {
			return err
		}
		return people.SetPassword(ctx, tx, p.ID, cachedHash, env.App.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	c := env.Client()
	c.SignIn(t, "admin@example.com", apptest.Password)
	c.Get(t, "/")
	return c
}

// checkHeaders fails the test unless r carries every security header; hsts says whether
// Strict-Transport-Security is expected.
func checkHeaders(t *testing.T, what string, r *apptest.Response, hsts bool) {
	t.Helper()
	csp := r.Header.Get("Content-Security-Policy")
	directives := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		if f := strings.Fields(d); len(f) > 0 {
			directives[f[0]] = strings.Join(f[1:], " ")
		}
	}
	for name, want := range map[string]string{
		"object-src": "'none'", "base-uri": "'none'", "frame-ancestors": "'none'", "script-src": "'self'", "default-src": "'self'",
	} {
		if directives[name] != want {
			t.Errorf("%s: CSP %s is %q, want %q (CSP %q)", what, name, directives[name], want, csp)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "*") {
		t.Errorf("%s: CSP allows too much: %q", what, csp)
	}
	if got := r.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q", what, got)
	}
	switch rp := r.Header.Get("Referrer-Policy"); rp {
	case "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin":
	default:
		t.Errorf("%s: Referrer-Policy %q", what, rp)
	}
	if got := r.Header.Get("Strict-Transport-Security"); (got != "") != hsts || (hsts && !strings.Contains(got, "max-age=")) {
		t.Errorf("%s: Strict-Transport-Security %q, want it only over HTTPS", what, got)
	}
}

func TestEveryResponseCarriesTheSecurityHeaders(t *testing.T) {
	for _, scheme := range []string{"http", "https"} {
		t.Run(scheme, func(t *testing.T) {
			env := apptest.New(t, dbtest.SQLiteURL(t), func(c *config.Config) { c.BaseURL = scheme + "://custos.test" })
			c := env.Client()
			big := strings.Repeat("x", server.DefaultBodyLimit+1)
			for _, tc := range []struct {
				what   string
				method string
				path   string
				body   string
				status int
			}{
				{"the sign-in page", "GET", "/login", "", 200},
				{"a page that needs sign-in", "GET", "/admin/people", "", 303},
				{"a missing page", "GET", "/no/such/page", "", 404},
				{"a static file", "GET", "/static/style.css", "", 200},
				{"a missing static file", "GET", "/static/nothing.js", "", 404},
				{"the health check", "GET", "/healthz", "", 200},
				{"a sign-in form without a CSRF token", "POST", "/login", "a=b", 403},
				{"a form without a session", "POST", "/logout", "a=b", 303},
				{"a body too large", "POST", "/logout", "a=" + big, 413},
			} {
				req, _ := http.NewRequest(tc.method, "http://custos.test"+tc.path, strings.NewReader(tc.body))
				if tc.body != "" {
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				r := c.Do(t, req)
				if r.Status != tc.status {
					t.Errorf("%s: status %d, want %d", tc.what, r.Status, tc.status)
				}
				checkHeaders(t, tc.what, r, scheme == "https")
			}
		})
	}
}

func TestPagesCarryNoInlineScriptOrStyle(t *testing.T) {
	env := apptest.New(t, dbtest.SQLiteURL(t))
	c := admin(t, env)
	for _, path := range []string{"/", "/login?lang=zh-Hans", "/admin/people", "/admin/people/new", "/admin/audit", "/admin/people/import", "/nowhere"} {
		body := c.Get(t, path).Body
		for _, bad := range []string{"<script>", "<style", " style=", " onclick=", " onload=", "javascript:"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s contains %q, which the CSP blocks", path, bad)
			}
		}
	}
}

// leaks lists what an error page must never show.
var leaks = []string{"SELECT", "INSERT", "sqlite", "SQLSTATE", "no such table", "does not exist", "audit_log", "bun:",
	"goroutine", ".go:", "panic", "runtime error", "custos/app"}

func checkNoLeak(t *testing.T, what, body string) {
	t.Helper()
	for _, l := range leaks {
		if strings.Contains(body, l) {
			t.Errorf("%s shows %q:\n%s", what, l, body)
		}
	}
}

func TestErrorPagesNeverShowSQLOrStackTraces(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string, database *bun.DB) {
		env := apptest.New(t, dbURL)
		var logs bytes.Buffer
		var mu sync.Mutex
		env.Server.Log = slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			return logs.Write(p)
		}), nil))
		c := admin(t, env)

		for _, tc := range []struct {
			what, path string
			status     int
			message    string
		}{
			{"a missing page", "/no/such/page", 404, "There is nothing here."},
			{"a missing person", "/admin/people/999999", 404, "There is no such person."},
			{"a filter naming nobody", "/admin/audit?person=nobody@example.com", 404, "There is no such person."},
			{"a malformed query", "/admin/people?q=%zz&offset=-5&role=%ff", 200, "Nobody matches."},
			{"a NUL byte in a filter", "/admin/people?role=%00", 400, "The request could not be understood."},
		} {
			r := c.Get(t, tc.path)
			if r.Status != tc.status || !strings.Contains(r.Body, tc.message) {
				t.Errorf("%s: status %d, want %d with %q", tc.what, r.Status, tc.status, tc.message)
			}
			checkNoLeak(t, tc.what, r.Body)
		}
		r := c.Post(t, "/admin/people", url.Values{"email": {"'; DROP TABLE people; --"}, "name": {"x"}, "role": {"admin"},
			"locale": {"en"}, "time_zone": {"UTC"}, "hired_on": {"tomorrow"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("a bad form: status %d, want 422", r.Status)
		}
		checkNoLeak(t, "a bad form", r.Body)

		// Visitors who are not signed in cannot provoke a database error with a NUL byte either.
		visitor := env.Client()
		visitor.Get(t, "/login")
		r = visitor.Post(t, "/login", url.Values{"email": {"nul\x00@example.com"}, "password": {"x"}})
		if r.Status != http.StatusBadRequest {
			t.Errorf("a NUL byte in the sign-in address: status %d, want 400", r.Status)
		}
		checkNoLeak(t, "a NUL byte in the sign-in address", r.Body)
		agent := env.Client()
		agent.Header.Set("User-Agent", "Mozilla\x00")
		if r := agent.Get(t, "/login"); r.Status != http.StatusBadRequest {
			t.Errorf("a NUL byte in the User-Agent: status %d, want 400", r.Status)
		}

		mu.Lock()
		quiet := logs.Len() > 0 && !strings.Contains(logs.String(), "level=ERROR")
		mu.Unlock()
		if !quiet {
			t.Errorf("refusals a person can act on were logged as errors (or nothing was logged):\n%s", logs.String())
		}

		// Break the database under the running server: the page says something went wrong, the
		// log says what.
		if db := env.DB(); strings.HasPrefix(dbURL, "sqlite://") {
			if _, err := db.Exec("DROP TABLE audit_log"); err != nil {
				t.Fatal(err)
			}
		} else if _, err := db.Exec("ALTER TABLE audit_log RENAME TO audit_log_gone"); err != nil {
			t.Fatal(err)
		}
		r = c.Get(t, "/admin/audit")
		if r.Status != http.StatusInternalServerError || !strings.Contains(r.Body, "Something went wrong on our side.") {
			t.Errorf("a database failure answered %d:\n%s", r.Status, r.Body)
		}
		checkNoLeak(t, "a database failure", r.Body)
		mu.Lock()
		defer mu.Unlock()
		if !strings.Contains(logs.String(), "level=ERROR msg=\"request failed\"") || !strings.Contains(logs.String(), "audit_log") {
			t.Errorf("the internal error was not logged with its cause:\n%s", logs.String())
		}
	})
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
