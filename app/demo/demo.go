// Package demo fills a database with a small demo company, so `custos serve --demo` shows every
// part of Custos working.
package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"custos/app"
	"custos/app/audit"
	"custos/app/auth"
	"custos/app/people"
	"custos/app/training"
)

// Password is every demo person's password; the demo is for trying Custos, never for real data.
const Password = "custos-demo"

// SignIn is one demo account to print.
type SignIn struct {
	Role  people.Role
	Email string
	Name  string
}

type person struct {
	email, name, dept, manager, locale string
	role                               people.Role
	hiredDaysAgo, leftDaysAgo          int
}

// The demo company: an admin, an auditor, and a manager whose team spans two departments, with
// a second-level manager so "everyone below me" has depth. Hire and leave dates are relative to
// the first load, so new hires and leavers stay meaningful.
var company = []person{
	{"admin@example.com", "李娜", "Compliance", "", "zh-Hans", people.Admin, 2000, 0},
	{"auditor@example.com", "Priya Natarajan", "External Audit", "", "en", people.Auditor, 400, 0},
	{"manager@example.com", "王强", "Customer Service", "admin@example.com", "zh-Hans", people.Manager, 1500, 0},
	{"zhang.wei@example.com", "张伟", "Customer Service", "manager@example.com", "zh-Hans", people.Employee, 900, 0},
	{"emma.wilson@example.com", "Emma Wilson", "Customer Service", "manager@example.com", "en", people.Employee, 700, 0},
	{"liu.yang@example.com", "刘洋", "Customer Service", "manager@example.com", "zh-Hans", people.Employee, 500, 0},
	{"zhao.lei@example.com", "赵磊", "Customer Service", "manager@example.com", "zh-Hans", people.Employee, 800, 60},
	{"sarah.johnson@example.com", "Sarah Johnson", "Sales", "manager@example.com", "en", people.Manager, 1200, 0},
	{"jose.garcia@example.com", "José García", "Sales", "sarah.johnson@example.com", "en", people.Employee, 600, 0},
	{"aoife.obrien@example.com", "Aoife O'Brien", "Sales", "sarah.johnson@example.com", "en", people.Employee, 300, 0},
	{"chen.jing@example.com", "陈静", "Sales", "sarah.johnson@example.com", "zh-Hans", people.Employee, 10, 0},
}

// SignIns lists the accounts worth trying, one per role.
func SignIns() []SignIn {
	var out []SignIn
	for _, email := range []string{"admin@example.com", "manager@example.com", "zhang.wei@example.com", "auditor@example.com"} {
		for _, p := range company {
			if p.email == email {
				out = append(out, SignIn{p.role, p.email, p.name})
			}
		}
	}
	return out
}

// storyDays is how long before now the demo company's training began.
const storyDays = 12

// Load creates the demo company and plays its last weeks of training through the web pages. It
// is idempotent: when the company exists it only runs the scheduler.
func Load(ctx context.Context, a *app.App) (created int, err error) {
	now := a.Now()
	if _, err := people.ByEmail(ctx, a.DB, company[0].email); err == nil {
		_, err := training.Schedule(ctx, a.DB, a.Audit, a.Catalog, now, nil)
		return 0, err
	}
	start := now.AddDate(0, 0, -storyDays).Truncate(time.Hour)
	if created, err = addPeople(ctx, a, start, now); err != nil {
		return created, err
	}
	s, err := a.Server()
	if err != nil {
		return created, err
	}
	s.Log = slog.New(slog.NewTextHandler(io.Discard, nil)) // the story's requests are not news
	st := &story{a: a, s: s, cat: a.Catalog}
	if err := st.play(ctx, start); err != nil {
		return created, err
	}
	if _, err := training.Schedule(ctx, a.DB, a.Audit, a.Catalog, now, nil); err != nil {
		return created, fmt.Errorf("demo assignments: %w", err)
	}
	return created, nil
}

// addPeople stores the company as it was at start; hire and leave dates count back from now.
func addPeople(ctx context.Context, a *app.App, start, now time.Time) (created int, err error) {
	hash, err := auth.HashPassword(Password)
	if err != nil {
		return 0, err
	}
	err = a.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, p := range company {
			hired := people.DateOf(now.AddDate(0, 0, -p.hiredDaysAgo))
			left := people.Date{}
			if p.leftDaysAgo > 0 {
				left = people.DateOf(now.AddDate(0, 0, -p.leftDaysAgo))
			}
			ch := people.Change{Email: p.email, Name: &p.name, Department: &p.dept, Manager: &p.manager,
				Role: &p.role, Locale: &p.locale, HiredOn: &hired, LeftOn: &left}
			saved, _, _, err := people.Save(ctx, tx, ch, start)
			if err != nil {
				return fmt.Errorf("demo person %s: %w", p.email, err)
			}
			if err := people.SetPassword(ctx, tx, saved.ID, hash, start); err != nil {
				return err
			}
			err = a.Audit.Append(ctx, tx, audit.Entry{At: start, Actor: "demo", Action: "person.create",
				Subject: people.Subject(saved.ID), Details: map[string]string{"email": p.email, "role": string(p.role)}})
			if err != nil {
				return err
			}
			created++
		}
		return nil
	})
	return created, err
}
