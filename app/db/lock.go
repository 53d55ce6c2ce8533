package db

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// TryLock takes the named job lock for ttl if nobody holds it, so of several instances running
// the same periodic job only one does the work. It works the same on both dialects: one atomic
// upsert that only succeeds over an expired lock. release gives the lock back early.
func TryLock(ctx context.Context, db bun.IDB, name string, now time.Time, ttl time.Duration) (release func(), ok bool, err error) {
	b := make([]byte, 8)
	rand.Read(b)
	holder := hex.EncodeToString(b)
	var got []string
	err = db.NewRaw(`INSERT INTO job_locks (name, holder, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE job_locks.expires_at < ?
		RETURNING holder`, name, holder, now.Add(ttl), now).Scan(ctx, &got)
	if err != nil {
		return nil, false, fmt.Errorf("take lock %s: %w", name, err)
	}
	if len(got) == 0 || got[0] != holder {
		return func() {}, false, nil
	}
	release = func() {
		db.NewDelete().Table("job_locks").Where("name = ? AND holder = ?", name, holder).Exec(context.WithoutCancel(ctx))
	}
	return release, true, nil
}
