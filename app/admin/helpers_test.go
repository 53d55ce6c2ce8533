package admin_test

import (
	"context"
	"html"
	"regexp"
	"strconv"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"custos/app/apptest"
	"custos/app/auth"
	"custos/app/dbtest"
	"custos/app/people"
)

var (
	hashOnce   sync.Once
	cachedHash string
)

// person adds someone who signs in with apptest.Password, like env.MustCreatePerson, but hashes
// the password once for the whole run: argon2id is slow on purpose, and slower still under -race.
func person(t *testing.T, env *apptest.Env, email, name string, role people.Role, manager string) *people.Person {
	t.Helper()
	hashOnce.Do(func() {
		var err error
		if cachedHash, err = auth.HashPassword(apptest.Password); err != nil {
			panic(err)
		}
	})
	ctx, dept := context.Background(), "Sales"
	var p *people.Person
	err := env.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if p, _, _, err = people.Save(ctx, tx, people.Change{Email: email, Name: &name, Role: &role, Department: &dept, Manager: &manager}, env.App.Now()); err != nil {
			return err
		}
		return people.SetPassword(ctx, tx, p.ID, cachedHash, env.App.Now())
	})
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return p
}

// each runs f on a whole Custos on every available dialect.
func each(t *testing.T, f func(t *testing.T, env *apptest.Env)) {
	t.Helper()
	dbtest.Each(t, func(t *testing.T, url string, _ *bun.DB) {
		f(t, apptest.New(t, url))
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func auditSize(t *testing.T, env *apptest.Env) int {
	t.Helper()
	n, err := env.DB().NewSelect().Table("audit_log").Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func mustLoad(t *testing.T, env *apptest.Env, email string) *people.Person {
	t.Helper()
	p, err := people.ByEmail(context.Background(), env.DB(), email)
	if err != nil {
		t.Fatalf("load %s: %v", email, err)
	}
	return p
}

var tableRow = regexp.MustCompile(`(?s)<tr>\s*<td><a href="/admin/people/\d+">([^<]*)</a></td>`)

// listedNames returns the names in the people table of a page.
func listedNames(body string) []string {
	var out []string
	for _, m := range tableRow.FindAllStringSubmatch(body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}
