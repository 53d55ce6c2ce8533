package certificates

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sampleReport(rows int) Report {
	cols := []ReportColumn{{Header: "Name", Width: 3}, {Header: "Department", Width: 2}, {Header: "Course", Width: 3},
		{Header: "Status", Width: 1.5}, {Header: "Score", Width: 1, Right: true}}
	var data [][]string
	for i := range rows {
		data = append(data, []string{fmt.Sprintf("Person %04d", i), "Sales", "Protecting customer information", "completed", "90"})
	}
	return Report{
		Org:       "Custos Demo Company",
		Title:     "Training completion report",
		Locale:    "en",
		Generated: time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC),
		Intro:     []string{"Scope: everyone", "Course: all · Department: all"},
		Sections: []ReportSection{
			{Heading: "Summary", Facts: []ReportFact{{"Assignments", "1,204"}, {"Completed", "1,100 (91%)"}}},
			{Heading: "Controls evidenced", Text: []string{"PIPL-51 · ISO27001-A.6.3 · SOC2-CC1.4"}},
			{Heading: "Overdue", Table: &ReportTable{Columns: cols[:3], Empty: "Nobody is overdue."}},
			{Heading: "Assignments", Table: &ReportTable{Columns: cols, Rows: data}, Note: "Rows beyond 10,000 are in the CSV."},
		},
		Labels: EnglishReportLabels(),
	}
}

func renderReport(tb testing.TB, rp Report) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := mustRenderer(tb).Report(&buf, rp); err != nil {
		tb.Fatalf("Report: %v", err)
	}
	return buf.Bytes()
}

func TestReportText(t *testing.T) {
	pdf := renderReport(t, sampleReport(3))
	qpdfCheck(t, pdf)
	text := squash(pdfText(t, pdf))
	for _, want := range []string{"Training completion report", "Custos Demo Company", "Scope: everyone", "Summary",
		"Assignments", "1,204", "1,100 (91%)", "PIPL-51", "Nobody is overdue.", "Person 0002", "Protecting customer information",
		"Rows beyond 10,000 are in the CSV.", "Generated 2026-03-14 09:30 UTC", "Page 1 / 1"} {
		if !strings.Contains(text, squash(want)) {
			t.Errorf("pdftotext output lacks %q", want)
		}
	}
}

func TestReportPaginatesAndRepeatsTheHeader(t *testing.T) {
	pdf := renderReport(t, sampleReport(300))
	qpdfCheck(t, pdf)
	text := pdfText(t, pdf)
	pages := strings.Count(text, "\f")
	if pages < 5 {
		t.Fatalf("300 rows on %d pages", pages)
	}
	if !strings.Contains(text, fmt.Sprintf("Page %d / %d", pages, pages)) {
		t.Error("the last page has no footer")
	}
	if got := strings.Count(text, "Assignments (continued)"); got != pages-1 {
		t.Errorf("the table heading is repeated on %d pages, want %d", got, pages-1)
	}
	for i := range 300 {
		if !strings.Contains(text, fmt.Sprintf("Person %04d", i)) {
			t.Fatalf("row %d is missing", i)
		}
	}
}

func TestReportChineseAndHostileCells(t *testing.T) {
	rp := sampleReport(1)
	rp.Locale = "zh-Hans"
	rp.Title = "培训完成情况报告"
	rp.Labels = ReportLabels{Generated: "生成于", Page: "页", Continued: "（续）", DateTimeLayout: "2006年1月2日 15:04 MST"}
	rows := rp.Sections[3].Table.Rows
	rows[0][0] = "张伟"
	rows = append(rows, []string{"=HYPERLINK(\"http://evil\")", "销售部", strings.Repeat("很长的课程名称", 40), "(\\) 100%", ""})
	rp.Sections[3].Table.Rows = rows
	pdf := renderReport(t, rp)
	qpdfCheck(t, pdf)
	text := squash(pdfText(t, pdf))
	for _, want := range []string{"培训完成情况报告", "张伟", "销售部", `=HYPERLINK("http://evil")`, `(\)100%`, "生成于2026年3月14日09:30UTC", "页1/1"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext output lacks %q", want)
		}
	}
	if !strings.Contains(text, "…") {
		t.Error("an over-long cell was not cut with an ellipsis")
	}
}

func TestReportIsDeterministic(t *testing.T) {
	if !bytes.Equal(renderReport(t, sampleReport(40)), renderReport(t, sampleReport(40))) {
		t.Fatal("two renders of the same report differ")
	}
}

func TestReportZeroValue(t *testing.T) {
	pdf := renderReport(t, Report{})
	qpdfCheck(t, pdf)
}

func TestWriteReportPreview(t *testing.T) {
	dir := os.Getenv("CUSTOS_PREVIEW_DIR")
	if dir == "" {
		t.Skip("CUSTOS_PREVIEW_DIR not set")
	}
	path := filepath.Join(dir, "report.pdf")
	if err := os.WriteFile(path, renderReport(t, sampleReport(60)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-png", "-r", "70", path, strings.TrimSuffix(path, ".pdf")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
}
