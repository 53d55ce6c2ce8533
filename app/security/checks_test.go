package security_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"custos/app/apptest"
)

// checkHeaders fails unless r carries the security headers; https says whether HSTS is due.
func checkHeaders(t *testing.T, what string, r *apptest.Response, https bool) {
	t.Helper()
	csp := r.Header.Get("Content-Security-Policy")
	directives := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		if f := strings.Fields(d); len(f) > 0 {
			directives[strings.ToLower(f[0])] = strings.Join(f[1:], " ")
		}
	}
	for name, want := range map[string]string{
		"default-src": "'self'", "script-src": "'self'", "object-src": "'none'", "base-uri": "'none'", "frame-ancestors": "'none'",
	} {
		if directives[name] != want {
			t.Errorf("%s: CSP %s is %q, want %q (CSP %q)", what, name, directives[name], want, csp)
		}
	}
	for _, loose := range []string{"unsafe-inline", "unsafe-eval", "unsafe-hashes", "*", "http:", "https:"} {
		if strings.Contains(csp, loose) {
			t.Errorf("%s: CSP allows %s: %q", what, loose, csp)
		}
	}
	if got := r.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q", what, got)
	}
	switch rp := r.Header.Get("Referrer-Policy"); rp {
	case "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin":
	default:
		t.Errorf("%s: Referrer-Policy %q", what, rp)
	}
	hsts := r.Header.Get("Strict-Transport-Security")
	if https && !strings.Contains(hsts, "max-age=") {
		t.Errorf("%s: over HTTPS, Strict-Transport-Security is %q", what, hsts)
	}
	if !https && hsts != "" {
		t.Errorf("%s: Strict-Transport-Security %q over plain HTTP", what, hsts)
	}
}

// checkCookies fails unless every cookie r sets is HttpOnly, SameSite=Lax, host-only on path /,
// and over HTTPS Secure, the session's with the __Host- prefix.
func checkCookies(t *testing.T, what string, r *apptest.Response, https bool) {
	t.Helper()
	for _, ck := range r.Raw.Cookies() {
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" {
			t.Errorf("%s: cookie %q, want HttpOnly; SameSite=Lax; Path=/ and no Domain", what, ck.Raw)
		}
		if ck.Secure != https {
			t.Errorf("%s: cookie %q: Secure is %v over %s", what, ck.Raw, ck.Secure, map[bool]string{true: "HTTPS", false: "HTTP"}[https])
		}
		if session := strings.Contains(ck.Name, "session"); session && https != strings.HasPrefix(ck.Name, "__Host-") {
			t.Errorf("%s: session cookie %q over %s", what, ck.Name, map[bool]string{true: "HTTPS", false: "HTTP"}[https])
		}
	}
}

// checkEscaped fails when an HTML page holds markup that could run script: a payload printed
// raw, an inline script, an event handler, a frame or plug-in, a link to a javascript: URL, or a
// scheme-relative link (//host), which leaves the site whatever it looks like.
// (The team page draws its chart as an inline svg from a template, so svg as such is allowed.)
func checkEscaped(t *testing.T, what, body string) {
	t.Helper()
	lower := strings.ToLower(body)
	for _, raw := range []string{"<svg onload", `"><svg`, "<script>alert", `href="javascript:`, "href='javascript:", "<iframe", "<object", "<embed", "<base"} {
		if strings.Contains(lower, raw) {
			i := strings.Index(lower, raw)
			t.Errorf("%s: the page holds %q raw: …%s…", what, raw, body[max(0, i-80):min(len(body), i+80)])
		}
	}
	z := html.NewTokenizer(strings.NewReader(body))
	inScript := false
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				t.Errorf("%s: unreadable HTML: %v", what, z.Err())
			}
			return
		case html.TextToken:
			if inScript && strings.TrimSpace(string(z.Text())) != "" {
				t.Errorf("%s: an inline script: %q", what, z.Text())
			}
		case html.EndTagToken:
			inScript = false
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			inScript = tok.Data == "script" && tt == html.StartTagToken
			hasSrc := false
			for _, a := range tok.Attr {
				key := strings.ToLower(a.Key)
				switch {
				case strings.HasPrefix(key, "on"):
					t.Errorf("%s: <%s> has an event handler %s=%q", what, tok.Data, a.Key, a.Val)
				case key == "style":
					t.Errorf("%s: <%s> has an inline style %q", what, tok.Data, a.Val)
				case key == "href" || key == "src" || key == "action" || key == "formaction" || key == "xlink:href":
					hasSrc = hasSrc || key == "src"
					if v := strings.TrimSpace(a.Val); strings.HasPrefix(v, "//") || strings.HasPrefix(v, `/\`) || strings.HasPrefix(v, `\`) {
						t.Errorf("%s: <%s %s=%q> leads to another host", what, tok.Data, a.Key, a.Val)
					}
					if s := scheme(a.Val); s == "javascript" || s == "vbscript" || (s == "data" && tok.Data != "img") {
						t.Errorf("%s: <%s %s=%q> runs script", what, tok.Data, a.Key, a.Val)
					}
				}
			}
			if inScript && !hasSrc {
				t.Errorf("%s: a <script> without src", what)
			}
		}
	}
}

// scheme returns the lower-case scheme of a URL as a browser reads it: whitespace and control
// characters inside are ignored.
func scheme(u string) string {
	var b strings.Builder
	for _, c := range u {
		switch {
		case c <= ' ' || c == 0x7f:
			continue
		case c == ':':
			return strings.ToLower(b.String())
		case c == '/' || c == '?' || c == '#':
			return ""
		}
		b.WriteRune(c)
	}
	return ""
}
