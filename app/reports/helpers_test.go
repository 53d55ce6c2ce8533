package reports_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"custos/app/apptest"
	"custos/app/auth"
	"custos/app/certs"
	"custos/app/people"
	"custos/app/training"
)

// company is a small known company:
//
//	boss (manager, Sales) ── lead (manager, Sales) ── ann (Sales)
//	                     └── bob (Sales)
//	other (manager, Engineering) ── carl (Engineering), dana 张伟 (Engineering)
//	admin, audi (auditor), emp (employee without reports)
type company struct {
	env    *apptest.Env
	now    time.Time
	people map[string]*people.Person // by the part of the address before @
}

const (
	courseCI = "customer-information"
	courseIR = "incident-response"
)

func newCompany(t *testing.T, dbURL string) *company {
	t.Helper()
	env := apptest.New(t, dbURL)
	co := &company{env: env, now: env.App.Now(), people: map[string]*people.Person{}}
	for _, p := range []struct {
		key, name     string
		role          people.Role
		manager, dept string
	}{
		{"admin", "Ada Admin", people.Admin, "", "IT"},
		{"boss", "Boris Boss", people.Manager, "", "Sales"},
		{"lead", "Lea Lead", people.Manager, "boss", "Sales"},
		{"ann", "Ann Archer", people.Employee, "lead", "Sales"},
		{"bob", "Bob Baker", people.Employee, "boss", "Sales"},
		{"other", "Otto Other", people.Manager, "", "Engineering"},
		{"carl", "Carl Clark", people.Employee, "other", "Engineering"},
		{"dana", "张伟", people.Employee, "other", "Engineering"},
		{"audi", "Audrey Auditor", people.Auditor, "", ""},
		{"emp", "Emil Employee", people.Employee, "", "Sales"},
	} {
		co.person(t, p.key, p.name, p.role, p.manager, p.dept)
	}
	d := func(days int) time.Time { return co.now.AddDate(0, 0, days) }
	// ann: customer information done 10 days ago (certificate valid 20 more days, quiz 90,
	// undertaking signed); incident response overdue by about 5 days.
	a := co.assign(t, "ann", courseCI, 1, "first", d(-40), d(-10), ptr(d(-20)), ptr(d(-10)), ptr(d(20)))
	co.certify(t, a, d(20))
	co.quiz(t, a, 70, false)
	co.quiz(t, a, 90, true)
	co.sign(t, a, "v1-ann-version-hash")
	co.assign(t, "ann", courseIR, 1, "first", d(-35), d(-5), nil, nil, nil)
	// bob: one in progress, one not started.
	co.assign(t, "bob", courseCI, 1, "first", d(-5), d(25), ptr(d(-1)), nil, nil)
	co.assign(t, "bob", courseIR, 1, "first", d(-5), d(25), nil, nil, nil)
	// lead: a new hire who has not started and is overdue.
	co.assign(t, "lead", courseCI, 1, "new_hire", d(-50), d(-20), nil, nil, nil)
	// carl: overdue; dana: done, certificate valid for 45 more days.
	co.assign(t, "carl", courseCI, 1, "first", d(-60), d(-30), nil, nil, nil)
	b := co.assign(t, "dana", courseCI, 1, "first", d(-60), d(-30), ptr(d(-40)), ptr(d(-35)), ptr(d(45)))
	co.certify(t, b, d(45))
	return co
}

func ptr[T any](v T) *T { return &v }

var (
	hashOnce sync.Once
	hash     string
)

// passwordHash hashes apptest.Password once: Argon2 is slow on purpose, and every test company
// has ten people.
func passwordHash(t *testing.T) string {
	hashOnce.Do(func() {
		var err error
		if hash, err = auth.HashPassword(apptest.Password); err != nil {
			t.Fatal(err)
		}
	})
	return hash
}

func (co *company) person(t *testing.T, key, name string, role people.Role, manager, dept string) *people.Person {
	t.Helper()
	ctx := context.Background()
	email := key + "@example.com"
	if manager != "" {
		manager += "@example.com"
	}
	var p *people.Person
	err := co.env.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		hired := people.DateOf(co.now.AddDate(-1, 0, 0))
		p, _, _, err = people.Save(ctx, tx, people.Change{Email: email, Name: &name, Role: &role, Manager: &manager,
			Department: &dept, HiredOn: &hired}, co.now)
		if err != nil {
			return err
		}
		return people.SetPassword(ctx, tx, p.ID, passwordHash(t), co.now)
	})
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	co.people[key] = p
	return p
}

