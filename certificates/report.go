package certificates

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Report is a tabular document such as the completion report: a title block, then sections of
// paragraphs, label–value facts and tables, on A4 landscape pages. Every printed word comes from
// the caller; cells are printed literally and wrapped to their column.
type Report struct {
	Org       string    // organisation the report is about; printed in the page header
	Title     string    // e.g. "Training completion report"
	Locale    string    // BCP 47 tag of the text
	Generated time.Time // printed in the footer; also the PDF creation date
	Intro     []string  // lines under the title: scope, filters, who asked for it
	Sections  []ReportSection
	Labels    ReportLabels
}

// ReportSection is one headed part of a report; empty parts are left out.
type ReportSection struct {
	Heading string
	Text    []string     // paragraphs under the heading
	Facts   []ReportFact // label–value pairs, such as totals
	Table   *ReportTable
	Note    string // a paragraph after the table, e.g. where the rows left out can be found
}

// ReportFact is one label and its value.
type ReportFact struct{ Label, Value string }

// ReportTable is a table whose header row is repeated on every page it runs onto.
type ReportTable struct {
	Columns []ReportColumn
	Rows    [][]string // one string per column; missing cells are blank
	Empty   string     // printed instead of the table when Rows is empty
}

// ReportColumn is a table column.
type ReportColumn struct {
	Header string
	Width  float64 // share of the table width, relative to the other columns
	Right  bool    // right-aligned, for numbers
}

// ReportLabels are the translated words the layout adds. An empty field falls back to the
// English default from EnglishReportLabels.
type ReportLabels struct {
	Generated      string // "Generated", printed before the time in the footer
	Page           string // "Page", printed as "Page 2 / 3"
	Continued      string // "(continued)", after a heading repeated on a new page
	DateTimeLayout string // Go time layout
}

// EnglishReportLabels returns the English labels, the fallback for empty ones.
func EnglishReportLabels() ReportLabels {
	return ReportLabels{Generated: "Generated", Page: "Page", Continued: "(continued)", DateTimeLayout: "2006-01-02 15:04 MST"}
}

func (l ReportLabels) withDefaults() ReportLabels {
	d := EnglishReportLabels()
	fill := func(v *string, def string) {
		if strings.TrimSpace(*v) == "" {
			*v = def
		}
	}
	fill(&l.Generated, d.Generated)
	fill(&l.Page, d.Page)
	fill(&l.Continued, d.Continued)
	fill(&l.DateTimeLayout, d.DateTimeLayout)
	return l
}

// A4 landscape, millimetres.
const (
	rpW      = 297.0
	rpLeft   = 15.0
	rpRight  = rpW - 15.0
	rpWidth  = rpRight - rpLeft
	rpTop    = 24.0
	rpBottom = 196.0

	rpCell     = 7.0 // table text, points
	rpCellPad  = 1.2 // mm around cell text
	rpMaxLines = 8   // lines a cell may take before it is cut with an ellipsis
)

var rowShade = color{244, 246, 250}

// Report writes rp as an A4 landscape PDF to w. The same input always gives the same bytes.
func (r *Renderer) Report(w io.Writer, rp Report) error {
	l := rp.Labels.withDefaults()
	d := r.newDocument("L", metadata{
		title:   metaText(rp.Title),
		author:  metaText(rp.Org),
		subject: metaText(rp.Title),
		lang:    rp.Locale,
		created: rp.Generated,
	})
	f := &reportFlow{d: d, r: r}
	f.newPage()

	f.para(rp.Title, bold, 16, navy, 0)
	f.y += 1
	for _, line := range rp.Intro {
		f.para(line, regular, 9, gray, 0)
	}
	f.y += 2
	d.line(rpLeft, f.y, rpRight, f.y, 0.3, gold)
	f.y += 6

	for _, s := range rp.Sections {
		f.section(s, l)
	}

	// Header and footer on every page, now that the page count is known.
	org, title := r.cleanLine(rp.Org), r.cleanLine(rp.Title)
	generated := r.cleanLine(l.Generated + " " + formatDate(rp.Generated, l.DateTimeLayout))
	for i := range d.pages {
		d.cur = i
		if _, lines := r.fit(org, regular, 8, 6, 6, rpWidth/2-4, 1); len(lines) > 0 {
			d.text(rpLeft, 13, 'L', regular, 8, gray, lines[0])
		}
		if _, lines := r.fit(title, regular, 8, 6, 6, rpWidth/2-4, 1); len(lines) > 0 {
			d.text(rpRight, 13, 'R', regular, 8, gray, lines[0])
		}
		d.line(rpLeft, 15.5, rpRight, 15.5, 0.2, lightLine)
		d.line(rpLeft, 200, rpRight, 200, 0.2, lightLine)
		if _, lines := r.fit(generated, regular, 7.5, 6, 6, rpWidth-50, 1); len(lines) > 0 {
			d.text(rpLeft, 204.5, 'L', regular, 7.5, gray, lines[0])
		}
		d.text(rpRight, 204.5, 'R', regular, 7.5, gray, fmt.Sprintf("%s %d / %d", r.cleanLine(l.Page), i+1, len(d.pages)))
	}
	if err := d.render(w); err != nil {
		return fmt.Errorf("report %q: %w", rp.Title, err)
	}
	return nil
}

// reportFlow places blocks down the pages of a report.
type reportFlow struct {
	d *document
	r *Renderer
	y float64
}

func (f *reportFlow) newPage() {
	f.d.addPage()
	f.y = rpTop
}

