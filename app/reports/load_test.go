package reports_test

// Load measurement of the CSV completion report, run on demand (it takes a minute or two and
// wants PostgreSQL and psql), never in every CI run:
//
//	CUSTOS_LOAD=1 CUSTOS_TEST_DATABASE_URL=postgres://… go test -run TestLoad -v ./app/reports/
//
// The figure is a ratio against psql's \copy of the same rows, measured in the same run, never
// a timed assertion; memory is the peak heap above idle while the report streams.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"custos/app/apptest"
	"custos/app/config"
	"custos/app/dbtest"
	"custos/app/people"
	"custos/app/reports"
)

const loadPeople = 100_000

func TestLoadCSVReportAgainstPsqlCopy(t *testing.T) {
	if os.Getenv("CUSTOS_LOAD") == "" {
		t.Skip("load measurement: set CUSTOS_LOAD=1 (and CUSTOS_TEST_DATABASE_URL) to run")
	}
	if dbtest.PostgresURL() == "" {
		t.Fatal("load measurements run on PostgreSQL: set CUSTOS_TEST_DATABASE_URL")
	}
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Fatal("psql is not installed (apt-get install postgresql-client)")
	}
	u := dbtest.PostgresSchemaURL(t)
	env := apptest.New(t, u, func(c *config.Config) { c.ContentDir = apptest.QuickCourseDir(t) })
	if n := len(env.App.Catalog.Courses); n != 4 {
		t.Fatalf("%d courses, want 4", n)
	}
	now := env.App.Now()
	start := time.Now()
	schema := mustQuery(t, u, "search_path")
	seedCompany(t, env.DB(), schema, now)
	t.Logf("seeded %d people × 4 courses in %s", loadPeople, time.Since(start).Round(time.Millisecond))

	env.MustCreatePerson(t, "admin@load.example", "Load Admin", people.Admin, "")
	c := env.Client()
	c.SignIn(t, "admin@load.example", apptest.Password)
	cookie := &http.Cookie{Name: "custos_session", Value: c.Cookie("custos_session")}
	addr := apptest.Listen(t, env.Server.Fiber)

	// The same rows, as one statement, for psql.
	rep := reports.Completion{DB: env.DB(), Now: now, Scope: reports.Scope{Role: people.Admin}}
	query, args := rep.Query()
	formatted := env.DB().QueryGen().FormatQuery(query, args...)

	copyOnce := func() (time.Duration, int64) {
		out := filepath.Join(t.TempDir(), "copy.csv")
		cmd := exec.Command(psql, "-X", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", dbName(t),
			"-c", `\copy (`+strings.Join(strings.Fields(formatted), " ")+`) TO '`+out+`' WITH (FORMAT csv, HEADER)`)
		cmd.Env = append(os.Environ(), "PGOPTIONS=-c search_path="+schema)
		began := time.Now()
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("psql: %v\n%s", err, msg)
		}
		took := time.Since(began)
		st, err := os.Stat(out)
		if err != nil {
			t.Fatal(err)
		}
		return took, st.Size()
	}

	reportOnce := func() (time.Duration, int64, int64, float64) {
		heap := apptest.WatchHeap()
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/reports/completion.csv", nil)
		req.AddCookie(cookie)
		began := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		lines := &lineCounter{}
		n, err := io.Copy(lines, resp.Body)
		resp.Body.Close()
		took := time.Since(began)
		peak := heap.Stop()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("report: status %d, %v", resp.StatusCode, err)
		}
		return took, n, lines.n, peak
	}

	// Warm both once (caches, connections), then measure them in turns: other work on the
	// machine slows both alike within a pair, so the ratio of each pair is the figure.
	copyOnce()
	reportOnce()
	const pairs = 5
	var ratios []float64
	var copyTimes, reportTimes []time.Duration
	var copyBytes, reportBytes, reportLines int64
	var heap float64
	for range pairs {
		ct, cb := copyOnce()
		rt, rb, rl, h := reportOnce()
		copyTimes, reportTimes = append(copyTimes, ct), append(reportTimes, rt)
		ratios = append(ratios, rt.Seconds()/ct.Seconds())
		copyBytes, reportBytes, reportLines = cb, rb, rl
		heap = max(heap, h)
	}
	if want := int64(4*loadPeople + 1); reportLines != want {
		t.Errorf("the report has %d lines, want %d", reportLines, want)
	}
	slices.Sort(ratios)
	slices.Sort(copyTimes)
	slices.Sort(reportTimes)
	t.Logf("psql \\copy of the same rows: median %s, best %s (%.1f MB)", copyTimes[pairs/2].Round(time.Millisecond),
		copyTimes[0].Round(time.Millisecond), float64(copyBytes)/(1<<20))
	t.Logf("GET /reports/completion.csv: median %s, best %s (%.1f MB, %d lines)", reportTimes[pairs/2].Round(time.Millisecond),
		reportTimes[0].Round(time.Millisecond), float64(reportBytes)/(1<<20), reportLines)
	t.Logf("report ÷ psql, %d pairs: median %.2f×, best %.2f×, worst %.2f×", pairs, ratios[pairs/2], ratios[0], ratios[pairs-1])
	t.Logf("peak heap above idle while streaming: %.1f MB", heap)

	// The other downloads and the team page over the same company, once each, for the record.
	for _, path := range []string{"/reports/completion.xlsx", "/reports/completion.pdf", "/team"} {
		heap := apptest.WatchHeap()
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
		req.AddCookie(cookie)
		began := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		peak := heap.Stop()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", path, resp.StatusCode)
		}
		t.Logf("GET %s: %s, %.1f MB, peak heap %.1f MB above idle", path, time.Since(began).Round(time.Millisecond),
			float64(n)/(1<<20), peak)
	}
}

