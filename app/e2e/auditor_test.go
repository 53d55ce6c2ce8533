package e2e

import (
	"bytes"
	"strings"
	"testing"

	"custos/app/demo"
	"custos/app/evidence"
)

// The auditor: Priya downloads an evidence bundle from the evidence page with the browser, and
// the bundle passes the offline check `custos evidence verify` runs.
func TestAuditorDownloadsEvidenceThatVerifies(t *testing.T) {
	t.Parallel()
	eachLanguage(t, func(t *testing.T, s *site, lang string) {
		b := s.open(t, lang, "auditor")
		b.signIn("auditor@example.com", demo.Password)
		b.click(`nav a[href="/evidence"]`)
		b.see(b.T("evidence_title"), b.T("evidence_check_title"), "custos evidence verify evidence.zip")

		file, data := b.download(`form[action="/evidence.zip"] button[type=submit]`)
		if !strings.HasPrefix(file, "evidence-") || !strings.HasSuffix(file, ".zip") {
			t.Errorf("the bundle is named %q", file)
		}
		sum, err := evidence.Verify(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatalf("the downloaded bundle (%d bytes) does not verify: %v", len(data), err)
		}
		m := sum.Manifest
		if m.Certificates == 0 || m.Signatures == 0 || m.QuizAttempts == 0 || m.AuditEntries == 0 {
			t.Errorf("the bundle holds %d certificates, %d signatures, %d quiz attempts and %d audit entries; the demo company has some of each",
				m.Certificates, m.Signatures, m.QuizAttempts, m.AuditEntries)
		}
	})
}
