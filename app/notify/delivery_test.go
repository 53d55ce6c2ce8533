package notify_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/uptrace/bun"

	"custos/app/apptest"
	"custos/app/dbtest"
	"custos/app/notify"
	"custos/app/people"
)

// crashingMailer passes messages on until it has delivered `after` of them; the next one
// hangs until the process "dies" (kill is called), so that reminder stays claimed unsent.
type crashingMailer struct {
	notify.Mailer
	after int
	kill  context.CancelFunc
	sent  atomic.Int32
}

func (m *crashingMailer) Send(ctx context.Context, msg notify.Message) error {
	if int(m.sent.Load()) >= m.after {
		m.kill()
		<-ctx.Done()
		return ctx.Err()
	}
	if err := m.Mailer.Send(ctx, msg); err != nil {
		return err
	}
	m.sent.Add(1)
	return nil
}

// TestNothingIsSentTwiceAfterARestart stops an instance in the middle of a run, one reminder
// claimed and cut off mid-send (as a killed process leaves it), and starts a new one on the same
// database: everyone gets their e-mail exactly once, the cut-off one once its lease has run out.
func TestNothingIsSentTwiceAfterARestart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string, _ *bun.DB) {
		mb := startMailbox(t, mailboxOptions{})
		clk := apptest.NewClock(t0)
		first := newWorld(t, url, "smtp://"+mb.Addr, clk)
		const n = 8
		for i := range n {
			p := first.person(t, fmt.Sprintf("p%d@example.com", i), fmt.Sprintf("Person %d", i), people.Employee, "", "en")
			first.assign(t, p, t0.Add(-time.Hour), 30)
		}
		if got := first.plan(t); got != n {
			t.Fatalf("planned %d, want %d", got, n)
		}

		ctx, kill := context.WithCancel(context.Background())
		s := first.sender(t)
		s.Mailer = &crashingMailer{Mailer: s.Mailer, after: 4, kill: kill}
		done := make(chan struct{})
		go func() { s.Run(ctx); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatal("the first instance did not stop")
		}
		if got := len(mb.Messages()); got != 4 {
			t.Fatalf("%d e-mails before the crash, want 4", got)
		}

		second := newWorld(t, url, "smtp://"+mb.Addr, clk) // the restart
		if got := second.plan(t); got != 0 {
			t.Errorf("planning again after the restart queued %d", got)
		}
		s2 := second.sender(t)
		second.drain(t, s2)
		if got := len(mb.Messages()); got != n-1 {
			t.Errorf("%d e-mails right after the restart, want %d: the claimed one waits for its lease", got, n-1)
		}
		clk.Advance(testPolicy.Lease + time.Second)
		second.drain(t, s2)
		for to, msgs := range byRecipient(mb.Messages()) {
			if len(msgs) != 1 {
				t.Errorf("%s got %d e-mails", to, len(msgs))
			}
		}
		if got := len(mb.Messages()); got != n {
			t.Errorf("%d e-mails in all, want %d", got, n)
		}
		for _, r := range second.reminders(t) {
			if r.Status != notify.Sent {
				t.Errorf("reminder %d is %s", r.ID, r.Status)
			}
		}
		if got := len(second.audited(t, "reminder.sent")); got != n {
			t.Errorf("%d reminder.sent records, want %d", got, n)
		}
	})
}

