package attest_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/uptrace/bun"

	"custos/app/apptest"
	"custos/app/dbtest"
	"custos/app/people"
)

func TestReceiptsGoToTheSignerTheirManagersAuditorsAndAdmins(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		env := apptest.New(t, u)
		env.MustCreatePerson(t, "boss@example.com", "Big Boss", people.Manager, "")
		env.MustCreatePerson(t, "zhang@example.com", "张伟", people.Employee, "boss@example.com")
		env.MustCreatePerson(t, "peer@example.com", "Pat Peer", people.Employee, "boss@example.com")
		env.MustCreatePerson(t, "audit@example.com", "Ada Auditor", people.Auditor, "")
		env.MustCreatePerson(t, "admin@example.com", "Al Admin", people.Admin, "")
		mustSchedule(t, env)
		signer := env.Client()
		signer.SignIn(t, "zhang@example.com", apptest.Password)
		signer.Get(t, "/?lang=zh-Hans")
		mustSign(t, signer, "张伟")
		sig := signatures(t, env.DB())[0]
		path := fmt.Sprintf("/signatures/%d/receipt.pdf", sig.ID)

		var pdf string
		for _, tc := range []struct {
			email  string
			status int
		}{
			{"zhang@example.com", 200}, {"boss@example.com", 200}, {"peer@example.com", 404},
			{"audit@example.com", 200}, {"admin@example.com", 200},
		} {
			c := signer
			if tc.email != "zhang@example.com" {
				c = env.Client()
				c.SignIn(t, tc.email, apptest.Password)
			}
			r := c.Get(t, path)
			if r.Status != tc.status {
				t.Errorf("%s: receipt status %d, want %d", tc.email, r.Status, tc.status)
			}
			if tc.status == 200 && (r.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(r.Body, "%PDF-")) {
				t.Errorf("%s: receipt is %s", tc.email, r.Header.Get("Content-Type"))
			}
			if tc.status == 200 {
				pdf = r.Body
			}
			switch tc.email {
			case "peer@example.com":
				if r := c.Get(t, "/team/signatures"); r.Status != 403 {
					t.Errorf("an employee opens the team signatures: %d, want 403", r.Status)
				}
				if r := c.Get(t, "/admin/signatures"); r.Status != 403 {
					t.Errorf("an employee opens the signature list: %d, want 403", r.Status)
				}
			case "boss@example.com":
				page := c.Get(t, "/team/signatures?lang=en")
				before, after, _ := strings.Cut(page.Body, "Signed: 1")
				if page.Status != 200 || !strings.Contains(before, "Not signed the current version: 1") || !strings.Contains(before, "Pat Peer") ||
					!strings.Contains(after, "张伟") || strings.Contains(after, "Pat Peer") {
					t.Errorf("team signatures page %d does not list who has and has not signed:\n%s", page.Status, page.Body[strings.Index(page.Body, "<main"):])
				}
			case "audit@example.com":
				page := c.Get(t, "/admin/signatures?lang=en")
				for _, want := range []string{"张伟", "zhang@example.com", sig.Version, sig.KeyFingerprint, "Verified", "typed their full name"} {
					if !strings.Contains(page.Body, want) {
						t.Errorf("the signature list lacks %q", want)
					}
				}
			case "admin@example.com":
				if r := c.Get(t, "/signatures/999/receipt.pdf"); r.Status != 404 {
					t.Errorf("a receipt that does not exist: %d", r.Status)
				}
			}
		}
		if r := env.Client().Get(t, path); r.Status != 303 {
			t.Errorf("anonymous receipt: %d, want a redirect to sign in", r.Status)
		}
		if n := env.Count(t, "audit_log", "action = 'undertaking.receipt'"); n != 4 {
			t.Errorf("%d receipt downloads audited, want 4", n)
		}
		checkReceiptText(t, pdf, "张伟", sig.Version, "承诺书签署回执", "保密信息的范围")
	})
}

// checkReceiptText extracts the PDF's text with pdftotext, when it is installed, and looks for
// each of want, ignoring white space (long values wrap).
func checkReceiptText(t *testing.T, pdf string, want ...string) {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Log("pdftotext is not installed; not checking the receipt's text")
		return
	}
	file := filepath.Join(t.TempDir(), "receipt.pdf")
	os.WriteFile(file, []byte(pdf), 0o600)
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := squash(string(out))
	for _, w := range want {
		if !strings.Contains(text, squash(w)) {
			t.Errorf("the receipt's text lacks %q", w)
		}
	}
}

func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
