package auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"custos/app/apptest"
	"custos/app/config"
	"custos/app/dbtest"
	"custos/app/people"
)

const (
	cookie     = "custos_session"
	formCookie = "custos_signin" // the sign-in form's token, before there is a session
)

func TestSignInLandsOnTheHomePageSignedIn(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		p := person(t, env, "li.wei@example.com", "Li Wei", people.Employee)
		c := env.Client()
		if name := signedInAs(t, c); name != "" {
			t.Fatalf("a new browser is signed in as %q", name)
		}
		c.Get(t, "/login")
		r := login(t, c, "  Li.Wei@Example.com ", apptest.Password)
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/" {
			t.Fatalf("sign-in answered %d to %q, want 303 to /", r.Status, r.Header.Get("Location"))
		}
		if name := signedInAs(t, c); name != "Li Wei" {
			t.Errorf("after sign-in the page shows %q signed in, want Li Wei", name)
		}
		if r := c.Get(t, "/login"); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/" {
			t.Errorf("the sign-in page for someone signed in answered %d to %q, want 303 to /", r.Status, r.Header.Get("Location"))
		}
		got := env.AuditEntries(t, "signin.success")
		if len(got) != 1 || got[0].ActorID != p.ID || got[0].Actor != p.Email || got[0].Subject != people.Subject(p.ID) {
			t.Errorf("audit holds %+v, want one signin.success by %s", got, p.Email)
		}
		env.VerifyAudit(t)
	})
}

func TestUnknownEmailAndWrongPasswordGetTheSameAnswer(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		person(t, env, "li.wei@example.com", "Li Wei", people.Employee)
		c := env.Client()
		c.Get(t, "/login")
		wrong := login(t, c, "li.wei@example.com", "not the password")
		unknown := login(t, c, "nobody@example.com", "not the password")
		empty := login(t, c, "li.wei@example.com", "")
		for name, r := range map[string]*apptest.Response{"wrong password": wrong, "unknown e-mail": unknown, "empty password": empty} {
			if r.Status != http.StatusUnauthorized {
				t.Errorf("%s: status %d, want 401", name, r.Status)
			}
			if msg := alertOf(r.Body); msg != "The e-mail address or password is not correct." {
				t.Errorf("%s: message %q", name, msg)
			}
		}
		if name := signedInAs(t, c); name != "" {
			t.Errorf("after failed sign-ins the browser is signed in as %q", name)
		}
		if got := env.AuditEntries(t, "signin.failure"); len(got) != 3 || got[1].Subject != "email:nobody@example.com" || got[1].ActorID != 0 {
			t.Errorf("audit holds %+v, want three signin.failure entries naming the address tried", got)
		}
	})
}

func TestAnInactivePersonCannotSignIn(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		p := person(t, env, "gone@example.com", "Gone", people.Employee)
		if _, err := env.DB().NewUpdate().Table("people").Set("active = ?", false).Where("id = ?", p.ID).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		c := env.Client()
		c.Get(t, "/login")
		r := login(t, c, p.Email, apptest.Password)
		if r.Status != http.StatusUnauthorized || alertOf(r.Body) != "The e-mail address or password is not correct." {
			t.Errorf("a deactivated person's sign-in answered %d %q, want the generic 401", r.Status, alertOf(r.Body))
		}
	})
}

