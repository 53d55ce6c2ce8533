package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"custos/app/apptest"
	"custos/app/dbtest"
	"custos/app/notify"
	"custos/app/people"
	"custos/app/training"
)

// TestRemindersFollowTheTrainingCycle walks one 30-day assignment from the day it opens to two
// weeks past due, checking at each step who gets which e-mail, in which language, with which
// link, and that planning again changes nothing.
func TestRemindersFollowTheTrainingCycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string, _ *bun.DB) {
		mb := startMailbox(t, mailboxOptions{})
		clk := apptest.NewClock(t0)
		w := newWorld(t, url, "smtp://"+mb.Addr, clk)
		w.person(t, "mia@example.com", "Mia Manager", people.Manager, "", "en")
		ann := w.person(t, "ann@example.com", "Ann <Lee> & Co", people.Employee, "mia@example.com", "en")
		li := w.person(t, "li@example.com", "李雷", people.Employee, "mia@example.com", "zh-Hans")
		annA := w.assign(t, ann, t0.Add(-time.Hour), 30)
		w.assign(t, li, t0.Add(-time.Hour), 30)
		s := w.sender(t)

		seen := 0
		step := func(name string, at time.Time, want map[string]notify.Kind) []received {
			t.Helper()
			clk.Set(at)
			w.plan(t)
			if n := w.plan(t); n != 0 {
				t.Errorf("%s: planning again queued %d more", name, n)
			}
			w.drain(t, s)
			all := mb.Messages()
			got := all[seen:]
			seen = len(all)
			if len(got) != len(want) {
				t.Fatalf("%s: %d e-mails, want %d:\n%s", name, len(got), len(want), subjects(got))
			}
			for _, m := range got {
				if _, ok := want[m.To]; !ok {
					t.Errorf("%s: unexpected e-mail to %s: %s", name, m.To, m.Subject)
				}
				if m.From != "custos@localhost" {
					t.Errorf("%s: sent from %q, want CUSTOS_MAIL_FROM", name, m.From)
				}
				if m.Text == "" || m.HTML == "" {
					t.Errorf("%s: e-mail to %s lacks a part: text %d bytes, HTML %d bytes", name, m.To, len(m.Text), len(m.HTML))
				}
			}
			return got
		}
		mail := func(msgs []received, to string) received {
			for _, m := range msgs {
				if m.To == to {
					return m
				}
			}
			t.Fatalf("no e-mail to %s", to)
			return received{}
		}

		got := step("new assignment", t0, map[string]notify.Kind{"ann@example.com": notify.KindAssigned, "li@example.com": notify.KindAssigned})
		en, zh := mail(got, "ann@example.com"), mail(got, "li@example.com")
		link := "http://custos.test/courses/" + course
		for _, want := range []string{"Protecting customer information", "1 April 2026", link, "Acme & Sons"} {
			if !strings.Contains(en.Text, want) {
				t.Errorf("English text lacks %q:\n%s", want, en.Text)
			}
		}
		if en.Subject != "New training for you: Protecting customer information" || en.Lang != "en" {
			t.Errorf("English subject %q, language %q", en.Subject, en.Lang)
		}
		if !strings.Contains(en.Text, "Hello Ann <Lee> & Co,") {
			t.Errorf("the text part should hold the name as it is:\n%s", en.Text)
		}
		if !strings.Contains(en.HTML, "Hello Ann &lt;Lee&gt; &amp; Co,") || strings.Contains(en.HTML, "<Lee>") {
			t.Errorf("the HTML part should escape the name:\n%s", en.HTML)
		}
		if !strings.Contains(en.HTML, `href="`+link+`"`) || !strings.Contains(en.HTML, "Acme &amp; Sons") {
			t.Errorf("the HTML part lacks the link or the escaped organisation:\n%s", en.HTML)
		}
		if zh.Subject != "您有新的培训：保护客户信息" || zh.Lang != "zh-Hans" {
			t.Errorf("Chinese subject %q, language %q", zh.Subject, zh.Lang)
		}
		for _, want := range []string{"李雷，您好", "2026年4月1日", link} {
			if !strings.Contains(zh.Text, want) || !strings.Contains(zh.HTML, want) {
				t.Errorf("Chinese e-mail lacks %q:\n%s\n%s", want, zh.Text, zh.HTML)
			}
		}
		if en.MessageID == "" || en.MessageID == zh.MessageID || !strings.HasSuffix(en.MessageID, "@custos.test>") {
			t.Errorf("message IDs %q and %q", en.MessageID, zh.MessageID)
		}

		// Quiet at night: 23:00 in Shanghai plans nothing, though it is the right day.
		clk.Set(time.Date(2026, 3, 25, 15, 0, 0, 0, time.UTC))
		if n := w.plan(t); n != 0 {
			t.Errorf("%d reminders planned at 23:00 local time", n)
		}
		got = step("due in a week", time.Date(2026, 3, 25, 2, 0, 0, 0, time.UTC),
			map[string]notify.Kind{"ann@example.com": notify.KindDue7, "li@example.com": notify.KindDue7})
		if s := mail(got, "li@example.com").Subject; s != "2026年4月1日 到期：保护客户信息" {
			t.Errorf("Chinese due-in-a-week subject %q", s)
		}
		step("due tomorrow", time.Date(2026, 3, 31, 2, 0, 0, 0, time.UTC),
			map[string]notify.Kind{"ann@example.com": notify.KindDue1, "li@example.com": notify.KindDue1})
		step("the last day", time.Date(2026, 4, 1, 2, 0, 0, 0, time.UTC), map[string]notify.Kind{})

		got = step("overdue", time.Date(2026, 4, 2, 2, 0, 0, 0, time.UTC), map[string]notify.Kind{
			"ann@example.com": notify.KindOverdue, "li@example.com": notify.KindOverdue, "mia@example.com": notify.KindDigest})
		digest := mail(got, "mia@example.com")
		for _, want := range []string{"Ann <Lee> & Co: Protecting customer information", "李雷", "http://custos.test/team"} {
			if !strings.Contains(digest.Text, want) {
				t.Errorf("digest lacks %q:\n%s", want, digest.Text)
			}
		}
		step("later that week", time.Date(2026, 4, 5, 2, 0, 0, 0, time.UTC), map[string]notify.Kind{})
		step("a week overdue", time.Date(2026, 4, 9, 2, 0, 0, 0, time.UTC), map[string]notify.Kind{
			"ann@example.com": notify.KindOverdue, "li@example.com": notify.KindOverdue, "mia@example.com": notify.KindDigest})

		w.complete(t, annA, time.Date(2026, 4, 10, 2, 0, 0, 0, time.UTC))
		got = step("after Ann completed", time.Date(2026, 4, 16, 2, 0, 0, 0, time.UTC), map[string]notify.Kind{
			"li@example.com": notify.KindOverdue, "mia@example.com": notify.KindDigest})
		if d := mail(got, "mia@example.com"); strings.Contains(d.Text, "Ann") {
			t.Errorf("the digest still lists Ann, who completed:\n%s", d.Text)
		}

		rs := w.reminders(t)
		if sent := len(w.audited(t, "reminder.sent")); sent != len(mb.Messages()) || sent != len(rs) {
			t.Errorf("%d reminder.sent audit records, %d e-mails, %d reminders", sent, len(mb.Messages()), len(rs))
		}
		for _, r := range rs {
			if r.Status != notify.Sent || r.Attempts != 1 || r.DoneAt == nil || r.Subject == "" {
				t.Errorf("reminder %d (%s): status %s after %d attempts, subject %q", r.ID, r.Kind, r.Status, r.Attempts, r.Subject)
			}
		}
	})
}

