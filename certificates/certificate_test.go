package certificates

import (
	"bytes"
	"fmt"
	"image"
	_ "image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// needTool skips the test when a poppler or qpdf command is missing, except in CI
// (CUSTOS_REQUIRE_TOOLS=1), where a missing tool is a failure rather than a silent skip.
func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CUSTOS_REQUIRE_TOOLS") != "" {
			t.Fatalf("%s is not installed (apt-get install poppler-utils qpdf): %v", name, err)
		}
		t.Skipf("%s is not installed (apt-get install poppler-utils qpdf): %v", name, err)
	}
}

// pdfText extracts the text of a PDF with pdftotext.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	needTool(t, "pdftotext")
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

// qpdfCheck fails the test unless qpdf finds the PDF well formed.
func qpdfCheck(t *testing.T, pdf []byte) {
	t.Helper()
	needTool(t, "qpdf")
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("qpdf", "--check", path).CombinedOutput()
	if err != nil || bytes.Contains(out, []byte("WARNING")) {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
}

func TestCertificateText(t *testing.T) {
	for name, c := range map[string]Certificate{"en": englishCertificate(), "zh-Hans": chineseCertificate()} {
		t.Run(name, func(t *testing.T) {
			pdf := renderCertificate(t, c)
			qpdfCheck(t, pdf)
			text := pdfText(t, pdf)
			l := c.Labels.withDefaults()
			for _, want := range []string{
				c.Holder, c.CourseTitle, c.Serial, c.Org, c.VerifyURL, "92%",
				l.Title, l.Certifies, l.Completed, l.IssuedOn, l.ValidUntil, l.Score,
				l.Controls, l.Serial, l.Verify[:len(l.Verify)/2],
				c.Issued.Format(l.DateLayout), c.ValidUntil.Format(l.DateLayout),
				"PIPL-51", "ISO27001-A.6.3", "SOC2-CC2.2",
			} {
				if !strings.Contains(squash(text), squash(want)) {
					t.Errorf("pdftotext output lacks %q:\n%s", want, text)
				}
			}
			if len(pdf) > 60<<10 {
				t.Errorf("certificate is %d bytes, want < 60 KiB", len(pdf))
			}
		})
	}
}

// squash removes whitespace, which pdftotext inserts at line breaks.
func squash(s string) string { return strings.Join(strings.Fields(s), "") }

func TestCertificateOmitsMissingValues(t *testing.T) {
	c := englishCertificate()
	c.Score = -1
	c.ValidUntil = time.Time{}
	c.Controls = nil
	c.CourseVersion = ""
	text := pdfText(t, renderCertificate(t, c))
	for _, absent := range []string{"Score", "Valid until", "Controls evidenced", "Version"} {
		if strings.Contains(text, absent) {
			t.Errorf("certificate prints %q although the value is missing:\n%s", absent, text)
		}
	}
}

func TestCertificateIsDeterministic(t *testing.T) {
	c := chineseCertificate()
	first := renderCertificate(t, c)
	// Renders running at the same time must not disturb each other.
	var wg sync.WaitGroup
	results := make([][]byte, 8)
	for i := range results {
		wg.Go(func() { results[i] = renderCertificate(t, c) })
	}
	wg.Wait()
	for i, got := range results {
		if !bytes.Equal(got, first) {
			t.Fatalf("render %d differs from the first (%d vs %d bytes)", i, len(got), len(first))
		}
	}
	if !bytes.Contains(first, []byte("/CreationDate (D:20260314093000)")) {
		t.Error("creation date is not the issue time")
	}
	other := c
	other.Serial = "CUS-2026-000124"
	if bytes.Equal(renderCertificate(t, other), first) {
		t.Error("a different serial gave the same bytes")
	}
}

func TestCertificateMetadata(t *testing.T) {
	needTool(t, "pdfinfo")
	path := filepath.Join(t.TempDir(), "c.pdf")
	if err := os.WriteFile(path, renderCertificate(t, chineseCertificate()), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdfinfo", path).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	for _, want := range []string{"Title:           培训合格证书 — 张伟", "Author:          示例科技有限公司", "Subject:         保护客户信息", "Creator:         Custos", "Pages:           1", "Page size:       841.89 x 595.28 pts (A4)"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("pdfinfo lacks %q:\n%s", want, out)
		}
	}
}

