package audit

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"custos/app/db"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Mismatch says which entry of the log does not match and why.
type Mismatch struct {
	Seq    int64
	Reason string
}

func (m *Mismatch) Error() string {
	return fmt.Sprintf("audit log entry %d does not match: %s", m.Seq, m.Reason)
}

// VerifyResult summarises a good log.
type VerifyResult struct {
	Records    int64
	Root       tlog.Hash
	Checkpoint string // the newest signed checkpoint
}

// verifyBatch is how many records Verify reads at a time, so memory holds hashes, not records.
const verifyBatch = 5000

// Verify recomputes the whole tree from the records, never trusting a stored hash, and checks
// every checkpoint's signature and root against it. It returns a *Mismatch naming the first
// entry that does not match. It reads one consistent snapshot, so instances appending while it
// runs (a live server) cannot make a good log look broken.
func Verify(ctx context.Context, database *bun.DB, verifierKey string) (VerifyResult, error) {
	var opts *sql.TxOptions // SQLite: a transaction is already one snapshot
	if db.IsPostgres(database) {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	var res VerifyResult
	err := database.RunInTx(ctx, opts, func(ctx context.Context, tx bun.Tx) error {
		var err error
		res, err = verify(ctx, tx, verifierKey)
		return err
	})
	return res, err
}

func verify(ctx context.Context, idb bun.IDB, verifierKey string) (VerifyResult, error) {
	var res VerifyResult
	verifier, err := note.NewVerifier(verifierKey)
	if err != nil {
		return res, fmt.Errorf("audit: verifier key: %w", err)
	}
	var hashes []tlog.Hash // every stored hash, recomputed
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x >= int64(len(hashes)) {
				return nil, fmt.Errorf("hash %d not computed", x)
			}
			out[i] = hashes[x]
		}
		return out, nil
	})
	var n int64
	for {
		var rows []row
		err := idb.NewSelect().Model(&rows).Where("seq >= ?", n).Order("seq").Limit(verifyBatch).Scan(ctx)
		if err != nil {
			return res, fmt.Errorf("audit: read records from %d: %w", n, err)
		}
		for _, r := range rows {
			if r.Seq != n {
				return res, &Mismatch{n, fmt.Sprintf("entry is missing (next stored entry is %d)", r.Seq)}
			}
			if reason := checkRow(r); reason != "" {
				return res, &Mismatch{n, reason}
			}
			hs, err := tlog.StoredHashes(n, []byte(r.Record), reader)
			if err != nil {
				return res, fmt.Errorf("audit: hash record %d: %w", n, err)
			}
			hashes = append(hashes, hs...)
			n++
		}
		if len(rows) < verifyBatch {
			break
		}
	}
	res.Records = n
	if err := checkStoredHashes(ctx, idb, hashes); err != nil {
		return res, err
	}

	var cps []checkpointRow
	if err := idb.NewSelect().Model(&cps).Order("size").Scan(ctx); err != nil {
		return res, fmt.Errorf("audit: read checkpoints: %w", err)
	}
	if n == 0 && len(cps) == 0 {
		return res, nil
	}
	if len(cps) == 0 || cps[len(cps)-1].Size != n {
		last := int64(0)
		if len(cps) > 0 {
			last = cps[len(cps)-1].Size
		}
		return res, &Mismatch{min(n, last), fmt.Sprintf("the newest signed checkpoint covers %d entries but the log holds %d", last, n)}
	}
	for _, cp := range cps {
		size, root, err := openCheckpoint([]byte(cp.Note), verifier)
		if err != nil {
			return res, &Mismatch{cp.Size - 1, "checkpoint: " + err.Error()}
		}
		if size != cp.Size || !bytes.Equal(root[:], cp.Root) {
			return res, &Mismatch{cp.Size - 1, "checkpoint columns differ from its signed text"}
		}
		want, err := tlog.TreeHash(size, reader)
		if err != nil {
			return res, fmt.Errorf("audit: tree hash at %d: %w", size, err)
		}
		if want != root {
			// Checkpoints are checked oldest first and one is signed per append, so the first
			// that fails pins the changed entry: the last one it covers.
			return res, &Mismatch{size - 1, "the records do not hash to the signed checkpoint"}
		}
		res.Root, res.Checkpoint = root, cp.Note
	}
	return res, nil
}

// checkRow checks that a stored record is well formed and that the columns beside it say the
// same, so a changed column shown in the browser is caught too.
func checkRow(r row) string {
	var rec Record
	dec := json.NewDecoder(strings.NewReader(r.Record))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rec); err != nil {
		return "record is not valid JSON: " + err.Error()
	}
	canonical, _ := json.Marshal(rec)
	at, err := time.Parse(time.RFC3339Nano, rec.At)
	switch {
	case string(canonical) != r.Record:
		return "record is not in canonical form"
	case rec.Seq != r.Seq:
		return fmt.Sprintf("record says it is entry %d", rec.Seq)
	case err != nil || !at.Equal(r.At):
		return "time differs from the record"
	case rec.Actor != r.Actor || rec.Action != r.Action || rec.Subject != r.Subject || rec.IP != r.IP:
		return "columns differ from the record"
	case (r.ActorID == nil) != (rec.ActorID == 0) || (r.ActorID != nil && *r.ActorID != rec.ActorID):
		return "actor differs from the record"
	}
	return ""
}

// checkStoredHashes compares the stored tree with the recomputed one; a difference there means
// someone rewrote hashes without being able to sign a matching checkpoint. A stored hash with no
// record behind it (the newest record deleted) or a record whose hash is gone is a difference too.
func checkStoredHashes(ctx context.Context, idb bun.IDB, hashes []tlog.Hash) error {
	mismatch := func(idx int64, reason string) error {
		level, n := tlog.SplitStoredHashIndex(idx)
		return &Mismatch{n << level, reason}
	}
	var idx int64
	for {
		var rows []hashRow
		if err := idb.NewSelect().Model(&rows).Where("idx >= ?", idx).Order("idx").Limit(verifyBatch).Scan(ctx); err != nil {
			return fmt.Errorf("audit: read stored hashes: %w", err)
		}
		for _, r := range rows {
			switch {
			case r.Idx != idx:
				return mismatch(idx, "stored tree hash is missing")
			case idx >= int64(len(hashes)):
				return mismatch(idx, "entry is missing (its tree hash is still stored)")
			case !bytes.Equal(r.Hash, hashes[idx][:]):
				return mismatch(idx, "stored tree hash differs from the record")
			}
			idx++
		}
		if len(rows) < verifyBatch {
			break
		}
	}
	if idx < int64(len(hashes)) {
		return mismatch(idx, "stored tree hash is missing")
	}
	return nil
}

func openCheckpoint(msg []byte, verifier note.Verifier) (int64, tlog.Hash, error) {
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		return 0, tlog.Hash{}, fmt.Errorf("signature does not verify: %w", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) != 4 || lines[0] != CheckpointOrigin || lines[3] != "" {
		return 0, tlog.Hash{}, fmt.Errorf("malformed checkpoint text")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return 0, tlog.Hash{}, fmt.Errorf("malformed checkpoint size")
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		return 0, tlog.Hash{}, fmt.Errorf("malformed checkpoint root")
	}
	return size, root, nil
}
