package audit_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/mod/sumdb/tlog"

	"custos/app/audit"
	"custos/app/db"
	"custos/app/dbtest"
	"custos/app/signing"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 123456789, time.UTC)

func newKey(t *testing.T) *signing.Key {
	t.Helper()
	k, err := signing.LoadOrCreate(filepath.Join(t.TempDir(), "signing.key"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// entry returns the i-th event of a plausible day: sign-ins and admin changes by a few people.
func entry(i int) audit.Entry {
	actors := []string{"admin@example.com", "li.wei@example.com", "anonymous"}
	actions := []string{"signin.success", "person.update", "signin.failure", "signout"}
	e := audit.Entry{
		At:      t0.Add(time.Duration(i) * time.Minute),
		ActorID: int64(i%3) + 1,
		Actor:   actors[i%3],
		Action:  actions[i%4],
		Subject: fmt.Sprintf("person:%d", i%5+1),
		IP:      "192.0.2.7",
		Details: map[string]string{"n": fmt.Sprint(i), "role": "employee"},
	}
	if e.Actor == "anonymous" {
		e.ActorID = 0
	}
	return e
}

// fill appends n entries, each in its own transaction as a real change would.
func fill(t *testing.T, database *bun.DB, log *audit.Log, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		err := database.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return log.Append(ctx, tx, entry(i))
		})
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
}

func mustVerify(t *testing.T, database *bun.DB, key *signing.Key) audit.VerifyResult {
	t.Helper()
	res, err := audit.Verify(context.Background(), database, key.VerifierKey())
	if err != nil {
		t.Fatalf("verify a log nobody touched: %v", err)
	}
	return res
}

// unguard does what a DBA with full rights could do: switch off the append-only triggers.
func unguard(t *testing.T, database *bun.DB) {
	t.Helper()
	var stmts []string
	if db.IsPostgres(database) {
		for _, table := range []string{"audit_log", "audit_hashes", "audit_checkpoints"} {
			stmts = append(stmts, "ALTER TABLE "+table+" DISABLE TRIGGER USER")
		}
	} else {
		for _, table := range []string{"audit_log", "audit_hashes", "audit_checkpoints"} {
			stmts = append(stmts, "DROP TRIGGER "+table+"_no_update", "DROP TRIGGER "+table+"_no_delete")
		}
	}
	for _, s := range stmts {
		if _, err := database.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func exec(t *testing.T, database *bun.DB, query string, args ...any) {
	t.Helper()
	res, err := database.Exec(query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		t.Fatalf("%s changed no row", query)
	}
}

// record reads and decodes the stored record of entry seq.
func record(t *testing.T, database *bun.DB, seq int64) audit.Record {
	t.Helper()
	var text string
	if err := database.NewRaw("SELECT record FROM audit_log WHERE seq = ?", seq).Scan(context.Background(), &text); err != nil {
		t.Fatalf("read record %d: %v", seq, err)
	}
	var r audit.Record
	if err := json.Unmarshal([]byte(text), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// rewrite stores r as entry seq's record and columns, well formed, as a careful forger would.
func rewrite(t *testing.T, database *bun.DB, seq int64, r audit.Record) {
	t.Helper()
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	at, _ := time.Parse(time.RFC3339Nano, r.At)
	var actorID *int64
	if r.ActorID != 0 {
		actorID = &r.ActorID
	}
	exec(t, database, "UPDATE audit_log SET record = ?, at = ?, actor_id = ?, actor = ?, action = ?, subject = ?, ip = ? WHERE seq = ?",
		string(data), at, actorID, r.Actor, r.Action, r.Subject, r.IP, seq)
}

// rehash rewrites every stored tree hash so that it matches the records as they now are: the
// forger knows the algorithm, only not the signing key.
func rehash(t *testing.T, database *bun.DB) {
	t.Helper()
	ctx := context.Background()
	var records []string
	if err := database.NewRaw("SELECT record FROM audit_log ORDER BY seq").Scan(ctx, &records); err != nil {
		t.Fatal(err)
	}
	var hashes []tlog.Hash
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = hashes[x]
		}
		return out, nil
	})
	for i, r := range records {
		hs, err := tlog.StoredHashes(int64(i), []byte(r), reader)
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, hs...)
	}
	for i, h := range hashes {
		if _, err := database.Exec("UPDATE audit_hashes SET hash = ? WHERE idx = ?", h[:], int64(i)); err != nil {
			t.Fatal(err)
		}
	}
}

const entries = 20

func TestAnUntouchedLogVerifies(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, url string, database *bun.DB) {
		key := newKey(t)
		log := audit.New(key)
		if res := mustVerify(t, database, key); res.Records != 0 {
			t.Fatalf("an empty log has %d records", res.Records)
		}
		fill(t, database, log, entries)
		res := mustVerify(t, database, key)
		if res.Records != entries {
			t.Errorf("verify counted %d records, want %d", res.Records, entries)
		}
		if res.Checkpoint == "" || res.Root == (tlog.Hash{}) {
			t.Errorf("verify returned no checkpoint or root: %+v", res)
		}
		shown, err := audit.List(context.Background(), database, audit.Filter{Action: "signin"})
		if err != nil {
			t.Fatal(err)
		}
		if len(shown) != 10 || shown[0].Seq != 18 || shown[0].Details["n"] != "18" {
			t.Errorf("listing signin.* shows %d entries starting at %+v, want 10 newest first", len(shown), shown)
		}
	})
}

