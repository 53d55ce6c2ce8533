package security_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"custos/app/api"
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

// smallEnv is a Custos with one admin, Ada, who signs in with apptest.Password (hashed once per
// run: argon2id is slow on purpose), for the checks that need no demo company.
func smallEnv(t *testing.T, dbURL string, opts ...func(*config.Config)) (*apptest.Env, *people.Person) {
	t.Helper()
	hashOnce.Do(func() {
		var err error
		if cachedHash, err = auth.HashPassword(apptest.Password); err != nil {
			panic(err)
		}
	})
	env := apptest.New(t, dbURL, opts...)
	ctx, name, role := context.Background(), "Ada Admin", people.Admin
	var p *people.Person
	err := env.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if p, _, _, err = people.Save(ctx, tx, people.Change{Email: "ada@example.com", Name: &name, Role: &role}, env.App.Now()); err != nil {
			return err
		}
		return people.SetPassword(ctx, tx, p.ID, cachedHash, env.App.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	return env, p
}

func TestOversizeBodiesAreRefused(t *testing.T) {
	t.Parallel() // moving 20 MB about is slow under the race detector; let it overlap the rest
	env, ada := smallEnv(t, dbtest.SQLiteURL(t))

	t.Run("a 1 MB sign-in form gets 413 and signs nobody in", func(t *testing.T) {
		c := env.Client()
		c.Get(t, "/login")
		form := url.Values{"email": {ada.Email}, "password": {apptest.Password}, "_csrf": {c.CSRF()},
			"padding": {strings.Repeat("x", 1<<20)}}
		req, _ := http.NewRequest(http.MethodPost, "http://custos.test/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r := c.Do(t, req)
		if r.Status != http.StatusRequestEntityTooLarge || !strings.Contains(r.Body, "What you sent is too large.") {
			t.Errorf("status %d, want 413 with a message", r.Status)
		}
		checkHeaders(t, "413", r, false)
		if n := env.Count(t, "sessions", "person_id IS NOT NULL"); n != 0 {
			t.Errorf("%d signed-in sessions exist", n)
		}
		if got := c.Get(t, "/"); got.Status != http.StatusSeeOther {
			t.Errorf("the browser is signed in after all (home page: %d)", got.Status)
		}
	})

	admin := env.Client()
	admin.SignIn(t, ada.Email, apptest.Password)
	admin.Get(t, "/admin/people/import")
	peopleBefore := env.Count(t, "people", "")

	t.Run("an import over the file limit is refused with the limit named", func(t *testing.T) {
		file := bigCSV(people.MaxImportBytes + 1)
		r := upload(t, admin, "/admin/people/import", admin.CSRF(), "people.csv", file)
		want := fmt.Sprintf("The file is larger than %d MB.", people.MaxImportBytes>>20)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, want) {
			t.Errorf("status %d, want 422 saying %q", r.Status, want)
		}
		if n := env.Count(t, "people", ""); n != peopleBefore {
			t.Errorf("%d people after a refused import, %d before", n, peopleBefore)
		}
	})

	t.Run("the default limit holds on every other route", func(t *testing.T) {
		for _, path := range []string{"/admin/people", "/admin/people/import/", "/logout", "/no/such/route"} {
			body := url.Values{"_csrf": {admin.CSRF()}, "padding": {strings.Repeat("x", server.DefaultBodyLimit)}}
			req, _ := http.NewRequest(http.MethodPost, "http://custos.test"+path, strings.NewReader(body.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if r := admin.Do(t, req); r.Status != http.StatusRequestEntityTooLarge {
				t.Errorf("POST %s over %d bytes: status %d, want 413", path, server.DefaultBodyLimit, r.Status)
			}
		}
		if n := env.Count(t, "people", ""); n != peopleBefore {
			t.Errorf("%d people after refused posts, %d before", n, peopleBefore)
		}
	})

	t.Run("a body over the server's own limit is refused with the security headers", func(t *testing.T) {
		// fasthttp refuses this one itself, before any middleware, and hands it to the error
		// handler; only a real connection shows it. (Between the import's allowance and this
		// limit, limitBody answers the same 413, as it does for the default limit below.)
		r := rawPost(t, env, "/admin/people/import", 64<<20)
		if r.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413", r.StatusCode)
		}
		checkHeaders(t, "413 from fasthttp", &apptest.Response{Status: r.StatusCode, Header: r.Header, Raw: r}, false)
	})
}

// bigCSV is an HR export of size bytes: a header and the same line over and over (the size
// check comes before any line is read).
func bigCSV(size int) []byte {
	line := []byte("person@example.com,Person\n")
	return append([]byte("email,name\n"), bytes.Repeat(line, size/len(line)+1)...)[:size]
}

// rawPost announces a body of length bytes on a real connection and reads the answer, which the
// server gives without reading the body.
func rawPost(t *testing.T, env *apptest.Env, path string, length int) *http.Response {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go env.Server.Fiber.Listener(ln)
	t.Cleanup(func() { env.Server.Fiber.ShutdownWithTimeout(5 * time.Second) })
	conn, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: custos.test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n", path, length)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestNULBytesAreRefusedWhereverTheyArrive(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		env, ada := smallEnv(t, u)
		admin := env.Client()
		admin.SignIn(t, ada.Email, apptest.Password)
		admin.Get(t, "/admin/people/new")
		token := admin.CSRF()
		peopleBefore := env.Count(t, "people", "")

		t.Run("in forms, cookies and multipart fields: 400", func(t *testing.T) {
			post := func(path, body, contentType string, header http.Header) *apptest.Response {
				req, _ := http.NewRequest(http.MethodPost, "http://custos.test"+path, strings.NewReader(body))
				req.Header.Set("Content-Type", contentType)
				for k, v := range header {
					req.Header[k] = v
				}
				return admin.Do(t, req)
			}
			person := url.Values{"_csrf": {token}, "email": {"nul@example.com"}, "role": {"employee"}, "locale": {"en"},
				"time_zone": {"UTC"}, "active": {"1"}}
			withName := func(k, v string) string {
				f := clone(person)
				f.Set(k, v)
				return f.Encode()
			}
			mp, ct, _ := multipartBody(url.Values{"name": {"Nul\x00Person"}}, token)
			for _, tc := range []struct {
				what string
				r    *apptest.Response
			}{
				{"a NUL in a field", post("/admin/people", withName("name", "Nul\x00Person"), "application/x-www-form-urlencoded", nil)},
				{"a NUL in a field name", post("/admin/people", withName("na\x00me", "Nul Person"), "application/x-www-form-urlencoded", nil)},
				{"a NUL in a multipart field", post("/admin/people/import", string(mp), ct, nil)},
				{"a NUL in a cookie", post("/admin/people", withName("name", "Nul Person"), "application/x-www-form-urlencoded",
					http.Header{"Cookie": {"lang=en\x00"}})},
			} {
				if tc.r.Status != http.StatusBadRequest {
					t.Errorf("%s: status %d, want 400", tc.what, tc.r.Status)
				}
			}
		})

		t.Run("in a path: never a page, never a server error", func(t *testing.T) {
			for _, path := range []string{"/courses/a%00b", "/certificates/%00.pdf", "/verify/%00", "/admin/people/%00", "/static/%00"} {
				if r := admin.Get(t, path); r.Status != http.StatusNotFound && r.Status != http.StatusBadRequest {
					t.Errorf("GET %s: status %d, want 404 or 400", path, r.Status)
				}
			}
		})

		t.Run("in an HR export: every line named, nothing stored", func(t *testing.T) {
			file := "email,name,department,manager_email,role,locale\n" +
				"a@example.com,Nul\x00Name,Sales,,employee,en\n" +
				"b@example.com,B,Sa\x00les,,employee,en\n" +
				"c\x00@example.com,C,Sales,,employee,en\n" +
				"d@example.com,D,Sales,m\x00@example.com,employee,en\n" +
				"e@example.com,E,Sales,,employ\x00ee,en\n" +
				"f@example.com,F,Sales,,employee,e\x00n\n"
			r := upload(t, admin, "/admin/people/import", token, "people.csv", []byte(file))
			if r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", r.Status)
			}
			for line := 2; line <= 7; line++ {
				if !strings.Contains(r.Body, fmt.Sprintf("Line %d:", line)) {
					t.Errorf("line %d is not named:\n%s", line, r.Body)
				}
			}
		})

		t.Run("in API JSON: refused, never a server error", func(t *testing.T) {
			var secret string
			err := env.DB().RunInTx(context.Background(), nil, func(ctx context.Context, tx bun.Tx) error {
				var err error
				_, secret, err = api.CreateToken(ctx, tx, ada.ID, "nul", env.App.Now())
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, field := range []string{"name", "department", "manager_email", "role", "locale", "time_zone", "hired_on", "left_on"} {
				body := fmt.Sprintf(`{"name": "Nul Person", %q: "x\u0000y"}`, field)
				if field == "name" {
					body = `{"name": "Nul\u0000Person"}`
				}
				req, _ := http.NewRequest(http.MethodPut, "http://custos.test/api/v1/users/nul@example.com", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+secret)
				req.Header.Set("Content-Type", "application/json")
				if r := env.Client().Do(t, req); r.Status != http.StatusUnprocessableEntity {
					t.Errorf("a NUL in %s: status %d, want 422: %s", field, r.Status, r.Body)
				}
			}
		})

		if n := env.Count(t, "people", ""); n != peopleBefore {
			t.Errorf("%d people after refused requests, %d before", n, peopleBefore)
		}
	})
}

// TestBrokenHRExportsAreRefusedWithTheirLine uploads exports that once got past the import: a
// stray quote (which made the reader panic, a 500) and a legacy code page (which PostgreSQL's
// driver stored with the bytes replaced, so every rerun changed the person again).
func TestBrokenHRExportsAreRefusedWithTheirLine(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		env, ada := smallEnv(t, u)
		admin := env.Client()
		admin.SignIn(t, ada.Email, apptest.Password)
		admin.Get(t, "/admin/people/import")
		before := env.Count(t, "people", "")
		for _, tc := range []struct {
			what, file, message string
		}{
			{"a stray quote", "email,name\nann@example.com,Ann\nbob@example.com,Bo\"b\n", "Line 3: The file is not valid CSV"},
			{"an unterminated quote", "email,name\nann@example.com,\"Ann\n", "Line 2: The file is not valid CSV"},
			{"Windows-1252", "email,name,department\nann@example.com,Ann,Sales\nbob@example.com,Bob,Caf\xe9\n", "Line 3: The file is not UTF-8 text."},
		} {
			r := upload(t, admin, "/admin/people/import", admin.CSRF(), "people.csv", []byte(tc.file))
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tc.message) {
				t.Errorf("%s: status %d, want 422 saying %q:\n%s", tc.what, r.Status, tc.message, r.Body)
			}
		}
		admin.Get(t, "/admin/people/new")
		r := admin.Post(t, "/admin/people", url.Values{"email": {"bob@example.com"}, "name": {"Bob"}, "department": {"Caf\xe9"},
			"role": {"employee"}, "locale": {"en"}, "time_zone": {"UTC"}, "active": {"1"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("a department that is not UTF-8 through the form: status %d, want 422", r.Status)
		}
		if n := env.Count(t, "people", ""); n != before {
			t.Errorf("%d people after refused imports, %d before", n, before)
		}
	})
}
