package e2e

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"custos/app/demo"
	"custos/app/notify"
	"custos/app/reports"
)

// The manager: 王强 opens the team page, narrows it to one department, downloads the
// completion report as CSV (which holds that department only), then reminds 刘洋, whose
// training is overdue.
func TestManagerFollowsUpTheTeam(t *testing.T) {
	t.Parallel()
	eachLanguage(t, func(t *testing.T, s *site, lang string) {
		b := s.open(t, lang, "manager")
		b.signIn("manager@example.com", demo.Password)
		b.click(`nav a[href="/team"]`)
		b.see(b.T("team_title"), b.T("team_overdue_heading"), "刘洋", "José García", "Emma Wilson")

		b.do("choose the Sales department", chromedp.SetValue(chromedp.CSS("#f-department"), "Sales"))
		b.click(`form.filters[action="/team"] button[type=submit]`)
		if got := eval[string](b, `new URLSearchParams(location.search).get("department")`); got != "Sales" {
			t.Fatalf("the filter sent department %q", got)
		}
		b.see("José García", "陈静")
		b.notSee("Emma Wilson", "刘洋")

		file, data := b.download(`button[formaction="/reports/completion.csv"]`)
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF")))).ReadAll()
		if err != nil || len(rows) < 2 {
			t.Fatalf("the CSV report %s: %d rows, %v\n%s", file, len(rows), err, data)
		}
		if !slices.Equal(rows[0], reports.Columns) {
			t.Errorf("the CSV header is %v, want %v", rows[0], reports.Columns)
		}
		email, dept := slices.Index(reports.Columns, "email"), slices.Index(reports.Columns, "department")
		var emails []string
		for _, r := range rows[1:] {
			if r[dept] != "Sales" {
				t.Errorf("the Sales report holds %s of %s", r[email], r[dept])
			}
			emails = append(emails, r[email])
		}
		if !slices.Contains(emails, "jose.garcia@example.com") {
			t.Errorf("the Sales report leaves out José García: %v", emails)
		}

		b.do("choose Customer Service", chromedp.SetValue(chromedp.CSS("#f-department"), "Customer Service"))
		b.click(`form.filters[action="/team"] button[type=submit]`)
		b.see(b.T("team_remind"))
		liu := s.person(t, "liu.yang@example.com")
		overdue := eval[[]string](b, `[...document.querySelectorAll('section[aria-labelledby="overdue"] tbody tr')].map(r => r.innerText)`)
		row := slices.IndexFunc(overdue, func(r string) bool { return strings.Contains(r, liu.Name) })
		if row < 0 {
			t.Fatalf("%s is not among the overdue: %q", liu.Name, overdue)
		}
		b.click(`section[aria-labelledby="overdue"] tbody tr:nth-child(` + strconv.Itoa(row+1) + `) form[action="/team/remind"] button`)
		if got := eval[string](b, `new URLSearchParams(location.search).get("reminded")`); got != "queued" {
			t.Errorf("after pressing remind the team page says reminded=%q, want queued", got)
		}
		n, err := s.env.DB().NewSelect().Model((*notify.Reminder)(nil)).Where("person_id = ?", liu.ID).
			Where("kind = ?", notify.KindManual).Count(context.Background())
		if err != nil || n != 1 {
			t.Errorf("%s has %d manual reminders queued (%v), want 1", liu.Email, n, err)
		}
	})
}
