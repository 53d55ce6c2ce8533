package reports

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"custos/locales"
)

// xlsxMaxRows is the most rows a worksheet holds; a larger report continues on a new sheet.
const xlsxMaxRows = excelize.TotalRows

// WriteXLSX writes the report as an Excel workbook for people: translated headers and statuses,
// real date cells, a frozen header row. Rows go through excelize's StreamWriter, which keeps
// at most a few megabytes in memory and spills the rest to a temporary file, and the workbook
// is written to w at the end. Cells are typed text, never formulas, so they need no
// neutralizing and keep their exact value.
func (c Completion) WriteXLSX(ctx context.Context, w io.Writer, l *locales.Localizer) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E2E8F1"}}})
	if err != nil {
		return fmt.Errorf("xlsx style: %w", err)
	}
	format := "yyyy-mm-dd"
	date, err := f.NewStyle(&excelize.Style{CustomNumFmt: &format})
	if err != nil {
		return fmt.Errorf("xlsx style: %w", err)
	}
	header := make([]any, len(Columns))
	for i, col := range Columns {
		header[i] = excelize.Cell{StyleID: bold, Value: l.T("reports_col_" + col)}
	}
	widths := []float64{30, 22, 18, 30, 24, 7, 13, 12, 12, 12, 7, 18, 20}

	name := sheetName(l.T("reports_xlsx_sheet"), 1)
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return fmt.Errorf("xlsx sheet: %w", err)
	}
	var sw *excelize.StreamWriter
	sheets, line := 1, 0
	start := func(sheet string) error {
		var err error
		if sw, err = f.NewStreamWriter(sheet); err != nil {
			return err
		}
		for i, wd := range widths {
			if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
				return err
			}
		}
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return err
		}
		line = 1
		return sw.SetRow("A1", header)
	}
	if err := start(name); err != nil {
		return fmt.Errorf("xlsx sheet: %w", err)
	}
	values := make([]any, len(Columns))
	err = c.rows().each(ctx, func(r *Row) error {
		if line == xlsxMaxRows {
			if err := sw.Flush(); err != nil {
				return err
			}
			sheets++
			next := sheetName(l.T("reports_xlsx_sheet"), sheets)
			if _, err := f.NewSheet(next); err != nil {
				return err
			}
			if err := start(next); err != nil {
				return err
			}
		}
		line++
		values = values[:0]
		values = append(values, r.Email, r.Name, r.Department, r.Manager, r.Course, r.Cycle, l.T("status_"+string(r.Status)),
			dateCell(&r.OpenedAt, r.Loc, date), dateCell(&r.DueAt, r.Loc, date), dateCell(r.CompletedAt, r.Loc, date), nil,
			r.Serial, r.Undertaking)
		if r.Score >= 0 {
			values[10] = r.Score
		}
		cell, err := excelize.CoordinatesToCellName(1, line)
		if err != nil {
			return err
		}
		return sw.SetRow(cell, values)
	})
	if err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	return nil
}

// dateCell is a date cell for the calendar day of t in loc, or an empty cell.
func dateCell(t *time.Time, loc *time.Location, style int) any {
	if t == nil {
		return nil
	}
	y, m, d := t.In(loc).Date()
	return excelize.Cell{StyleID: style, Value: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// sheetName is a valid worksheet name: at most 31 characters, none of []:*?/\.
func sheetName(base string, n int) string {
	r := []rune{}
	for _, c := range base {
		switch c {
		case '[', ']', ':', '*', '?', '/', '\\':
			continue
		}
		r = append(r, c)
	}
	if len(r) == 0 {
		r = []rune("Report")
	}
	suffix := []rune{}
	if n > 1 {
		suffix = []rune(fmt.Sprintf(" (%d)", n))
	}
	if len(r)+len(suffix) > 31 {
		r = r[:31-len(suffix)]
	}
	return string(append(r, suffix...))
}
