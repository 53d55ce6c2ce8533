package db

import (
	"context"
	"database/sql/driver"
	"errors"

	"github.com/uptrace/bun/driver/pgdriver"
)

// pgConnector hands out pgdriver connections whose prepared statements end their connection
// after a connection-level failure, as pgdriver does for every other query. Otherwise a
// connection the server ended (a restart, a failover) goes back to the pool after its first
// failure and fails a second request before database/sql notices.
type pgConnector struct{ *pgdriver.Connector }

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	cn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &pgConn{cn.(*pgdriver.Conn)}, nil
}

type pgConn struct{ *pgdriver.Conn }

func (cn *pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := cn.Conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, cn.closeIfBroken(err)
	}
	return &pgStmt{Stmt: st, cn: cn}, nil
}

func (cn *pgConn) Prepare(query string) (driver.Stmt, error) {
	return cn.PrepareContext(context.Background(), query)
}

// closeIfBroken closes the connection unless err is an SQL error the connection survives, by
// pgdriver's own rule, and returns err.
func (cn *pgConn) closeIfBroken(err error) error {
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Field('V') == "FATAL", pgErr.Field('V') == "PANIC",
			pgErr.Field('C') == "25P02", // current transaction is aborted
			pgErr.Field('C') == "57014": // cancelled
		default:
			return err
		}
	}
	_ = cn.Close()
	return err
}

type pgStmt struct {
	driver.Stmt
	cn *pgConn
}

func (s *pgStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, s.cn.closeIfBroken(err)
	}
	return rows, nil
}

func (s *pgStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	res, err := s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
	if err != nil {
		return nil, s.cn.closeIfBroken(err)
	}
	return res, nil
}

// Close frees the statement on the server; one whose connection is closed went with it.
func (s *pgStmt) Close() error {
	if !s.cn.IsValid() {
		return nil
	}
	return s.Stmt.Close()
}
