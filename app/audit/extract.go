package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Head is the newest signed checkpoint: the tree every extract is proven against.
type Head struct {
	Size int64
	Root tlog.Hash
	Note string
}

// LatestHead returns the newest checkpoint, or a zero Head for an empty log.
func LatestHead(ctx context.Context, idb bun.IDB) (Head, error) {
	var cp checkpointRow
	err := idb.NewSelect().Model(&cp).Order("size DESC").Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return Head{}, nil
	}
	if err != nil {
		return Head{}, fmt.Errorf("audit: latest checkpoint: %w", err)
	}
	var root tlog.Hash
	copy(root[:], cp.Root)
	return Head{Size: cp.Size, Root: root, Note: cp.Note}, nil
}

// Extract hands each record stored in [from, to) to fn with its inclusion proof in the tree of
// head, so someone holding only the extract, the signed checkpoint and the public key can check
// that every record is in the log exactly as shown. Records are read in batches: memory holds a
// batch, not the period.
func Extract(ctx context.Context, idb bun.IDB, head Head, scope Scope, from, to time.Time, fn func(seq int64, record string, proof tlog.RecordProof) error) error {
	reader := dbHashReader(ctx, idb)
	var after int64 = -1
	for {
		var rows []row
		err := scope.apply(idb.NewSelect().Model(&rows).Column("seq", "record")).
			Where("seq > ? AND seq < ? AND at >= ? AND at < ?", after, head.Size, from, to).
			Order("seq").Limit(verifyBatch).Scan(ctx)
		if err != nil {
			return fmt.Errorf("audit: extract after %d: %w", after, err)
		}
		for _, r := range rows {
			proof, err := tlog.ProveRecord(head.Size, r.Seq, reader)
			if err != nil {
				return fmt.Errorf("audit: prove record %d: %w", r.Seq, err)
			}
			if err := fn(r.Seq, r.Record, proof); err != nil {
				return err
			}
		}
		if len(rows) < verifyBatch {
			return nil
		}
		after = rows[len(rows)-1].Seq
	}
}

// CheckExtractRecord checks one extracted record against a checkpoint: its proof must lead from
// the record's hash to the checkpoint's root. It needs nothing but its arguments.
func CheckExtractRecord(head Head, seq int64, record string, proof tlog.RecordProof) error {
	if seq < 0 || seq >= head.Size {
		return fmt.Errorf("entry %d is outside the checkpoint's %d entries", seq, head.Size)
	}
	if err := tlog.CheckRecord(proof, head.Size, head.Root, seq, tlog.RecordHash([]byte(record))); err != nil {
		return fmt.Errorf("entry %d is not in the signed log as shown: %w", seq, err)
	}
	return nil
}

// OpenCheckpoint verifies a signed checkpoint with the note verifier key and returns its head.
func OpenCheckpoint(note []byte, verifierKey string) (Head, error) {
	v, err := noteVerifier(verifierKey)
	if err != nil {
		return Head{}, err
	}
	size, root, err := openCheckpoint(note, v)
	if err != nil {
		return Head{}, err
	}
	return Head{Size: size, Root: root, Note: string(note)}, nil
}

func noteVerifier(verifierKey string) (note.Verifier, error) {
	v, err := note.NewVerifier(verifierKey)
	if err != nil {
		return nil, fmt.Errorf("audit: verifier key: %w", err)
	}
	return v, nil
}