func TestCertificateQRCode(t *testing.T) {
	needTool(t, "pdftoppm")
	for name, c := range map[string]Certificate{"en": englishCertificate(), "zh-Hans": chineseCertificate()} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "c.pdf")
			if err := os.WriteFile(path, renderCertificate(t, c), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("pdftoppm", "-png", "-r", "150", "-singlefile", path, filepath.Join(dir, "page")).CombinedOutput()
			if err != nil {
				t.Fatalf("pdftoppm: %v\n%s", err, out)
			}
			if got := decodeQR(t, filepath.Join(dir, "page.png")); got != c.VerifyURL {
				t.Errorf("QR code reads %q, want %q", got, c.VerifyURL)
			}
		})
	}
}

func decodeQR(t *testing.T, pngPath string) string {
	t.Helper()
	f, err := os.Open(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", pngPath, err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("no QR code found in the rendered page: %v", err)
	}
	return res.GetText()
}

func TestCertificateHostileText(t *testing.T) {
	long := strings.Repeat("Maximilian-Alexander ", 15) // 315 characters
	tests := []struct {
		name   string
		holder string
		want   []string // must appear in the extracted text
	}{
		{"HTML is printed literally", "<script>alert(1)</script>", []string{"<script>alert(1)</script>"}},
		{"PDF string delimiters", `Ann (Nan) \ O'Neil 100% ) ( \\`, []string{`Ann (Nan) \ O'Neil 100% ) ( \\`}},
		{"PDF syntax", "/Type /Catalog >> endobj %%EOF", []string{"/Type /Catalog >> endobj %%EOF"}},
		{"Arabic", "محمد عبد الله", nil},
		{"Hebrew", "דוד כהן", nil},
		{"Arabic with Latin", "Layla ليلى 2026", []string{"Layla", "2026"}},
		{"300 characters", long, []string{"Maximilian-Alexander Maximilian"}},
		{"emoji", "Zoë 👩‍💻 Smith 🎉", []string{"Zoë", "? Smith ?"}},
		{"controls and newlines", "Line\none\x00\x1b[31m\tTab\r\n", []string{"Line one", "[31m Tab"}},
		{"invalid UTF-8", "Bad\xff\xfeName", []string{"Bad"}},
		{"combining marks", "Zoe\u0308 Ngu\u031b\u0303", []string{"Zoë"}},
		{"mixed Chinese and Latin", "张伟（Zhang Wei）", []string{"张伟（Zhang Wei）"}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := englishCertificate()
			c.Holder = tt.holder
			c.CourseTitle = tt.holder + " " + c.CourseTitle
			c.Org = tt.holder
			pdf := renderCertificate(t, c)
			qpdfCheck(t, pdf)
			text := pdfText(t, pdf)
			for _, want := range tt.want {
				if !strings.Contains(squash(text), squash(want)) {
					t.Errorf("extracted text lacks %q:\n%s", want, text)
				}
			}
			if !strings.Contains(text, c.Serial) {
				t.Errorf("serial missing: the layout broke:\n%s", text)
			}
		})
	}
}

func TestCertificateFitsLongNames(t *testing.T) {
	r := mustRenderer(t)
	for _, name := range []string{
		strings.Repeat("Maximilian-Alexander ", 25),
		strings.Repeat("张", 300),
		strings.Repeat("W", 300), // no break opportunity at all
	} {
		size, lines := r.fit(r.cleanLine(name), bold, 30, 20, 11.5, 235, 3)
		if size < 11.5 || len(lines) == 0 || len(lines) > 3 {
			t.Fatalf("fit(%.20q…) = %v pt, %d lines", name, size, len(lines))
		}
		for _, line := range lines {
			if w := r.width(line, bold, size); w > 235 {
				t.Errorf("line %.20q… is %.1f mm wide, limit 235", line, w)
			}
		}
		if last := lines[len(lines)-1]; !strings.HasSuffix(last, "…") {
			t.Errorf("a cut name should end with an ellipsis, got %q", last)
		}
	}
}

