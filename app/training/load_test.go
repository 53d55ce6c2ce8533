package training_test

// Load measurements for the training cycle, run on demand (they take minutes and want
// PostgreSQL and wrk), never in every CI run:
//
//	CUSTOS_LOAD=1 CUSTOS_TEST_DATABASE_URL=postgres://… go test -run TestLoad -v ./app/training/
//
// Figures are ratios against a baseline measured in the same run, never timed assertions.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"custos/app/apptest"
	"custos/app/auth"
	"custos/app/dbtest"
	"custos/app/people"
	"custos/app/training"
)

func loadOnly(t *testing.T) {
	if os.Getenv("CUSTOS_LOAD") == "" {
		t.Skip("load measurement: set CUSTOS_LOAD=1 (and CUSTOS_TEST_DATABASE_URL) to run")
	}
	if dbtest.PostgresURL() == "" {
		t.Fatal("load measurements run on PostgreSQL: set CUSTOS_TEST_DATABASE_URL")
	}
}

// seedPeople inserts n people in multi-row statements, far faster than the import path.
func seedPeople(t *testing.T, db *bun.DB, n int, now time.Time) {
	t.Helper()
	depts := []string{"Customer Service", "Sales", "Engineering", "Finance"}
	for start := 0; start < n; start += 2000 {
		var batch []people.Person
		for i := start; i < min(start+2000, n); i++ {
			batch = append(batch, people.Person{Email: fmt.Sprintf("p%06d@example.com", i), Name: fmt.Sprintf("Person %d", i),
				Department: depts[i%len(depts)], Role: people.Employee, Locale: "en", TimeZone: "Asia/Shanghai",
				HiredOn: people.DateOf(now.AddDate(-2, 0, 0)), Active: true, CreatedAt: now, UpdatedAt: now})
		}
		if _, err := db.NewInsert().Model(&batch).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoadSchedulerOver100000People(t *testing.T) {
	loadOnly(t)
	u := dbtest.PostgresSchemaURL(t)
	db := dbtest.Open(t, u)
	cat, log := catalog(t), auditLog(t)
	now := time.Now().UTC().Truncate(time.Microsecond)
	seedPeople(t, db, 100_000, now)

	heap := apptest.WatchHeap()
	start := time.Now()
	res, err := training.Schedule(context.Background(), db, log, cat, now, nil)
	first := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	again, err := training.Schedule(context.Background(), db, log, cat, now, nil)
	second := time.Since(start)
	peak := heap.Stop()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first run: %d assignments for %d people in %s; second run: %d in %s; peak heap %.1f MB above %.1f MB before",
		res.Total(), res.People, first.Round(time.Millisecond), again.Total(), second.Round(time.Millisecond),
		peak, heap.IdleMB())
	if again.Total() != 0 {
		t.Fatalf("second run created %d", again.Total())
	}
}

// TestLoadMyTrainingPage compares "my training" for a signed-in person against a bare Fiber
// handler that runs one bun SELECT on the same database, both under wrk at 64 connections.
func TestLoadMyTrainingPage(t *testing.T) {
	loadOnly(t)
	u := dbtest.PostgresSchemaURL(t)
	env := apptest.New(t, u)
	now := env.App.Now()
	seedPeople(t, env.DB(), 10_000, now)
	if _, err := training.Schedule(context.Background(), env.DB(), env.App.Audit, env.App.Catalog, now, nil); err != nil {
		t.Fatal(err)
	}
	hash, err := auth.HashPassword(apptest.Password)
	if err != nil {
		t.Fatal(err)
	}
	env.DB().NewUpdate().Model((*people.Person)(nil)).Set("password_hash = ?", hash).Where("email = 'p000042@example.com'").Exec(context.Background())
	c := env.Client()
	c.SignIn(t, "p000042@example.com", apptest.Password)
	cookie := "custos_session=" + c.Cookie("custos_session")

	env.App.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	appAddr := apptest.Listen(t, env.Server.Fiber)

	bare := fiber.New(fiber.Config{DisableStartupMessage: true})
	bare.Get("/", func(c *fiber.Ctx) error {
		var p people.Person
		if err := env.DB().NewSelect().Model(&p).Where("email = ?", "p000042@example.com").Scan(c.UserContext()); err != nil {
			return err
		}
		return c.SendString(p.Name)
	})
	bareAddr := apptest.Listen(t, bare)

	m := apptest.Compare(t, 3, "http://"+bareAddr+"/", "http://"+appAddr+"/", cookie)
	t.Logf("bare Fiber + one SELECT: %.0f req/s, p99 %s", m.BaseRPS, m.BaseP99)
	t.Logf("my training (10,000 people): %.0f req/s, p99 %s — %.0f%% of the baseline (median of 3 rounds)", m.RPS, m.P99, 100*m.Ratio())
}
