// Package audit is Custos's tamper-evident log. Every security-relevant event is a record in a
// Merkle tree as in Certificate Transparency (golang.org/x/mod/sumdb/tlog); the tree head is
// signed with the server's key after every append, so changing, removing or reordering any
// record is detected by Verify.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"custos/app/db"
	"custos/app/signing"
)

// Entry is one event as the caller describes it.
type Entry struct {
	At       time.Time
	ActorID  int64  // 0 for nobody signed in (a failed sign-in, a command)
	Actor    string // the actor's e-mail address, or "system"/"cli"
	Action   string // a dotted kind such as "signin.success" or "person.update"
	Subject  string // what the event is about, such as "person:12"
	IP       string
	Details  map[string]string
	Sequence int64 // set by Append
}

// Record is the canonical form of an entry that is hashed into the tree. Its JSON encoding is
// deterministic: fixed field order, map keys sorted, times in UTC with nanoseconds.
type Record struct {
	Seq     int64             `json:"seq"`
	At      string            `json:"at"`
	ActorID int64             `json:"actor_id"`
	Actor   string            `json:"actor"`
	Action  string            `json:"action"`
	Subject string            `json:"subject"`
	IP      string            `json:"ip"`
	Details map[string]string `json:"details,omitempty"`
}

// row is how a record is stored; the columns beside record exist for filtering and are
// checked against the record by Verify.
type row struct {
	bun.BaseModel `bun:"table:audit_log,alias:entry"`

	Seq     int64     `bun:"seq,pk"`
	At      time.Time `bun:"at"`
	ActorID *int64    `bun:"actor_id"`
	Actor   string    `bun:"actor"`
	Action  string    `bun:"action"`
	Subject string    `bun:"subject"`
	IP      string    `bun:"ip"`
	Record  string    `bun:"record"`
}

type hashRow struct {
	bun.BaseModel `bun:"table:audit_hashes"`

	Idx  int64  `bun:"idx,pk"`
	Hash []byte `bun:"hash"`
}

type checkpointRow struct {
	bun.BaseModel `bun:"table:audit_checkpoints"`

	Size int64     `bun:"size,pk"`
	Root []byte    `bun:"root"`
	Note string    `bun:"note"`
	At   time.Time `bun:"at"`
}

// appendLockID serialises appends on PostgreSQL: every record's index is the tree size, so two
// transactions must not both read the same size.
const appendLockID = 0x61756469 // "audi"

// Log appends to and reads the audit log.
type Log struct {
	key *signing.Key
}

// New returns the log that signs its checkpoints with key.
func New(key *signing.Key) *Log { return &Log{key: key} }

// Append adds e to the log inside tx, the transaction of the change it records, so the change
// and its record commit or vanish together. It also stores a new signed checkpoint.
func (l *Log) Append(ctx context.Context, tx bun.Tx, e Entry) error {
	if db.IsPostgres(tx) {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", appendLockID); err != nil {
			return fmt.Errorf("audit: lock: %w", err)
		}
	}
	var size int64
	if err := tx.NewSelect().Model((*row)(nil)).ColumnExpr("COALESCE(MAX(seq) + 1, 0)").Scan(ctx, &size); err != nil {
		return fmt.Errorf("audit: read size: %w", err)
	}
	// Both databases keep microseconds; the record must say exactly what the column holds.
	at := e.At.UTC().Truncate(time.Microsecond)
	e = e.cleaned()
	rec := Record{
		Seq: size, At: at.Format(time.RFC3339Nano), ActorID: e.ActorID, Actor: e.Actor,
		Action: e.Action, Subject: e.Subject, IP: e.IP, Details: e.Details,
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("audit: encode: %w", err)
	}
	r := row{Seq: size, At: at, Actor: e.Actor, Action: e.Action, Subject: e.Subject, IP: e.IP, Record: string(data)}
	if e.ActorID != 0 {
		r.ActorID = &e.ActorID
	}
	if _, err := tx.NewInsert().Model(&r).Exec(ctx); err != nil {
		return fmt.Errorf("audit: insert record %d: %w", size, err)
	}
	reader := dbHashReader(ctx, tx)
	hashes, err := tlog.StoredHashes(size, data, reader)
	if err != nil {
		return fmt.Errorf("audit: hash record %d: %w", size, err)
	}
	first := tlog.StoredHashCount(size)
	rows := make([]hashRow, len(hashes))
	for i, h := range hashes {
		rows[i] = hashRow{Idx: first + int64(i), Hash: h[:]}
	}
	if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return fmt.Errorf("audit: store hashes of %d: %w", size, err)
	}
	root, err := tlog.TreeHash(size+1, reader)
	if err != nil {
		return fmt.Errorf("audit: tree hash: %w", err)
	}
	signed, err := l.Checkpoint(size+1, root)
	if err != nil {
		return err
	}
	cp := checkpointRow{Size: size + 1, Root: root[:], Note: string(signed), At: at}
	if _, err := tx.NewInsert().Model(&cp).Exec(ctx); err != nil {
		return fmt.Errorf("audit: store checkpoint: %w", err)
	}
	return nil
}

