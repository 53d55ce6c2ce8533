package security_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"html"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/xuri/excelize/v2"

	"custos/app"
	"custos/app/apptest"
	"custos/app/config"
	"custos/app/people"
)

// testHostileText looks for the payloads where people see them: every page that shows a hostile
// name, department or text must show it (so the check is not vacuous) and show it escaped; the
// certificate, receipt and report PDFs print it as typed; the CSV and XLSX hold it as text, with
// formulas defused.
func (w *world) testHostileText(t *testing.T) {
	ctx := context.Background()
	hostilePerson, err := people.ByEmail(ctx, w.env.DB(), formPerson.email)
	if err != nil {
		t.Fatal(err)
	}
	var code string
	if err := w.env.DB().NewRaw("SELECT code FROM certificates WHERE serial = ?", w.ids.hostileCert).Scan(ctx, &code); err != nil {
		t.Fatal(err)
	}
	w.clearRateLimits(t)
	course := "/courses/" + hostileCourse
	pages := []struct {
		who   *apptest.Client
		path  string
		shows []string
	}{
		{w.hostileClient, "/", payloads}, // their own name in the header, the course title
		{w.hostileClient, course, payloads},
		{w.hostileClient, course + "?lang=zh-Hans", payloads},
		{w.hostileClient, course + "/lessons/1", payloads},
		{w.hostileClient, course + "/sign", []string{svgPayload, scriptPayload}},
		{w.hostileClient, "/reminders", []string{svgPayload}},
		{w.as[admin], "/admin/people?q=xss", payloads},
		{w.as[admin], "/admin/people/" + strconv.FormatInt(hostilePerson.ID, 10), []string{svgPayload, scriptPayload}},
		{w.as[admin], "/admin/certificates?q=" + formPerson.email, []string{svgPayload}},
		{w.as[admin], "/admin/signatures", []string{svgPayload}},
		{w.as[admin], "/admin/audit", []string{scriptPayload}}, // departments in the import's entries
		{w.as[admin], "/evidence", payloads},                   // course titles
		{w.as[manager], "/team", payloads},
		{w.as[manager], "/team/signatures", []string{svgPayload}},
		{w.as[anonymous], "/verify/" + code, payloads}, // the course title; the name is masked
	}
	for _, p := range pages {
		r := p.who.Get(t, p.path)
		if r.Status != http.StatusOK {
			t.Errorf("%s: status %d", p.path, r.Status)
			continue
		}
		checkEscaped(t, p.path, r.Body)
		text := html.UnescapeString(r.Body)
		for _, s := range p.shows {
			if !strings.Contains(text, s) {
				t.Errorf("%s does not show %q, so its escaping went unchecked", p.path, s)
			}
		}
	}

	t.Run("the PDFs print them as typed", func(t *testing.T) {
		cert := w.hostileClient.Get(t, "/certificates/"+w.ids.hostileCert+".pdf")
		receipt := w.hostileClient.Get(t, "/signatures/"+strconv.FormatInt(w.ids.hostileSig, 10)+"/receipt.pdf")
		report := w.as[manager].Get(t, "/reports/completion.pdf?course="+hostileCourse)
		for _, d := range []struct {
			what  string
			r     *apptest.Response
			shows []string
		}{
			{"certificate", cert, append([]string{formPerson.name}, payloads...)},
			{"receipt", receipt, []string{formPerson.name, scriptPayload}},
			{"completion report", report, []string{formPerson.name}},
		} {
			if d.r.Status != http.StatusOK || d.r.Header.Get("Content-Type") != "application/pdf" {
				t.Errorf("%s: status %d, %s", d.what, d.r.Status, d.r.Header.Get("Content-Type"))
				continue
			}
			text := squeeze(pdfText(t, []byte(d.r.Body)))
			for _, s := range d.shows {
				if !strings.Contains(text, squeeze(s)) {
					t.Errorf("the %s does not print %q:\n%s", d.what, s, text)
				}
			}
		}
	})

	t.Run("the CSV holds them as text and defuses formulas", func(t *testing.T) {
		r := w.as[admin].Get(t, "/reports/completion.csv")
		if r.Status != http.StatusOK {
			t.Fatalf("status %d", r.Status)
		}
		records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		byEmail := map[string][]string{}
		for _, rec := range records[1:] {
			byEmail[rec[0]] = rec
			for _, cell := range rec {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("cell %q would be read as a formula", cell)
				}
			}
		}
		for _, p := range append([]hostile{formPerson}, importPeople...) {
			rec, ok := byEmail[p.email]
			if !ok {
				t.Errorf("%s is not in the report", p.email)
				continue
			}
			if rec[1] != defused(p.name) || rec[2] != defused(p.department) {
				t.Errorf("%s: name %q, department %q; want %q, %q", p.email, rec[1], rec[2], defused(p.name), defused(p.department))
			}
		}
	})

	t.Run("the XLSX holds them as text, never as formulas", func(t *testing.T) {
		r := w.as[admin].Get(t, "/reports/completion.xlsx")
		f, err := excelize.OpenReader(bytes.NewReader([]byte(r.Body)))
		if err != nil {
			t.Fatalf("status %d: %v", r.Status, err)
		}
		defer f.Close()
		found := map[string]bool{}
		for _, sheet := range f.GetSheetList() {
			rows, err := f.GetRows(sheet)
			if err != nil {
				t.Fatal(err)
			}
			for y, row := range rows {
				for x, cell := range row {
					name, _ := excelize.CoordinatesToCellName(x+1, y+1)
					if formula, _ := f.GetCellFormula(sheet, name); formula != "" {
						t.Errorf("%s!%s holds the formula %q", sheet, name, formula)
					}
					found[cell] = true
				}
			}
		}
		for _, p := range append([]hostile{formPerson}, importPeople...) {
			if !found[p.name] && !found[defused(p.name)] {
				t.Errorf("no cell holds %q", p.name)
			}
		}
	})
}