func TestVerifyNamesTheEntryThatWasTamperedWith(t *testing.T) {
	t.Parallel()
	otherKey := func(t *testing.T) *audit.Log { return audit.New(newKey(t)) }
	cases := []struct {
		name   string
		tamper func(t *testing.T, database *bun.DB)
		seq    int64
	}{
		{"an edited actor, record and column alike", func(t *testing.T, database *bun.DB) {
			r := record(t, database, 7)
			r.Actor, r.ActorID = "someone.else@example.com", 42
			rewrite(t, database, 7, r)
		}, 7},
		{"an edited column beside an intact record", func(t *testing.T, database *bun.DB) {
			exec(t, database, "UPDATE audit_log SET actor = 'someone.else@example.com' WHERE seq = 7")
		}, 7},
		{"an edited time column", func(t *testing.T, database *bun.DB) {
			exec(t, database, "UPDATE audit_log SET at = ? WHERE seq = 3", t0.Add(-time.Hour))
		}, 3},
		{"an edited record that is no longer canonical JSON", func(t *testing.T, database *bun.DB) {
			exec(t, database, "UPDATE audit_log SET record = record || ' ' WHERE seq = 11")
		}, 11},
		{"a deleted middle entry", func(t *testing.T, database *bun.DB) {
			exec(t, database, "DELETE FROM audit_log WHERE seq = 10")
		}, 10},
		{"a deleted first entry", func(t *testing.T, database *bun.DB) {
			exec(t, database, "DELETE FROM audit_log WHERE seq = 0")
		}, 0},
		{"a deleted newest entry", func(t *testing.T, database *bun.DB) {
			exec(t, database, "DELETE FROM audit_log WHERE seq = ?", entries-1)
		}, entries - 1},
		{"a deleted newest entry with its checkpoint", func(t *testing.T, database *bun.DB) {
			exec(t, database, "DELETE FROM audit_log WHERE seq = ?", entries-1)
			exec(t, database, "DELETE FROM audit_checkpoints WHERE size = ?", entries)
		}, entries - 1},
		{"a deleted newest checkpoint", func(t *testing.T, database *bun.DB) {
			exec(t, database, "DELETE FROM audit_checkpoints WHERE size = ?", entries)
		}, entries - 1},
		{"two entries swapped, each record renumbered to fit its place", func(t *testing.T, database *bun.DB) {
			a, b := record(t, database, 4), record(t, database, 5)
			a.Seq, b.Seq = 5, 4
			rewrite(t, database, 4, b)
			rewrite(t, database, 5, a)
		}, 4},
		{"two rows swapped whole", func(t *testing.T, database *bun.DB) {
			exec(t, database, "UPDATE audit_log SET seq = -1 WHERE seq = 4")
			exec(t, database, "UPDATE audit_log SET seq = 4 WHERE seq = 5")
			exec(t, database, "UPDATE audit_log SET seq = 5 WHERE seq = -1")
		}, 4},
		{"a changed stored hash", func(t *testing.T, database *bun.DB) {
			exec(t, database, "UPDATE audit_hashes SET hash = ? WHERE idx = ?", make([]byte, tlog.HashSize), tlog.StoredHashIndex(0, 12))
		}, 12},
		{"a deleted stored hash", func(t *testing.T, database *bun.DB) {
			exec(t, database, "DELETE FROM audit_hashes WHERE idx = ?", tlog.StoredHashIndex(0, 12))
		}, 12},
		{"an edited record with every stored hash rewritten to match", func(t *testing.T, database *bun.DB) {
			r := record(t, database, 7)
			r.Action = "person.view"
			rewrite(t, database, 7, r)
			rehash(t, database)
		}, 7},
		{"a checkpoint signed with a different key", func(t *testing.T, database *bun.DB) {
			var root []byte
			if err := database.NewRaw("SELECT root FROM audit_checkpoints WHERE size = ?", entries).Scan(context.Background(), &root); err != nil {
				t.Fatal(err)
			}
			forged, err := otherKey(t).Checkpoint(entries, tlog.Hash(root))
			if err != nil {
				t.Fatal(err)
			}
			exec(t, database, "UPDATE audit_checkpoints SET note = ? WHERE size = ?", string(forged), entries)
		}, entries - 1},
		{"an edited record under checkpoints all re-signed with a different key", func(t *testing.T, database *bun.DB) {
			r := record(t, database, 7)
			r.Subject = "person:99"
			rewrite(t, database, 7, r)
			rehash(t, database)
			forger := otherKey(t)
			exec(t, database, "DELETE FROM audit_checkpoints")
			var hashes []tlog.Hash
			var stored [][]byte
			if err := database.NewRaw("SELECT hash FROM audit_hashes ORDER BY idx").Scan(context.Background(), &stored); err != nil {
				t.Fatal(err)
			}
			for _, h := range stored {
				hashes = append(hashes, tlog.Hash(h))
			}
			reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
				out := make([]tlog.Hash, len(idx))
				for i, x := range idx {
					out[i] = hashes[x]
				}
				return out, nil
			})
			for size := int64(1); size <= entries; size++ {
				root, err := tlog.TreeHash(size, reader)
				if err != nil {
					t.Fatal(err)
				}
				note, err := forger.Checkpoint(size, root)
				if err != nil {
					t.Fatal(err)
				}
				exec(t, database, "INSERT INTO audit_checkpoints (size, root, note, at) VALUES (?, ?, ?, ?)", size, root[:], string(note), t0)
			}
		}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dbtest.Each(t, func(t *testing.T, url string, database *bun.DB) {
				key := newKey(t)
				fill(t, database, audit.New(key), entries)
				mustVerify(t, database, key)
				unguard(t, database)
				tc.tamper(t, database)
				_, err := audit.Verify(context.Background(), database, key.VerifierKey())
				var m *audit.Mismatch
				if !errors.As(err, &m) {
					t.Fatalf("verify after tampering returned %v, want a *audit.Mismatch", err)
				}
				if m.Seq != tc.seq {
					t.Errorf("verify named entry %d (%v), want entry %d", m.Seq, m, tc.seq)
				}
			})
		})
	}
}

