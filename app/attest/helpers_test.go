package attest_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"regexp"
	"testing"

	"github.com/uptrace/bun"

	"custos/app/apptest"
	"custos/app/attest"
	"custos/app/db"
	"custos/app/training"
)

// standalone is the built-in course that is only the confidentiality undertaking.
const standalone = "confidentiality-undertaking"

func signPath(slug string) string { return "/courses/" + slug + "/sign" }

// mustSchedule gives everyone their assignments.
func mustSchedule(t *testing.T, env *apptest.Env) {
	t.Helper()
	if _, err := training.Schedule(context.Background(), env.DB(), env.App.Audit, env.App.Catalog, env.App.Now(), nil); err != nil {
		t.Fatal(err)
	}
}

var versionField = regexp.MustCompile(`name="version" value="([0-9a-f]{64})"`)

// openSignPage fetches the signing page and returns the version its form carries.
func openSignPage(t *testing.T, c *apptest.Client, slug string) string {
	t.Helper()
	r := c.Get(t, signPath(slug))
	m := versionField.FindStringSubmatch(r.Body)
	if r.Status != 200 || m == nil {
		t.Fatalf("sign page: status %d, no version field:\n%s", r.Status, r.Body)
	}
	return m[1]
}

// signForm is a complete, valid signing form.
func signForm(version, name string) url.Values {
	return url.Values{"version": {version}, "agree": {"1"}, "full_name": {name}}
}

// mustSign opens the page and signs the standalone undertaking as name.
func mustSign(t *testing.T, c *apptest.Client, name string) {
	t.Helper()
	version := openSignPage(t, c, standalone)
	if r := c.Post(t, signPath(standalone), signForm(version, name)); r.Status != 303 {
		t.Fatalf("sign as %q: status %d\n%s", name, r.Status, r.Body)
	}
}

func signatures(t *testing.T, d bun.IDB) []attest.Signature {
	t.Helper()
	var out []attest.Signature
	if err := d.NewSelect().Model(&out).Order("id").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return out
}

// disableGuard does what a DBA with full rights could: switch off the append-only triggers.
func disableGuard(t *testing.T, d bun.IDB) {
	t.Helper()
	stmts := []string{"DROP TRIGGER signatures_no_update", "DROP TRIGGER signatures_no_delete"}
	if db.IsPostgres(d) {
		stmts = []string{"ALTER TABLE signatures DISABLE TRIGGER USER"}
	}
	for _, s := range stmts {
		if _, err := d.ExecContext(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
