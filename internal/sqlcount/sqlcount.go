// Package sqlcount counts the SQL statements each request sends, by wrapping
// the ent driver. The count feeds a Prometheus histogram and, in debug mode,
// the response's extensions, so that "constant SQL per request" is measured,
// not assumed.
package sqlcount

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"

	"entgo.io/ent/dialect"
)

// Counter counts statements; it is safe for concurrent resolvers.
type Counter struct{ n atomic.Int64 }

// Load returns the count so far.
func (c *Counter) Load() int64 { return c.n.Load() }

type ctxKey struct{}

// NewContext returns ctx with a fresh counter.
func NewContext(ctx context.Context) (context.Context, *Counter) {
	c := &Counter{}
	return context.WithValue(ctx, ctxKey{}, c), c
}

// FromContext returns the counter of ctx, or nil.
func FromContext(ctx context.Context) *Counter {
	c, _ := ctx.Value(ctxKey{}).(*Counter)
	return c
}

func count(ctx context.Context) {
	if c := FromContext(ctx); c != nil {
		c.n.Add(1)
	}
}

// Driver wraps an ent driver and counts every Exec and Query (inside
// transactions too) against the counter of the call's context.
type Driver struct{ dialect.Driver }

// Wrap returns d counting statements.
func Wrap(d dialect.Driver) *Driver { return &Driver{Driver: d} }

func (d *Driver) Exec(ctx context.Context, query string, args, v any) error {
	count(ctx)
	return d.Driver.Exec(ctx, query, args, v)
}

func (d *Driver) Query(ctx context.Context, query string, args, v any) error {
	count(ctx)
	return d.Driver.Query(ctx, query, args, v)
}

func (d *Driver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &Tx{Tx: tx}, nil
}

// BeginTx keeps transaction options (isolation levels) working.
func (d *Driver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	drv, ok := d.Driver.(interface {
		BeginTx(context.Context, *sql.TxOptions) (dialect.Tx, error)
	})
	if !ok {
		return nil, fmt.Errorf("sqlcount: driver %T has no BeginTx", d.Driver)
	}
	tx, err := drv.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &Tx{Tx: tx}, nil
}

// Tx counts the statements of a transaction.
type Tx struct{ dialect.Tx }

func (t *Tx) Exec(ctx context.Context, query string, args, v any) error {
	count(ctx)
	return t.Tx.Exec(ctx, query, args, v)
}

func (t *Tx) Query(ctx context.Context, query string, args, v any) error {
	count(ctx)
	return t.Tx.Query(ctx, query, args, v)
}

// ExecContext passes ent's raw-SQL escape hatch through, counted.
func (d *Driver) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ex, ok := d.Driver.(interface {
		ExecContext(context.Context, string, ...any) (sql.Result, error)
	})
	if !ok {
		return nil, fmt.Errorf("sqlcount: driver %T has no ExecContext", d.Driver)
	}
	count(ctx)
	return ex.ExecContext(ctx, query, args...)
}

// QueryContext passes ent's raw-SQL escape hatch through, counted.
func (d *Driver) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	q, ok := d.Driver.(interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	})
	if !ok {
		return nil, fmt.Errorf("sqlcount: driver %T has no QueryContext", d.Driver)
	}
	count(ctx)
	return q.QueryContext(ctx, query, args...)
}
