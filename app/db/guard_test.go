package db_test

import (
	"context"
	"testing"

	"custos/app/dbtest"
)

func TestPostgreSQLRefusesToTruncateEvidence(t *testing.T) {
	if dbtest.PostgresURL() == "" {
		t.Skip("PostgreSQL only: set CUSTOS_TEST_DATABASE_URL")
	}
	d := dbtest.Open(t, dbtest.PostgresSchemaURL(t))
	for _, table := range []string{"audit_log", "audit_hashes", "audit_checkpoints", "signatures", "signed_texts", "certificates", "quiz_attempts"} {
		if _, err := d.ExecContext(context.Background(), "TRUNCATE "+table+" CASCADE"); err == nil {
			t.Errorf("TRUNCATE %s was allowed", table)
		}
	}
}
