// Package db opens Custos's database (embedded SQLite or PostgreSQL) through bun and applies
// its migrations. Everything else in app/ talks to the database through the *bun.DB it returns.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/pgdriver"
	"github.com/uptrace/bun/driver/sqliteshim"
	"modernc.org/sqlite"
)

// Open connects to rawURL (sqlite://PATH or postgres://…) and checks that the database answers.
func Open(ctx context.Context, rawURL string) (*bun.DB, error) {
	var db *bun.DB
	if path, ok := strings.CutPrefix(rawURL, "sqlite://"); ok {
		var err error
		if db, err = openSQLite(path); err != nil {
			return nil, err
		}
	} else {
		connector, err := newPGConnector(rawURL)
		if err != nil {
			return nil, err
		}
		sqldb := sql.OpenDB(pgConnector{connector})
		// bun's default of 2 idle connections makes PostgreSQL open and close connections
		// under load (measured: about 4x less throughput), so keep the pool warm.
		n := 4 * runtime.GOMAXPROCS(0)
		sqldb.SetMaxOpenConns(n)
		sqldb.SetMaxIdleConns(n)
		sqldb.SetConnMaxIdleTime(5 * time.Minute)
		db = bun.NewDB(sqldb, pgdialect.New())
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("database is not reachable: %w", err)
	}
	return db, nil
}

func openSQLite(path string) (*bun.DB, error) {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create the database folder: %w", err)
		}
	}
	// WAL lets readers work while one writer writes; busy_timeout makes writers queue instead
	// of failing; _txlock=immediate takes the write lock at BEGIN so two writers never deadlock
	// upgrading read locks.
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	sqldb, err := sql.Open(sqliteshim.ShimName, dsn)
	if err != nil {
		return nil, fmt.Errorf("open SQLite file %s: %w", path, err)
	}
	// SQLite has one writer at a time; a small pool keeps readers concurrent under WAL.
	sqldb.SetMaxOpenConns(8)
	sqldb.SetMaxIdleConns(8)
	return bun.NewDB(sqldb, sqlitedialect.New()), nil
}

// newPGConnector builds pgdriver's connector, turning its panic on a malformed URL into an error.
func newPGConnector(rawURL string) (c *pgdriver.Connector, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed PostgreSQL URL: %v", r)
		}
	}()
	return pgdriver.NewConnector(pgdriver.WithDSN(rawURL), pgdriver.WithApplicationName("custos")), nil
}

// IsPostgres reports whether db talks to PostgreSQL.
func IsPostgres(db bun.IDB) bool { return db.Dialect().Name() == dialect.PG }

// IsUniqueViolation reports whether err comes from a unique or primary-key constraint, in either
// dialect.
func IsUniqueViolation(err error) bool {
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) {
		return pgErr.Field('C') == "23505"
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		// SQLITE_CONSTRAINT_UNIQUE (2067) and SQLITE_CONSTRAINT_PRIMARYKEY (1555).
		return liteErr.Code() == 2067 || liteErr.Code() == 1555
	}
	return false
}
