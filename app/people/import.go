package people

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"custos/app/apperr"
)

// MaxImportBytes bounds an HR export: 20 MB holds well over 100,000 people.
const MaxImportBytes = 20 << 20

// ImportColumns are the columns an HR export may have, in SPEC.md's order; only email and name
// are required, and the order in the file is free.
var ImportColumns = []string{"email", "name", "department", "manager_email", "role", "locale", "hired_on", "left_on"}

// Row is one person read from an HR export, with the line it came from. Problem is set when
// the line itself is unreadable (a bad date); it is reported with the rest when planning.
type Row struct {
	Line    int
	Change  Change
	Problem *apperr.Error
}

// Problem is one bad line of an import.
type Problem struct {
	Line int
	Err  *apperr.Error
}

// ImportError lists every bad line of an import; nothing was written.
type ImportError struct{ Problems []Problem }

func (e *ImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d bad rows", len(e.Problems))
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "; line %d: %s", p.Line, p.Err.Key)
	}
	return b.String()
}

// ImportResult counts what an import did.
type ImportResult struct {
	Created, Updated, Unchanged int
}

// ReadCSV parses an HR export: UTF-8 with or without a byte-order mark, CRLF or LF line ends,
// columns in any order. It reports every bad line at once.
func ReadCSV(r io.Reader) ([]Row, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read import: %w", err)
	}
	if len(data) > MaxImportBytes {
		return nil, apperr.New(apperr.TooLarge, "error_import_too_large", "MaxMB", MaxImportBytes>>20)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	// An export saved in a legacy code page (Windows-1252, GBK) would otherwise be stored with
	// its bytes mangled or, in SQLite, as invalid text, and differ from the file on every rerun.
	if !utf8.Valid(data) {
		line := 1 + bytes.Count(data[:invalidUTF8At(data)], []byte("\n"))
		return nil, &ImportError{[]Problem{{line, apperr.New(apperr.Invalid, "error_import_not_utf8")}}}
	}
	cr := csv.NewReader(bufio.NewReader(bytes.NewReader(data)))
	cr.ReuseRecord = false
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &ImportError{[]Problem{{1, apperr.New(apperr.Invalid, "error_import_empty")}}}
	}
	if err != nil {
		return nil, &ImportError{[]Problem{{1, csvProblem(err)}}}
	}
	cols, problem := readHeader(header)
	if problem != nil {
		return nil, &ImportError{[]Problem{{1, problem}}}
	}
	cr.FieldsPerRecord = len(header)

	var rows []Row
	var problems []Problem
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// FieldPos is no help here: it panics when the failed read returned no fields.
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			problems = append(problems, Problem{line, csvProblem(err)})
			if pe == nil || pe.Err != csv.ErrFieldCount {
				break // the reader cannot find the next record reliably after a quoting error
			}
			continue
		}
		if isBlank(rec) {
			continue
		}
		line, _ := cr.FieldPos(0)
		c, perr := rowChange(cols, rec)
		rows = append(rows, Row{Line: line, Change: c, Problem: perr})
	}
	if len(problems) > 0 {
		return nil, &ImportError{problems}
	}
	return rows, nil
}

// invalidUTF8At returns the offset of the first byte of data that is not valid UTF-8.
func invalidUTF8At(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(data)
}

func csvProblem(err error) *apperr.Error {
	var pe *csv.ParseError
	if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
		return apperr.New(apperr.Invalid, "error_import_field_count")
	}
	return apperr.New(apperr.Invalid, "error_import_malformed", "Detail", err.Error())
}

func readHeader(header []string) (map[string]int, *apperr.Error) {
	cols := make(map[string]int, len(header))
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		known := false
		for _, c := range ImportColumns {
			known = known || c == h
		}
		if !known {
			return nil, apperr.New(apperr.Invalid, "error_import_unknown_column", "Column", h)
		}
		if _, dup := cols[h]; dup {
			return nil, apperr.New(apperr.Invalid, "error_import_duplicate_column", "Column", h)
		}
		cols[h] = i
	}
	for _, need := range []string{"email", "name"} {
		if _, ok := cols[need]; !ok {
			return nil, apperr.New(apperr.Invalid, "error_import_missing_column", "Column", need)
		}
	}
	return cols, nil
}