// TestCompletedTrainingIsNotReminded checks that a reminder planned before the person
// completed is dropped, not sent, when its turn comes.
func TestCompletedTrainingIsNotReminded(t *testing.T) {
	mb := startMailbox(t, mailboxOptions{})
	clk := apptest.NewClock(t0)
	w := newWorld(t, dbtest.SQLiteURL(t), "smtp://"+mb.Addr, clk)
	ann := w.person(t, "ann@example.com", "Ann", people.Employee, "", "en")
	a := w.assign(t, ann, t0.Add(-time.Hour), 30)
	w.plan(t)
	w.complete(t, a, t0.Add(time.Minute))
	w.drain(t, w.sender(t))
	if n := len(mb.Messages()); n != 0 {
		t.Fatalf("%d e-mails about a completed training", n)
	}
	if r := w.reminders(t)[0]; r.Status != notify.Skipped {
		t.Errorf("status %s, want skipped", r.Status)
	}
}

// TestExpiringCertificateIsAnnouncedOnce: a completion about to run out is announced once,
// unless it was renewed already or its certificate was revoked.
func TestExpiringCertificateIsAnnouncedOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string, _ *bun.DB) {
		mb := startMailbox(t, mailboxOptions{})
		clk := apptest.NewClock(t0)
		w := newWorld(t, url, "smtp://"+mb.Addr, clk)
		completedYearAgo := func(email string) *training.Assignment {
			p := w.person(t, email, "Person "+email, people.Employee, "", "en")
			a := w.assign(t, p, t0.AddDate(-1, 0, 10), 30)
			w.complete(t, a, t0.AddDate(-1, 0, 20)) // valid for a year: until 20 days from t0
			return a
		}
		completedYearAgo("ann@example.com")
		revoked := completedYearAgo("rev@example.com")
		renewed := completedYearAgo("ren@example.com")
		_, err := w.db().NewInsert().Model(&map[string]any{"serial": "S-1", "code": "C-1", "assignment_id": revoked.ID,
			"person_id": revoked.PersonID, "course": course, "course_version": "test", "holder": "Rev", "locale": "en",
			"issued_at": t0.AddDate(-1, 0, 20), "valid_until": t0.AddDate(0, 0, 20), "revoked_at": t0.AddDate(0, -1, 0),
			"revoke_reason": "test", "pdf": []byte("%PDF"), "pdf_sha256": "x"}).TableExpr("certificates").Exec(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		next := &training.Assignment{PersonID: renewed.PersonID, Course: course, Cycle: 2, Reason: "renewal", CourseVersion: "test",
			OpenedAt: t0.AddDate(0, 0, -5), DueAt: t0.AddDate(0, 0, 20), CreatedAt: t0.AddDate(0, 0, -5)}
		if _, err := w.db().NewInsert().Model(next).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		w.complete(t, next, t0.AddDate(0, 0, -1))

		w.plan(t)
		w.drain(t, w.sender(t))
		clk.Advance(24 * time.Hour)
		w.plan(t)
		w.drain(t, w.sender(t))
		got := mb.Messages()
		if len(got) != 1 || got[0].To != "ann@example.com" {
			t.Fatalf("e-mails:\n%s", subjects(got))
		}
		m := got[0]
		if m.Subject != "Your certificate expires soon: Protecting customer information" ||
			!strings.Contains(m.Text, "valid until 22 March 2026") || !strings.Contains(m.Text, "Open my training: http://custos.test/") || strings.Contains(m.Text, "/courses/") {
			t.Errorf("expiry e-mail %q:\n%s", m.Subject, m.Text)
		}
	})
}