func TestSignInGivesANewSessionAndTheOldOneStopsWorking(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		person(t, env, "li.wei@example.com", "Li Wei", people.Employee)
		c := env.Client()
		c.Get(t, "/login")
		form := c.Cookie(formCookie)
		if form == "" || c.CSRF() != form || c.Cookie(cookie) != "" {
			t.Fatalf("the sign-in page set form cookie %q for form token %q, session cookie %q: want the form's token alone",
				form, c.CSRF(), c.Cookie(cookie))
		}
		r := login(t, c, "li.wei@example.com", apptest.Password)
		if !deleted(sessionCookie(r, formCookie)) {
			t.Errorf("sign-in did not delete the form cookie: %v", r.Header.Values("Set-Cookie"))
		}
		session := c.Cookie(cookie)
		if session == "" || session == form || c.Cookie(formCookie) != "" {
			t.Fatalf("after sign-in: session cookie %q, form cookie %q (was %q): want a new session and no form cookie",
				session, c.Cookie(formCookie), form)
		}
		if name := signedInAs(t, withCookie(env, cookie, form)); name != "" {
			t.Errorf("the form's token is signed in as %q", name)
		}
		if name := signedInAs(t, withCookie(env, cookie, session)); name != "Li Wei" {
			t.Errorf("the new cookie shows %q signed in, want Li Wei", name)
		}

		// Signing in again from a signed-in browser replaces that session: a cookie an attacker
		// fixed before does not come back to life.
		c.Get(t, "/") // the session's form token
		c.Post(t, "/login", url.Values{"email": {"li.wei@example.com"}, "password": {apptest.Password}})
		if again := c.Cookie(cookie); again == "" || again == session {
			t.Fatalf("signing in again kept session cookie %q", again)
		}
		if n := env.Count(t, "sessions", "token_hash = ?", hashOf(session)); n != 0 {
			t.Errorf("the session signed in over is still stored (%d rows)", n)
		}
	})
}

func TestTheSignInPageStoresNothing(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		for range 20 {
			if r := env.Client().Get(t, "/login"); r.Status != http.StatusOK {
				t.Fatalf("sign-in page: %d", r.Status)
			}
		}
		if n := env.Count(t, "sessions", "1 = 1"); n != 0 {
			t.Errorf("20 visits to the sign-in page stored %d sessions, want none", n)
		}
	})
}

// deleted reports whether a Set-Cookie tells the browser to drop the cookie, not keep it empty.
func deleted(ck *http.Cookie) bool {
	return ck != nil && ck.Value == "" && (ck.MaxAge < 0 || !ck.Expires.IsZero() && ck.Expires.Before(time.Now()))
}

func hashOf(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func TestSessionIDsAreLongRandomAndStoredOnlyHashed(t *testing.T) {
	env := apptest.New(t, dbtest.SQLiteURL(t))
	person(t, env, "li.wei@example.com", "Li Wei", people.Employee)
	c := env.Client()
	c.SignIn(t, "li.wei@example.com", apptest.Password)
	token := c.Cookie(cookie)
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) < 16 {
		t.Fatalf("session cookie %q is not at least 128 random bits", token)
	}
	if n := env.Count(t, "sessions", "token_hash = ?", token); n != 0 {
		t.Error("the session token is stored as it is in the cookie")
	}
	if n := env.Count(t, "sessions", "token_hash = ?", hashOf(token)); n != 1 {
		t.Errorf("found %d sessions stored under the token's SHA-256, want 1", n)
	}
}

func TestTheSessionCookieIsHTTPOnlyAndLax(t *testing.T) {
	env := apptest.New(t, dbtest.SQLiteURL(t))
	person(t, env, "li.wei@example.com", "Li Wei", people.Employee)
	c := env.Client()
	page := c.Get(t, "/login")
	r := login(t, c, "li.wei@example.com", apptest.Password)
	for name, set := range map[string]struct {
		resp   *apptest.Response
		cookie string
	}{"sign-in page": {page, formCookie}, "sign-in": {r, cookie}} {
		ck := sessionCookie(set.resp, set.cookie)
		if ck == nil {
			t.Fatalf("%s set no %s cookie: %v", name, set.cookie, set.resp.Header.Values("Set-Cookie"))
		}
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" {
			t.Errorf("%s: cookie %q, want HttpOnly; SameSite=Lax; Path=/ and no Domain", name, ck.Raw)
		}
		if ck.Secure {
			t.Errorf("%s: cookie is Secure on plain HTTP, so no browser would send it back", name)
		}
	}
	if h := r.Header.Get("Strict-Transport-Security"); h != "" {
		t.Errorf("HSTS sent over plain HTTP: %q", h)
	}
}

