package db_test

import (
	"context"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"custos/app/db"
	"custos/app/dbtest"
)

func TestMigrationsApplyOnceOnBothDialects(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string, database *bun.DB) {
		ctx := context.Background()
		again, err := db.Migrate(ctx, database)
		if err != nil {
			t.Fatal(err)
		}
		if len(again) != 0 {
			t.Fatalf("second migrate applied %v, want nothing", again)
		}
		status, err := db.Status(ctx, database)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range status {
			if m.AppliedAt.IsZero() {
				t.Errorf("migration %s is pending after migrate", m.Version)
			}
		}
	})
}

func TestInstancesMigratingAtOnceDoNotCollide(t *testing.T) {
	urls := map[string]string{"sqlite": dbtest.SQLiteURL(t)}
	if dbtest.PostgresURL() != "" {
		urls["postgres"] = dbtest.PostgresSchemaURL(t)
	}
	for name, u := range urls {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					d, err := db.Open(ctx, u)
					if err != nil {
						errs[i] = err
						return
					}
					defer d.Close()
					_, errs[i] = db.Migrate(ctx, d)
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("instance %d: %v", i, err)
				}
			}
			d := dbtest.Open(t, u)
			var n int
			if err := d.NewSelect().Table("schema_migrations").ColumnExpr("COUNT(*)").Scan(ctx, &n); err != nil {
				t.Fatal(err)
			}
			all, _ := db.Migrations(d)
			if n != len(all) {
				t.Fatalf("schema_migrations has %d rows, want %d", n, len(all))
			}
		})
	}
}

func TestOpenRejectsBadURLsWithoutPanicking(t *testing.T) {
	for _, u := range []string{"postgres://%zz", "postgres://127.0.0.1:1/x?sslmode=disable&connect_timeout=1"} {
		if _, err := db.Open(context.Background(), u); err == nil {
			t.Errorf("Open(%q) succeeded", u)
		}
	}
}
