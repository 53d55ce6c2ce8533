package evidence_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"custos/app/apptest"
	"custos/app/audit"
	"custos/app/dbtest"
	"custos/app/demo"
)

// TestARestrictedAuditorGetsOnlyTheAuditEntriesOfTheirGrant grants the demo auditor one course in
// one department: the audit log page and the bundle's extract then hold only entries about
// assignments, certificates and signatures of that course in that department, and the extract
// still verifies. Without the grant, both hold entries outside it (so the check can fail).
func TestARestrictedAuditorGetsOnlyTheAuditEntriesOfTheirGrant(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		ctx := context.Background()
		env, all := demoBundle(t, u)
		c := env.Client()
		c.SignIn(t, "auditor@example.com", demo.Password)
		const course, dept = "customer-information", "Sales"

		outside := func(entries []audit.Record) (in, out int) {
			for _, e := range entries {
				if subjectIn(t, env, e.Subject, course, dept) {
					in++
				} else {
					out++
				}
			}
			return in, out
		}
		if in, out := outside(bundleEntries(t, all)); in == 0 || out == 0 {
			t.Fatalf("the unrestricted bundle holds %d entries inside the grant and %d outside; want both", in, out)
		}
		page := c.Get(t, "/admin/audit?lang=en").Body
		if !strings.Contains(page, "<td><code>signin.success</code>") {
			t.Fatal("the unrestricted audit page lacks sign-ins")
		}

		env.DB().NewUpdate().Table("people").Set("audit_courses = ?", course).Set("audit_departments = ?", dept).
			Where("email = 'auditor@example.com'").Exec(ctx)
		r := c.Get(t, "/evidence.zip")
		if r.Status != 200 {
			t.Fatalf("restricted download: %d %s", r.Status, r.Body)
		}
		if err := verify([]byte(r.Body)); err != nil {
			t.Fatalf("the restricted bundle does not verify: %v", err)
		}
		if in, out := outside(bundleEntries(t, []byte(r.Body))); in == 0 || out != 0 {
			t.Errorf("the restricted bundle holds %d entries inside the grant and %d outside; want only inside", in, out)
		}
		page = c.Get(t, "/admin/audit?lang=en").Body
		rows := pageSubject.FindAllStringSubmatch(page, -1)
		if len(rows) == 0 {
			t.Fatalf("the restricted audit page shows no entries:\n%s", page)
		}
		for _, m := range rows {
			if !subjectIn(t, env, m[1], course, dept) {
				t.Errorf("the restricted audit page shows an entry about %s", m[1])
			}
		}

		// A grant of a department alone covers its people's own events too, such as sign-ins.
		env.DB().NewUpdate().Table("people").Set("audit_courses = ''").Where("email = 'auditor@example.com'").Exec(ctx)
		people := 0
		for _, m := range pageSubject.FindAllStringSubmatch(c.Get(t, "/admin/audit?lang=en&action=signin").Body, -1) {
			id, ok := strings.CutPrefix(m[1], "person:")
			var department string
			env.DB().NewSelect().Table("people").Column("department").Where("id = ?", id).Scan(ctx, &department)
			if !ok || department != dept {
				t.Errorf("a grant of %s shows the sign-in entry about %s (%q)", dept, m[1], department)
			}
			people++
		}
		if people == 0 {
			t.Error("a grant of a department shows none of its people's sign-ins")
		}
	})
}

// pageSubject finds the subject column of each row of the audit log page.
var pageSubject = regexp.MustCompile(`<td><code>[a-z._]+</code></td><td>([^<]*)</td>`)

func bundleEntries(t *testing.T, data []byte) []audit.Record {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out []audit.Record
	for _, f := range zr.File {
		if f.Name != "audit/entries.jsonl" {
			continue
		}
		rc, _ := f.Open()
		content, _ := io.ReadAll(rc)
		rc.Close()
		for line := range strings.Lines(string(content)) {
			var rec audit.Record
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("entry %q: %v", line, err)
			}
			out = append(out, rec)
		}
	}
	return out
}

// subjectIn reports whether an entry's subject is an assignment, certificate or signature of
// course held by someone in department.
func subjectIn(t *testing.T, env *apptest.Env, subject, course, department string) bool {
	t.Helper()
	kind, key, _ := strings.Cut(subject, ":")
	column := map[string]string{"assignment": "id", "certificate": "serial", "signature": "id"}[kind]
	if column == "" {
		return false
	}
	table := kind + "s"
	var n int
	err := env.DB().NewSelect().TableExpr(table+" AS x").Join("JOIN people AS p ON p.id = x.person_id").
		ColumnExpr("COUNT(*)").Where("x."+column+" = ?", key).Where("x.course = ? AND p.department = ?", course, department).
		Scan(context.Background(), &n)
	if err != nil {
		t.Fatal(err)
	}
	return n > 0
}