// need starts a new page unless h millimetres are left on this one; it reports whether it did.
func (f *reportFlow) need(h float64) bool {
	if f.y+h > rpBottom {
		f.newPage()
		return true
	}
	return false
}

// para wraps s to the page width less indent and places the lines.
func (f *reportFlow) para(s string, st style, size float64, c color, indent float64) {
	lead := size * ptToMM * 1.45
	for _, line := range f.r.wrap(f.r.clean(s), st, size, rpWidth-indent) {
		f.need(lead)
		f.d.text(rpLeft+indent, f.y+size*ptToMM*0.8, 'L', st, size, c, line)
		f.y += lead
	}
}

func (f *reportFlow) heading(s string) {
	f.need(30) // keep a heading with the start of what follows
	f.para(s, bold, 12, navy, 0)
	f.y += 1.5
}

func (f *reportFlow) section(s ReportSection, l ReportLabels) {
	if strings.TrimSpace(s.Heading) == "" && len(s.Text) == 0 && len(s.Facts) == 0 && s.Table == nil && s.Note == "" {
		return
	}
	if s.Heading != "" {
		f.heading(s.Heading)
	}
	for _, t := range s.Text {
		f.para(t, regular, 9, ink, 0)
		f.y += 1.5
	}
	if len(s.Facts) > 0 {
		f.facts(s.Facts)
	}
	if s.Table != nil {
		f.table(s.Heading, *s.Table, l)
	}
	if s.Note != "" {
		f.para(s.Note, regular, 8.5, gray, 0)
	}
	f.y += 5
}

// facts places label–value pairs in two columns of text.
func (f *reportFlow) facts(facts []ReportFact) {
	const labelW, gap, size = 80.0, 4.0, 9.0
	lead := size * ptToMM * 1.45
	for _, fact := range facts {
		label := f.r.wrap(f.r.cleanLine(fact.Label), regular, size, labelW)
		value := f.r.wrap(f.r.cleanLine(fact.Value), bold, size, rpWidth-labelW-gap)
		n := max(len(label), len(value))
		f.need(float64(n) * lead)
		base := f.y + size*ptToMM*0.8
		for i, line := range label {
			f.d.text(rpLeft, base+float64(i)*lead, 'L', regular, size, gray, line)
		}
		for i, line := range value {
			f.d.text(rpLeft+labelW+gap, base+float64(i)*lead, 'L', bold, size, ink, line)
		}
		f.y += float64(n)*lead + 0.6
	}
	f.y += 2
}

// laidCell is a cell's text broken into lines.
type laidCell struct {
	lines []string
	size  float64
}

// table places t, breaking pages between rows and repeating the header row on each new page.
func (f *reportFlow) table(heading string, t ReportTable, l ReportLabels) {
	if len(t.Rows) == 0 {
		if t.Empty != "" {
			f.para(t.Empty, regular, 9, gray, 0)
		}
		return
	}
	total := 0.0
	for _, c := range t.Columns {
		total += max(c.Width, 0.1)
	}
	widths := make([]float64, len(t.Columns))
	for i, c := range t.Columns {
		widths[i] = rpWidth * max(c.Width, 0.1) / total
	}
	lead := rpCell * ptToMM * 1.3
	lay := func(cells []string, st style) ([]laidCell, float64) {
		out := make([]laidCell, len(widths))
		lines := 1
		for i := range widths {
			if i >= len(cells) {
				continue
			}
			s := f.r.cleanLine(cells[i])
			size, ls := f.r.fit(s, st, rpCell, rpCell, rpCell-1, widths[i]-2*rpCellPad, rpMaxLines)
			out[i] = laidCell{ls, size}
			lines = max(lines, len(ls))
		}
		return out, float64(lines)*lead + 2*rpCellPad
	}
	header, headerH := lay(headers(t.Columns), bold)
	drawRow := func(cells []laidCell, h float64, st style, fill *color, c color) {
		if fill != nil {
			f.d.fillRect(rpLeft, f.y, rpWidth, h, *fill)
		}
		x := rpLeft
		for i, cell := range cells {
			for j, line := range cell.lines {
				base := f.y + rpCellPad + cell.size*ptToMM*0.85 + float64(j)*lead
				if t.Columns[i].Right {
					f.d.text(x+widths[i]-rpCellPad, base, 'R', st, cell.size, c, line)
				} else {
					f.d.text(x+rpCellPad, base, 'L', st, cell.size, c, line)
				}
			}
			x += widths[i]
		}
		f.y += h
	}
	headerFill := color{226, 232, 241}
	drawHeader := func() {
		drawRow(header, headerH, bold, &headerFill, navy)
		f.d.line(rpLeft, f.y, rpRight, f.y, 0.3, navy)
	}
	f.need(headerH + lead*2 + 2*rpCellPad)
	drawHeader()
	for n, row := range t.Rows {
		cells, h := lay(row, regular)
		if f.y+h > rpBottom {
			f.newPage()
			if heading != "" {
				f.para(heading+" "+l.Continued, bold, 9, gray, 0)
				f.y += 1
			}
			drawHeader()
		}
		var fill *color
		if n%2 == 1 {
			fill = &rowShade
		}
		drawRow(cells, h, regular, fill, ink)
	}
	f.d.line(rpLeft, f.y, rpRight, f.y, 0.2, lightLine)
	f.y += 3
}

func headers(cols []ReportColumn) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Header
	}
	return out
}
