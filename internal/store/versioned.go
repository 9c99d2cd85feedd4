package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"

	atlas "ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/postgres"
	"entgo.io/ent/dialect"

	"github.com/phystack/managed-tenants-api/migrations"
)

// migrationLock is the PostgreSQL advisory lock key that serialises
// migrations between instances ("phystack" in ASCII).
const migrationLock = 0x7068797374616b

// revisionTable records the applied migrations.
const revisionTable = "atlas_schema_revisions"

// MigrateVersioned applies the embedded migrations/ to a PostgreSQL database
// that is empty or was made by an earlier set of them, under an advisory lock
// so that two instances starting together cannot race.
func (s *Store) MigrateVersioned(ctx context.Context) error { return s.migrateVersioned(ctx, 0) }

// migrateVersioned applies the next n pending migrations (0: all).
func (s *Store) migrateVersioned(ctx context.Context, n int) error {
	if s.Dialect != dialect.Postgres {
		return fmt.Errorf("store: versioned migrations are for PostgreSQL")
	}
	conn, err := s.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return fmt.Errorf("store: migration lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock)

	dir, err := embeddedDir()
	if err != nil {
		return err
	}
	drv, err := postgres.Open(conn)
	if err != nil {
		return err
	}
	rrw := &revisions{conn: conn}
	if err := rrw.init(ctx); err != nil {
		return err
	}
	ex, err := atlas.NewExecutor(drv, dir, rrw)
	if err != nil {
		return err
	}
	if err := ex.ExecuteN(ctx, n); err != nil && !errors.Is(err, atlas.ErrNoPendingFiles) {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// embeddedDir copies the embedded files into an atlas directory.
func embeddedDir() (*atlas.MemDir, error) {
	dir := &atlas.MemDir{}
	entries, err := fs.ReadDir(migrations.FS, ".")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		b, err := fs.ReadFile(migrations.FS, e.Name())
		if err != nil {
			return nil, err
		}
		if err := dir.WriteFile(e.Name(), b); err != nil {
			return nil, err
		}
	}
	return dir, nil
}

// revisions stores atlas revisions in a table of the migrated database,
// through the connection that holds the migration lock.
type revisions struct{ conn *sql.Conn }

var _ atlas.RevisionReadWriter = (*revisions)(nil)

func (r *revisions) init(ctx context.Context) error {
	_, err := r.conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS public.`+revisionTable+` (
		version text PRIMARY KEY,
		hash text NOT NULL,
		partial_hashes jsonb,
		revision jsonb NOT NULL)`)
	return err
}

func (r *revisions) Ident() *atlas.TableIdent {
	return &atlas.TableIdent{Name: revisionTable, Schema: "public"}
}

func (r *revisions) ReadRevisions(ctx context.Context) ([]*atlas.Revision, error) {
	rows, err := r.conn.QueryContext(ctx, `SELECT hash, partial_hashes, revision FROM public.`+revisionTable+` ORDER BY version`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*atlas.Revision
	for rows.Next() {
		rev, err := scanRevision(rows.Scan)
		if err != nil {
			return nil, err
		}
		out = append(out, rev)
	}
	return out, rows.Err()
}

func (r *revisions) ReadRevision(ctx context.Context, version string) (*atlas.Revision, error) {
	row := r.conn.QueryRowContext(ctx, `SELECT hash, partial_hashes, revision FROM public.`+revisionTable+` WHERE version = $1`, version)
	rev, err := scanRevision(row.Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, atlas.ErrRevisionNotExist
	}
	return rev, err
}

func (r *revisions) WriteRevision(ctx context.Context, rev *atlas.Revision) error {
	data, err := json.Marshal(storedRevision{Revision: rev, Type: uint(rev.Type)})
	if err != nil {
		return err
	}
	partial, err := json.Marshal(rev.PartialHashes)
	if err != nil {
		return err
	}
	_, err = r.conn.ExecContext(ctx, `INSERT INTO public.`+revisionTable+` (version, hash, partial_hashes, revision)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (version) DO UPDATE SET hash = EXCLUDED.hash, partial_hashes = EXCLUDED.partial_hashes, revision = EXCLUDED.revision`,
		rev.Version, rev.Hash, partial, data)
	return err
}

func (r *revisions) DeleteRevision(ctx context.Context, version string) error {
	_, err := r.conn.ExecContext(ctx, `DELETE FROM public.`+revisionTable+` WHERE version = $1`, version)
	return err
}

// storedRevision shadows Type: atlas writes it as text but cannot read it
// back, so it is kept as its number.
type storedRevision struct {
	*atlas.Revision
	Type uint `json:"Type"`
}

func scanRevision(scan func(...any) error) (*atlas.Revision, error) {
	var hash string
	var partial, data []byte
	if err := scan(&hash, &partial, &data); err != nil {
		return nil, err
	}
	stored := storedRevision{Revision: &atlas.Revision{}}
	if err := json.Unmarshal(data, &stored); err != nil {
		return nil, err
	}
	rev := stored.Revision
	rev.Type = atlas.RevisionType(stored.Type)
	rev.Hash = hash
	if len(partial) > 0 {
		if err := json.Unmarshal(partial, &rev.PartialHashes); err != nil {
			return nil, err
		}
	}
	return rev, nil
}
