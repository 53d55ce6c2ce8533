package evidence_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"custos/app/api"
	"custos/app/apptest"
	"custos/app/dbtest"
	"custos/app/demo"
	"custos/app/evidence"
)

// demoBundle loads the demo company and downloads its evidence bundle as the auditor.
func demoBundle(t *testing.T, u string) (*apptest.Env, []byte) {
	env := apptest.New(t, u)
	if _, err := demo.Load(context.Background(), env.App); err != nil {
		t.Fatal(err)
	}
	c := env.Client()
	c.SignIn(t, "auditor@example.com", demo.Password)
	r := c.Get(t, "/evidence.zip")
	if r.Status != 200 || r.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("download: %d %s", r.Status, r.Body)
	}
	return env, []byte(r.Body)
}

func verify(data []byte) error {
	_, err := evidence.Verify(bytes.NewReader(data), int64(len(data)))
	return err
}

func TestTheDemoBundleVerifiesOffline(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		env, data := demoBundle(t, u)
		sum, err := evidence.Verify(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		m := sum.Manifest
		if m.Certificates < 8 || m.Signatures < 6 || m.QuizAttempts < 6 || m.AuditEntries < 50 {
			t.Errorf("bundle holds %+v", m)
		}
		if sum.KeyFingerprint != env.App.Key.Fingerprint() {
			t.Error("the bundle names another key")
		}
		zr, _ := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		current := false
		for _, f := range zr.File {
			current = current || strings.Contains(f.Name, "/"+evidence.Current+"/")
		}
		if !current {
			t.Error("no current staff in the bundle")
		}
		for _, want := range []string{"README.txt", "report/completion.csv", "report/completion.pdf", "audit/checkpoint.txt", "public-key.pem"} {
			if !has(zr, want) {
				t.Errorf("bundle lacks %s", want)
			}
		}
		var downloads int
		env.DB().NewSelect().Table("audit_log").ColumnExpr("COUNT(*)").Where("action = 'evidence.download'").Scan(context.Background(), &downloads)
		if downloads != 1 {
			t.Errorf("%d evidence downloads audited, want 1", downloads)
		}
	})
}

func has(zr *zip.Reader, name string) bool {
	for _, f := range zr.File {
		if f.Name == name {
			return true
		}
	}
	return false
}

// rewrite copies the bundle, letting edit change, drop (return nil) or keep each file, and add
// files at the end. Headers are written as the original writer writes them.
func rewrite(t *testing.T, data []byte, edit func(name string, content []byte) []byte, add map[string]string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rc, _ := f.Open()
		content, _ := io.ReadAll(rc)
		rc.Close()
		if content = edit(f.Name, content); content == nil {
			continue
		}
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Store, Modified: f.Modified})
		w.Write(content)
	}
	for name, content := range add {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		w.Write([]byte(content))
	}
	zw.Close()
	return out.Bytes()
}

func flipIn(prefix, suffix string) func(string, []byte) []byte {
	done := false
	return func(name string, content []byte) []byte {
		if !done && strings.HasPrefix(name, prefix) && strings.HasSuffix(name, suffix) && len(content) > 40 {
			done = true
			content = bytes.Clone(content)
			content[len(content)/2] ^= 0x04
		}
		return content
	}
}

func TestEveryTamperingIsCaught(t *testing.T) {
	_, data := demoBundle(t, dbtest.SQLiteURL(t))
	keep := func(_ string, c []byte) []byte { return c }
	cases := []struct {
		name   string
		bundle []byte
		file   string
	}{
		{"a byte of a certificate", rewrite(t, data, flipIn("certificates/", ".pdf"), nil), "certificates/"},
		{"a byte of a signature record", rewrite(t, data, flipIn("signatures/", ".json"), nil), "signatures/"},
		{"a byte of the audit extract", rewrite(t, data, flipIn("audit/entries", ""), nil), "audit/entries.jsonl"},
		{"a byte of the manifest", rewrite(t, data, flipIn("manifest.json", ""), nil), "manifest.sig"},
		{"a byte of the report", rewrite(t, data, flipIn("report/completion.csv", ""), nil), "report/completion.csv"},
		{"a deleted file", rewrite(t, data, func(n string, c []byte) []byte {
			if strings.HasPrefix(n, "quiz-attempts/") {
				return nil
			}
			return c
		}, nil), "quiz-attempts/"},
		{"an added file", rewrite(t, data, keep, map[string]string{"certificates/current-staff/extra.pdf": "%PDF-1.4"}), "extra.pdf"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := verify(tc.bundle)
			var m *evidence.Mismatch
			if !errors.As(err, &m) || !strings.Contains(m.File+" "+m.Reason, tc.file) {
				t.Fatalf("got %v, want a mismatch naming %s", err, tc.file)
			}
		})
	}
	if err := verify(rewrite(t, data, keep, nil)); err != nil {
		t.Fatalf("an untouched copy does not verify: %v", err)
	}
}

func TestASingleFlippedByteAnywhereIsCaught(t *testing.T) {
	_, data := demoBundle(t, dbtest.SQLiteURL(t))
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		off := r.IntN(len(data))
		bad := bytes.Clone(data)
		bad[off] ^= byte(1 << r.IntN(8))
		if err := verify(bad); err == nil {
			t.Fatalf("a flipped bit at byte %d of %d went unnoticed", off, len(data))
		}
	}
}

func TestBadRequestsGetClearErrorsAndNoBundle(t *testing.T) {
	env := apptest.New(t, dbtest.SQLiteURL(t))
	env.MustCreatePerson(t, "auditor@example.com", "Auditor", "auditor", "")
	env.MustCreatePerson(t, "staff@example.com", "Staff", "employee", "")
	c := env.Client()
	c.SignIn(t, "auditor@example.com", apptest.Password)
	for q, want := range map[string]int{
		"?from=2026-05-01&to=2026-01-01": 422, "?course=nope": 422, "?from=1990-01-01&to=2026-01-01": 422, "?from=yesterday": 422,
	} {
		if r := c.Get(t, "/evidence.zip"+q); r.Status != want || r.Header.Get("Content-Type") == "application/zip" {
			t.Errorf("%s: %d %s", q, r.Status, r.Header.Get("Content-Type"))
		}
	}
	staff := env.Client()
	staff.SignIn(t, "staff@example.com", apptest.Password)
	if r := staff.Get(t, "/evidence.zip"); r.Status != 403 {
		t.Errorf("an employee: %d, want 403", r.Status)
	}
	// The API answers the same refusals in JSON, and a good request with a bundle.
	var secret string
	env.DB().RunInTx(context.Background(), nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		_, secret, err = api.CreateToken(ctx, tx, 1, "audit", env.App.Now())
		return err
	})
	get := func(path string) *http.Response {
		req, _ := http.NewRequest("GET", "http://custos.test"+path, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := env.Server.Fiber.Test(req, 60000)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if resp := get("/api/v1/evidence?from=2026-05-01&to=2026-01-01"); resp.StatusCode != 422 || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("API bad period: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp := get("/api/v1/evidence")
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || verify(body) != nil {
		t.Errorf("API bundle: %d, verify: %v", resp.StatusCode, verify(body))
	}
}
