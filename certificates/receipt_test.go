package certificates

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestReceiptText(t *testing.T) {
	for name, rc := range map[string]Receipt{"en": englishReceipt(), "zh-Hans": chineseReceipt()} {
		t.Run(name, func(t *testing.T) {
			pdf := renderReceipt(t, rc)
			qpdfCheck(t, pdf)
			text := squash(pdfText(t, pdf))
			l := rc.Labels.withDefaults()
			for _, want := range []string{
				rc.Org, rc.Signer, rc.Email, rc.DocumentTitle, rc.VersionHash, rc.TextHash,
				rc.ServerSignature, rc.KeyFingerprint, rc.Method,
				rc.SignedAt.Format(l.DateTimeLayout),
				l.Title, l.Signature, l.Signer, l.SignedAt, l.ServerSignature, l.Record,
			} {
				if !strings.Contains(text, squash(want)) {
					t.Errorf("pdftotext output lacks %q", want)
				}
			}
		})
	}
	t.Run("the signed text is complete", func(t *testing.T) {
		text := squash(pdfText(t, renderReceipt(t, englishReceipt())))
		for _, want := range []string{
			"I, the undersigned, acknowledge",
			"I will use customer information only for the purpose for which it was collected.",
			"This includes lost laptops, phones and paper files.",
			"<script>alert(1)</script> is printed as text",
			"Article 253-1 of the Criminal Law",
			"https://example.com/policy",
		} {
			if !strings.Contains(text, squash(want)) {
				t.Errorf("pdftotext output lacks %q", want)
			}
		}
	})
}

func TestReceiptPaginatesLongText(t *testing.T) {
	rc := englishReceipt()
	rc.DocumentText = strings.Repeat(sampleUndertaking+"\n\n", 8)
	pdf := renderReceipt(t, rc)
	qpdfCheck(t, pdf)
	text := pdfText(t, pdf)
	pages := strings.Count(text, "\f")
	if pages < 4 {
		t.Fatalf("expected a multi-page receipt, got %d pages", pages)
	}
	want := fmt.Sprintf("Page %d / %d", pages, pages)
	if !strings.Contains(text, want) {
		t.Errorf("last page footer %q missing", want)
	}
	if strings.Count(text, "I will use customer information") != 8 {
		t.Errorf("some of the text was lost across pages")
	}
}

func TestReceiptAttachesRecord(t *testing.T) {
	needTool(t, "pdfdetach")
	rc := englishReceipt()
	dir := t.TempDir()
	path := filepath.Join(dir, "r.pdf")
	if err := os.WriteFile(path, renderReceipt(t, rc), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdfdetach", "-save", "1", "-o", filepath.Join(dir, "record.json"), path).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfdetach: %v\n%s", err, out)
	}
	got, err := os.ReadFile(filepath.Join(dir, "record.json"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != rc.RecordJSON {
		t.Errorf("attached record differs:\n got %s\nwant %s", got, rc.RecordJSON)
	}
}

func TestReceiptIsDeterministic(t *testing.T) {
	a, b := renderReceipt(t, chineseReceipt()), renderReceipt(t, chineseReceipt())
	if !bytes.Equal(a, b) {
		t.Fatal("two renders of the same receipt differ")
	}
}

func TestReceiptHostileText(t *testing.T) {
	rc := englishReceipt()
	rc.Signer = "<b>Eve</b> (\\) 100% 👩‍💻"
	rc.DocumentTitle = "%PDF-1.4 (x) \\"
	rc.DocumentText = "<div onclick=\"x\">raw html</div>\n\nשלום עולם 123 — مرحبا بالعالم\n\n" + strings.Repeat("W", 3000) + "\n\n```\ncode ( ) \\\n```\n"
	rc.RecordJSON = "not json {"
	rc.Labels = ReceiptLabels{}
	pdf := renderReceipt(t, rc)
	qpdfCheck(t, pdf)
	text := squash(pdfText(t, pdf))
	for _, want := range []string{"<b>Eve</b>(\\)100%?", "%PDF-1.4(x)\\", `<divonclick="x">rawhtml</div>`, "notjson{", "code()\\"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext output lacks %q", want)
		}
	}
}
