package reports

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Columns names the completion report's columns, in order; the CSV header uses these names,
// which scripts may rely on.
var Columns = []string{"email", "name", "department", "manager", "course", "cycle", "status", "opened", "due",
	"completed", "score", "certificate_serial", "undertaking_version"}

// Completion is one completion report: whose rows, narrowed how, as of when.
type Completion struct {
	DB     bun.IDB
	Now    time.Time
	Scope  Scope
	Filter Filter
}

func (c Completion) rows() *rows {
	r := newRows(c.DB, c.Now, c.Scope, c.Filter)
	r.evidence = true
	return r
}

// cells fills dst with the row's values in Columns order: dates are calendar days in the
// person's own time zone (the day their due date means to them), the score is empty when no
// quiz was passed.
func (r *Row) cells(dst []string) []string {
	dst = append(dst[:0], r.Email, r.Name, r.Department, r.Manager, r.Course, strconv.Itoa(r.Cycle), string(r.Status),
		day(&r.OpenedAt, r.Loc), day(&r.DueAt, r.Loc), day(r.CompletedAt, r.Loc), "", r.Serial, r.Undertaking)
	if r.Score >= 0 {
		dst[10] = strconv.Itoa(r.Score)
	}
	return dst
}

// Neutralize defuses a cell that a spreadsheet would read as a formula (it starts with =, +,
// -, @, a tab or a carriage return) by putting a single quote before it, as OWASP advises
// against CSV injection. Other cells are returned as they are.
func Neutralize(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// bom makes Excel read the file as UTF-8, so Chinese names survive a double click.
const bom = "\uFEFF"

// WriteCSV writes the report as RFC 4180 CSV (CRLF line ends, quotes where needed) in UTF-8
// with a byte-order mark: a header row of Columns, then one row per person and assignment.
// Rows are read page by page and written as they come, so memory stays flat for any size;
// when w can Flush, each page is pushed to the reader before the next is read.
func (c Completion) WriteCSV(ctx context.Context, w io.Writer) error {
	if _, err := io.WriteString(w, bom); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(Columns); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	flusher, _ := w.(interface{ Flush() error })
	n := 0
	cells := make([]string, 0, len(Columns))
	err := c.rows().each(ctx, func(r *Row) error {
		cells = r.cells(cells)
		for i := range cells {
			cells[i] = Neutralize(cells[i])
		}
		if err := cw.Write(cells); err != nil {
			return err
		}
		if n++; n%PageSize == 0 {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return err
			}
			if flusher != nil {
				return flusher.Flush()
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// Query is the whole report as one SQL statement with its arguments, in the order the report
// writes its rows: what the benchmark hands to psql's \copy to compare against.
func (c Completion) Query() (string, []any) {
	return c.rows().SQL(0, "", 0, 0)
}