// cleaned returns e with text that is stored exactly as it is hashed. JSON would turn invalid
// UTF-8 into U+FFFD while the columns kept the raw bytes, so a visitor typing such bytes into
// the sign-in form could make Verify fail; and PostgreSQL text cannot hold NUL at all.
func (e Entry) cleaned() Entry {
	clean := func(s string) string {
		return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
	}
	e.Actor, e.Action, e.Subject, e.IP = clean(e.Actor), clean(e.Action), clean(e.Subject), clean(e.IP)
	if e.Details != nil {
		details := make(map[string]string, len(e.Details))
		for k, v := range e.Details {
			details[clean(k)] = clean(v)
		}
		e.Details = details
	}
	return e
}

// Checkpoint returns the signed note for a tree of size records with the given root. The text is
// Custos's own (tlog.FormatTree writes a go.sum header): origin, size, base64 root.
func (l *Log) Checkpoint(size int64, root tlog.Hash) ([]byte, error) {
	text := CheckpointText(size, root)
	signed, err := note.Sign(&note.Note{Text: text}, l.key.NoteSigner())
	if err != nil {
		return nil, fmt.Errorf("audit: sign checkpoint: %w", err)
	}
	return signed, nil
}

// CheckpointOrigin is the first line of every checkpoint.
const CheckpointOrigin = "custos audit log"

// CheckpointText is the signed body of a checkpoint.
func CheckpointText(size int64, root tlog.Hash) string {
	return CheckpointOrigin + "\n" + strconv.FormatInt(size, 10) + "\n" + root.String() + "\n"
}

// dbHashReader reads stored hashes in the order asked, as tlog requires (a SQL IN query returns
// them in any order).
func dbHashReader(ctx context.Context, idb bun.IDB) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		if len(indexes) == 0 {
			return nil, nil
		}
		var rows []hashRow
		if err := idb.NewSelect().Model(&rows).Where("idx IN (?)", bun.In(indexes)).Scan(ctx); err != nil {
			return nil, fmt.Errorf("read audit hashes: %w", err)
		}
		byIdx := make(map[int64][]byte, len(rows))
		for _, r := range rows {
			byIdx[r.Idx] = r.Hash
		}
		out := make([]tlog.Hash, len(indexes))
		for i, idx := range indexes {
			h, ok := byIdx[idx]
			if !ok || len(h) != tlog.HashSize {
				return nil, fmt.Errorf("audit hash %d is missing", idx)
			}
			copy(out[i][:], h)
		}
		return out, nil
	})
}

// Filter narrows the log view; zero fields match everything.
type Filter struct {
	ActorID int64
	Action  string // a prefix such as "signin" or "person.update"
	Limit   int
	Before  int64 // show entries before this sequence number (paging); 0 for the newest
	Scope   Scope // what the reader's grant covers
}

// Shown is an entry as the admin page shows it.
type Shown struct {
	Record
	Time time.Time
}

// List returns entries matching f, newest first.
func List(ctx context.Context, idb bun.IDB, f Filter) ([]Shown, error) {
	var rows []row
	q := f.Scope.apply(idb.NewSelect().Model(&rows).Order("seq DESC"))
	if f.ActorID != 0 {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.Action != "" {
		q = q.Where("(action = ? OR action LIKE ?)", f.Action, f.Action+".%")
	}
	if f.Before > 0 {
		q = q.Where("seq < ?", f.Before)
	}
	if f.Limit > 0 {
		q = q.Limit(int64(f.Limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	out := make([]Shown, 0, len(rows))
	for _, r := range rows {
		var rec Record
		if err := json.Unmarshal([]byte(r.Record), &rec); err != nil {
			return nil, fmt.Errorf("audit: decode entry %d: %w", r.Seq, err)
		}
		out = append(out, Shown{Record: rec, Time: r.At})
	}
	return out, nil
}

// Actions lists the kinds of event in the log, for the filter.
func Actions(ctx context.Context, idb bun.IDB) ([]string, error) {
	var out []string
	if err := idb.NewSelect().Model((*row)(nil)).Distinct().Column("action").Order("action").Scan(ctx, &out); err != nil {
		return nil, fmt.Errorf("audit: list actions: %w", err)
	}
	return out, nil
}
