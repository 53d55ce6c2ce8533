package attest_test

import (
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"custos/app/apptest"
	"custos/app/dbtest"
	"custos/app/people"
)

func TestBadInputIsRefusedWithAMessageAndStoresNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		env := apptest.New(t, u)
		env.MustCreatePerson(t, "zhang@example.com", "张伟", people.Employee, "")
		mustSchedule(t, env)
		env.MustCreatePerson(t, "late@example.com", "Late Hire", people.Employee, "") // no assignment yet
		c := env.Client()
		c.SignIn(t, "zhang@example.com", apptest.Password)
		version := openSignPage(t, c, standalone)
		noAgree := signForm(version, "张伟")
		noAgree.Del("agree")

		cases := []struct {
			name, path string
			form       map[string][]string
			status     int
			want       string
		}{
			{"a romanised name", signPath(standalone) + "?lang=en", signForm(version, "zhang wei"), 422, "does not match your record"},
			{"another person's name, in Chinese", signPath(standalone) + "?lang=zh-Hans", signForm(version, "李娜"), 422, "您输入的姓名与档案不符"},
			{"no name", signPath(standalone) + "?lang=en", signForm(version, "   "), 422, "Type your full name to sign"},
			{"no agreement", signPath(standalone) + "?lang=en", noAgree, 422, "Tick the box"},
			{"no agreement, in Chinese", signPath(standalone) + "?lang=zh-Hans", noAgree, 422, "请勾选复选框"},
			{"no version", signPath(standalone) + "?lang=en", signForm("", "张伟"), 409, "was changed while you had the page open"},
			{"lessons not read", signPath("customer-information") + "?lang=en", signForm(version, "张伟"), 409, "Read every lesson"},
			{"a course without an undertaking", signPath("incident-response") + "?lang=en", signForm(version, "张伟"), 404, ""},
			{"an unknown course", signPath("nope") + "?lang=en", signForm(version, "张伟"), 404, ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := c.Post(t, tc.path, tc.form)
				if r.Status != tc.status || !strings.Contains(r.Body, tc.want) {
					t.Errorf("status %d, want %d with %q", r.Status, tc.status, tc.want)
				}
			})
		}
		t.Run("lessons not read: the page shows the text without the form", func(t *testing.T) {
			r := c.Get(t, signPath("customer-information")+"?lang=en")
			if r.Status != 200 || !strings.Contains(r.Body, "Read every lesson") || strings.Contains(r.Body, `name="full_name"`) {
				t.Errorf("status %d; locked page:\n%s", r.Status, r.Body)
			}
		})
		t.Run("the text changed while the page was open", func(t *testing.T) {
			u := env.App.Catalog.Get(standalone).Undertaking
			old := u.Docs["en"]
			changeText(u, "en", old.Text+"\n6. A new clause about AI tools.\n")
			defer func() { u.Docs["en"] = old }()
			r := c.Post(t, signPath(standalone)+"?lang=en", signForm(old.Version, "张伟"))
			if r.Status != 409 || !strings.Contains(r.Body, "was changed while you had the page open") ||
				!strings.Contains(r.Body, "A new clause about AI tools") || !strings.Contains(r.Body, u.Docs["en"].Version) {
				t.Errorf("status %d; the page does not show the new text with a message", r.Status)
			}
			if strings.Contains(r.Body, `name="agree" value="1" required checked`) {
				t.Error("the agreement box stays ticked for a text not yet read")
			}
		})
		t.Run("a course not assigned", func(t *testing.T) {
			late := env.Client()
			late.SignIn(t, "late@example.com", apptest.Password)
			if r := late.Get(t, signPath(standalone)); r.Status != 404 {
				t.Errorf("sign page of an unassigned course: %d, want 404", r.Status)
			}
			if r := late.Post(t, signPath(standalone), signForm(version, "Late Hire")); r.Status != 404 {
				t.Errorf("signing an unassigned course: %d, want 404", r.Status)
			}
		})
		if n := env.Count(t, "signatures", ""); n != 0 {
			t.Errorf("%d signatures stored after refusals", n)
		}
		if n := env.Count(t, "signed_texts", ""); n != 0 {
			t.Errorf("%d signed texts stored after refusals", n)
		}
		if n := env.Count(t, "audit_log", "action = 'undertaking.sign'"); n != 0 {
			t.Errorf("%d undertaking.sign audit records after refusals", n)
		}
	})
}
