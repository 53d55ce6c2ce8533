package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"custos/app/apptest"
	"custos/app/config"
	"custos/app/db"
	"custos/app/people"
	"custos/app/training"
)

var signVersion = regexp.MustCompile(`name="version" value="([0-9a-f]{64})"`)

// signOnce runs Custos on env's database and signing key and has one employee sign the
// standalone confidentiality undertaking through the web pages.
func signOnce(t *testing.T, env map[string]string) *apptest.Env {
	t.Helper()
	app := apptest.New(t, env["CUSTOS_DATABASE_URL"], func(c *config.Config) {
		c.DataDir = env["CUSTOS_DATA_DIR"]
		c.SigningKeyFile = filepath.Join(c.DataDir, "signing.key")
	})
	app.MustCreatePerson(t, "zhang@example.com", "张伟", people.Employee, "")
	if _, err := training.Schedule(context.Background(), app.DB(), app.App.Audit, app.App.Catalog, app.App.Now(), nil); err != nil {
		t.Fatal(err)
	}
	c := app.Client()
	c.SignIn(t, "zhang@example.com", apptest.Password)
	page := c.Get(t, "/courses/confidentiality-undertaking/sign")
	m := signVersion.FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("sign page %d has no version", page.Status)
	}
	r := c.Post(t, "/courses/confidentiality-undertaking/sign", map[string][]string{"version": {m[1]}, "agree": {"1"}, "full_name": {"张 伟"}})
	if r.Status != 303 {
		t.Fatalf("sign: %d", r.Status)
	}
	return app
}

func TestAuditVerifyChecksEverySignature(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		app := signOnce(t, env)
		r := runWith(t, env, "", "audit", "verify")
		if r.code != 0 || !strings.Contains(r.stdout, "Signatures OK: 1") {
			t.Fatalf("audit verify after an honest signature: %+v", r)
		}
		ctx, d := context.Background(), app.DB()
		if _, err := d.ExecContext(ctx, "UPDATE signatures SET typed_name = 'x'"); err == nil {
			t.Fatal("the guard let a signature be changed")
		}
		// A DBA with full rights switches the guard off and edits the row.
		guardOff := []string{"DROP TRIGGER signatures_no_update"}
		if db.IsPostgres(d) {
			guardOff = []string{"ALTER TABLE signatures DISABLE TRIGGER USER"}
		}
		for _, s := range guardOff {
			if _, err := d.ExecContext(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		var orig struct {
			TypedName string    `bun:"typed_name"`
			SignedAt  time.Time `bun:"signed_at"`
			Version   string    `bun:"version"`
		}
		if err := d.NewSelect().Table("signatures").Column("typed_name", "signed_at", "version").Where("id = 1").Scan(ctx, &orig); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			column      string
			tampered    any
			original    any
			errorNaming string
		}{
			{"typed_name", "李娜", orig.TypedName, "typed_name"},
			{"signed_at", orig.SignedAt.Add(-24 * time.Hour), orig.SignedAt, "signed_at"},
			{"version", strings.Repeat("0", 64), orig.Version, "version"},
		} {
			t.Run(tc.column, func(t *testing.T) {
				set(t, d, tc.column, tc.tampered)
				oneLineNaming(t, runWith(t, env, "", "audit", "verify"), "signature 1", tc.errorNaming)
				set(t, d, tc.column, tc.original)
				if r := runWith(t, env, "", "audit", "verify"); r.code != 0 {
					t.Fatalf("after restoring %s: %+v", tc.column, r)
				}
			})
		}
	})
}

func set(t *testing.T, d bun.IDB, column string, value any) {
	t.Helper()
	if _, err := d.NewRaw("UPDATE signatures SET "+column+" = ? WHERE id = 1", value).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
}
