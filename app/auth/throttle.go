package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Sign-in throttling. Failures are counted per account and per client address in the database,
// so every instance sees the same counts. After a few failures each further one blocks the key
// for twice as long as the last, up to maxBlock; a quiet hour forgets the count. A real person is
// therefore never locked out for more than maxBlock, while guessing stays slow.
const (
	accountFreeFailures = 3  // failures allowed on one account before delays start
	addressFreeFailures = 20 // one address may serve a whole office behind NAT
	maxBlock            = 15 * time.Minute
	forgetAfter         = time.Hour
)

func throttleKeys(email, ip string) (account, address string) {
	return "account:" + email, "ip:" + ip
}

// blockedUntil returns the latest time any of the keys is blocked until (zero when none is).
func blockedUntil(ctx context.Context, db bun.IDB, now time.Time, keys ...string) (time.Time, error) {
	var until []time.Time
	err := db.NewSelect().Table("sign_in_throttle").Column("blocked_until").
		Where("key IN (?)", bun.In(keys)).Where("blocked_until > ?", now).Scan(ctx, &until)
	if err != nil {
		return time.Time{}, fmt.Errorf("read sign-in throttle: %w", err)
	}
	var latest time.Time
	for _, u := range until {
		if u.After(latest) {
			latest = u
		}
	}
	return latest, nil
}

// recordFailure counts one failure for key and blocks it when it is past free failures. The
// count is one atomic upsert, so parallel guesses on two instances are all counted.
func recordFailure(ctx context.Context, db bun.IDB, key string, free int, now time.Time) error {
	var failures int
	err := db.NewRaw(`INSERT INTO sign_in_throttle (key, failures, last_failure_at, blocked_until)
		VALUES (?, 1, ?, ?)
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN sign_in_throttle.last_failure_at < ? THEN 1 ELSE sign_in_throttle.failures + 1 END,
			last_failure_at = excluded.last_failure_at
		RETURNING failures`, key, now, now, now.Add(-forgetAfter)).Scan(ctx, &failures)
	if err != nil {
		return fmt.Errorf("count sign-in failure: %w", err)
	}
	if failures <= free {
		return nil
	}
	block := time.Second << min(failures-free-1, 20)
	if block > maxBlock {
		block = maxBlock
	}
	_, err = db.NewUpdate().Table("sign_in_throttle").Set("blocked_until = ?", now.Add(block)).
		Where("key = ?", key).Exec(ctx)
	if err != nil {
		return fmt.Errorf("block sign-in: %w", err)
	}
	return nil
}

// clearFailures forgets an account's failures after a good sign-in.
func clearFailures(ctx context.Context, db bun.IDB, key string) error {
	if _, err := db.NewDelete().Table("sign_in_throttle").Where("key = ?", key).Exec(ctx); err != nil {
		return fmt.Errorf("clear sign-in failures: %w", err)
	}
	return nil
}