// defused is what the CSV must hold for s.
func defused(s string) string {
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		return "'" + s
	}
	return s
}

// squeeze drops white space, which PDF text extraction moves about at line ends.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

// TestTheLessonLoaderRefusesMarkupAndScriptLinks drops lessons with raw HTML and script links
// into CUSTOS_CONTENT_DIR: Custos refuses to start, naming the file and line of each.
func TestTheLessonLoaderRefusesMarkupAndScriptLinks(t *testing.T) {
	for _, tc := range []struct {
		name, line string
	}{
		{"an svg with an event handler", svgPayload},
		{"a script", scriptPayload},
		{"a javascript: link", "[click](" + linkPayload + ")"},
		{"a javascript: link in mixed case", "[click](JaVaScRiPt:alert(1))"},
		{"a javascript: link with a tab in the scheme", "[click](<java\tscript:alert(1)>)"},
		{"a javascript: link with an entity in the scheme", "[click](java&#x73;cript:alert(1))"},
		{"a javascript: autolink", "<" + linkPayload + ">"},
		{"a javascript: reference link", "[click][x]\n\n[x]: " + linkPayload},
		{"a data: image", "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"},
		{"an iframe block", `<iframe src="https://evil.example"></iframe>`},
		{"an img with onerror", `<img src=x onerror=alert(1)>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := hostileContent(t)
			file := filepath.Join("courses", hostileCourse, "lessons", "01-payloads.en.md")
			writeFile(t, filepath.Join(dir, file), "# A lesson\n\nSome text.\n\n"+tc.line+"\n")
			_, err := app.LoadCatalog(config.Config{ContentDir: dir})
			if err == nil {
				t.Fatal("the catalogue loaded")
			}
			want := filepath.ToSlash(file) + ":5"
			if !strings.Contains(err.Error(), want) {
				t.Errorf("the refusal does not name %s:\n%v", want, err)
			}
		})
	}
	t.Run("and in an undertaking", func(t *testing.T) {
		dir := hostileContent(t)
		writeFile(t, filepath.Join(dir, "courses", "undertakings", "hostile.zh-Hans.md"), "# 承诺\n\n"+svgPayload+"\n")
		if _, err := app.LoadCatalog(config.Config{ContentDir: dir}); err == nil || !strings.Contains(err.Error(), "hostile.zh-Hans.md:3") {
			t.Errorf("an undertaking with an svg: %v", err)
		}
	})
}