func TestOverHTTPSTheSessionCookieIsHostPrefixedAndSecure(t *testing.T) {
	env := apptest.New(t, dbtest.SQLiteURL(t), func(c *config.Config) { c.BaseURL = "https://custos.example.com" })
	person(t, env, "li.wei@example.com", "Li Wei", people.Employee)
	const name, formName = "__Host-custos_session", "__Host-custos_signin"
	c := env.Client()
	page := c.Get(t, "/login")
	form := sessionCookie(page, formName)
	if form == nil {
		t.Fatalf("the sign-in page set no %s cookie: %v", formName, page.Header.Values("Set-Cookie"))
	}
	// The test's cookie jar will not return a Secure cookie over http://, so present it by hand.
	c.Header.Set("Cookie", formName+"="+form.Value)
	r := login(t, c, "li.wei@example.com", apptest.Password)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("sign-in over HTTPS answered %d", r.Status)
	}
	for _, ck := range []*http.Cookie{form, sessionCookie(r, name)} {
		if ck == nil {
			t.Fatalf("sign-in set no %s cookie: %v", name, r.Header.Values("Set-Cookie"))
		}
		if !ck.Secure || !ck.HttpOnly || ck.Path != "/" || ck.Domain != "" || ck.SameSite != http.SameSiteLaxMode {
			t.Errorf("cookie %q, want Secure; HttpOnly; SameSite=Lax; Path=/ and no Domain", ck.Raw)
		}
	}
	if sessionCookie(r, cookie) != nil || sessionCookie(page, formCookie) != nil {
		t.Errorf("over HTTPS a cookie without the __Host- prefix was set too")
	}
	if h := r.Header.Get("Strict-Transport-Security"); !strings.Contains(h, "max-age=") {
		t.Errorf("Strict-Transport-Security is %q over HTTPS", h)
	}
	if got := signedInAs(t, withCookie(env, name, sessionCookie(r, name).Value)); got != "Li Wei" {
		t.Errorf("the __Host- cookie shows %q signed in", got)
	}
}

func TestSignOutEndsTheSessionOnTheServer(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		p := person(t, env, "li.wei@example.com", "Li Wei", people.Employee)
		c := env.Client()
		c.SignIn(t, p.Email, apptest.Password)
		token := c.Cookie(cookie)
		signedInAs(t, c) // the home page carries the sign-out form's CSRF token
		r := c.Post(t, "/logout", nil)
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Fatalf("sign-out answered %d to %q, want 303 to /login", r.Status, r.Header.Get("Location"))
		}
		if !deleted(sessionCookie(r, cookie)) {
			t.Errorf("sign-out did not delete the session cookie: %v", r.Header.Values("Set-Cookie"))
		}
		if name := signedInAs(t, c); name != "" {
			t.Errorf("after sign-out the browser is still signed in as %q", name)
		}
		if name := signedInAs(t, withCookie(env, cookie, token)); name != "" {
			t.Errorf("a copy of the cookie is still signed in as %q after sign-out", name)
		}
		if n := env.Count(t, "sessions", "person_id = ?", p.ID); n != 0 {
			t.Errorf("%d sessions of the person remain stored after sign-out", n)
		}
		if got := env.AuditEntries(t, "signout"); len(got) != 1 || got[0].ActorID != p.ID {
			t.Errorf("audit holds %+v, want one signout by the person", got)
		}
	})
}

func TestAnIdleSessionExpires(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		clk := useClock(env)
		person(t, env, "li.wei@example.com", "Li Wei", people.Employee)
		c := env.Client()
		c.SignIn(t, "li.wei@example.com", apptest.Password)
		clk.Advance(29 * time.Minute)
		if signedInAs(t, c) == "" {
			t.Fatal("signed out after 29 idle minutes; the idle timeout is 30")
		}
		clk.Advance(29 * time.Minute) // the visit above counted as activity
		if signedInAs(t, c) == "" {
			t.Fatal("signed out 29 minutes after the last visit")
		}
		clk.Advance(31 * time.Minute)
		if name := signedInAs(t, c); name != "" {
			t.Errorf("still signed in as %q after 31 idle minutes", name)
		}
		if n := env.Count(t, "sessions", "person_id IS NOT NULL"); n != 0 {
			t.Errorf("%d expired sessions remain stored", n)
		}
	}, func(c *config.Config) { c.SessionIdle, c.SessionLifetime = 30*time.Minute, 12*time.Hour })
}