func TestTheDatabaseRefusesToChangeOrRemoveAuditHistory(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, url string, database *bun.DB) {
		key := newKey(t)
		fill(t, database, audit.New(key), 3)
		for _, q := range []string{
			"UPDATE audit_log SET actor = 'someone.else@example.com' WHERE seq = 1",
			"DELETE FROM audit_log WHERE seq = 2",
			"UPDATE audit_hashes SET hash = hash WHERE idx = 0",
			"DELETE FROM audit_hashes WHERE idx = 0",
			"UPDATE audit_checkpoints SET note = '' WHERE size = 3",
			"DELETE FROM audit_checkpoints",
		} {
			if _, err := database.Exec(q); err == nil {
				t.Errorf("%s: the database allowed it", q)
			}
		}
		if res := mustVerify(t, database, key); res.Records != 3 {
			t.Errorf("after refused changes the log holds %d records, want 3", res.Records)
		}
	})
}

func TestAnAppendInARolledBackTransactionLeavesNoTrace(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, url string, database *bun.DB) {
		key := newKey(t)
		log := audit.New(key)
		fill(t, database, log, 3)
		before := mustVerify(t, database, key)
		errChange := errors.New("the change this entry records failed")
		err := database.RunInTx(context.Background(), nil, func(ctx context.Context, tx bun.Tx) error {
			if err := log.Append(ctx, tx, entry(3)); err != nil {
				return err
			}
			return errChange
		})
		if !errors.Is(err, errChange) {
			t.Fatalf("transaction returned %v", err)
		}
		after := mustVerify(t, database, key)
		if after.Records != before.Records || after.Root != before.Root {
			t.Errorf("after a rollback the log has %d records (root %v), want %d (root %v)", after.Records, after.Root, before.Records, before.Root)
		}
		fill(t, database, log, 1) // the next append takes the place the rolled-back one left
		if res := mustVerify(t, database, key); res.Records != 4 {
			t.Errorf("log holds %d records after one more append, want 4", res.Records)
		}
	})
}