// seedCompany inserts the people in multi-row statements and their assignments, certificates,
// quiz attempts and signatures with INSERT … SELECT: every status occurs, and half the
// assignments are complete with all their evidence.
func seedCompany(t *testing.T, db *bun.DB, schema string, now time.Time) {
	t.Helper()
	ctx := context.Background()
	depts := []string{"Customer Service", "Sales", "Engineering", "Finance", "客户服务部"}
	for start := 0; start < loadPeople; start += 2000 {
		var batch []people.Person
		for i := start; i < min(start+2000, loadPeople); i++ {
			name := fmt.Sprintf("Person %d", i)
			if i%7 == 0 {
				name = fmt.Sprintf("张伟%d", i)
			}
			batch = append(batch, people.Person{Email: fmt.Sprintf("p%06d@example.com", i), Name: name,
				Department: depts[i%len(depts)], Role: people.Employee, Locale: "en", TimeZone: "Asia/Shanghai",
				HiredOn: people.DateOf(now.AddDate(-2, 0, 0)), Active: true, CreatedAt: now, UpdatedAt: now})
		}
		if _, err := db.NewInsert().Model(&batch).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		// Managers: every person below 1,000 manages a block of the rest.
		`UPDATE people SET manager_id = (SELECT MIN(id) FROM people) + (id % 1000) WHERE id > (SELECT MIN(id) FROM people) + 1000`,
		`INSERT INTO assignments (person_id, course, cycle, reason, course_version, opened_at, due_at, started_at, completed_at, valid_until, created_at)
		SELECT p.id, c.slug, 1, CASE WHEN p.id % 10 = 0 THEN 'new_hire' ELSE 'first' END, 'v',
			?::timestamptz - interval '40 days', ?::timestamptz + (p.id % 60 - 20) * interval '1 day',
			CASE WHEN (p.id + c.n) % 4 IN (1, 2) THEN ?::timestamptz - interval '10 days' END,
			CASE WHEN (p.id + c.n) % 4 = 2 THEN ?::timestamptz - interval '5 days' END,
			CASE WHEN (p.id + c.n) % 4 = 2 THEN ?::timestamptz + interval '360 days' END,
			?::timestamptz - interval '40 days'
		FROM people p CROSS JOIN (VALUES ('confidentiality-undertaking', 0), ('customer-information', 1),
			('incident-response', 2), ('quick', 3)) AS c(slug, n)`,
		`INSERT INTO certificates (serial, code, assignment_id, person_id, course, course_version, holder, locale, score,
			issued_at, valid_until, pdf, pdf_sha256)
		SELECT 'CUS-2026-' || lpad(a.id::text, 6, '0'), 'C' || a.id, a.id, a.person_id, a.course, 'v', 'x', 'en', 90,
			a.completed_at, a.valid_until, '\x25504446'::bytea, 'x'
		FROM assignments a WHERE a.completed_at IS NOT NULL`,
		`INSERT INTO quiz_attempts (assignment_id, person_id, course, attempt_no, bank, bank_version, course_version, questions,
			total, pass_mark, locale, started_at, submitted_at, answers, score, correct, passed, expired)
		SELECT a.id, a.person_id, a.course, 1, 'b', 'v', 'v', '[]', 10, 80, 'en', a.completed_at, a.completed_at, '{}', 90, 9, TRUE, FALSE
		FROM assignments a WHERE a.completed_at IS NOT NULL AND a.course = 'customer-information'`,
		`INSERT INTO signatures (person_id, email, assignment_id, course, document, version, locale, text_hash, typed_name,
			signed_at, ip, user_agent, session_id, auth_method, method, record, server_signature, key_fingerprint)
		SELECT a.person_id, 'x', a.id, a.course, 'confidentiality', md5(a.course) || md5(a.course), 'en', 'h', 'x',
			a.completed_at, 'ip', 'ua', 1, 'password', 'typed', '{}', 's', 'k'
		FROM assignments a WHERE a.completed_at IS NOT NULL AND a.course IN ('customer-information', 'confidentiality-undertaking')`,
		`ANALYZE`,
	} {
		args := []any{}
		for range strings.Count(q, "?::timestamptz") {
			args = append(args, now)
		}
		// Through psql: a statement of a few hundred thousand rows outlasts the driver's read
		// timeout.
		runPsql(t, schema, db.QueryGen().FormatQuery(q, args...))
	}
}

// runPsql runs SQL with psql in the test's schema.
func runPsql(t *testing.T, schema, sql string) {
	t.Helper()
	cmd := exec.Command("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "postgres", "-d", dbName(t))
	cmd.Env = append(os.Environ(), "PGOPTIONS=-c search_path="+schema)
	cmd.Stdin = strings.NewReader(sql + ";\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("psql: %v\n%s\n%s", err, out, sql)
	}
}

// mustQuery returns a query parameter of a URL.
func mustQuery(t *testing.T, rawURL, key string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get(key)
}

func dbName(t *testing.T) string {
	u, err := url.Parse(dbtest.PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(u.Path, "/")
}

// lineCounter counts the lines it is given and keeps nothing.
type lineCounter struct{ n int64 }

func (c *lineCounter) Write(p []byte) (int, error) {
	for _, b := range p {
		if b == '\n' {
			c.n++
		}
	}
	return len(p), nil
}