func (co *company) assign(t *testing.T, key, course string, cycle int, reason string, opened, due time.Time, started, completed, validUntil *time.Time) *training.Assignment {
	t.Helper()
	a := &training.Assignment{PersonID: co.people[key].ID, Course: course, Cycle: cycle, Reason: reason, CourseVersion: "v",
		OpenedAt: opened, DueAt: due, StartedAt: started, CompletedAt: completed, ValidUntil: validUntil, CreatedAt: opened}
	if _, err := co.env.DB().NewInsert().Model(a).Exec(context.Background()); err != nil {
		t.Fatalf("assign %s to %s: %v", course, key, err)
	}
	return a
}

var serials int

func (co *company) certify(t *testing.T, a *training.Assignment, validUntil time.Time) string {
	t.Helper()
	serials++
	c := &certs.Certificate{Serial: fmt.Sprintf("CUS-2026-T%05d", serials), Code: fmt.Sprintf("CODE-%d", serials),
		AssignmentID: a.ID, PersonID: a.PersonID, Course: a.Course, CourseVersion: "v", Holder: "x", Locale: "en",
		IssuedAt: *a.CompletedAt, ValidUntil: validUntil, PDF: []byte("%PDF"), PDFSHA256: "x"}
	if _, err := co.env.DB().NewInsert().Model(c).Exec(context.Background()); err != nil {
		t.Fatalf("certify: %v", err)
	}
	return c.Serial
}

func (co *company) quiz(t *testing.T, a *training.Assignment, score int, passed bool) {
	t.Helper()
	var n int
	co.env.DB().NewRaw("SELECT COUNT(*) FROM quiz_attempts WHERE assignment_id = ?", a.ID).Scan(context.Background(), &n)
	_, err := co.env.DB().NewRaw(`INSERT INTO quiz_attempts (assignment_id, person_id, course, attempt_no, bank, bank_version,
		course_version, questions, total, pass_mark, locale, started_at, submitted_at, answers, score, correct, passed, expired)
		VALUES (?, ?, ?, ?, 'b', 'v', 'v', '[]', 10, 80, 'en', ?, ?, '{}', ?, ?, ?, ?)`,
		a.ID, a.PersonID, a.Course, n+1, co.now, co.now, score, score/10, passed, false).Exec(context.Background())
	if err != nil {
		t.Fatalf("quiz attempt: %v", err)
	}
}

func (co *company) sign(t *testing.T, a *training.Assignment, version string) {
	t.Helper()
	_, err := co.env.DB().NewRaw(`INSERT INTO signatures (person_id, email, assignment_id, course, document, version, locale,
		text_hash, typed_name, signed_at, ip, user_agent, session_id, auth_method, method, record, server_signature, key_fingerprint)
		VALUES (?, 'x', ?, ?, 'confidentiality', ?, 'en', 'h', 'x', ?, 'ip', 'ua', 1, 'password', 'typed', '{}', 's', 'k')`,
		a.PersonID, a.ID, a.Course, version, co.now).Exec(context.Background())
	if err != nil {
		t.Fatalf("signature: %v", err)
	}
}

// as returns a browser signed in as the person with that key.
func (co *company) as(t *testing.T, key string) *apptest.Client {
	t.Helper()
	c := co.env.Client()
	c.SignIn(t, key+"@example.com", apptest.Password)
	return c
}

// grant sets an auditor's access directly in the database.
func (co *company) grant(t *testing.T, key string, courses, departments []string, until people.Date) {
	t.Helper()
	p := co.people[key]
	_, err := co.env.DB().NewUpdate().Model(p).Set("audit_courses = ?", people.Lines(courses)).
		Set("audit_departments = ?", people.Lines(departments)).Set("audit_until = ?", until).WherePK().Exec(context.Background())
	if err != nil {
		t.Fatalf("grant: %v", err)
	}
}

// readCSV checks the byte-order mark and parses the rest as RFC 4180 CSV.
func readCSV(t *testing.T, body string) [][]string {
	t.Helper()
	rest, ok := strings.CutPrefix(body, "\uFEFF")
	if !ok {
		t.Fatalf("the CSV does not start with a UTF-8 byte-order mark: %q", body[:min(len(body), 20)])
	}
	records, err := csv.NewReader(bytes.NewReader([]byte(rest))).ReadAll()
	if err != nil {
		t.Fatalf("read CSV: %v\n%s", err, rest)
	}
	return records
}

// emails lists the e-mail column of CSV rows (after the header).
func emails(records [][]string) map[string]int {
	out := map[string]int{}
	for _, r := range records[1:] {
		out[r[0]]++
	}
	return out
}

func downloads(t *testing.T, co *company) int {
	t.Helper()
	var n int
	if err := co.env.DB().NewRaw("SELECT COUNT(*) FROM audit_log WHERE action = 'report.download'").Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}