func TestConcurrentAppendsMakeALogThatVerifies(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, url string, database *bun.DB) {
		key := newKey(t)
		log := audit.New(key)
		const writers = 10
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		start := make(chan struct{})
		for i := range writers {
			wg.Go(func() {
				<-start
				errs <- database.RunInTx(context.Background(), nil, func(ctx context.Context, tx bun.Tx) error {
					return log.Append(ctx, tx, entry(i))
				})
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("append: %v", err)
			}
		}
		if res := mustVerify(t, database, key); res.Records != writers {
			t.Errorf("log holds %d records, want %d", res.Records, writers)
		}
	})
}

func TestEntriesWithOddTextStillVerify(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, url string, database *bun.DB) {
		key := newKey(t)
		log := audit.New(key)
		odd := []string{
			"email:a\xff@example.com",             // not UTF-8, as a visitor may type
			"email:a\xc3\x28\xff\xfe@example.com", // a run of bad bytes
			"email:nul\x00@example.com",           // PostgreSQL text cannot hold NUL
			"line\nbreak\r\tand <html> & \u2028",
		}
		for i, s := range odd {
			e := entry(i)
			e.Subject, e.Actor = s, s
			e.Details = map[string]string{s: s}
			err := database.RunInTx(context.Background(), nil, func(ctx context.Context, tx bun.Tx) error {
				return log.Append(ctx, tx, e)
			})
			if err != nil {
				t.Fatalf("append %q: %v", s, err)
			}
		}
		if res := mustVerify(t, database, key); res.Records != int64(len(odd)) {
			t.Errorf("log holds %d records, want %d", res.Records, len(odd))
		}
		shown, err := audit.List(context.Background(), database, audit.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if got := shown[0].Subject; got != odd[3] {
			t.Errorf("a valid subject with control characters came back as %q", got)
		}
	})
}
