// Package store opens the database: PostgreSQL through lib/pq when
// DATABASE_URL is a postgres:// URL, otherwise an embedded SQLite file
// (modernc.org/sqlite, pure Go) so a newcomer needs nothing installed.
package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/lib/pq"  // PostgreSQL driver "postgres"
	_ "modernc.org/sqlite" // SQLite driver "sqlite"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/migrate"
	"github.com/phystack/managed-tenants-api/ent/tenant"
	"github.com/phystack/managed-tenants-api/internal/sqlcount"
	"github.com/phystack/managed-tenants-api/internal/stmtcache"
)

// DefaultSQLiteFile is the embedded store used when DATABASE_URL is unset.
const DefaultSQLiteFile = "phystack.db"

// Store is an open database with its ent client.
type Store struct {
	Client  *ent.Client
	DB      *sql.DB
	Dialect string // dialect.Postgres or dialect.SQLite
}

// Open opens databaseURL: a postgres:// or postgresql:// URL, a sqlite:
// path (sqlite:/tmp/x.db), or "" for DefaultSQLiteFile in the working
// directory. opts are extra ent options (a driver wrapper, a debug log).
func Open(databaseURL string, opts ...ent.Option) (*Store, error) {
	var (
		db  *sql.DB
		dia string
		err error
	)
	switch {
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		dia = dialect.Postgres
		db, err = sql.Open("postgres", PostgresDSN(databaseURL))
		if err != nil {
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
		db.SetMaxOpenConns(20)
		db.SetMaxIdleConns(20)
		db.SetConnMaxIdleTime(5 * time.Minute)
	default:
		dia = dialect.SQLite
		path := strings.TrimPrefix(strings.TrimPrefix(databaseURL, "sqlite://"), "sqlite:")
		if path == "" {
			path = DefaultSQLiteFile
		}
		db, err = sql.Open("sqlite", SQLiteDSN(path))
		if err != nil {
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		// One writer at a time is SQLite's rule; immediate transactions
		// and the busy timeout make writers queue instead of failing.
		db.SetMaxOpenConns(8)
	}
	// Every statement is counted against its request (internal/sqlcount).
	// On PostgreSQL repeated statements run prepared (internal/stmtcache).
	var base dialect.Driver = entsql.OpenDB(dia, db)
	if dia == dialect.Postgres {
		base = stmtcache.Open(dia, db, 0)
	}
	drv := sqlcount.Wrap(base)
	client := ent.NewClient(append([]ent.Option{ent.Driver(drv)}, opts...)...)
	return &Store{Client: client, DB: db, Dialect: dia}, nil
}

// PostgresDSN is the lib/pq DSN of a postgres:// URL, with two defaults the
// URL may override:
//
//   - connect_timeout=3: requests fail fast while the database is
//     unreachable.
//   - binary_parameters=yes: a statement with arguments is one round trip
//     (Parse, Bind, Execute together) instead of two (lib/pq otherwise
//     prepares it first to learn its parameter types). lib/pq then sends
//     []byte arguments in binary format: right for bytea (token hashes);
//     JSON columns are written as text (ent/schema/jsontext) for it.
func PostgresDSN(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	if q.Get("connect_timeout") == "" {
		q.Set("connect_timeout", "3")
	}
	if q.Get("binary_parameters") == "" {
		q.Set("binary_parameters", "yes")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// SQLiteDSN is the modernc.org/sqlite DSN of a file: foreign keys on (ent
// needs them), WAL, a busy timeout, immediate write transactions (no
// read-to-write upgrade deadlocks) and times stored in SQLite's format.
func SQLiteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	return "file:" + path + "?" + q.Encode()
}

var migrateMu sync.Mutex

// Migrate brings an empty or older database to the current schema: on
// PostgreSQL by the versioned migrations of migrations/, applied by goose
// (MigrateVersioned); on the embedded SQLite store by ent's automatic
// migration, which only adds (columns and tables are never dropped).
func (s *Store) Migrate(ctx context.Context) error {
	// ent's migrator edits its package-level table definitions: one
	// migration at a time per process.
	migrateMu.Lock()
	defer migrateMu.Unlock()
	if s.Dialect == dialect.Postgres {
		return s.MigrateVersioned(ctx)
	}
	// Indexes are dropped when the schema no longer has them (a changed
	// unique rule must not linger); columns and tables never are.
	if err := s.Client.Schema.Create(ctx, migrate.WithDropIndex(true)); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// Vacuum runs VACUUM ANALYZE on PostgreSQL after a bulk load (the bench
// seed): ANALYZE alone leaves the visibility map unset, and the planner then
// prices index-only scans, and the memberships index, as heap reads. It runs
// outside any transaction, as VACUUM must. On SQLite it does nothing.
func (s *Store) Vacuum(ctx context.Context) error {
	if s.Dialect != dialect.Postgres {
		return nil
	}
	if _, err := s.DB.ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
		return fmt.Errorf("store: vacuum: %w", err)
	}
	return nil
}

// Ping checks the database answers within d.
func (s *Store) Ping(ctx context.Context, d time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return s.DB.PingContext(ctx)
}

// Close closes the client and the database.
func (s *Store) Close() error { return s.Client.Close() }

// WithTx runs fn in a transaction of client and commits it, or rolls it back
// when fn fails or panics.
func WithTx(ctx context.Context, client *ent.Client, fn func(tx *ent.Tx) error) (err error) {
	tx, err := client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// LockMode is how LockTenant holds a tenant row.
type LockMode int

const (
	// Shared: other shared lockers go on, an exclusive one waits (a
	// creation under a partner holds it shared).
	Shared LockMode = iota
	// Exclusive: every other locker waits until the transaction ends.
	Exclusive
)

// LockTenant reads a tenant row for the rest of tx, locked on PostgreSQL
// (SELECT ... FOR UPDATE, or FOR SHARE): the one lock that orders the
// writers of a tenant (its life, its partner flag, its members). SQLite
// serialises write transactions already (they begin IMMEDIATE). Run the
// query in the system context: the lock is taken after access decided.
func LockTenant(tx *ent.Tx, dialectName string, id int, mode LockMode) *ent.TenantQuery {
	q := tx.Tenant.Query().Where(tenant.ID(id))
	switch {
	case dialectName != dialect.Postgres:
	case mode == Exclusive:
		q = q.ForUpdate()
	default:
		q = q.ForShare()
	}
	return q
}
