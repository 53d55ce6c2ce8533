// Package dbtest gives tests a real, migrated database: an SQLite file always, and PostgreSQL
// too when CUSTOS_TEST_DATABASE_URL is set (each test in its own schema, dropped afterwards).
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/uptrace/bun"

	"custos/app/db"
)

// PostgresURL is the server the PostgreSQL variants run against, or "" to run SQLite only.
func PostgresURL() string { return os.Getenv("CUSTOS_TEST_DATABASE_URL") }

// Each runs f once per available dialect ("sqlite", then "postgres"), each with a fresh
// migrated database.
func Each(t *testing.T, f func(t *testing.T, url string, db *bun.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		u := SQLiteURL(t)
		f(t, u, Open(t, u))
	})
	if PostgresURL() != "" {
		t.Run("postgres", func(t *testing.T) {
			u := PostgresSchemaURL(t)
			f(t, u, Open(t, u))
		})
	}
}

// SQLiteURL returns the URL of a new SQLite file in the test's temporary folder.
func SQLiteURL(t testing.TB) string {
	return "sqlite://" + filepath.Join(t.TempDir(), "custos.db")
}

// PostgresSchemaURL creates an empty schema for this test and returns a URL whose connections
// use it; the schema is dropped when the test ends. It fails the test when PostgreSQL cannot
// be reached: a configured database that is down is a failure, not a skip.
func PostgresSchemaURL(t testing.TB) string {
	t.Helper()
	base := PostgresURL()
	if base == "" {
		t.Fatal("CUSTOS_TEST_DATABASE_URL is not set")
	}
	admin, err := db.Open(context.Background(), base)
	if err != nil {
		t.Fatalf("PostgreSQL at CUSTOS_TEST_DATABASE_URL: %v", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("CUSTOS_TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open connects to rawURL, applies the migrations and closes the database when the test ends.
func Open(t testing.TB, rawURL string) *bun.DB {
	t.Helper()
	database, err := db.Open(context.Background(), rawURL)
	if err != nil {
		t.Fatalf("open %s: %v", rawURL, err)
	}
	t.Cleanup(func() { database.Close() })
	if _, err := db.Migrate(context.Background(), database); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return database
}
