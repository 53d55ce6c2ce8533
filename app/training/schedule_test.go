package training_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"custos/app/audit"
	"custos/app/db"
	"custos/app/dbtest"
	"custos/app/people"
	"custos/app/signing"
	"custos/app/training"
	"custos/courses"
)

func catalog(t testing.TB) *courses.Catalog {
	t.Helper()
	cat, err := courses.Load(courses.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

var testKey *signing.Key

func auditLog(t testing.TB) *audit.Log {
	key, err := signing.LoadOrCreate(t.TempDir() + "/k")
	if err != nil {
		t.Fatal(err)
	}
	testKey = key
	return audit.New(key)
}

// addPeople stores people quickly through the HR import path; rows are "email,name,department,role,hired_on,left_on".
func addPeople(t testing.TB, database *bun.DB, now time.Time, rows ...string) {
	t.Helper()
	csv := "email,name,department,role,hired_on,left_on\n" + strings.Join(rows, "\n") + "\n"
	parsed, err := people.ReadCSV(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	err = database.RunInTx(context.Background(), nil, func(ctx context.Context, tx bun.Tx) error {
		_, _, err := people.ImportTx(ctx, tx, parsed, now, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func assignments(t testing.TB, database bun.IDB, email string) []training.Assignment {
	t.Helper()
	p, err := people.ByEmail(context.Background(), database, email)
	if err != nil {
		t.Fatal(err)
	}
	list, err := training.ForPerson(context.Background(), database, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func courseSet(list []training.Assignment) string {
	var s []string
	for _, a := range list {
		s = append(s, fmt.Sprintf("%s#%d", a.Course, a.Cycle))
	}
	return strings.Join(s, " ")
}

var now = time.Date(2026, 11, 29, 2, 0, 0, 0, time.UTC)

func TestSchedulerAssignsByScopeAndCreatesNothingTwice(t *testing.T) {
	cat, log := catalog(t), auditLog(t)
	dbtest.Each(t, func(t *testing.T, _ string, database *bun.DB) {
		ctx := context.Background()
		addPeople(t, database, now,
			"cs@example.com,Customer Agent,Customer Service,employee,2020-01-01,",
			"eng@example.com,Engineer,Engineering,employee,2020-01-01,",
			"gone@example.com,Leaver,Sales,employee,2020-01-01,2026-01-31",
			"future@example.com,Future Hire,Sales,employee,2027-01-04,",
		)
		res, err := training.Schedule(ctx, database, log, cat, now, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Total() != 5 {
			t.Errorf("created %d assignments (%v), want 5", res.Total(), res.Created)
		}
		if got := courseSet(assignments(t, database, "cs@example.com")); !strings.Contains(got, "incident-response#1") || !strings.Contains(got, "customer-information#1") {
			t.Errorf("customer service has %q, want both courses", got)
		}
		if got := courseSet(assignments(t, database, "eng@example.com")); strings.Contains(got, "incident-response") {
			t.Errorf("engineering got the customer-data course: %q", got)
		}
		if got := assignments(t, database, "gone@example.com"); len(got) != 0 {
			t.Errorf("a leaver got %q", courseSet(got))
		}
		if got := assignments(t, database, "future@example.com"); len(got) != 0 {
			t.Errorf("someone not yet hired got %q", courseSet(got))
		}

		again, err := training.Schedule(ctx, database, log, cat, now.Add(time.Hour), nil)
		if err != nil || again.Total() != 0 {
			t.Fatalf("second run created %d (%v)", again.Total(), err)
		}
		if _, err := audit.Verify(ctx, database, testKey.VerifierKey()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestNewHiresGetTheirWindowFromTheirFirstDay(t *testing.T) {
	cat, log := catalog(t), auditLog(t)
	dbtest.Each(t, func(t *testing.T, _ string, database *bun.DB) {
		addPeople(t, database, now, "new@example.com,New Hire,Sales,employee,2026-11-20,")
		if _, err := training.Schedule(context.Background(), database, log, cat, now, nil); err != nil {
			t.Fatal(err)
		}
		for _, a := range assignments(t, database, "new@example.com") {
			if a.Course != "customer-information" {
				continue
			}
			sh, _ := time.LoadLocation(people.DefaultTimeZone)
			if a.Reason != "new_hire" || a.DueAt.In(sh).Format("2006-01-02 15:04") != "2026-12-20 23:59" {
				t.Fatalf("new hire's assignment %+v, want due at the end of 2026-12-20 Shanghai time", a)
			}
		}
	})
}

func TestTheNextCycleOpensBeforeTheCompletionExpires(t *testing.T) {
	cat, log := catalog(t), auditLog(t)
	dbtest.Each(t, func(t *testing.T, _ string, database *bun.DB) {
		ctx := context.Background()
		addPeople(t, database, now, "eng@example.com,Engineer,Engineering,employee,2020-01-01,")
		if _, err := training.Schedule(ctx, database, log, cat, now, nil); err != nil {
			t.Fatal(err)
		}
		// Complete every cycle-1 assignment now; it is valid for its recurrence.
		for _, a := range assignments(t, database, "eng@example.com") {
			valid := cat.Get(a.Course).Recurrence.AddTo(now)
			if _, err := database.NewUpdate().Model(&a).Set("completed_at = ?", now).Set("valid_until = ?", valid).WherePK().Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		early, _ := training.Schedule(ctx, database, log, cat, now.AddDate(0, 10, 0), nil)
		if early.Total() != 0 {
			t.Fatalf("renewed %v two months before expiry", early.Created)
		}
		renewAt := now.AddDate(1, 0, 0).Add(-training.RenewalLead).Add(time.Hour)
		res, err := training.Schedule(ctx, database, log, cat, renewAt, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Created["customer-information"] != 1 {
			t.Fatalf("renewal created %v, want the second customer-information cycle", res.Created)
		}
		list := assignments(t, database, "eng@example.com")
		if got := courseSet(list); !strings.Contains(got, "customer-information#2") || !strings.Contains(got, "customer-information#1") {
			t.Fatalf("history %q, want both cycles kept", got)
		}
		for _, a := range list {
			expires := now.AddDate(1, 0, 0)
			if a.Course == "customer-information" && a.Cycle == 2 &&
				(a.Reason != "renewal" || a.DueAt.Before(expires) || a.DueAt.After(expires.Add(24*time.Hour))) {
				t.Errorf("renewal %+v is not due on the day the first completion expires", a)
			}
		}
	})
}

func TestTwoInstancesSchedulingAtOnceCreateEachAssignmentOnce(t *testing.T) {
	cat, log := catalog(t), auditLog(t)
	urls := []string{dbtest.SQLiteURL(t)}
	if dbtest.PostgresURL() != "" {
		urls = append(urls, dbtest.PostgresSchemaURL(t))
	}
	for _, u := range urls {
		t.Run(strings.SplitN(u, ":", 2)[0], func(t *testing.T) {
			first := dbtest.Open(t, u)
			var rows []string
			for i := range 300 {
				rows = append(rows, fmt.Sprintf("p%d@example.com,Person %d,Customer Service,employee,2020-01-01,", i, i))
			}
			addPeople(t, first, now, rows...)
			second := dbtest.Open(t, u)
			var wg sync.WaitGroup
			totals := make([]int, 4)
			for i := range totals {
				wg.Add(1)
				go func() {
					defer wg.Done()
					d := first
					if i%2 == 1 {
						d = second
					}
					res, err := training.Schedule(context.Background(), d, log, cat, now, nil)
					if err != nil {
						t.Error(err)
					}
					totals[i] = res.Total()
				}()
			}
			wg.Wait()
			var n int
			if err := first.NewSelect().Table("assignments").ColumnExpr("COUNT(*)").Scan(context.Background(), &n); err != nil {
				t.Fatal(err)
			}
			sum := totals[0] + totals[1] + totals[2] + totals[3]
			if n != 900 || sum != 900 {
				t.Fatalf("%d assignments stored, %d reported created; want 900 (300 people × 3 courses)", n, sum)
			}
		})
	}
}

func TestTheDatabaseRefusesADuplicateCycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, _ string, database *bun.DB) {
		ctx := context.Background()
		addPeople(t, database, now, "a@example.com,A,Sales,employee,,")
		p, _ := people.ByEmail(ctx, database, "a@example.com")
		a := training.Assignment{PersonID: p.ID, Course: "x", Cycle: 1, Reason: "first", CourseVersion: "v", OpenedAt: now, DueAt: now, CreatedAt: now}
		if _, err := database.NewInsert().Model(&a).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		a.ID = 0
		_, err := database.NewInsert().Model(&a).Exec(ctx)
		if !db.IsUniqueViolation(err) {
			t.Fatalf("second insert of the same cycle: %v, want a unique violation", err)
		}
	})
}

func TestStatusFollowsTheAssignment(t *testing.T) {
	due := now.Add(48 * time.Hour)
	started, done, valid := now, now.Add(time.Hour), now.AddDate(1, 0, 0)
	cases := []struct {
		name string
		a    training.Assignment
		at   time.Time
		want training.Status
	}{
		{"untouched", training.Assignment{DueAt: due}, now, training.Assigned},
		{"started", training.Assignment{DueAt: due, StartedAt: &started}, now, training.InProgress},
		{"past due", training.Assignment{DueAt: due, StartedAt: &started}, due.Add(time.Second), training.Overdue},
		{"finished late", training.Assignment{DueAt: due, CompletedAt: &done, ValidUntil: &valid}, due.AddDate(0, 1, 0), training.Completed},
		{"expired", training.Assignment{DueAt: due, CompletedAt: &done, ValidUntil: &valid}, valid, training.Expired},
	}
	for _, tc := range cases {
		if got := tc.a.Status(tc.at); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}