func TestAnActiveSessionEndsAtItsAbsoluteLifetime(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		clk := useClock(env)
		person(t, env, "li.wei@example.com", "Li Wei", people.Employee)
		c := env.Client()
		c.SignIn(t, "li.wei@example.com", apptest.Password)
		for range 5 { // busy for 100 minutes, never idle for long
			clk.Advance(20 * time.Minute)
			if signedInAs(t, c) == "" {
				t.Fatalf("signed out at %v while active", clk.Now())
			}
		}
		clk.Advance(21 * time.Minute) // two hours and one minute after sign-in
		if name := signedInAs(t, c); name != "" {
			t.Errorf("still signed in as %q past the two-hour lifetime", name)
		}
	}, func(c *config.Config) { c.SessionIdle, c.SessionLifetime = 30*time.Minute, 2*time.Hour })
}

func TestDeactivatingAPersonEndsTheirSessionsAtOnce(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		person(t, env, "admin@example.com", "Ada Admin", people.Admin)
		p := person(t, env, "li.wei@example.com", "Li Wei", people.Employee)
		phone, laptop := env.Client(), env.Client()
		phone.SignIn(t, p.Email, apptest.Password)
		laptop.SignIn(t, p.Email, apptest.Password)
		admin := env.Client()
		admin.SignIn(t, "admin@example.com", apptest.Password)
		admin.Get(t, "/admin/people/"+itoa(p.ID))
		r := admin.Post(t, "/admin/people/"+itoa(p.ID)+"/active", url.Values{"active": {"0"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("deactivate answered %d", r.Status)
		}
		if n := env.Count(t, "sessions", "person_id = ?", p.ID); n != 0 {
			t.Errorf("%d sessions of the deactivated person remain stored", n)
		}
		for name, c := range map[string]*apptest.Client{"phone": phone, "laptop": laptop} {
			if who := signedInAs(t, c); who != "" {
				t.Errorf("the %s is still signed in as %q", name, who)
			}
		}
		if got := env.AuditEntries(t, "person.deactivate"); len(got) != 1 || got[0].Actor != "admin@example.com" || got[0].Subject != people.Subject(p.ID) {
			t.Errorf("audit holds %+v, want one person.deactivate by the admin", got)
		}
		if who := signedInAs(t, admin); who != "Ada Admin" {
			t.Errorf("the admin's own session ended too (shows %q)", who)
		}
	})
}

func TestALeaveDateInThePastEndsTheirSessions(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		person(t, env, "admin@example.com", "Ada Admin", people.Admin)
		p := person(t, env, "li.wei@example.com", "Li Wei", people.Employee)
		q := person(t, env, "zhang.min@example.com", "Zhang Min", people.Employee)
		pc, qc := env.Client(), env.Client()
		pc.SignIn(t, p.Email, apptest.Password)
		qc.SignIn(t, q.Email, apptest.Password)
		yesterday := time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02")

		t.Run("set by an admin", func(t *testing.T) {
			admin := env.Client()
			admin.SignIn(t, "admin@example.com", apptest.Password)
			admin.Get(t, "/admin/people/"+itoa(p.ID))
			r := admin.Post(t, "/admin/people/"+itoa(p.ID), url.Values{
				"name": {"Li Wei"}, "department": {"Sales"}, "role": {"employee"}, "locale": {"en"},
				"time_zone": {"Asia/Shanghai"}, "active": {"1"}, "left_on": {yesterday},
			})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("saving the leave date answered %d:\n%s", r.Status, r.Body)
			}
			if n := env.Count(t, "sessions", "person_id = ?", p.ID); n != 0 {
				t.Errorf("%d sessions of the leaver remain stored", n)
			}
			if who := signedInAs(t, pc); who != "" {
				t.Errorf("the leaver is still signed in as %q", who)
			}
		})
		t.Run("reached while signed in", func(t *testing.T) {
			// HR's import or the calendar can make a leave date pass without any admin page.
			if _, err := env.DB().NewUpdate().Table("people").Set("left_on = ?", yesterday).Where("id = ?", q.ID).Exec(context.Background()); err != nil {
				t.Fatal(err)
			}
			if who := signedInAs(t, qc); who != "" {
				t.Errorf("the leaver is still signed in as %q", who)
			}
			if n := env.Count(t, "sessions", "person_id = ?", q.ID); n != 0 {
				t.Errorf("%d sessions of the leaver remain stored", n)
			}
		})
	})
}

