package attest_test

import (
	"context"
	"strings"
	"testing"

	"custos/app/apptest"
	"custos/app/dbtest"
	"custos/app/demo"
)

func TestAuditorsSeeOnlySignaturesTheirGrantCovers(t *testing.T) {
	env := apptest.New(t, dbtest.SQLiteURL(t))
	if _, err := demo.Load(context.Background(), env.App); err != nil {
		t.Fatal(err)
	}
	c := env.Client()
	c.SignIn(t, "auditor@example.com", demo.Password)
	if page := c.Get(t, "/admin/signatures?lang=en"); !strings.Contains(page.Body, "zhang.wei@example.com") && !strings.Contains(page.Body, "张伟") {
		t.Fatal("an auditor without limits does not see 张伟's signature")
	}
	env.DB().NewUpdate().Table("people").Set("audit_departments = ?", "Sales").Where("email = 'auditor@example.com'").Exec(context.Background())
	page := c.Get(t, "/admin/signatures?lang=en")
	if strings.Contains(page.Body, "张伟") || !strings.Contains(page.Body, "Aoife") {
		t.Error("an auditor granted Sales sees Customer Service signatures, or not Sales ones")
	}
}