// TestTwoInstancesSendEachReminderOnce runs two instances with their own connection pools on
// one database, planning and sending at the same time.
func TestTwoInstancesSendEachReminderOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string, _ *bun.DB) {
		mb := startMailbox(t, mailboxOptions{})
		clk := apptest.NewClock(t0)
		a := newWorld(t, url, "smtp://"+mb.Addr, clk)
		b := newWorld(t, url, "smtp://"+mb.Addr, clk)
		const n = 12
		for i := range n {
			p := a.person(t, fmt.Sprintf("p%d@example.com", i), fmt.Sprintf("Person %d", i), people.Employee, "", "en")
			a.assign(t, p, t0.Add(-time.Hour), 30)
		}
		var planned atomic.Int64
		var wg sync.WaitGroup
		for _, w := range []*world{a, b, a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := notify.NewPlanner(w.deps).Plan(context.Background(), clk.Now())
				if err != nil {
					t.Error(err)
				}
				planned.Add(int64(got))
			}()
		}
		wg.Wait()
		if planned.Load() != n {
			t.Fatalf("the planners queued %d in all, want %d", planned.Load(), n)
		}

		ctx, stop := context.WithCancel(context.Background())
		defer stop()
		for _, w := range []*world{a, b} {
			wg.Add(1)
			s := w.sender(t)
			go func() { defer wg.Done(); s.Run(ctx) }()
		}
		deadline := time.Now().Add(20 * time.Second)
		for len(mb.Messages()) < n && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond) // room for a duplicate to show
		stop()
		wg.Wait()
		byID := map[string]int{}
		for _, m := range mb.Messages() {
			byID[m.MessageID]++
		}
		if len(byID) != n || len(mb.Messages()) != n {
			t.Errorf("%d e-mails, %d distinct, want %d", len(mb.Messages()), len(byID), n)
		}
		for id, c := range byID {
			if c != 1 {
				t.Errorf("%s sent %d times", id, c)
			}
		}
		if got := len(a.audited(t, "reminder.sent")); got != n {
			t.Errorf("%d reminder.sent records, want %d", got, n)
		}
	})
}

// TestARefusedMessageIsRetried has the server refuse twice, then accept: the sender waits
// longer after each refusal and delivers on the third attempt.
func TestARefusedMessageIsRetried(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string, _ *bun.DB) {
		mb := startMailbox(t, mailboxOptions{})
		mb.refuse = func(n int) error {
			if n <= 2 {
				return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
			}
			return nil
		}
		clk := apptest.NewClock(t0)
		w := newWorld(t, url, "smtp://"+mb.Addr, clk)
		w.assign(t, w.person(t, "ann@example.com", "Ann", people.Employee, "", "en"), t0.Add(-time.Hour), 30)
		w.plan(t)
		s := w.sender(t)

		w.drain(t, s)
		r := w.reminders(t)[0]
		if r.Status != notify.Pending || r.Attempts != 1 || !strings.Contains(r.LastError, "try again later") {
			t.Fatalf("after a refusal: %s, %d attempts, error %q", r.Status, r.Attempts, r.LastError)
		}
		if !r.NextAttemptAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("next attempt at %s, want a minute later", r.NextAttemptAt)
		}
		if w.drain(t, s) != 0 {
			t.Error("retried before the pause was over")
		}
		clk.Advance(time.Minute)
		w.drain(t, s)
		if r = w.reminders(t)[0]; !r.NextAttemptAt.Equal(clk.Now().Add(2 * time.Minute)) {
			t.Errorf("second pause ends at %s, want two minutes after %s", r.NextAttemptAt, clk.Now())
		}
		clk.Advance(2 * time.Minute)
		w.drain(t, s)
		r = w.reminders(t)[0]
		if r.Status != notify.Sent || r.Attempts != 3 || len(mb.Messages()) != 1 || mb.Tries() != 3 {
			t.Errorf("status %s after %d attempts; %d e-mails from %d tries", r.Status, r.Attempts, len(mb.Messages()), mb.Tries())
		}
	})
}