func isBlank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// rowChange turns one record into a Change. The export is authoritative for department,
// manager and dates; an empty role or locale keeps what an admin set in Custos.
func rowChange(cols map[string]int, rec []string) (Change, *apperr.Error) {
	cell := func(name string) (string, bool) {
		i, ok := cols[name]
		if !ok {
			return "", false
		}
		return strings.TrimSpace(rec[i]), true
	}
	email, _ := cell("email")
	name, _ := cell("name")
	c := Change{Email: NormalizeEmail(email), Name: &name}
	if v, ok := cell("department"); ok {
		c.Department = &v
	}
	if v, ok := cell("manager_email"); ok {
		c.Manager = &v
	}
	if v, ok := cell("role"); ok && v != "" {
		r := Role(strings.ToLower(v))
		c.Role = &r
	}
	if v, ok := cell("locale"); ok && v != "" {
		c.Locale = &v
	}
	for _, d := range []struct {
		col string
		dst **Date
	}{{"hired_on", &c.HiredOn}, {"left_on", &c.LeftOn}} {
		v, ok := cell(d.col)
		if !ok {
			continue
		}
		date, err := ParseDate(v)
		if err != nil {
			return c, apperr.New(apperr.Invalid, "error_date_invalid", "Column", d.col, "Value", v)
		}
		*d.dst = &date
	}
	return c, nil
}

// ImportTx applies rows inside tx, which the caller owns so audit records join the same
// transaction. Everyone is checked first (duplicates, managers, cycles, every field) and nothing
// is written when any row is bad. People missing from the file are left alone; an unchanged
// person is not touched, so importing the same file again changes nothing. It returns the people
// it created or changed. progress, when not nil, is told how far the writing has got.
func ImportTx(ctx context.Context, tx bun.Tx, rows []Row, now time.Time, progress func(done, total int)) (ImportResult, []*Person, error) {
	var existing []Person
	if err := tx.NewSelect().Model(&existing).Scan(ctx); err != nil {
		return ImportResult{}, nil, fmt.Errorf("load people for import: %w", err)
	}
	plan, err := planImport(rows, existing)
	if err != nil {
		return ImportResult{}, nil, err
	}
	return plan.write(ctx, tx, now, progress)
}

type importPlan struct {
	people   []*Person // one per row, already changed in memory
	changed  []bool
	managers []*string // desired manager address per row, nil = keep
	byEmail  map[string]*Person
}

