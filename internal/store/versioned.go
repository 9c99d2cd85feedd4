package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"entgo.io/ent/dialect"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"

	"github.com/phystack/managed-tenants-api/migrations"
)

// migrationLock is the PostgreSQL advisory lock key of migrations ("phystack"
// in ASCII), the one the earlier runner took.
const migrationLock = 0x7068797374616b

// versionTable is where goose records the applied migrations: its default
// table, goose_db_version, in the first schema of the search path (public).
const versionTable = goose.DefaultTablename

// MigrateVersioned applies the embedded migrations/ to a PostgreSQL database
// that is empty or was made by an earlier set of them, with goose: each file
// in one transaction, under goose's PostgreSQL advisory lock so that
// instances starting together cannot race.
func (s *Store) MigrateVersioned(ctx context.Context) error {
	return s.migrateUpTo(ctx, goose.MaxVersion)
}

// migrateUpTo applies the pending migrations up to and including version.
func (s *Store) migrateUpTo(ctx context.Context, version int64) error {
	if s.Dialect != dialect.Postgres {
		return fmt.Errorf("store: versioned migrations are for PostgreSQL")
	}
	// Poll for the lock every second (goose's default is 5 s) for up to 5
	// min. The lock id is the earlier runner's, so that an old and a new
	// instance starting together exclude each other too.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300), lock.WithLockID(migrationLock))
	if err != nil {
		return err
	}
	if err := adoptAtlasRevisions(ctx, s.DB, locker); err != nil {
		return fmt.Errorf("store: adopt earlier migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, s.DB, migrations.FS,
		goose.WithSessionLocker(locker), goose.WithTableName(versionTable))
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	if _, err := p.UpTo(ctx, version); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// atlasRevisionTable is where the earlier runner (atlas' executor) recorded
// the migrations it applied.
const atlasRevisionTable = "public.atlas_schema_revisions"

// adoptAtlasRevisions records in goose's table the versions the earlier
// runner applied, so that goose does not run them again. It only acts while
// goose's table does not exist, under the lock goose itself takes. The atlas
// table is left in place: nothing reads it any more, and it is harmless.
func adoptAtlasRevisions(ctx context.Context, db *sql.DB, locker lock.SessionLocker) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := locker.SessionLock(ctx, conn); err != nil {
		return err
	}
	defer func() {
		err = errors.Join(err, locker.SessionUnlock(context.WithoutCancel(ctx), conn))
	}()

	st, err := database.NewStore(database.DialectPostgres, versionTable)
	if err != nil {
		return err
	}
	ext, ok := st.(database.StoreExtender)
	if !ok {
		return fmt.Errorf("goose's PostgreSQL store cannot tell whether %s exists", versionTable)
	}
	if exists, err := ext.TableExists(ctx, conn); err != nil || exists {
		return err
	}
	var hasAtlas bool
	if err := conn.QueryRowContext(ctx, `SELECT to_regclass($1) IS NOT NULL`, atlasRevisionTable).Scan(&hasAtlas); err != nil || !hasAtlas {
		return err
	}
	versions, err := atlasAppliedVersions(ctx, conn)
	if err != nil {
		return err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Version 0 first, as goose writes it when it creates the table.
	if err := st.CreateVersionTable(ctx, tx); err != nil {
		return err
	}
	for _, v := range append([]int64{0}, versions...) {
		if err := st.Insert(ctx, tx, database.InsertRequest{Version: v}); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// atlasAppliedVersions lists the versions of atlasRevisionTable in order. A
// partly applied one (atlas ran files statement by statement, outside a
// transaction) is an error: goose would run it again from the start.
func atlasAppliedVersions(ctx context.Context, conn *sql.Conn) ([]int64, error) {
	rows, err := conn.QueryContext(ctx, `SELECT version, (revision->>'Applied')::int, (revision->>'Total')::int
		FROM `+atlasRevisionTable+` ORDER BY version`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var version string
		var applied, total int
		if err := rows.Scan(&version, &applied, &total); err != nil {
			return nil, err
		}
		if applied != total {
			return nil, fmt.Errorf("migration %s was left partly applied (%d of %d statements) by the earlier runner: repair it by hand",
				version, applied, total)
		}
		v, err := strconv.ParseInt(version, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: version %q: %w", atlasRevisionTable, version, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
