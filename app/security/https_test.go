package security_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"custos/app/apptest"
	"custos/app/config"
	"custos/app/dbtest"
)

// TestOverHTTPSEveryResponseCarriesHSTSAndSecureCookies walks every GET route, signed out and as
// an admin, and the usual refusals, on a Custos whose CUSTOS_BASE_URL is https: every response
// carries HSTS besides the other headers, and every cookie is Secure, the session's __Host-.
// (The matrix checks the same over plain HTTP, where HSTS must be absent.)
func TestOverHTTPSEveryResponseCarriesHSTSAndSecureCookies(t *testing.T) {
	env, ada := smallEnv(t, dbtest.SQLiteURL(t), func(c *config.Config) { c.BaseURL = "https://custos.test" })
	const name, formName = "__Host-custos_session", "__Host-custos_signin"
	seen := &responses{}
	check := func(what string, r *apptest.Response) *apptest.Response {
		t.Helper()
		seen.check(t, what, r, true)
		return r
	}
	// The test's cookie jar will not send a Secure cookie to http://custos.test, so the sign-in
	// form's cookie and then the session's go in by hand.
	useCookie := func(c *apptest.Client, r *apptest.Response, name string) {
		t.Helper()
		for _, ck := range r.Raw.Cookies() {
			if ck.Name == name {
				c.Header.Set("Cookie", name+"="+ck.Value)
				return
			}
		}
		t.Fatalf("no %s cookie in %v", name, r.Header.Values("Set-Cookie"))
	}
	anon := env.Client()
	useCookie(anon, check("the sign-in page", anon.Get(t, "/login")), formName)
	admin := env.Client()
	useCookie(admin, check("the sign-in page", admin.Get(t, "/login")), formName)
	r := check("sign-in", admin.Post(t, "/login", url.Values{"email": {ada.Email}, "password": {apptest.Password}}))
	if r.Status != http.StatusSeeOther {
		t.Fatalf("sign-in over HTTPS: %d", r.Status)
	}
	useCookie(admin, r, name)
	if r := admin.Get(t, "/"); r.Status != http.StatusOK {
		t.Fatalf("the home page after sign-in: %d", r.Status)
	}

	fill := strings.NewReplacer(":id<int>", "1", ":n<int>", "1", ":serial", "CUS-2000-X99999", ":slug", "customer-information",
		":email", "ada@example.com", ":code", "NOSUCHCODE", "*", "style.css")
	for _, rt := range env.Server.Fiber.GetRoutes(true) {
		if rt.Method != http.MethodGet {
			continue
		}
		path := fill.Replace(rt.Path)
		check("signed out: GET "+path, anon.Get(t, path))
		check("admin: GET "+path, admin.Get(t, path))
	}
	check("a language switch", admin.Get(t, "/?lang=zh-Hans"))
	check("a missing page", admin.Get(t, "/no/such/page"))
	check("a forged form", admin.Post(t, "/admin/people", url.Values{"_csrf": {"forged"}}))
	check("a NUL byte", admin.Get(t, "/admin/people?q=%00"))
	big := url.Values{"padding": {strings.Repeat("x", 300<<10)}}
	check("a body too large", admin.Post(t, "/logout", big))
	if r := check("sign-out", admin.Post(t, "/logout", nil)); r.Status != http.StatusSeeOther {
		t.Errorf("sign-out over HTTPS: %d", r.Status)
	}
	t.Logf("%d responses checked", seen.n)
}

// TestNoPageLinksOffSiteWhateverWasAskedFor asks for paths that are other hosts to a browser:
// the pages (404s, mostly) must not repeat them as links.
func TestNoPageLinksOffSiteWhateverWasAskedFor(t *testing.T) {
	env, ada := smallEnv(t, dbtest.SQLiteURL(t))
	admin := env.Client()
	admin.SignIn(t, ada.Email, apptest.Password)
	for _, c := range []*apptest.Client{env.Client(), admin} {
		for _, path := range []string{"//evil.example/", "//evil.example/login", "/%2F%2Fevil.example/", "/%5Cevil.example/", "//evil.example/?lang=en"} {
			r := c.Get(t, path)
			checkEscaped(t, "GET "+path, r.Body)
			if strings.Contains(r.Body, "evil.example") && !strings.Contains(r.Body, "There is nothing here.") {
				t.Errorf("GET %s: %d shows the host", path, r.Status)
			}
		}
	}
}
