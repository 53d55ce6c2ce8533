package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"custos/app/demo"
)

// The admin: 李娜 imports two new people from an HR export through the upload form and sees
// the result, then revokes 张伟's certificate with a reason, after which the public
// verification page says it is revoked.
func TestAdminImportsPeopleAndRevokesACertificate(t *testing.T) {
	t.Parallel()
	eachLanguage(t, func(t *testing.T, s *site, lang string) {
		b := s.open(t, lang, "admin")
		b.signIn("admin@example.com", demo.Password)

		export := filepath.Join(t.TempDir(), "hr-export.csv")
		err := os.WriteFile(export, []byte("email,name,department,manager_email,role,locale,hired_on,left_on\n"+
			"wang.fang@example.com,王芳,Sales,sarah.johnson@example.com,employee,zh-Hans,2026-01-05,\n"+
			"noah.smith@example.com,Noah Smith,Customer Service,manager@example.com,employee,en,2026-01-05,\n"), 0o600)
		if err != nil {
			t.Fatal(err)
		}
		b.click(`nav a[href="/admin/people"]`)
		b.click(`a[href="/admin/people/import"]`)
		b.see(b.T("import_title"))
		b.do("choose the file", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{export}))
		b.click(`form[action="/admin/people/import"] button[type=submit]`)
		b.see(b.T("import_done", "Created", 2, "Updated", 0, "Unchanged", 0))
		for _, email := range []string{"wang.fang@example.com", "noah.smith@example.com"} {
			if p := s.person(t, email); p.Department == "" || p.ManagerID == nil {
				t.Errorf("%s was imported without department or manager: %+v", email, p)
			}
		}

		list := s.certificates(t, "zhang.wei@example.com", "customer-information")
		if len(list) == 0 {
			t.Fatal("张伟 has no certificate in the demo company")
		}
		cert := list[0]
		b.click(`nav a[href="/admin/certificates"]`)
		b.see(b.T("cert_admin_title"), cert.Serial)
		form := `form[action="/admin/certificates/` + cert.Serial + `/revoke"]`
		b.do("give the reason", chromedp.SendKeys(chromedp.CSS(form+` input[name="reason"]`), "Left the company; certificate issued in error"))
		b.click(form + ` button[type=submit]`)
		_, revoked := verdicts(lang)
		b.see(revoked, "Left the company; certificate issued in error")

		v := s.open(t, lang, "public")
		v.visit("/verify/" + cert.Code)
		v.chooseLanguage()
		if got := v.text(".verdict"); got != revoked {
			t.Errorf("the verification verdict of a revoked certificate reads %q, want %q", got, revoked)
		}
		v.see(v.T("cert_verify_revoked"))
	})
}
