package certs_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"custos/app/apptest"
	"custos/app/certs"
	"custos/app/config"
	"custos/app/dbtest"
	"custos/app/people"
	"custos/app/training"
)

var timer = regexp.MustCompile(`name="opened" value="(\d+)">\s*<input type="hidden" name="sig" value="([0-9a-f]+)"`)

type world struct {
	env                                  *apptest.Env
	holder, manager, other, auditor, adm *apptest.Client
	serial, code                         string
}

// newWorld signs everyone in and has 张伟 complete the quick course.
func newWorld(t *testing.T, u string) *world {
	env := apptest.New(t, u, func(c *config.Config) { c.ContentDir = apptest.QuickCourseDir(t) })
	env.MustCreatePerson(t, "boss@example.com", "Boss", people.Manager, "")
	p := env.MustCreatePerson(t, "zhang@example.com", "张伟", people.Employee, "boss@example.com")
	env.DB().NewUpdate().Model(p).Set("locale = 'zh-Hans'").WherePK().Exec(context.Background())
	env.MustCreatePerson(t, "other@example.com", "Other", people.Employee, "")
	env.MustCreatePerson(t, "audit@example.com", "Auditor", people.Auditor, "")
	env.MustCreatePerson(t, "admin@example.com", "Admin", people.Admin, "")
	if _, err := training.Schedule(context.Background(), env.DB(), env.App.Audit, env.App.Catalog, env.App.Now(), nil); err != nil {
		t.Fatal(err)
	}
	w := &world{env: env}
	for _, c := range []struct {
		dst   **apptest.Client
		email string
	}{{&w.holder, "zhang@example.com"}, {&w.manager, "boss@example.com"}, {&w.other, "other@example.com"},
		{&w.auditor, "audit@example.com"}, {&w.adm, "admin@example.com"}} {
		*c.dst = env.Client()
		(*c.dst).SignIn(t, c.email, apptest.Password)
	}
	m := timer.FindStringSubmatch(w.holder.Get(t, "/courses/quick/lessons/1").Body)
	if r := w.holder.Post(t, "/courses/quick/lessons/1", url.Values{"opened": {m[1]}, "sig": {m[2]}}); r.Status != 303 {
		t.Fatalf("complete the lesson: %d", r.Status)
	}
	var cert certs.Certificate
	if err := env.DB().NewSelect().Model(&cert).Scan(context.Background()); err != nil {
		t.Fatalf("no certificate issued: %v", err)
	}
	w.serial, w.code = cert.Serial, cert.Code
	return w
}

func TestCompletionIssuesACertificateThatDownloadsTheSameEveryTime(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		w := newWorld(t, u)
		home := w.holder.Get(t, "/")
		if !strings.Contains(home.Body, "/certificates/"+w.serial+".pdf") {
			t.Fatal("my training does not link the certificate")
		}
		first := w.holder.Get(t, "/certificates/"+w.serial+".pdf")
		second := w.holder.Get(t, "/certificates/"+w.serial+".pdf")
		if first.Status != 200 || first.Body != second.Body || !strings.HasPrefix(first.Body, "%PDF-") {
			t.Fatalf("downloads differ or are not PDFs (status %d)", first.Status)
		}
		if cd := first.Header.Get("Content-Disposition"); cd != `attachment; filename="certificate-`+w.serial+`.pdf"` {
			t.Errorf("Content-Disposition %q", cd)
		}
		var stored certs.Certificate
		w.env.DB().NewSelect().Model(&stored).Where("serial = ?", w.serial).Scan(context.Background())
		sum := sha256.Sum256([]byte(first.Body))
		if hex.EncodeToString(sum[:]) != stored.PDFSHA256 {
			t.Error("the download's SHA-256 is not the one stored at issue")
		}
		if stored.Holder != "张伟" || stored.Locale != "zh-Hans" || stored.Score != nil || !stored.ValidUntil.After(stored.IssuedAt.AddDate(0, 11, 0)) {
			t.Errorf("stored %+v", stored)
		}
		text := pdfText(t, []byte(first.Body))
		for _, want := range []string{"张伟", w.serial, "快速课程", "培训合格证书", "ISO27001-A.6.3"} {
			if !strings.Contains(text, want) {
				t.Errorf("certificate text lacks %q", want)
			}
		}
	})
}

