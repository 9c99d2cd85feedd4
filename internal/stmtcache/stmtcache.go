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
	"errors"
	"sync"
	"sync/atomic"

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
	stmts   *lru.Cache[string, *entry]
	seen    *lru.Cache[string, struct{}]
	closing sync.WaitGroup // evicted statements being closed
}

// entry is a cached statement, counted while queries start on it: an
// evicted statement is closed by the last of them, never between a
// look-up and its use (once a query has started, its rows keep the
// statement open on their connection until they are closed). Nothing
// waits on a lock: a query may run for as long as a row lock makes it.
type entry struct {
	stmt    *sql.Stmt // nil: the text does not prepare; it runs unprepared
	refs    atomic.Int64
	evicted atomic.Bool
	once    sync.Once
}

// acquire reports whether the statement may be used; release after use.
func (e *entry) acquire(d *Driver) bool {
	e.refs.Add(1)
	if e.evicted.Load() {
		e.release(d)
		return false
	}
	return true
}

func (e *entry) release(d *Driver) {
	if e.refs.Add(-1) == 0 && e.evicted.Load() {
		d.closeLater(e)
	}
}

// evict marks e out of the cache; the last user closes it, or this.
func (d *Driver) evict(e *entry) {
	e.evicted.Store(true)
	if e.refs.Load() == 0 {
		d.closeLater(e)
	}
}

// closeLater closes e's statement once, apart from the request at hand:
// closing takes database/sql's pool lock and a round trip per idle
// connection.
func (d *Driver) closeLater(e *entry) {
	e.once.Do(func() {
		if e.stmt == nil {
			return
		}
		d.closing.Add(1)
		go func() {
			defer d.closing.Done()
			_ = e.stmt.Close()
		}()
	})
}

// Open returns a Driver over db keeping up to size prepared statements
// (DefaultSize when size <= 0).
func Open(dialectName string, db *sql.DB, size int) *Driver {
	if size <= 0 {
		size = DefaultSize
	}
	d := &Driver{db: db, dialect: dialectName}
	d.stmts, _ = lru.NewWithEvict(size, func(_ string, e *entry) { d.evict(e) })
	d.seen, _ = lru.New[string, struct{}](seenSize)
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
	d.closing.Wait()
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

// Len is the number of cached statements.
func (d *Driver) Len() int { return d.stmts.Len() }

// lookup returns the entry of query, preparing it when it is seen for the
// second time if admit is set; nil means run it unprepared. A text that
// fails to prepare is remembered as such (it then runs unprepared and
// reports its own error), unless the failure was the context's.
func (d *Driver) lookup(ctx context.Context, query string, admit bool) *entry {
	if e, ok := d.stmts.Get(query); ok {
		return e
	}
	if !admit {
		return nil
	}
	if ok, _ := d.seen.ContainsOrAdd(query, struct{}{}); !ok {
		return nil
	}
	s, err := d.db.PrepareContext(ctx, query)
	if err != nil && ctx.Err() != nil {
		return nil
	}
	e := &entry{stmt: s} // s is nil when err != nil
	// Two requests may prepare the same text at once: keep the first.
	if prev, ok, _ := d.stmts.PeekOrAdd(query, e); ok {
		d.evict(e)
		return prev
	}
	return e
}

// forget drops query's statement: PostgreSQL refused to run its cached
// plan again (the table changed under it).
func (d *Driver) forget(query string, e *entry) {
	if cur, ok := d.stmts.Peek(query); ok && cur == e {
		d.stmts.Remove(query) // the eviction callback closes it
	}
}

// querier runs statements on the database or a transaction of it.
type querier struct {
	d  *Driver
	ex entsql.ExecQuerier
	tx *sql.Tx // nil outside transactions
}

// run calls f with the prepared statement of query (nil: run unprepared).
// Outside a transaction a statement whose cached plan PostgreSQL refuses
// (a column's type changed: SQLSTATE 0A000) is forgotten and run again
// unprepared; inside one the error aborts the transaction, as any error.
func run[T any](ctx context.Context, q *querier, query string, f func(*sql.Stmt) (T, error)) (T, error) {
	// A transaction holds its connection: preparing through the pool would
	// wait for a second one (all 20 may be held by transactions doing the
	// same), so it only uses what is cached.
	e := q.d.lookup(ctx, query, q.tx == nil)
	if e == nil || e.stmt == nil || !e.acquire(q.d) {
		return f(nil)
	}
	s := e.stmt
	if q.tx != nil {
		// The transaction's connection reuses the statement it has
		// prepared, or prepares it on itself.
		s = q.tx.StmtContext(ctx, s)
	}
	v, err := f(s)
	e.release(q.d)
	if err != nil && q.tx == nil && staleCachedPlan(err) {
		q.d.forget(query, e)
		return f(nil)
	}
	return v, err
}

func staleCachedPlan(err error) bool {
	var state interface{ SQLState() string }
	return errors.As(err, &state) && state.SQLState() == "0A000"
}

func (q *querier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return run(ctx, q, query, func(s *sql.Stmt) (sql.Result, error) {
		if s == nil {
			return q.ex.ExecContext(ctx, query, args...)
		}
		return s.ExecContext(ctx, args...)
	})
}

func (q *querier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return run(ctx, q, query, func(s *sql.Stmt) (*sql.Rows, error) {
		if s == nil {
			return q.ex.QueryContext(ctx, query, args...)
		}
		return s.QueryContext(ctx, args...)
	})
}

var (
	_ dialect.Driver     = (*Driver)(nil)
	_ entsql.ExecQuerier = (*querier)(nil)
)
