package notify_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"custos/app/apptest"
	"custos/app/dbtest"
	"custos/app/notify"
	"custos/app/people"
)

// TestManagerReminds: a manager reminds someone below them, once a day at most, audited; an
// assignment outside their team does not exist for them, and employees may not remind at all.
func TestManagerReminds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string, _ *bun.DB) {
		mb := startMailbox(t, mailboxOptions{})
		clk := apptest.NewClock(time.Now().UTC())
		w := newWorld(t, dbURL, "smtp://"+mb.Addr, clk)
		w.deps.Now = func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) } // as the pages
		w.person(t, "boss@example.com", "Bea Boss", people.Manager, "", "en")
		w.person(t, "mia@example.com", "Mia Manager", people.Manager, "boss@example.com", "en")
		li := w.person(t, "li@example.com", "李雷", people.Employee, "mia@example.com", "zh-Hans")
		other := w.person(t, "other@example.com", "Otto Other", people.Employee, "", "en")
		liA := w.assign(t, li, clk.Now().Add(-time.Hour), 30)
		otherA := w.assign(t, other, clk.Now().Add(-time.Hour), 30)
		form := func(id int64) url.Values { return url.Values{"assignment_id": {strconv.FormatInt(id, 10)}} }

		boss := w.client(t, "boss@example.com")
		boss.Get(t, "/reminders") // for a CSRF token
		r := boss.Post(t, "/team/remind", form(liA.ID))
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/team?reminded=queued" {
			t.Fatalf("remind: %d to %q", r.Status, r.Header.Get("Location"))
		}
		if r = boss.Post(t, "/team/remind", form(liA.ID)); r.Header.Get("Location") != "/team?reminded=already" {
			t.Errorf("second remind the same day: %d to %q", r.Status, r.Header.Get("Location"))
		}
		mia := w.client(t, "mia@example.com")
		if r = mia.Post(t, "/team/remind", form(liA.ID)); r.Header.Get("Location") != "/team?reminded=already" {
			t.Errorf("another manager the same day: %d to %q", r.Status, r.Header.Get("Location"))
		}
		for name, id := range map[string]string{"outside the team": strconv.FormatInt(otherA.ID, 10), "unknown": "999999", "not a number": "x"} {
			if r := boss.Post(t, "/team/remind", url.Values{"assignment_id": {id}}); r.Status != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404", name, r.Status)
			}
		}
		employee := w.client(t, "li@example.com")
		if r := employee.Post(t, "/team/remind", form(liA.ID)); r.Status != http.StatusForbidden {
			t.Errorf("an employee reminding: status %d, want 403", r.Status)
		}

		rs := w.reminders(t)
		if len(rs) != 1 || rs[0].Kind != notify.KindManual || rs[0].PersonID != li.ID {
			t.Fatalf("reminders: %+v", rs)
		}
		if got := w.audited(t, "reminder.manual"); len(got) != 1 || got[0].Actor != "boss@example.com" {
			t.Errorf("reminder.manual records: %+v", got)
		}
		w.drain(t, w.sender(t))
		got := mb.Messages()
		if len(got) != 1 || got[0].To != "li@example.com" || got[0].Subject != "Bea Boss 提醒您：保护客户信息" {
			t.Fatalf("e-mails: %+v", got)
		}

		w.complete(t, liA, clk.Now())
		if r := boss.Post(t, "/team/remind", form(liA.ID)); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("reminding about a completed training: status %d, want 422", r.Status)
		}
	})
}

// TestPeopleSeeTheirRemindersAndAdminsSeeAll checks who sees which reminders.
func TestPeopleSeeTheirRemindersAndAdminsSeeAll(t *testing.T) {
	mb := startMailbox(t, mailboxOptions{})
	clk := apptest.NewClock(t0)
	w := newWorld(t, dbtest.SQLiteURL(t), "smtp://"+mb.Addr, clk)
	w.person(t, "root@example.com", "Ada Admin", people.Admin, "", "en")
	ann := w.person(t, "ann@example.com", "Ann", people.Employee, "", "en")
	li := w.person(t, "li@example.com", "李雷", people.Employee, "", "zh-Hans")
	w.assign(t, ann, t0.Add(-time.Hour), 30)
	w.assign(t, li, t0.Add(-time.Hour), 30)
	w.plan(t)
	w.drain(t, w.sender(t))

	c := w.client(t, "ann@example.com")
	page := c.Get(t, "/reminders")
	if page.Status != 200 || !strings.Contains(page.Body, "New training for you: Protecting customer information") ||
		!strings.Contains(page.Body, "Sent") || strings.Contains(page.Body, "保护客户信息") {
		t.Errorf("Ann's reminders (%d):\n%s", page.Status, page.Body)
	}
	if r := c.Get(t, "/admin/reminders"); r.Status != http.StatusForbidden {
		t.Errorf("an employee on the admin page: %d", r.Status)
	}
	c = w.client(t, "li@example.com")
	if page := c.Get(t, "/reminders"); !strings.Contains(page.Body, "您有新的培训：保护客户信息") || !strings.Contains(page.Body, "已发送") {
		t.Errorf("Li's reminders, in Chinese:\n%s", page.Body)
	}
	if r := w.client(t, "").Get(t, "/reminders"); r.Status != http.StatusSeeOther {
		t.Errorf("signed out: %d, want a redirect to sign in", r.Status)
	}
	c = w.client(t, "root@example.com")
	page = c.Get(t, "/admin/reminders")
	for _, want := range []string{"ann@example.com", "li@example.com", "Sent (2)"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the admin page lacks %q", want)
		}
	}
}
