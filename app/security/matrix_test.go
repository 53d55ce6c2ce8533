package security_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"custos/app/apptest"
)

// probe is one GET request of the matrix and what each role must get, in the order of roles:
//
//	anonymous  stranger  owner  manager  other-manager  auditor  admin
//
// "login" is 303 to /login, "home" 303 to /; numbers are the status. The API authenticates by
// bearer token alone, so there anonymous means no token.
type probe struct {
	route string // method and path as Fiber lists the route
	path  string
	want  string
}

// matrix is the whole table. Every GET route must appear in it at least once: a new route fails
// the suite until someone decides who may open it.
func (w *world) matrix() []probe {
	id := w.ids
	itoa := func(n int64) string { return strconv.FormatInt(n, 10) }
	everyone := "200 200 200 200 200 200 200"
	signedIn := "login 200 200 200 200 200 200"
	missing := "login 404 404 404 404 404 404"
	adminOnly := "login 403 403 403 403 403 200"
	adminsAndAuditors := "login 403 403 403 403 200 200"
	readers := "login 403 403 200 200 200 200" // managers (their team), auditors, admins
	managersAndAdmins := "login 403 403 200 200 403 200"
	ownerSide := "login 404 200 200 404 200 200" // 张伟, his manager, auditors, admins
	apiEveryone := "401 200 200 200 200 200 200"
	emptyPeriod := "?from=2001-01-01&to=2001-01-31"
	return []probe{
		{"GET /healthz", "/healthz", everyone},
		{"GET /readyz", "/readyz", everyone},
		{"GET /static/*", "/static/style.css", everyone},
		{"GET /static/*", "/static/../../go.mod", "404 404 404 404 404 404 404"},
		{"GET /.well-known/custos-signing-key", "/.well-known/custos-signing-key", everyone},
		{"GET /login", "/login", "200 home home home home home home"},
		{"GET /", "/", signedIn},
		{"GET /reminders", "/reminders", signedIn},

		// Training: everyone is assigned every course here, so each reads their own.
		{"GET /courses/:slug", "/courses/customer-information", signedIn},
		{"GET /courses/:slug", "/courses/" + hostileCourse, signedIn},
		{"GET /courses/:slug", "/courses/no-such-course", missing},
		{"GET /courses/:slug/lessons/:n<int>", "/courses/customer-information/lessons/1", signedIn},
		{"GET /courses/:slug/lessons/:n<int>", "/courses/" + hostileCourse + "/lessons/1", signedIn},
		{"GET /courses/:slug/lessons/:n<int>", "/courses/customer-information/lessons/99", missing},
		{"GET /courses/:slug/quiz", "/courses/customer-information/quiz", signedIn},
		{"GET /courses/:slug/quiz", "/courses/" + hostileCourse + "/quiz", missing}, // no quiz
		{"GET /courses/:slug/sign", "/courses/confidentiality-undertaking/sign", signedIn},
		{"GET /courses/:slug/sign", "/courses/" + hostileCourse + "/sign", signedIn},
		{"GET /courses/:slug/sign", "/courses/incident-response/sign", missing}, // no undertaking

		// A quiz result is its taker's alone: managers, auditors and admins read attempts in
		// reports and evidence bundles, never through someone else's result page.
		{"GET /courses/:slug/quiz/attempts/:id<int>", "/courses/customer-information/quiz/attempts/" + itoa(id.ownerAttempt), "login 404 200 404 404 404 404"},
		{"GET /courses/:slug/quiz/attempts/:id<int>", "/courses/customer-information/quiz/attempts/" + itoa(id.failedAttempt), missing},
		{"GET /courses/:slug/quiz/attempts/:id<int>", "/courses/incident-response/quiz/attempts/" + itoa(id.ownerAttempt), missing},
		{"GET /courses/:slug/quiz/attempts/:id<int>", "/courses/customer-information/quiz/attempts/999999", missing},

		// Certificates and receipts: the holder, everyone above them, auditors, admins.
		{"GET /certificates/:serial.pdf", "/certificates/" + id.ownerCert + ".pdf", ownerSide},
		{"GET /certificates/:serial.pdf", "/certificates/" + id.reportCert + ".pdf", "login 404 404 200 200 200 200"},
		{"GET /certificates/:serial.pdf", "/certificates/CUS-2000-X99999.pdf", missing},
		{"GET /signatures/:id<int>/receipt.pdf", "/signatures/" + itoa(id.ownerSignature) + "/receipt.pdf", ownerSide},
		{"GET /signatures/:id<int>/receipt.pdf", "/signatures/" + itoa(id.reportSignature) + "/receipt.pdf", "login 404 404 200 200 200 200"},
		{"GET /signatures/:id<int>/receipt.pdf", "/signatures/999999/receipt.pdf", missing},
		{"GET /verify/:code", "/verify/" + id.ownerCode, everyone},
		{"GET /verify/:code", "/verify/NOSUCHCODE", "404 404 404 404 404 404 404"},

		{"GET /team", "/team", readers},
		{"GET /team/signatures", "/team/signatures", managersAndAdmins},
		{"GET /reports/completion.csv", "/reports/completion.csv", readers},
		{"GET /reports/completion.xlsx", "/reports/completion.xlsx", readers},
		{"GET /reports/completion.pdf", "/reports/completion.pdf", readers},
		{"GET /evidence", "/evidence", adminsAndAuditors},
		// An empty period: who may download is the question here, and a whole bundle is slow.
		{"GET /evidence.zip", "/evidence.zip" + emptyPeriod, adminsAndAuditors},

		{"GET /admin/people/", "/admin/people", adminOnly},
		{"GET /admin/people/new", "/admin/people/new", adminOnly},
		{"GET /admin/people/import", "/admin/people/import", adminOnly},
		{"GET /admin/people/:id<int>", "/admin/people/" + itoa(id.ownerID), adminOnly},
		{"GET /admin/people/:id<int>", "/admin/people/999999", "login 403 403 403 403 403 404"},
		{"GET /admin/audit", "/admin/audit", adminsAndAuditors},
		{"GET /admin/certificates", "/admin/certificates", adminsAndAuditors},
		{"GET /admin/signatures", "/admin/signatures", adminsAndAuditors},
		{"GET /admin/quiz", "/admin/quiz", adminOnly},
		{"GET /admin/tokens/", "/admin/tokens", adminOnly},
		{"GET /admin/reminders", "/admin/reminders", adminOnly},

		{"GET /api/v1/openapi.json", "/api/v1/openapi.json", everyone},
		{"GET /api/v1/verify/:code", "/api/v1/verify/" + id.ownerCode, everyone},
		{"GET /api/v1/verify/:code", "/api/v1/verify/NOSUCHCODE", "404 404 404 404 404 404 404"},
		{"GET /api/v1/assignments", "/api/v1/assignments", apiEveryone},
		{"GET /api/v1/certificates/:serial", "/api/v1/certificates/" + id.ownerCert, "401 404 200 200 404 200 200"},
		{"GET /api/v1/certificates/:serial", "/api/v1/certificates/" + id.reportCert, "401 404 404 200 200 200 200"},
		{"GET /api/v1/certificates/:serial", "/api/v1/certificates/CUS-2000-X99999", "401 404 404 404 404 404 404"},
		{"GET /api/v1/evidence", "/api/v1/evidence" + emptyPeriod, "401 403 403 403 403 200 200"},
	}
}

