package auth_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"custos/app/apptest"
	"custos/app/auth"
	"custos/app/config"
	"custos/app/dbtest"
	"custos/app/people"
)

var (
	hashOnce   sync.Once
	cachedHash string
)

// person adds someone who signs in with apptest.Password, like env.MustCreatePerson, but hashes
// the password once for the whole run: argon2id is slow on purpose, and slower still under -race.
func person(t *testing.T, env *apptest.Env, email, name string, role people.Role) *people.Person {
	t.Helper()
	hashOnce.Do(func() {
		var err error
		if cachedHash, err = auth.HashPassword(apptest.Password); err != nil {
			panic(err)
		}
	})
	ctx, dept, manager := context.Background(), "Sales", ""
	var p *people.Person
	err := env.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if p, _, _, err = people.Save(ctx, tx, people.Change{Email: email, Name: &name, Role: &role, Department: &dept, Manager: &manager}, env.App.Now()); err != nil {
			return err
		}
		return people.SetPassword(ctx, tx, p.ID, cachedHash, env.App.Now())
	})
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return p
}

// each runs f on a whole Custos on every available dialect.
func each(t *testing.T, f func(t *testing.T, env *apptest.Env), opts ...func(*config.Config)) {
	t.Helper()
	dbtest.Each(t, func(t *testing.T, url string, _ *bun.DB) {
		f(t, apptest.New(t, url, opts...))
	})
}

// useClock makes env read the time from a clock the test controls; it starts now.
func useClock(env *apptest.Env) *apptest.Clock {
	c := apptest.NewClock(time.Now())
	env.App.Now, env.Server.Now = c.Now, c.Now
	return c
}

// signedInAs reports the name the page header shows for the client, or "" when the client is
// not signed in (the home page sends it to /login).
func signedInAs(t *testing.T, c *apptest.Client) string {
	t.Helper()
	r := c.Get(t, "/")
	switch {
	case r.Status == http.StatusSeeOther && r.Header.Get("Location") == "/login":
		return ""
	case r.Status != http.StatusOK:
		t.Fatalf("GET /: status %d", r.Status)
	}
	m := regexp.MustCompile(`<span class="who">([^<]*)</span>`).FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("GET / answered 200 but shows nobody signed in:\n%s", r.Body)
	}
	return html.UnescapeString(m[1])
}

// alertOf returns the message the sign-in page shows in its alert, or "".
func alertOf(body string) string {
	m := regexp.MustCompile(`(?s)<p class="error" role="alert">(.*?)</p>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(strings.TrimSpace(m[1]))
}

// login posts the sign-in form with the client's current CSRF token.
func login(t *testing.T, c *apptest.Client, email, password string) *apptest.Response {
	t.Helper()
	return c.Post(t, "/login", url.Values{"email": {email}, "password": {password}})
}

// sessionCookie returns the Set-Cookie of the session in r, or nil.
func sessionCookie(r *apptest.Response, name string) *http.Cookie {
	for _, ck := range r.Raw.Cookies() {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// withCookie returns a new client that presents only the given session cookie, as someone who
// copied it would.
func withCookie(env *apptest.Env, name, value string) *apptest.Client {
	c := env.Client()
	c.Header.Set("Cookie", name+"="+value)
	return c
}
