package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"custos/app/db"
	"custos/app/dbtest"
)

// custos runs the command in-process against the database at dbURL and the data dir dir.
func custos(t *testing.T, dbURL, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	env := map[string]string{"CUSTOS_DATABASE_URL": dbURL, "CUSTOS_DATA_DIR": dir}
	var out, errOut bytes.Buffer
	code = run(command{args: args, getenv: func(k string) string { return env[k] }, stdin: strings.NewReader(""),
		stdout: &out, stderr: &errOut, ctx: context.Background()})
	return code, out.String(), errOut.String()
}

// unguardAudit switches off the append-only triggers, as someone with the database owner's
// rights could.
func unguardAudit(t *testing.T, database *bun.DB) {
	t.Helper()
	for _, table := range []string{"audit_log", "audit_hashes", "audit_checkpoints"} {
		stmts := []string{"DROP TRIGGER " + table + "_no_update", "DROP TRIGGER " + table + "_no_delete"}
		if db.IsPostgres(database) {
			stmts = []string{"ALTER TABLE " + table + " DISABLE TRIGGER USER"}
		}
		for _, s := range stmts {
			if _, err := database.Exec(s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
	}
}

func TestAuditVerifyPassesAnUntouchedLogAndNamesTheEntryChanged(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		tamper []string
		entry  string
	}{
		{"an edited actor", []string{"UPDATE audit_log SET actor = 'mallory@example.com' WHERE seq = 1"}, "entry 1 "},
		{"an edited record", []string{`UPDATE audit_log SET record = REPLACE(record, '"actor":"cli"', '"actor":"eve"') WHERE seq = 1`}, "entry 1 "},
		{"a deleted entry", []string{"DELETE FROM audit_log WHERE seq = 1"}, "entry 1 "},
		{"a deleted newest entry", []string{"DELETE FROM audit_log WHERE seq = 3"}, "entry 3 "},
		{"two entries reordered", []string{
			"UPDATE audit_log SET seq = -1 WHERE seq = 0",
			"UPDATE audit_log SET seq = 0 WHERE seq = 1",
			"UPDATE audit_log SET seq = 1 WHERE seq = -1",
		}, "entry 0 "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dbtest.Each(t, func(t *testing.T, dbURL string, database *bun.DB) {
				dir := t.TempDir()
				csv := filepath.Join(dir, "hr.csv")
				if err := os.WriteFile(csv, []byte("email,name\nann@example.com,Ann\nbob@example.com,Bob\ncai@example.com,Cai\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				if code, _, stderr := custos(t, dbURL, dir, "users", "import", csv); code != 0 {
					t.Fatalf("users import: exit %d: %s", code, stderr)
				}
				code, stdout, stderr := custos(t, dbURL, dir, "audit", "verify")
				if code != 0 || !strings.HasPrefix(stdout, "Audit log OK: 4 entries") || stderr != "" {
					t.Fatalf("verify of an untouched log: exit %d, stdout %q, stderr %q", code, stdout, stderr)
				}

				unguardAudit(t, database)
				for _, q := range tc.tamper {
					if _, err := database.Exec(q); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
				}
				code, stdout, stderr = custos(t, dbURL, dir, "audit", "verify")
				if code != 1 {
					t.Errorf("verify of a tampered log exited %d, want 1", code)
				}
				if strings.Contains(stdout, "OK") {
					t.Errorf("verify of a tampered log printed %q", stdout)
				}
				if lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n"); len(lines) != 1 || !strings.Contains(lines[0], tc.entry) {
					t.Errorf("verify said %q, want one line naming %q", stderr, strings.TrimSpace(tc.entry))
				}
			})
		})
	}
}
