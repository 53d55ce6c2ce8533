package notify

import (
	"strings"
	"testing"
	"time"

	"custos/courses"
	"custos/locales"
)

// TestEveryKindAndStatusHasItsMessages: the pages and e-mails build message ids from kinds and
// statuses, which no template scan sees.
func TestEveryKindAndStatusHasItsMessages(t *testing.T) {
	for _, lang := range locales.Supported {
		ids, err := locales.IDs(lang)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, k := range Kinds {
			want = append(want, "notify_kind_"+string(k), "notify_subject_"+string(k), "notify_body_"+string(k))
		}
		for _, s := range Statuses {
			want = append(want, "notify_status_"+string(s))
		}
		for _, id := range want {
			if !ids[id] {
				t.Errorf("%s lacks %s", lang, id)
			}
		}
	}
}

func TestEveryKindIsWrittenInBothLanguages(t *testing.T) {
	bundle, err := locales.New()
	if err != nil {
		t.Fatal(err)
	}
	cat, err := courses.Load(courses.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 4, 1, 15, 59, 59, 0, time.UTC)
	for _, lang := range locales.Supported {
		for _, k := range Kinds {
			f := facts{Kind: k, Name: "Ann", Course: "customer-information", Due: due, ValidUntil: due, Manager: "Mia",
				Overdue: []overdueItem{{Name: "Li", Course: "customer-information", DueAt: due}}, MoreCount: 3}
			lt := write(f, bundle.For(lang), time.UTC, cat, "https://custos.example", "Acme")
			text, html, err := lt.render()
			if err != nil {
				t.Fatal(err)
			}
			for _, out := range []string{lt.Subject, text, html} {
				if strings.Contains(out, "notify_") || strings.Contains(out, "<no value>") || !strings.Contains(text, "https://custos.example/") {
					t.Errorf("%s %s renders badly:\n%s", lang, k, out)
				}
			}
			if k == KindManual && !strings.Contains(lt.Subject, "Mia") {
				t.Errorf("%s: a manual reminder's subject should name the manager: %q", lang, lt.Subject)
			}
		}
	}
}

func TestOpenReminderIsCountedOnThePersonsCalendar(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	at := func(day, hour int) time.Time { return time.Date(2026, 3, day, hour, 0, 0, 0, sh) }
	due := time.Date(2026, 3, 31, 23, 59, 59, 0, sh) // the end of 31 March in Shanghai
	row := openRow{Reason: "first", OpenedAt: at(1, 9), DueAt: due}
	cases := []struct {
		name       string
		row        openRow
		now        time.Time
		kind       Kind
		occurrence string
	}{
		{"just assigned", row, at(1, 10), KindAssigned, ""},
		{"a week after opening, nothing", row, at(10, 10), "", ""},
		{"eight days left", row, at(23, 10), "", ""},
		{"seven days left", row, at(24, 10), KindDue7, ""},
		{"two days left", row, at(29, 10), KindDue7, ""},
		{"the day before", row, at(30, 8), KindDue1, ""},
		{"the last day", row, at(31, 22), "", ""},
		{"a minute past due", row, due.Add(time.Minute), KindOverdue, "0"},
		{"six days past due", row, due.Add(6 * 24 * time.Hour), KindOverdue, "0"},
		{"seven days past due", row, due.Add(7*24*time.Hour + time.Minute), KindOverdue, "1"},
		{"renewals are announced by the expiry e-mail", openRow{Reason: "renewal", OpenedAt: at(1, 9), DueAt: due}, at(1, 10), "", ""},
		{"a short window has no week reminder", openRow{Reason: "first", OpenedAt: at(27, 9), DueAt: due}, at(27, 10), KindAssigned, ""},
		{"opened the day before it is due", openRow{Reason: "first", OpenedAt: at(30, 9), DueAt: due}, at(30, 10), KindAssigned, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kind, occ, ok := openReminder(c.row, c.now.UTC(), sh)
			if ok != (c.kind != "") || kind != c.kind || occ != c.occurrence {
				t.Errorf("got %q %q %v, want %q %q", kind, occ, ok, c.kind, c.occurrence)
			}
		})
	}
}

func TestBackoffDoublesUpToTheCap(t *testing.T) {
	p := Policy{Backoff: time.Minute, MaxBackoff: 10 * time.Minute}
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 10 * time.Minute, 10 * time.Minute}
	for i, w := range want {
		if got := p.backoff(i + 1); got != w {
			t.Errorf("after attempt %d: %s, want %s", i+1, got, w)
		}
	}
}