func planImport(rows []Row, existing []Person) (*importPlan, error) {
	plan := &importPlan{byEmail: make(map[string]*Person, len(existing)+len(rows))}
	managerOf := make(map[string]string, len(existing)+len(rows)) // the chain after the import
	emailByID := make(map[int64]string, len(existing))
	for i := range existing {
		p := &existing[i]
		plan.byEmail[p.Email] = p
		emailByID[p.ID] = p.Email
	}
	for _, p := range existing {
		if p.ManagerID != nil {
			managerOf[p.Email] = emailByID[*p.ManagerID]
		}
	}
	var problems []Problem
	firstLine := make(map[string]int, len(rows))
	for _, r := range rows {
		if r.Problem != nil {
			problems = append(problems, Problem{r.Line, r.Problem})
			continue
		}
		if r.Change.Email == "" {
			problems = append(problems, Problem{r.Line, apperr.New(apperr.Invalid, "error_email_missing")})
			continue
		}
		if first, dup := firstLine[r.Change.Email]; dup {
			problems = append(problems, Problem{r.Line, apperr.New(apperr.Invalid, "error_import_duplicate_email", "Email", r.Change.Email, "First", first)})
			continue
		}
		firstLine[r.Change.Email] = r.Line
	}
	for _, r := range rows {
		if firstLine[r.Change.Email] != r.Line {
			continue
		}
		p := new(Person)
		if old, ok := plan.byEmail[r.Change.Email]; ok {
			*p = *old
		}
		c := r.Change
		c.Manager = nil // resolved below, once every row's address is known
		changed, err := c.apply(p, nil)
		if err != nil {
			problems = append(problems, Problem{r.Line, err})
			continue
		}
		if m := r.Change.Manager; m != nil {
			addr := NormalizeEmail(*m)
			_, inFile := firstLine[addr]
			_, stored := plan.byEmail[addr]
			switch {
			case addr == p.Email:
				problems = append(problems, Problem{r.Line, apperr.New(apperr.Invalid, "error_manager_self")})
				continue
			case addr != "" && !inFile && !stored:
				problems = append(problems, Problem{r.Line, apperr.New(apperr.Invalid, "error_manager_unknown", "Email", addr)})
				continue
			}
			if addr == "" {
				delete(managerOf, p.Email)
			} else {
				managerOf[p.Email] = addr
			}
			m := addr
			plan.managers = append(plan.managers, &m)
		} else {
			plan.managers = append(plan.managers, nil)
		}
		plan.people = append(plan.people, p)
		plan.changed = append(plan.changed, changed)
	}
	for _, r := range rows {
		if firstLine[r.Change.Email] == r.Line && inCycle(r.Change.Email, managerOf) {
			problems = append(problems, Problem{r.Line, apperr.New(apperr.Invalid, "error_manager_cycle", "Email", r.Change.Email)})
		}
	}
	if len(problems) > 0 {
		sortProblems(problems)
		return nil, &ImportError{problems}
	}
	return plan, nil
}

// inCycle follows the manager chain from email and reports whether it comes back round.
func inCycle(email string, managerOf map[string]string) bool {
	seen := map[string]bool{email: true}
	for cur := managerOf[email]; cur != ""; cur = managerOf[cur] {
		if cur == email {
			return true
		}
		if seen[cur] {
			return false // a loop further up, reported on its own rows
		}
		seen[cur] = true
	}
	return false
}

func sortProblems(ps []Problem) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].Line < ps[j-1].Line; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

func (plan *importPlan) write(ctx context.Context, tx bun.Tx, now time.Time, progress func(int, int)) (ImportResult, []*Person, error) {
	var res ImportResult
	var touched []*Person
	total := 2 * len(plan.people)
	report := func(done int) {
		if progress != nil {
			progress(done, total)
		}
	}
	created := make([]bool, len(plan.people))
	for i, p := range plan.people {
		switch {
		case p.ID == 0:
			created[i] = true
			p.CreatedAt, p.UpdatedAt = now, now
			if _, err := tx.NewInsert().Model(p).Exec(ctx); err != nil {
				return res, nil, fmt.Errorf("import %s: %w", p.Email, err)
			}
		case plan.changed[i]:
			p.UpdatedAt = now
			if _, err := tx.NewUpdate().Model(p).WherePK().ExcludeColumn("password_hash", "created_at", "manager_id").Exec(ctx); err != nil {
				return res, nil, fmt.Errorf("import %s: %w", p.Email, err)
			}
		}
		plan.byEmail[p.Email] = p
		report(i + 1)
	}
	for i, p := range plan.people {
		if m := plan.managers[i]; m != nil {
			var want *int64
			if *m != "" {
				want = &plan.byEmail[*m].ID
			}
			if !sameID(p.ManagerID, want) {
				p.ManagerID, p.UpdatedAt = want, now
				plan.changed[i] = true
				if _, err := tx.NewUpdate().Model(p).WherePK().Column("manager_id", "updated_at").Exec(ctx); err != nil {
					return res, nil, fmt.Errorf("import manager of %s: %w", p.Email, err)
				}
			}
		}
		report(len(plan.people) + i + 1)
	}
	for i, p := range plan.people {
		switch {
		case created[i]:
			res.Created++
			touched = append(touched, p)
		case plan.changed[i]:
			res.Updated++
			touched = append(touched, p)
		default:
			res.Unchanged++
		}
	}
	return res, touched, nil
}

func sameID(a, b *int64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}
