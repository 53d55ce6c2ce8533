package reports_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"custos/app/dbtest"
	"custos/app/training"
)

var (
	cellRE = regexp.MustCompile(`(?s)<t[hd][^>]*>(.*?)</t[hd]>`)
	tagRE  = regexp.MustCompile(`<[^>]*>`)
)

// courseRow returns the cells of the by-course table's row for a course title.
func courseRow(t *testing.T, body, title string) []string {
	t.Helper()
	start := strings.Index(body, `id="by-course"`)
	end := strings.Index(body[start:], "</section>")
	section := body[start : start+end]
	for _, row := range strings.Split(section, "<tr>")[1:] {
		var cells []string
		for _, m := range cellRE.FindAllStringSubmatch(row, -1) {
			cells = append(cells, strings.TrimSpace(tagRE.ReplaceAllString(m[1], "")))
		}
		if len(cells) > 0 && cells[0] == title {
			return cells[1:]
		}
	}
	t.Fatalf("no row for %q in:\n%s", title, section)
	return nil
}

// section returns the HTML of the card headed by the element with that id.
func section(body, id string) string {
	start := strings.Index(body, `id="`+id+`"`)
	if start < 0 {
		return ""
	}
	end := strings.Index(body[start:], "</section>")
	return body[start : start+end]
}

func TestTeamPageNumbers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, u string, _ *bun.DB) {
		co := newCompany(t, u)
		r := co.as(t, "boss").Get(t, "/team")
		if r.Status != http.StatusOK {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		body := r.Body
		if !strings.Contains(body, "Training of the 3 people below you") {
			t.Error("the page does not say how many people the team has")
		}
		// customer information: ann completed, bob in progress, lead overdue.
		ci := courseRow(t, body, "Protecting customer information")
		if want := []string{"3", "1 (33%)", "1 (33%)", "1 (33%)", "0 (0%)", "0 (0%)"}; strings.Join(ci, "|") != strings.Join(want, "|") {
			t.Errorf("customer information: %v, want %v", ci, want)
		}
		// incident response: ann overdue, bob not started.
		ir := courseRow(t, body, "Incident reporting and response")
		if want := []string{"2", "0 (0%)", "0 (0%)", "1 (50%)", "1 (50%)", "0 (0%)"}; strings.Join(ir, "|") != strings.Join(want, "|") {
			t.Errorf("incident response: %v, want %v", ir, want)
		}

		overdue := section(body, "overdue")
		d := func(days int) string {
			a := training.Assignment{DueAt: co.now.AddDate(0, 0, -days)}
			return strconv.Itoa(a.DaysOverdue(co.now)) + " d"
		}
		leadAt, annAt := strings.Index(overdue, "Lea Lead"), strings.Index(overdue, "Ann Archer")
		if leadAt < 0 || annAt < 0 || leadAt > annAt {
			t.Errorf("overdue list should show lead (longest overdue) then ann:\n%s", overdue)
		}
		for _, want := range []string{d(20), d(5)} {
			if !strings.Contains(overdue, want) {
				t.Errorf("overdue list lacks %q", want)
			}
		}
		if strings.Count(overdue, `action="/team/remind"`) != 2 || !strings.Contains(overdue, `name="_csrf" value="`) ||
			!strings.Contains(overdue, `name="assignment_id"`) {
			t.Errorf("overdue rows lack their remind forms:\n%s", overdue)
		}
		open := section(body, "open")
		if !strings.Contains(open, "Bob Baker") || strings.Count(open, `action="/team/remind"`) != 2 {
			t.Errorf("open list:\n%s", open)
		}

		expiring := section(body, "expiring")
		if !strings.Contains(expiring, "In the next 30 days: 1") || !strings.Contains(expiring, "In 31 to 60 days: 0") ||
			!regexp.MustCompile(`href="/certificates/CUS-2026-T\d{5}\.pdf"`).MatchString(expiring) {
			t.Errorf("expiring certificates:\n%s", expiring)
		}

		for _, want := range []string{`<svg`, `role="img"`, `aria-labelledby="chart-title chart-desc"`, `<title id="chart-title">`,
			`<desc id="chart-desc">`, `<polyline points="`, `/reports/completion.csv`, `/reports/completion.xlsx`, `/reports/completion.pdf`} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %s", want)
			}
		}
		if strings.Contains(strings.ToLower(body), "<script") {
			t.Error("the team page has a script")
		}
		// The chart's numbers are in a table too: this month, ann's certificate is done and valid.
		chart := section(body, "chart-heading")
		if !strings.Contains(chart, "<table>") || !strings.Contains(chart, co.now.UTC().Format("2006-01")) {
			t.Errorf("the chart has no table of its numbers:\n%s", chart)
		}
		if !strings.Contains(chart, "20%") { // 1 of the 5 current assignments completed and valid
			t.Errorf("this month's completion rate is not 20%%:\n%s", chart)
		}
	})
}

func TestTeamPageFilters(t *testing.T) {
	co := newCompany(t, dbtest.SQLiteURL(t))
	c := co.as(t, "admin")
	all := c.Get(t, "/team")
	if !strings.Contains(all.Body, "Training of everyone: 5 people.") {
		t.Errorf("admin scope sentence missing")
	}
	eng := c.Get(t, "/team?department=Engineering&course="+courseCI+"&cycle=1")
	if eng.Status != http.StatusOK {
		t.Fatalf("status %d", eng.Status)
	}
	ci := courseRow(t, eng.Body, "Protecting customer information")
	if ci[0] != "2" || ci[1] != "1 (50%)" || ci[3] != "1 (50%)" {
		t.Errorf("Engineering, customer information: %v", ci)
	}
	if strings.Contains(eng.Body, "Incident reporting and response</th>") || strings.Contains(eng.Body, "Ann Archer") {
		t.Error("the filters let other rows through")
	}
	if exp := section(eng.Body, "expiring"); !strings.Contains(exp, "In 31 to 60 days: 1") || !strings.Contains(exp, "张伟") {
		t.Errorf("dana's certificate is not listed as expiring in 31–60 days:\n%s", exp)
	}
	if r := c.Get(t, "/team?cycle=2"); !strings.Contains(r.Body, "Nobody here has training assigned.") {
		t.Error("cycle 2 should have no rows")
	}
	for _, q := range []string{"?cycle=abc", "?course=nope", "?department=Nowhere"} {
		if r := c.Get(t, "/team"+q); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d", q, r.Status)
		}
	}
	zh := c.Get(t, "/team?lang=zh-Hans")
	if !strings.Contains(zh.Body, "完成率变化") || !strings.Contains(zh.Body, "保护客户信息") {
		t.Error("the page is not translated")
	}
}
