package db_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"custos/app/db"
	"custos/app/dbtest"
	"custos/app/people"
)

func TestAPreparedStatementScansLikeBunAndOutlivesItsConnections(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, u string, database *bun.DB) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Microsecond)
		for _, p := range []people.Person{
			{Email: "b@example.com", Name: "Bo", Department: "Sales"},
			{Email: "a@example.com", Name: "An", Department: "Sales"},
			{Email: "c@example.com", Name: "Cai", Department: "Finance"},
		} {
			p.Role, p.Locale, p.TimeZone, p.Active, p.CreatedAt, p.UpdatedAt = people.Employee, "en", "UTC", true, now, now
			if _, err := database.NewInsert().Model(&p).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		byDept := db.NewStatement(database, database.NewSelect().Model((*people.Person)(nil)).
			Where("department = ?", db.Param(database, 1)).Order("email"))
		byEmail := db.NewStatement(database, database.NewSelect().Model((*people.Person)(nil)).
			Where("email = ?", db.Param(database, 1)))

		var sales []people.Person
		if err := byDept.All(ctx, &sales, "Sales"); err != nil {
			t.Fatal(err)
		}
		if len(sales) != 2 || sales[0].Name != "An" || sales[1].Name != "Bo" || !sales[0].CreatedAt.Equal(now) {
			t.Fatalf("All: %+v", sales)
		}
		var one people.Person
		if err := byEmail.One(ctx, &one, "c@example.com"); err != nil || one.Name != "Cai" || one.Department != "Finance" {
			t.Fatalf("One: %+v, %v", one, err)
		}
		if err := byEmail.One(ctx, &one, "nobody@example.com"); !errors.Is(err, sql.ErrNoRows) {
			t.Fatalf("One without a row: %v, want sql.ErrNoRows", err)
		}
		if database.Dialect().Name().String() != "pg" {
			return
		}

		// The server ends every connection of the pool, as a restart or failover would. Each
		// connection may fail the one query that finds it dead; after that, the statement is
		// prepared again on new connections without anyone's help.
		var conns []*sql.Conn
		var pids []int
		for range 4 {
			c, err := database.DB.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var pid int
			if err := c.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
				t.Fatal(err)
			}
			conns, pids = append(conns, c), append(pids, pid)
		}
		for _, c := range conns {
			c.Close()
		}
		admin := dbtest.Open(t, dbtest.PostgresURL())
		for _, pid := range pids {
			if _, err := admin.ExecContext(ctx, "SELECT pg_terminate_backend(?)", pid); err != nil {
				t.Fatal(err)
			}
		}
		failures := 0
		for range 20 {
			if err := byEmail.One(ctx, &one, "c@example.com"); err != nil {
				failures++
			}
		}
		if failures > len(pids) {
			t.Errorf("%d of 20 queries failed after %d connections ended, want at most one per connection", failures, len(pids))
		}
		for range 5 {
			if err := byEmail.One(ctx, &one, "c@example.com"); err != nil || one.Name != "Cai" {
				t.Fatalf("the statement did not recover: %+v, %v", one, err)
			}
		}
	})
}
