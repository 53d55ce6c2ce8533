package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"custos/app/apptest"
	"custos/app/config"
	"custos/app/dbtest"
	"custos/app/notify"
	"custos/app/people"
)

func TestInvalidSMTPURLIsAStartUpErrorNamingTheVariable(t *testing.T) {
	bad := map[string]string{
		"http://mail.example.com":                                "unknown scheme",
		"smtp://":                                                "no host",
		"smtp://mail.example.com:mail":                           "malformed URL",
		"smtp://mail.example.com:70000":                          "port",
		"smtp://user@mail.example.com":                           "user name and a password",
		"smtp://user:s3cret@mail.example.com/inbox":              "unexpected path",
		"smtps://user:s3cret@mail.example.com?starttls=required": "unknown option",
		"smtp://user:s3cret@mail.example.com:25?tls=off":         "unknown option",
		"smtp://user:s3cret@mail example.com:25":                 "malformed URL",
	}
	for raw, want := range bad {
		_, err := config.Load(func(name string) string {
			if name == "CUSTOS_SMTP_URL" {
				return raw
			}
			return ""
		})
		if err == nil {
			t.Errorf("%q was accepted", raw)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, "CUSTOS_SMTP_URL: ") || !strings.Contains(msg, want) {
			t.Errorf("%q: error %q should name CUSTOS_SMTP_URL and say %q", raw, msg, want)
		}
		if strings.Contains(msg, "s3cret") {
			t.Errorf("%q: the error repeats the password: %s", raw, msg)
		}
	}

	good := map[string]config.SMTP{
		"smtp://relay.internal":                      {Host: "relay.internal", Port: 587},
		"smtp://relay.internal:25?starttls=required": {Host: "relay.internal", Port: 25, RequireSTARTTLS: true},
		"smtp://me%40example.com:p%40ss@mail.example.com:2525": {Host: "mail.example.com", Port: 2525,
			Username: "me@example.com", Password: "p@ss", RequireSTARTTLS: true},
		"smtps://me:pw@mail.example.com": {Host: "mail.example.com", Port: 465, Username: "me", Password: "pw", ImplicitTLS: true},
	}
	for raw, want := range good {
		got, err := config.ParseSMTPURL(raw)
		if err != nil || got != want {
			t.Errorf("%q: %+v, %v; want %+v", raw, got, err, want)
		}
	}
}

// TestSMTPOverTLS delivers through a server that wants a password, over STARTTLS and over
// implicit TLS, and refuses to send the password to a server that offers no TLS.
func TestSMTPOverTLS(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	msg := notify.Message{To: "ann@example.com", ToName: "Ann", Subject: "Hello", Text: "text", HTML: "<p>html</p>",
		MessageID: "reminder-1@custos.test", Lang: "en"}
	send := func(raw string) error {
		s, err := config.ParseSMTPURL(raw)
		if err != nil {
			t.Fatal(err)
		}
		m := &notify.SMTPMailer{Server: s, From: "custos@example.com", TLS: clientTLS, Timeout: 5 * time.Second}
		return m.Send(context.Background(), msg)
	}
	t.Run("STARTTLS", func(t *testing.T) {
		mb := startMailbox(t, mailboxOptions{tls: serverTLS, user: "custos", pass: "s3cret"})
		if err := send("smtp://custos:s3cret@" + mb.Addr); err != nil {
			t.Fatal(err)
		}
		if got := mb.Messages(); len(got) != 1 || !got[0].TLS || got[0].User != "custos" || got[0].To != "ann@example.com" {
			t.Errorf("received %+v", got)
		}
	})
	t.Run("implicit TLS", func(t *testing.T) {
		mb := startMailbox(t, mailboxOptions{tls: serverTLS, implicit: true, user: "custos", pass: "s3cret"})
		if err := send("smtps://custos:s3cret@" + mb.Addr); err != nil {
			t.Fatal(err)
		}
		if got := mb.Messages(); len(got) != 1 || !got[0].TLS || got[0].User != "custos" {
			t.Errorf("received %+v", got)
		}
	})
	t.Run("no password without TLS", func(t *testing.T) {
		mb := startMailbox(t, mailboxOptions{user: "custos", pass: "s3cret"})
		err := send("smtp://custos:s3cret@" + mb.Addr)
		if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
			t.Errorf("sent to a server without STARTTLS: %v", err)
		}
		if len(mb.Messages()) != 0 {
			t.Error("the message was delivered")
		}
	})
}

// TestWithoutSMTPEmailGoesToTheLog: no CUSTOS_SMTP_URL, so e-mails are logged and marked so,
// and admins are told on the reminders page.
func TestWithoutSMTPEmailGoesToTheLog(t *testing.T) {
	clk := apptest.NewClock(t0)
	w := newWorld(t, dbtest.SQLiteURL(t), "", clk)
	w.person(t, "root@example.com", "Ada Admin", people.Admin, "", "en")
	w.assign(t, w.person(t, "ann@example.com", "Ann", people.Employee, "", "en"), t0.Add(-time.Hour), 30)
	w.plan(t)
	w.drain(t, w.sender(t))
	r := w.reminders(t)[0]
	if r.Status != notify.Logged {
		t.Fatalf("status %s, want logged", r.Status)
	}
	log := w.log.String()
	for _, want := range []string{"CUSTOS_SMTP_URL is not set", "ann@example.com", "New training for you", "http://custos.test/courses/" + course} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
	if got := w.audited(t, "reminder.sent"); len(got) != 1 || got[0].Details["status"] != "logged" {
		t.Errorf("reminder.sent records: %+v", got)
	}
	c := w.client(t, "root@example.com")
	page := c.Get(t, "/admin/reminders")
	if !strings.Contains(page.Body, "E-mail is not configured") || !strings.Contains(page.Body, "Written to the log") {
		t.Errorf("no banner or status on the admin page:\n%s", page.Body)
	}

	mb := startMailbox(t, mailboxOptions{})
	configured := newWorld(t, dbtest.SQLiteURL(t), "smtp://"+mb.Addr, clk)
	configured.person(t, "root@example.com", "Ada Admin", people.Admin, "", "en")
	c = configured.client(t, "root@example.com")
	if page := c.Get(t, "/admin/reminders"); page.Status != 200 || strings.Contains(page.Body, "E-mail is not configured") {
		t.Errorf("banner shown with e-mail configured (%d)", page.Status)
	}
}