// TestAServerThatAlwaysRefusesIsRecorded gives up after the last attempt, records the failure
// with the server's answer and audits it; an admin sees it on /admin/reminders.
func TestAServerThatAlwaysRefusesIsRecorded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string, _ *bun.DB) {
		mb := startMailbox(t, mailboxOptions{})
		mb.refuse = func(int) error {
			return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "relay denied"}
		}
		clk := apptest.NewClock(t0)
		w := newWorld(t, url, "smtp://"+mb.Addr, clk)
		w.person(t, "root@example.com", "Ada Admin", people.Admin, "", "en")
		w.assign(t, w.person(t, "ann@example.com", "Ann", people.Employee, "", "en"), t0.Add(-time.Hour), 30)
		w.plan(t)
		s := w.sender(t)
		for range 10 {
			w.drain(t, s)
			clk.Advance(time.Hour)
		}
		r := w.reminders(t)[0]
		if r.Status != notify.Failed || r.Attempts != testPolicy.MaxAttempts || mb.Tries() != testPolicy.MaxAttempts {
			t.Fatalf("status %s after %d attempts, %d tries; want failed after %d", r.Status, r.Attempts, mb.Tries(), testPolicy.MaxAttempts)
		}
		if !strings.Contains(r.LastError, "relay denied") || r.Recipient != "ann@example.com" {
			t.Errorf("recorded error %q, recipient %q", r.LastError, r.Recipient)
		}
		if got := w.audited(t, "reminder.failed"); len(got) != 1 || got[0].Details["to"] != "ann@example.com" {
			t.Errorf("reminder.failed records: %+v", got)
		}

		c := w.client(t, "root@example.com")
		page := c.Get(t, "/admin/reminders?status=failed")
		if page.Status != 200 || !strings.Contains(page.Body, "relay denied") || !strings.Contains(page.Body, "ann@example.com") ||
			!strings.Contains(page.Body, "Failed") {
			t.Errorf("the admin page does not show the failure (%d):\n%s", page.Status, page.Body)
		}
		if page := c.Get(t, "/admin/reminders?status=sent"); strings.Contains(page.Body, "relay denied") {
			t.Error("the sent filter shows the failed reminder")
		}
	})
}

// TestARefusedAddressFailsAtOnce: a 5xx answer to RCPT TO says the mailbox does not exist, so
// asking again is pointless.
func TestARefusedAddressFailsAtOnce(t *testing.T) {
	mb := startMailbox(t, mailboxOptions{})
	mb.refuseRcpt = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	clk := apptest.NewClock(t0)
	w := newWorld(t, dbtest.SQLiteURL(t), "smtp://"+mb.Addr, clk)
	w.assign(t, w.person(t, "gone@example.com", "Gone", people.Employee, "", "en"), t0.Add(-time.Hour), 30)
	w.plan(t)
	w.drain(t, w.sender(t))
	if r := w.reminders(t)[0]; r.Status != notify.Failed || r.Attempts != 1 || !strings.Contains(r.LastError, "no such user") {
		t.Errorf("status %s after %d attempts, error %q", r.Status, r.Attempts, r.LastError)
	}
}

// TestAnInvalidAddressIsReportedNotRetried: imported data may hold an address Custos would not
// accept today. The reminder is marked, audited, shown to admins, and never tried again.
func TestAnInvalidAddressIsReportedNotRetried(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string, _ *bun.DB) {
		mb := startMailbox(t, mailboxOptions{})
		clk := apptest.NewClock(t0)
		w := newWorld(t, url, "smtp://"+mb.Addr, clk)
		w.person(t, "root@example.com", "Ada Admin", people.Admin, "", "en")
		odd := w.person(t, "odd@example.com", "Odd Record", people.Employee, "", "en")
		w.assign(t, odd, t0.Add(-time.Hour), 30)
		if _, err := w.db().NewUpdate().Table("people").Set("email = ?", "odd at example dot com").
			Where("id = ?", odd.ID).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		w.plan(t)
		s := w.sender(t)
		w.drain(t, s)
		for range 3 {
			clk.Advance(24 * time.Hour)
			w.plan(t)
			w.drain(t, s)
		}
		rs := w.reminders(t)
		if len(rs) != 1 || rs[0].Status != notify.InvalidRecipient || rs[0].Attempts != 1 {
			t.Fatalf("reminders: %+v", rs)
		}
		if mb.Tries() != 0 {
			t.Errorf("the SMTP server was asked %d times", mb.Tries())
		}
		if got := w.audited(t, "reminder.failed"); len(got) != 1 || got[0].Details["status"] != string(notify.InvalidRecipient) {
			t.Errorf("reminder.failed records: %+v", got)
		}
		c := w.client(t, "root@example.com")
		page := c.Get(t, "/admin/reminders?status=invalid_recipient")
		if !strings.Contains(page.Body, "Invalid e-mail address") || !strings.Contains(page.Body, "odd at example dot com") {
			t.Errorf("the admin page does not report the address:\n%s", page.Body)
		}
	})
}