func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	for _, tool := range []string{"pdftotext", "qpdf"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CUSTOS_REQUIRE_TOOLS") != "" {
				t.Fatalf("%s is not installed", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
	f := filepath.Join(t.TempDir(), "c.pdf")
	os.WriteFile(f, pdf, 0o600)
	if out, err := exec.Command("qpdf", "--check", f).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
	out, err := exec.Command("pdftotext", "-layout", f, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestOnlyTheHolderTheirManagersAuditorsAndAdminsMayDownload(t *testing.T) {
	w := newWorld(t, dbtest.SQLiteURL(t))
	path := "/certificates/" + w.serial + ".pdf"
	for name, c := range map[string]*apptest.Client{"holder": w.holder, "manager": w.manager, "auditor": w.auditor, "admin": w.adm} {
		if r := c.Get(t, path); r.Status != 200 {
			t.Errorf("%s: %d, want 200", name, r.Status)
		}
	}
	if r := w.other.Get(t, path); r.Status != 404 {
		t.Errorf("another employee: %d, want 404", r.Status)
	}
	if r := w.env.Client().Get(t, path); r.Status != 303 {
		t.Errorf("anonymous: %d, want a redirect to sign in", r.Status)
	}
	for _, bad := range []string{"/certificates/CUS-2026-ZZZZZZ.pdf", "/certificates/../../etc.pdf", "/certificates/%3Cscript%3E.pdf"} {
		if r := w.adm.Get(t, bad); r.Status != 404 {
			t.Errorf("%s: %d, want 404", bad, r.Status)
		}
	}
	var downloads int
	w.env.DB().NewSelect().Table("audit_log").ColumnExpr("COUNT(*)").Where("action = 'certificate.download'").Scan(context.Background(), &downloads)
	if downloads != 4 {
		t.Errorf("%d downloads audited, want 4", downloads)
	}
}

func TestVerificationSaysValidExpiredOrRevoked(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		w := newWorld(t, u)
		anon := w.env.Client()
		page := anon.Get(t, "/verify/"+strings.ToLower(w.code)+"?lang=en")
		if page.Status != 200 || !strings.Contains(page.Body, "Valid") || !strings.Contains(page.Body, "张*") || strings.Contains(page.Body, "张伟") {
			t.Fatalf("verify valid: %d\n%s", page.Status, page.Body)
		}
		var v map[string]any
		api := anon.Get(t, "/api/v1/verify/"+w.code)
		json.Unmarshal([]byte(api.Body), &v)
		if v["status"] != "valid" || v["holder"] != "张*" || v["course"] != "quick" {
			t.Fatalf("API verify: %s", api.Body)
		}
		if strings.Contains(api.Body, "zhang@example.com") || strings.Contains(api.Body, "serial") {
			t.Errorf("verification reveals more than it should: %s", api.Body)
		}

		later := w.env.Server.Now().AddDate(1, 1, 0)
		realNow := w.env.Server.Now
		w.env.Server.Now = func() time.Time { return later }
		if p := anon.Get(t, "/verify/"+w.code+"?lang=en"); !strings.Contains(p.Body, "Expired") {
			t.Error("a certificate past its date does not say Expired")
		}
		w.env.Server.Now = realNow

		w.adm.Get(t, "/admin/certificates") // a page with a form, for the session's CSRF token
		if r := w.adm.Post(t, "/admin/certificates/"+w.serial+"/revoke", url.Values{"reason": {""}}); r.Status != 422 {
			t.Errorf("revoke without a reason: %d, want 422", r.Status)
		}
		if p := anon.Get(t, "/verify/"+w.code+"?lang=en"); !strings.Contains(p.Body, "Valid") {
			t.Error("a refused revocation changed the certificate")
		}
		if r := w.adm.Post(t, "/admin/certificates/"+w.serial+"/revoke", url.Values{"reason": {"Issued in error"}}); r.Status != 303 {
			t.Fatalf("revoke: %d", r.Status)
		}
		if p := anon.Get(t, "/verify/"+w.code+"?lang=zh-Hans"); !strings.Contains(p.Body, "已吊销") || !strings.Contains(p.Body, "吊销日期") {
			t.Error("a revoked certificate does not say so, and when")
		}
		if r := w.adm.Post(t, "/admin/certificates/"+w.serial+"/revoke", url.Values{"reason": {"again"}}); r.Status != 409 {
			t.Errorf("second revocation: %d, want 409", r.Status)
		}
		w.auditor.Get(t, "/admin/certificates")
		if r := w.auditor.Post(t, "/admin/certificates/"+w.serial+"/revoke", url.Values{"reason": {"x"}}); r.Status != 403 {
			t.Errorf("auditor revoking: %d, want 403", r.Status)
		}
	})
}

func TestUnknownAndMalformedCodesAreNotFound(t *testing.T) {
	w := newWorld(t, dbtest.SQLiteURL(t))
	anon := w.env.Client()
	for _, code := range []string{"AAAA-BBBB-CCCC-DDDD", "short", "<script>", strings.Repeat("9", 200)} {
		r := anon.Get(t, "/verify/"+url.PathEscape(code)+"?lang=en")
		if r.Status != 404 || !strings.Contains(r.Body, "No certificate has this verification code") {
			t.Errorf("%q: %d", code, r.Status)
		}
		if api := anon.Get(t, "/api/v1/verify/"+url.PathEscape(code)); api.Status != 404 || !strings.Contains(api.Body, `"error"`) {
			t.Errorf("API %q: %d %s", code, api.Status, api.Body)
		}
	}
}

func TestVerificationIsRateLimited(t *testing.T) {
	w := newWorld(t, dbtest.SQLiteURL(t))
	// The limit counts in fixed windows: hold the clock so the requests cannot straddle two.
	at := w.env.Server.Now()
	w.env.Server.Now = func() time.Time { return at }
	anon := w.env.Client()
	var last int
	for range certs.VerifyLimit + 1 {
		last = anon.Get(t, "/verify/AAAA-BBBB-CCCC-DDDD").Status
	}
	if last != 429 {
		t.Fatalf("request %d: %d, want 429", certs.VerifyLimit+1, last)
	}
}

func TestTheDatabaseKeepsIssuedCertificatesAsIssued(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		w := newWorld(t, u)
		ctx := context.Background()
		if _, err := w.env.DB().NewUpdate().Table("certificates").Set("holder = 'Someone Else'").Where("serial = ?", w.serial).Exec(ctx); err == nil {
			t.Error("the holder of an issued certificate was changed")
		}
		if _, err := w.env.DB().NewDelete().Table("certificates").Where("serial = ?", w.serial).Exec(ctx); err == nil {
			t.Error("a certificate was deleted")
		}
	})
}

