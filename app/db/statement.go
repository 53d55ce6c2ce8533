package db

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/uptrace/bun"
)

// Statement is a query that a page runs on every request, prepared once on each connection.
// bun writes its arguments into the SQL text, so PostgreSQL parses and plans every query it
// gets; for the few lookups behind every page (the session, "my training") that costs more than
// running them. Build the query with bun once, with Param where the arguments go.
type Statement struct {
	db    *bun.DB
	query string

	mu   sync.Mutex               // held while preparing
	stmt atomic.Pointer[sql.Stmt] // prepared on first use: a database down at start-up is no error
}

// NewStatement returns the query q builds (a *bun.SelectQuery) as a statement.
func NewStatement(d *bun.DB, q fmt.Stringer) *Statement {
	return &Statement{db: d, query: q.String()}
}

// Param is the placeholder of the n-th argument (from 1) in d's dialect. SQLite's "?" takes the
// arguments in order, so a query uses each Param once, in order.
func Param(d *bun.DB, n int) bun.Safe {
	if IsPostgres(d) {
		return bun.Safe("$" + strconv.Itoa(n))
	}
	return bun.Safe("?")
}

// rows runs the statement, preparing it first if no one has.
func (s *Statement) rows(ctx context.Context, args []any) (*sql.Rows, error) {
	stmt, err := s.prepared(ctx)
	if err != nil {
		return nil, err
	}
	return stmt.QueryContext(ctx, args...)
}

func (s *Statement) prepared(ctx context.Context) (*sql.Stmt, error) {
	if stmt := s.stmt.Load(); stmt != nil {
		return stmt, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if stmt := s.stmt.Load(); stmt != nil {
		return stmt, nil
	}
	// A *sql.Stmt of the pool prepares itself again on each connection it is run on.
	stmt, err := s.db.DB.PrepareContext(ctx, s.query)
	if err != nil {
		return nil, fmt.Errorf("prepare %q: %w", s.query, err)
	}
	s.stmt.Store(stmt)
	return stmt, nil
}

// One scans the first row into dest (a struct or a pointer to one) and returns sql.ErrNoRows
// when there is none.
func (s *Statement) One(ctx context.Context, dest any, args ...any) error {
	rows, err := s.rows(ctx, args)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := s.db.ScanRow(ctx, rows, dest); err != nil {
		return err
	}
	return rows.Close()
}

// All scans every row into dest, a pointer to a slice.
func (s *Statement) All(ctx context.Context, dest any, args ...any) error {
	rows, err := s.rows(ctx, args)
	if err != nil {
		return err
	}
	return s.db.ScanRows(ctx, rows, dest)
}
