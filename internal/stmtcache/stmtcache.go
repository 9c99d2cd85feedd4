// Package stmtcache is an ent driver that sends the statements it sees again
// as prepared statements, so PostgreSQL parses each SQL text once per
// connection and may keep a generic plan for it instead of parsing and
// planning it on every execution (lib/pq otherwise sends every statement
// unnamed). ent's SQL text is stable per query shape (one-to-many loads pass
// their ids as one array, ent/sqlin), so a bounded cache holds the hot set.
//
// database/sql does the per-connection bookkeeping: a *sql.Stmt prepares
// itself on each connection it runs on, and Tx.StmtContext reuses the
// connection's prepared statement inside a transaction.
package stmtcache

import (
	"context"
	"database/sql"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	lru "github.com/hashicorp/golang-lru/v2"
)

// Defaults bound what PostgreSQL keeps per connection: at most Size
// prepared statements (a plan each), admitted on their second execution so
// that one-off texts never take a slot.
const (
	DefaultSize = 128
	seenSize    = 1024
)

// Driver is an ent dialect.Driver over db that prepares repeated statements.
type Driver struct {
	entsql.Conn
	db      *sql.DB
	dialect string
	stmts   *lru.Cache[string, *sql.Stmt]
	seen    *lru.Cache[string, struct{}]
}

// Open returns a Driver over db keeping up to size prepared statements
// (DefaultSize when size <= 0).
func Open(dialectName string, db *sql.DB, size int) *Driver {
	if size <= 0 {
		size = DefaultSize
	}
	// An evicted statement is closed: database/sql defers closing it on a
	// connection until the queries running on it are done.
	stmts, _ := lru.NewWithEvict(size, func(_ string, s *sql.Stmt) { _ = s.Close() })
	seen, _ := lru.New[string, struct{}](seenSize)
	d := &Driver{db: db, dialect: dialectName, stmts: stmts, seen: seen}
	d.Conn = entsql.Conn{ExecQuerier: &querier{d: d, ex: db}}
	return d
}

// DB is the underlying database.
func (d *Driver) DB() *sql.DB { return d.db }

// Dialect implements dialect.Driver.
func (d *Driver) Dialect() string { return d.dialect }

// Close closes the cached statements and the database.
func (d *Driver) Close() error {
	d.stmts.Purge()
	return d.db.Close()
}

// Tx implements dialect.Driver.
func (d *Driver) Tx(ctx context.Context) (dialect.Tx, error) { return d.BeginTx(ctx, nil) }

// BeginTx starts a transaction whose statements use the cache too.
func (d *Driver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	tx, err := d.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &entsql.Tx{Conn: entsql.Conn{ExecQuerier: &querier{d: d, ex: tx, tx: tx}}, Tx: tx}, nil
}

// ExecContext is ent's raw-SQL escape hatch (client.ExecContext).
func (d *Driver) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return d.Conn.ExecContext(ctx, query, args...)
}

// QueryContext is ent's raw-SQL escape hatch (client.QueryContext).
func (d *Driver) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return d.Conn.QueryContext(ctx, query, args...)
}

// stmt returns the prepared statement of query, or nil when query is seen
// for the first time or does not prepare (it then runs unprepared, and any
// error it has is reported by that run, as before).
func (d *Driver) stmt(ctx context.Context, query string) *sql.Stmt {
	if s, ok := d.stmts.Get(query); ok {
		return s
	}
	if ok, _ := d.seen.ContainsOrAdd(query, struct{}{}); !ok {
		return nil
	}
	s, err := d.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	// Two requests may prepare the same text at once: keep the first.
	if prev, ok, _ := d.stmts.PeekOrAdd(query, s); ok {
		_ = s.Close()
		return prev
	}
	return s
}

// Len is the number of cached statements.
func (d *Driver) Len() int { return d.stmts.Len() }

// querier runs statements on the database or a transaction of it.
type querier struct {
	d  *Driver
	ex entsql.ExecQuerier
	tx *sql.Tx // nil outside transactions
}

func (q *querier) prepared(ctx context.Context, query string) *sql.Stmt {
	s := q.d.stmt(ctx, query)
	if s == nil || q.tx == nil {
		return s
	}
	// The transaction's connection reuses the statement it has prepared.
	return q.tx.StmtContext(ctx, s)
}

func (q *querier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := q.prepared(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return q.ex.ExecContext(ctx, query, args...)
}

func (q *querier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := q.prepared(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return q.ex.QueryContext(ctx, query, args...)
}

var (
	_ dialect.Driver     = (*Driver)(nil)
	_ entsql.ExecQuerier = (*querier)(nil)
)