func TestCertificateRejectsUnencodableURL(t *testing.T) {
	c := englishCertificate()
	c.VerifyURL = "https://example.com/" + strings.Repeat("x", 5000)
	err := mustRenderer(t).Certificate(&bytes.Buffer{}, c)
	if err == nil || !strings.Contains(err.Error(), "QR code") {
		t.Fatalf("want a QR code error, got %v", err)
	}
}

// TestWritePreviews renders previews for people to look at when
// CUSTOS_PREVIEW_DIR is set, e.g. CUSTOS_PREVIEW_DIR=/tmp/preview go test -run Preview.
func TestWritePreviews(t *testing.T) {
	dir := os.Getenv("CUSTOS_PREVIEW_DIR")
	if dir == "" {
		t.Skip("CUSTOS_PREVIEW_DIR not set")
	}
	arabic := englishCertificate()
	arabic.Holder = "محمد عبد الله (Mohammed) 👋"
	long := englishCertificate()
	long.Holder = strings.Repeat("Maximilian-Alexander ", 15)
	docs := map[string][]byte{
		"certificate-en.pdf":   renderCertificate(t, englishCertificate()),
		"certificate-zh.pdf":   renderCertificate(t, chineseCertificate()),
		"certificate-rtl.pdf":  renderCertificate(t, arabic),
		"certificate-long.pdf": renderCertificate(t, long),
		"receipt-en.pdf":       renderReceipt(t, englishReceipt()),
		"receipt-zh.pdf":       renderReceipt(t, chineseReceipt()),
		"certificate-hostile.pdf": renderCertificate(t, func() Certificate {
			c := englishCertificate()
			c.Holder = `<script>alert(1)</script> (\) 100%`
			return c
		}()),
	}
	for name, pdf := range docs {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := exec.LookPath("pdftoppm"); err == nil {
			if out, err := exec.Command("pdftoppm", "-png", "-r", "100", path, strings.TrimSuffix(path, ".pdf")).CombinedOutput(); err != nil {
				t.Fatalf("pdftoppm: %v\n%s", err, out)
			}
		}
	}
	fmt.Println("previews written to", dir)
}

func TestZeroValuesRender(t *testing.T) {
	r := mustRenderer(t)
	if err := r.Certificate(&bytes.Buffer{}, Certificate{}); err != nil {
		t.Errorf("zero Certificate: %v", err)
	}
	if err := r.Receipt(&bytes.Buffer{}, Receipt{}); err != nil {
		t.Errorf("zero Receipt: %v", err)
	}
}

// FuzzCertificateText checks that no text, however odd, makes rendering fail.
func FuzzCertificateText(f *testing.F) {
	for _, s := range []string{"José O'Brien", "张伟", "<script>alert(1)</script>", `(\)%`, "محمد", "👩‍💻", "\x00\xff", "x\u0301\u0301\u0301", "\u202e\u200d\ufe0f"} {
		f.Add(s)
	}
	r := mustRenderer(f)
	f.Fuzz(func(t *testing.T, s string) {
		c := englishCertificate()
		c.Holder, c.CourseTitle, c.Org, c.Serial = s, s, s, s
		c.Controls = []string{s, s}
		c.Labels.Title, c.Labels.DateLayout = s, s
		if err := r.Certificate(io.Discard, c); err != nil {
			t.Fatalf("Certificate(%q): %v", s, err)
		}
		rc := englishReceipt()
		rc.DocumentText, rc.Signer, rc.RecordJSON = s, s, s
		if err := r.Receipt(io.Discard, rc); err != nil {
			t.Fatalf("Receipt(%q): %v", s, err)
		}
	})
}