func TestAPostWithoutAValidCSRFTokenIsRefusedAndChangesNothing(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		person(t, env, "admin@example.com", "Ada Admin", people.Admin)
		admin := env.Client()
		admin.SignIn(t, "admin@example.com", apptest.Password)
		other := env.Client()
		other.Get(t, "/login") // someone else's perfectly valid token
		admin.Get(t, "/admin/people/new")
		newPerson := url.Values{"email": {"new@example.com"}, "name": {"New Person"}, "role": {"admin"},
			"locale": {"en"}, "time_zone": {"Asia/Shanghai"}, "active": {"1"}}
		for name, token := range map[string][]string{
			"no token": nil, "empty token": {""}, "wrong token": {"not-the-token"}, "another session's token": {other.CSRF()},
		} {
			form := url.Values{}
			for k, v := range newPerson {
				form[k] = v
			}
			if token == nil {
				req, _ := http.NewRequest(http.MethodPost, "http://custos.test/admin/people", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				r := admin.Do(t, req)
				if r.Status != http.StatusForbidden {
					t.Errorf("%s: creating a person answered %d, want 403", name, r.Status)
				}
				continue
			}
			form["_csrf"] = token
			if r := admin.Post(t, "/admin/people", form); r.Status != http.StatusForbidden {
				t.Errorf("%s: creating a person answered %d, want 403", name, r.Status)
			}
			if r := admin.Post(t, "/logout", url.Values{"_csrf": token}); r.Status != http.StatusForbidden {
				t.Errorf("%s: sign-out answered %d, want 403", name, r.Status)
			}
		}
		if n := env.Count(t, "people", "email = ?", "new@example.com"); n != 0 {
			t.Error("a person was created by a request without a valid CSRF token")
		}
		if who := signedInAs(t, admin); who != "Ada Admin" {
			t.Errorf("sign-out without a valid token signed the admin out (shows %q)", who)
		}
		if got := env.AuditEntries(t, "person"); len(got) != 0 {
			t.Errorf("audit holds %+v after refused requests", got)
		}
		// With the session's own token the same request goes through.
		admin.Get(t, "/admin/people/new")
		form := url.Values{"_csrf": {admin.CSRF()}}
		for k, v := range newPerson {
			form[k] = v
		}
		if r := admin.Post(t, "/admin/people", form); r.Status != http.StatusSeeOther {
			t.Errorf("with the right token creating a person answered %d", r.Status)
		}
	})
}

func TestASignInFormWithoutItsCookiesTokenIsRefused(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		person(t, env, "li.wei@example.com", "Li Wei", people.Employee)
		attacker := env.Client()
		attacker.Get(t, "/login")
		creds := url.Values{"email": {"li.wei@example.com"}, "password": {apptest.Password}}
		// A login CSRF: another site posts credentials into the victim's browser, which has no
		// form cookie, or has one of its own, with a token the attacker knows.
		victim, visited := env.Client(), env.Client()
		visited.Get(t, "/login")
		for name, c := range map[string]*apptest.Client{"no form cookie": victim, "another form's cookie": visited} {
			form := url.Values{"_csrf": {attacker.CSRF()}}
			for k, v := range creds {
				form[k] = v
			}
			if r := c.Post(t, "/login", form); r.Status != http.StatusForbidden {
				t.Errorf("%s: sign-in answered %d, want 403", name, r.Status)
			}
			if who := signedInAs(t, c); who != "" {
				t.Errorf("%s: signed in as %q through a forged form", name, who)
			}
		}
		if n := env.Count(t, "sessions", "1 = 1"); n != 0 {
			t.Errorf("%d sessions after forged sign-ins", n)
		}
		if n := env.Count(t, "audit_log", "action LIKE 'signin%'"); n != 0 {
			t.Errorf("%d sign-in audit records after forged sign-ins", n)
		}
		// The attacker's own form, with its own cookie, works: the token is not the problem.
		attacker.SignIn(t, "li.wei@example.com", apptest.Password)
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