// outcome names what came back the way the table does.
func outcome(r *apptest.Response) string {
	if r.Status == http.StatusSeeOther {
		switch r.Header.Get("Location") {
		case "/login":
			return "login"
		case "/":
			return "home"
		}
	}
	return strconv.Itoa(r.Status)
}

// request sends a body-less request as role r: through r's browser, or for the API with r's
// token.
func (w *world) request(t *testing.T, r role, method, path string) *apptest.Response {
	t.Helper()
	if strings.HasPrefix(path, "/api/") {
		return w.api(t, r, method, path, nil)
	}
	req, _ := http.NewRequest(method, "http://custos.test"+path, nil)
	return w.as[r].Do(t, req)
}

// testMatrix walks the matrix: every role against every row, checking each response's headers,
// cookies and escaping on the way.
func (w *world) testMatrix(t *testing.T) {
	table := w.matrix()
	classified := map[string]bool{}
	for _, p := range table {
		classified[p.route] = true
	}
	routes := map[string]bool{}
	for _, r := range w.env.Server.Fiber.GetRoutes(true) {
		if r.Method != http.MethodGet {
			continue // HEAD mirrors GET; testCSRF walks the write routes
		}
		key := r.Method + " " + r.Path
		routes[key] = true
		if !classified[key] {
			t.Errorf("%s is not in the matrix: add it to app/security/matrix_test.go with what each role must get", key)
		}
	}
	for key := range classified {
		if !routes[key] {
			t.Errorf("the matrix lists %s, which the server no longer has", key)
		}
	}

	seen := &responses{}
	for _, p := range table {
		want := strings.Fields(p.want)
		if len(want) != len(roles) {
			t.Fatalf("%s: %d outcomes for %d roles", p.path, len(want), len(roles))
		}
		for i, r := range roles {
			if strings.Contains(p.path, "/verify/") {
				w.clearRateLimits(t) // the table asks more than the per-minute limit allows
			}
			resp := w.request(t, r, http.MethodGet, p.path)
			if got := outcome(resp); got != want[i] {
				t.Errorf("%s as %s: %s, want %s", p.path, r, got, want[i])
			}
			seen.check(t, r.String()+" GET "+p.path, resp, false)
			if strings.Contains(p.route, ":") { // HEAD runs the same handler: it must refuse the same
				if got := outcome(w.request(t, r, http.MethodHead, p.path)); got != want[i] {
					t.Errorf("HEAD %s as %s: %s, want %s", p.path, r, got, want[i])
				}
			}
		}
	}
	t.Logf("%d requests, %d HTML pages checked for escaping", seen.n, seen.html)

	t.Run("the API ignores the session cookie", func(t *testing.T) {
		for _, path := range []string{"/api/v1/assignments", "/api/v1/certificates/" + w.ids.ownerCert, "/api/v1/evidence"} {
			if r := w.as[admin].Get(t, path); r.Status != http.StatusUnauthorized || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
				t.Errorf("%s with only the admin's cookie: %d %s, want a JSON 401", path, r.Status, r.Header.Get("Content-Type"))
			}
		}
	})
}

func (w *world) clearRateLimits(t *testing.T) {
	t.Helper()
	if _, err := w.env.DB().NewDelete().Table("rate_limits").Where("1 = 1").Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// responses checks every response it is shown: security headers, cookie flags and, for HTML,
// that nothing a visitor typed became markup.
type responses struct {
	n, html int
}

func (s *responses) check(t *testing.T, what string, r *apptest.Response, https bool) {
	t.Helper()
	s.n++
	checkHeaders(t, what, r, https)
	checkCookies(t, what, r, https)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		s.html++
		checkEscaped(t, what, r.Body)
	}
}
