package notify_test

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"custos/app/apptest"
	"custos/app/audit"
	"custos/app/auth"
	"custos/app/config"
	"custos/app/dbtest"
	"custos/app/notify"
	"custos/app/people"
	"custos/app/signing"
	"custos/app/training"
	"custos/courses"
	"custos/locales"
)

// t0 is Monday 2 March 2026, 10:00 in Shanghai, where the test people live: inside the hours
// in which reminders are planned.
var t0 = time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)

var shanghai, _ = time.LoadLocation(people.DefaultTimeZone)

const course = "customer-information"

// syncBuffer is a log sink several goroutines may write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// world is one Custos instance with a clock the test controls: the reminder machinery on its
// own connection pool, and the web pages (started when a test first asks for them).
type world struct {
	url   string
	cfg   config.Config
	clock *apptest.Clock
	deps  notify.Deps
	log   *syncBuffer
	env   *apptest.Env
}

// Loaded once: they are the same for every world, and slow to build under -race.
var shared struct {
	once    sync.Once
	bundle  *locales.Bundle
	catalog *courses.Catalog
	hash    string
	err     error
}

// newWorld starts Custos on dbURL, mailing through smtpURL ("" for the log).
func newWorld(t *testing.T, dbURL, smtpURL string, clk *apptest.Clock) *world {
	t.Helper()
	shared.once.Do(func() {
		if shared.bundle, shared.err = locales.New(); shared.err != nil {
			return
		}
		if shared.catalog, shared.err = courses.Load(courses.Builtin()); shared.err != nil {
			return
		}
		shared.hash, shared.err = auth.HashPassword(apptest.Password)
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	dir := t.TempDir()
	env := map[string]string{"CUSTOS_DATABASE_URL": dbURL, "CUSTOS_DATA_DIR": dir, "CUSTOS_BASE_URL": "http://custos.test",
		"CUSTOS_SMTP_URL": smtpURL, "CUSTOS_ORG_NAME": "Acme & Sons"}
	cfg, err := config.Load(func(name string) string { return env[name] })
	if err != nil {
		t.Fatal(err)
	}
	key, err := signing.LoadOrCreate(filepath.Join(dir, "signing.key"))
	if err != nil {
		t.Fatal(err)
	}
	buf := &syncBuffer{}
	deps := notify.Deps{DB: dbtest.Open(t, dbURL), Audit: audit.New(key), I18n: shared.bundle, Catalog: shared.catalog,
		Config: cfg, Log: slog.New(slog.NewTextHandler(buf, nil)), Now: clk.Now}
	return &world{url: dbURL, cfg: cfg, clock: clk, deps: deps, log: buf}
}

// client returns a browser on this world's web pages, signed in as email.
func (w *world) client(t *testing.T, email string) *apptest.Client {
	t.Helper()
	if w.env == nil {
		w.env = apptest.New(t, w.url, func(c *config.Config) { c.SMTPURL, c.OrgName = w.cfg.SMTPURL, w.cfg.OrgName })
	}
	c := w.env.Client()
	if email != "" {
		c.SignIn(t, email, apptest.Password)
		c.Get(t, "/reminders") // for a CSRF token
	}
	return c
}

// testPolicy retries quickly, gives up after three attempts, and claims small batches so
// several senders interleave.
var testPolicy = notify.Policy{Poll: 5 * time.Millisecond, Batch: 3, Lease: time.Minute,
	MaxAttempts: 3, Backoff: time.Minute, MaxBackoff: time.Hour}

func (w *world) sender(t *testing.T) *notify.Sender {
	t.Helper()
	s, err := notify.NewSender(w.deps)
	if err != nil {
		t.Fatal(err)
	}
	s.Policy = testPolicy
	return s
}

func (w *world) plan(t *testing.T) int {
	t.Helper()
	n, err := notify.NewPlanner(w.deps).Plan(context.Background(), w.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// drain sends until nothing is due, returning how many reminders were handled.
func (w *world) drain(t *testing.T, s *notify.Sender) int {
	t.Helper()
	total := 0
	for {
		n, err := s.SendDue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return total
		}
		total += n
	}
}

func (w *world) db() *bun.DB { return w.deps.DB }

// person adds someone in Shanghai with the given language and apptest's password.
func (w *world) person(t *testing.T, email, name string, role people.Role, manager, locale string) *people.Person {
	t.Helper()
	dept := "Sales"
	var p *people.Person
	err := w.db().RunInTx(context.Background(), nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		p, _, _, err = people.Save(ctx, tx, people.Change{Email: email, Name: &name, Role: &role, Manager: &manager,
			Department: &dept, Locale: &locale}, w.clock.Now())
		if err != nil {
			return err
		}
		return people.SetPassword(ctx, tx, p.ID, shared.hash, w.clock.Now())
	})
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return p
}

// assign opens an assignment of course for p at opened, due windowDays later (end of day).
func (w *world) assign(t *testing.T, p *people.Person, opened time.Time, windowDays int) *training.Assignment {
	t.Helper()
	d := opened.In(shanghai).AddDate(0, 0, windowDays)
	due := time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, shanghai).UTC()
	a := &training.Assignment{PersonID: p.ID, Course: course, Cycle: 1, Reason: "first", CourseVersion: "test",
		OpenedAt: opened, DueAt: due, CreatedAt: opened}
	if _, err := w.db().NewInsert().Model(a).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	return a
}

func (w *world) complete(t *testing.T, a *training.Assignment, at time.Time) {
	t.Helper()
	until := at.AddDate(1, 0, 0)
	_, err := w.db().NewUpdate().Model(a).Set("completed_at = ?, valid_until = ?", at, until).WherePK().Exec(context.Background())
	if err != nil {
		t.Fatal(err)
	}
}

func (w *world) reminders(t *testing.T) []notify.Reminder {
	t.Helper()
	var out []notify.Reminder
	if err := w.db().NewSelect().Model(&out).Order("id").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return out
}

func (w *world) reminder(t *testing.T, id int64) notify.Reminder {
	t.Helper()
	var r notify.Reminder
	if err := w.db().NewSelect().Model(&r).Where("id = ?", id).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return r
}

func (w *world) audited(t *testing.T, action string) []audit.Shown {
	t.Helper()
	entries, err := audit.List(context.Background(), w.db(), audit.Filter{Action: action, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []audit.Shown
	for _, e := range entries {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// byRecipient groups messages by their recipient address.
func byRecipient(msgs []received) map[string][]received {
	out := map[string][]received{}
	for _, m := range msgs {
		out[m.To] = append(out[m.To], m)
	}
	return out
}

// subjects lists the subjects of msgs, for failure messages.
func subjects(msgs []received) string {
	var s []string
	for _, m := range msgs {
		s = append(s, m.To+": "+m.Subject)
	}
	return strings.Join(s, "\n")
}
