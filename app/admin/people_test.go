package admin_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"custos/app/apptest"
	"custos/app/dbtest"
	"custos/app/people"
)

// personForm is the edit form as a browser submits it.
func personForm(name, role, manager string) url.Values {
	return url.Values{"name": {name}, "department": {"Sales"}, "role": {role}, "manager_email": {manager},
		"locale": {"en"}, "time_zone": {"Asia/Shanghai"}, "active": {"1"}}
}

func TestAdminsListAndSearchPeople(t *testing.T) {
	env := apptest.New(t, dbtest.SQLiteURL(t))
	person(t, env, "admin@example.com", "Ada Admin", people.Admin, "")
	person(t, env, "li.wei@example.com", "Li Wei", people.Employee, "")
	person(t, env, "zhang.min@example.com", "Zhang Min", people.Employee, "")
	gone := person(t, env, "gone@example.com", "Gone Person", people.Employee, "")
	if _, err := env.DB().NewUpdate().Table("people").Set("active = ?", false).Where("id = ?", gone.ID).Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
	c := env.Client()
	c.SignIn(t, "admin@example.com", apptest.Password)
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{"Ada Admin", "Li Wei", "Zhang Min"}},
		{"?inactive=1", []string{"Ada Admin", "Gone Person", "Li Wei", "Zhang Min"}},
		{"?q=wei", []string{"Li Wei"}},
		{"?q=ZHANG.MIN@", []string{"Zhang Min"}},
		{"?q=%25", nil}, // a LIKE wildcard is searched for literally
		{"?role=admin", []string{"Ada Admin"}},
	} {
		r := c.Get(t, "/admin/people"+tc.query)
		if r.Status != http.StatusOK {
			t.Fatalf("list %s: status %d", tc.query, r.Status)
		}
		if got := listedNames(r.Body); !slices.Equal(got, tc.want) {
			t.Errorf("list %s shows %q, want %q", tc.query, got, tc.want)
		}
	}
}

func TestAnAdminAddsAPersonAndTheAuditLogSaysWho(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		admin := person(t, env, "admin@example.com", "Ada Admin", people.Admin, "")
		c := env.Client()
		c.SignIn(t, admin.Email, apptest.Password)
		c.Get(t, "/admin/people/new")
		form := personForm("Wang Fang", "employee", "")
		form.Set("email", "Wang.Fang@Example.com")
		form.Set("password", "a long enough password")
		r := c.Post(t, "/admin/people", form)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("add answered %d:\n%s", r.Status, r.Body)
		}
		p := mustLoad(t, env, "wang.fang@example.com")
		if want := "/admin/people/" + itoa(p.ID) + "?saved=1"; r.Header.Get("Location") != want {
			t.Errorf("add went to %q, want %q", r.Header.Get("Location"), want)
		}
		if page := c.Get(t, r.Header.Get("Location")); !strings.Contains(page.Body, `role="status"`) || !strings.Contains(page.Body, `value="wang.fang@example.com"`) {
			t.Errorf("the saved person's page shows no confirmation or the wrong address")
		}
		if p.Name != "Wang Fang" || p.Role != people.Employee || !p.Active {
			t.Errorf("stored %+v", p)
		}
		got := env.AuditEntries(t, "person.create")
		if len(got) != 1 {
			t.Fatalf("audit holds %d person.create entries, want 1", len(got))
		}
		e := got[0]
		if e.ActorID != admin.ID || e.Actor != admin.Email || e.Subject != people.Subject(p.ID) ||
			e.Details["email"] != p.Email || e.Details["role"] != "employee" || e.Details["password_set"] != "true" {
			t.Errorf("person.create entry is %+v", e)
		}
		if strings.Contains(e.Details["password"]+e.Details["password_set"], "long enough") {
			t.Error("the audit entry holds the password")
		}
		newcomer := env.Client()
		newcomer.SignIn(t, "wang.fang@example.com", "a long enough password")

		// The same address again is refused with a message, and nothing is written.
		c.Get(t, "/admin/people/new")
		size := auditSize(t, env)
		r = c.Post(t, "/admin/people", form)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "already exists") {
			t.Errorf("adding the same address again answered %d", r.Status)
		}
		for problem, change := range map[string]func(url.Values){
			"at least 10 characters":                         func(f url.Values) { f.Set("password", "short") },
			"“not an address” is not a valid e-mail address": func(f url.Values) { f.Set("email", "not an address") },
			"“boss” is not a role":                           func(f url.Values) { f.Set("role", "boss") },
			"nobody@example.com is neither":                  func(f url.Values) { f.Set("manager_email", "nobody@example.com") },
		} {
			bad := personForm("Bad Form", "employee", "")
			bad.Set("email", "bad.form@example.com")
			change(bad)
			r = c.Post(t, "/admin/people", bad)
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, problem) {
				t.Errorf("a form with %q answered %d without naming it:\n%s", problem, r.Status, r.Body)
			}
		}
		if auditSize(t, env) != size {
			t.Error("refused forms wrote to the audit log")
		}
		env.VerifyAudit(t)
	})
}

