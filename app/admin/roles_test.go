package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"custos/app/apptest"
	"custos/app/dbtest"
	"custos/app/people"
)

// outcome is what a role gets from a route.
type outcome int

const (
	toLogin   outcome = iota // 303 to /login: not signed in
	forbidden                // 403
	allowed                  // the route did its work (a page, a redirect after saving, or a form's own 422)
)

func (o outcome) String() string { return [...]string{"sent to /login", "403", "allowed"}[o] }

func TestEachRoleReachesOnlyTheRoutesItMay(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		manager := person(t, env, "manager@example.com", "Meng Manager", people.Manager, "")
		target := person(t, env, "target@example.com", "Tao Target", people.Employee, manager.Email)
		person(t, env, "employee@example.com", "Eve Employee", people.Employee, manager.Email)
		person(t, env, "auditor@example.com", "Au Auditor", people.Auditor, "")
		person(t, env, "admin@example.com", "Ada Admin", people.Admin, "")
		id := itoa(target.ID)

		type route struct {
			method, path string
			form         url.Values
			status       int      // what an allowed role gets
			roles        []string // who is allowed; everyone signed in when empty
		}
		admin := []string{"admin"}
		routes := []route{
			{"GET", "/", nil, 200, nil},
			{"GET", "/admin/people", nil, 200, admin},
			{"GET", "/admin/people/new", nil, 200, admin},
			{"GET", "/admin/people/" + id, nil, 200, admin},
			{"GET", "/admin/people/import", nil, 200, admin},
			{"GET", "/admin/audit", nil, 200, []string{"admin", "auditor"}},
			{"POST", "/admin/people", url.Values{"email": {"created@example.com"}, "name": {"Created"}, "role": {"admin"},
				"locale": {"en"}, "time_zone": {"UTC"}, "active": {"1"}}, 303, admin},
			{"POST", "/admin/people/" + id, url.Values{"name": {"Renamed"}, "role": {"admin"}, "locale": {"en"},
				"time_zone": {"UTC"}, "active": {"1"}, "manager_email": {""}}, 303, admin},
			{"POST", "/admin/people/" + id + "/active", url.Values{"active": {"0"}}, 303, admin},
			{"POST", "/admin/people/import", url.Values{}, 422, admin}, // allowed, but no file was sent
		}
		// Admin last: its POSTs change the target that the others must fail to change.
		for _, role := range []string{"anonymous", "employee", "manager", "auditor", "admin"} {
			c := env.Client()
			if role == "anonymous" {
				c.Get(t, "/login") // a valid CSRF token, so the refusal is about the role
			} else {
				c.SignIn(t, role+"@example.com", apptest.Password)
				c.Get(t, "/")
			}
			for _, r := range routes {
				want := forbidden
				switch {
				case role == "anonymous":
					want = toLogin
				case len(r.roles) == 0 || contains(r.roles, role):
					want = allowed
				}
				before := auditSize(t, env)
				var resp *apptest.Response
				if r.method == "GET" {
					resp = c.Get(t, r.path)
				} else {
					form := url.Values{}
					for k, v := range r.form {
						form[k] = v
					}
					resp = c.Post(t, r.path, form)
				}
				var got outcome
				switch {
				case resp.Status == http.StatusSeeOther && resp.Header.Get("Location") == "/login":
					got = toLogin
				case resp.Status == http.StatusForbidden:
					got = forbidden
				case resp.Status == r.status:
					got = allowed
				default:
					t.Errorf("%s %s %s: status %d (Location %q), want %v", role, r.method, r.path, resp.Status, resp.Header.Get("Location"), want)
					continue
				}
				if got != want {
					t.Errorf("%s %s %s: %v, want %v", role, r.method, r.path, got, want)
				}
				if want != allowed && auditSize(t, env) != before {
					t.Errorf("%s %s %s was refused but the audit log grew: something changed", role, r.method, r.path)
				}
			}
		}
		if got := mustLoad(t, env, "target@example.com"); got.Name != "Renamed" || got.Active {
			t.Errorf("after the admin's changes the target is %q active=%v", got.Name, got.Active)
		}
		for _, e := range env.AuditEntries(t, "person") {
			if e.Actor != "admin@example.com" {
				t.Errorf("audit shows %s by %s: only the admin changed people", e.Action, e.Actor)
			}
		}
		env.VerifyAudit(t)
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestTheNavigationShowsOnlyWhatTheRoleMayOpen(t *testing.T) {
	env := apptest.New(t, dbtest.SQLiteURL(t))
	clients := map[people.Role]*apptest.Client{}
	// The navigation is rendered once per language, role and page kind: ask in an order where a
	// cache keyed too loosely would hand one role's links to another.
	for _, role := range []people.Role{people.Employee, people.Auditor, people.Admin, people.Employee, people.Auditor} {
		c := clients[role]
		if c == nil {
			p := person(t, env, string(role)+"@example.com", string(role), role, "")
			c = env.Client()
			c.SignIn(t, p.Email, apptest.Password)
			clients[role] = c
		}
		for _, path := range []string{"/", "/reminders", "/?lang=zh-Hans"} {
			body := c.Get(t, path).Body
			people, audit := strings.Contains(body, `href="/admin/people"`), strings.Contains(body, `href="/admin/audit"`)
			if people != (role == "admin") || audit != (role != "employee") {
				t.Errorf("%s sees links on %s: people %v, audit %v", role, path, people, audit)
			}
			if home := strings.Contains(body, `<a href="/" aria-current="page">`); home != (path != "/reminders") {
				t.Errorf("%s on %s: my training marked as the current page: %v", role, path, home)
			}
		}
	}
}
