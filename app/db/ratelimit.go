package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Hit counts one request for key in a fixed window and returns how many the window holds now.
// The count lives in the database, so every instance shares it.
func Hit(ctx context.Context, db bun.IDB, key string, window time.Duration, now time.Time) (int, error) {
	start := now.Truncate(window)
	var hits int
	err := db.NewRaw(`INSERT INTO rate_limits (key, window_start, hits) VALUES (?, ?, 1)
		ON CONFLICT (key) DO UPDATE SET
			hits = CASE WHEN rate_limits.window_start < excluded.window_start THEN 1 ELSE rate_limits.hits + 1 END,
			window_start = excluded.window_start
		RETURNING hits`, key, start).Scan(ctx, &hits)
	if err != nil {
		return 0, fmt.Errorf("count request for %s: %w", key, err)
	}
	return hits, nil
}