func TestAnAdminChangesRoleAndManagerAndTheAuditLogRecordsBoth(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		admin := person(t, env, "admin@example.com", "Ada Admin", people.Admin, "")
		boss := person(t, env, "boss@example.com", "Bo Boss", people.Manager, "")
		p := person(t, env, "li.wei@example.com", "Li Wei", people.Employee, "")
		c := env.Client()
		c.SignIn(t, admin.Email, apptest.Password)
		page := c.Get(t, "/admin/people/"+itoa(p.ID))
		if page.Status != http.StatusOK || !strings.Contains(page.Body, `value="Li Wei"`) {
			t.Fatalf("edit page answered %d", page.Status)
		}
		r := c.Post(t, "/admin/people/"+itoa(p.ID), personForm("Li Wei", "manager", "Boss@Example.com"))
		if r.Status != http.StatusSeeOther {
			t.Fatalf("save answered %d:\n%s", r.Status, r.Body)
		}
		got := mustLoad(t, env, p.Email)
		if got.Role != people.Manager || got.ManagerID == nil || *got.ManagerID != boss.ID {
			t.Errorf("stored role %s, manager %v; want manager under %d", got.Role, got.ManagerID, boss.ID)
		}
		if page := c.Get(t, "/admin/people/"+itoa(p.ID)); !strings.Contains(page.Body, `value="boss@example.com"`) {
			t.Error("the edit page does not show the new manager")
		}
		entries := env.AuditEntries(t, "person.update")
		if len(entries) != 1 {
			t.Fatalf("audit holds %d person.update entries, want 1", len(entries))
		}
		e := entries[0]
		if e.ActorID != admin.ID || e.Subject != people.Subject(p.ID) || e.Details["role"] != "manager" || e.Details["manager"] != boss.Email {
			t.Errorf("person.update entry is %+v; want the new role and manager by the admin", e)
		}

		// Saving the form unchanged changes nothing and records nothing.
		size := auditSize(t, env)
		if r := c.Post(t, "/admin/people/"+itoa(p.ID), personForm("Li Wei", "manager", "boss@example.com")); r.Status != http.StatusSeeOther {
			t.Fatalf("saving unchanged answered %d", r.Status)
		}
		if auditSize(t, env) != size {
			t.Error("saving an unchanged form wrote to the audit log")
		}
		// A manager cycle is refused.
		if r := c.Post(t, "/admin/people/"+itoa(boss.ID), personForm("Bo Boss", "manager", p.Email)); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("making a manager report to their own report answered %d, want 422", r.Status)
		}
		// The address is the person's key: the form cannot change it.
		form := personForm("Li Wei", "manager", "boss@example.com")
		form.Set("email", "hijack@example.com")
		c.Post(t, "/admin/people/"+itoa(p.ID), form)
		if mustLoad(t, env, p.Email).ID != p.ID {
			t.Error("the edit form changed the person's address")
		}
		env.VerifyAudit(t)
	})
}

func TestAnAdminDeactivatesAPersonAndTheAuditLogSaysWho(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		admin := person(t, env, "admin@example.com", "Ada Admin", people.Admin, "")
		p := person(t, env, "li.wei@example.com", "Li Wei", people.Employee, "")
		c := env.Client()
		c.SignIn(t, admin.Email, apptest.Password)
		c.Get(t, "/admin/people/"+itoa(p.ID))
		r := c.Post(t, "/admin/people/"+itoa(p.ID)+"/active", url.Values{"active": {"0"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("deactivate answered %d", r.Status)
		}
		if mustLoad(t, env, p.Email).Active {
			t.Error("the person is still active")
		}
		if names := listedNames(c.Get(t, "/admin/people").Body); slices.Contains(names, "Li Wei") {
			t.Errorf("the default list still shows the deactivated person: %q", names)
		}
		entries := env.AuditEntries(t, "person.deactivate")
		if len(entries) != 1 || entries[0].ActorID != admin.ID || entries[0].Subject != people.Subject(p.ID) {
			t.Errorf("audit holds %+v, want one person.deactivate of %d by the admin", entries, p.ID)
		}
		c.Post(t, "/admin/people/"+itoa(p.ID)+"/active", url.Values{"active": {"1"}})
		if !mustLoad(t, env, p.Email).Active || len(env.AuditEntries(t, "person.activate")) != 1 {
			t.Error("reactivating did not take or was not audited")
		}

		// An admin cannot lock themselves out.
		r = c.Post(t, "/admin/people/"+itoa(admin.ID)+"/active", url.Values{"active": {"0"}})
		if r.Status != http.StatusUnprocessableEntity || !mustLoad(t, env, admin.Email).Active {
			t.Errorf("deactivating oneself answered %d", r.Status)
		}
		env.VerifyAudit(t)
	})
}

func TestTheAuditPageShowsEntriesFilteredByPersonAndKind(t *testing.T) {
	env := apptest.New(t, dbtest.SQLiteURL(t))
	admin := person(t, env, "admin@example.com", "Ada Admin", people.Admin, "")
	person(t, env, "auditor@example.com", "Au Auditor", people.Auditor, "")
	p := person(t, env, "li.wei@example.com", "Li Wei", people.Employee, "")
	c := env.Client()
	c.SignIn(t, admin.Email, apptest.Password)
	c.Get(t, "/admin/people/"+itoa(p.ID))
	c.Post(t, "/admin/people/"+itoa(p.ID)+"/active", url.Values{"active": {"0"}})
	auditor := env.Client()
	auditor.SignIn(t, "auditor@example.com", apptest.Password)

	actions := func(body string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`<td><code>([a-z._]+)</code></td>`).FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{"signin.success", "person.deactivate", "signin.success"}},
		{"?action=person", []string{"person.deactivate"}},
		{"?action=signin", []string{"signin.success", "signin.success"}},
		{"?person=admin@example.com", []string{"person.deactivate", "signin.success"}},
	} {
		r := auditor.Get(t, "/admin/audit"+tc.query)
		if r.Status != http.StatusOK {
			t.Fatalf("audit page %s: status %d", tc.query, r.Status)
		}
		if got := actions(r.Body); !slices.Equal(got, tc.want) {
			t.Errorf("audit page %s shows %q, want %q", tc.query, got, tc.want)
		}
	}
}
