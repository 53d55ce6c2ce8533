package attest

import (
	"context"
	"crypto/ed25519"
	"fmt"

	"github.com/uptrace/bun"
)

// verifyBatch is how many signatures Verify holds in memory at once.
const verifyBatch = 500

// VerifyAll re-verifies every stored signature with the server's public key (see
// Signature.Check) and returns an error naming the first signature that fails.
func VerifyAll(ctx context.Context, db bun.IDB, pub ed25519.PublicKey) error {
	_, err := Verify(ctx, db, pub)
	return err
}

// Verify is VerifyAll that also says how many signatures it checked.
func Verify(ctx context.Context, db bun.IDB, pub ed25519.PublicKey) (int, error) {
	texts := newTextCache(db)
	n := 0
	var after int64
	for {
		var batch []Signature
		if err := db.NewSelect().Model(&batch).Where("id > ?", after).Order("id").Limit(verifyBatch).Scan(ctx); err != nil {
			return n, fmt.Errorf("verify signatures: load after %d: %w", after, err)
		}
		if len(batch) == 0 {
			return n, nil
		}
		for i := range batch {
			s := &batch[i]
			text, err := texts.get(ctx, s.Document, s.Version)
			if err != nil {
				return n, err
			}
			if err := s.Check(pub, text); err != nil {
				return n, fmt.Errorf("signature %d is not valid: %w", s.ID, err)
			}
			n++
		}
		after = batch[len(batch)-1].ID
	}
}

// textCache loads each signed text once: a few versions serve thousands of signatures.
type textCache struct {
	db    bun.IDB
	texts map[[2]string]*SignedText // by document and version; nil: not stored
}

func newTextCache(db bun.IDB) *textCache {
	return &textCache{db: db, texts: map[[2]string]*SignedText{}}
}

// get returns the stored text of a document's version, or nil when there is none.
func (c *textCache) get(ctx context.Context, document, version string) (*SignedText, error) {
	k := [2]string{document, version}
	if t, ok := c.texts[k]; ok {
		return t, nil
	}
	var rows []SignedText
	if err := c.db.NewSelect().Model(&rows).Where("document = ? AND version = ?", document, version).Scan(ctx); err != nil {
		return nil, fmt.Errorf("load signed text %s of %s: %w", version, document, err)
	}
	var t *SignedText
	if len(rows) > 0 {
		t = &rows[0]
	}
	c.texts[k] = t
	return t, nil
}