func TestNamesAreMaskedForPublicVerification(t *testing.T) {
	cases := map[string]string{"张伟": "张*", "欧阳娜娜": "欧***", "José García": "J. García", "Priya": "P.",
		"aoife o'brien": "A. o'brien", "": ""}
	for in, want := range cases {
		if got := certs.MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
	if c, ok := certs.NormalizeCode("abcd efgh-jkmn pqrs"); !ok || c != "ABCD-EFGH-JKMN-PQRS" {
		t.Errorf("NormalizeCode: %q %v", c, ok)
	}
	if c, _ := certs.NormalizeCode("OIL0-0000-0000-0000"); c != "0110-0000-0000-0000" {
		t.Errorf("look-alike letters: %q", c)
	}
}

func TestAnAuditorSeesOnlyCertificatesInTheirGrant(t *testing.T) {
	w := newWorld(t, dbtest.SQLiteURL(t))
	ctx := context.Background()
	path := "/certificates/" + w.serial + ".pdf"
	w.env.DB().NewUpdate().Table("people").Set("audit_courses = ?", "incident-response").Where("email = 'audit@example.com'").Exec(ctx)
	if r := w.auditor.Get(t, path); r.Status != 404 {
		t.Errorf("an auditor granted another course: %d, want 404", r.Status)
	}
	if r := w.auditor.Get(t, "/admin/certificates"); strings.Contains(r.Body, w.serial) {
		t.Error("the certificate list shows a certificate outside the auditor's grant")
	}
	w.env.DB().NewUpdate().Table("people").Set("audit_courses = ?", "quick").Set("audit_departments = ?", "Sales").Where("email = 'audit@example.com'").Exec(ctx)
	if r := w.auditor.Get(t, path); r.Status != 200 {
		t.Errorf("an auditor granted the course and the holder's department: %d, want 200", r.Status)
	}
}
