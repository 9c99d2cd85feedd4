package store

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/phystack/managed-tenants-api/ent/migrate"
	"github.com/phystack/managed-tenants-api/ent/rule"
	_ "github.com/phystack/managed-tenants-api/ent/runtime" // privacy policies
	"github.com/phystack/managed-tenants-api/migrations"
)

// scratchPostgres opens an empty database of its own on the cluster of
// TEST_DATABASE_URL (these tests are about PostgreSQL migrations only).
func scratchPostgres(t *testing.T) string {
	t.Helper()
	admin := os.Getenv("TEST_DATABASE_URL")
	if admin == "" {
		t.Skip("versioned migrations are PostgreSQL's: set TEST_DATABASE_URL")
	}
	db, err := sql.Open("postgres", admin)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("phy_migrations_%d", time.Now().UnixNano())
	if _, err := db.Exec(`CREATE DATABASE "` + name + `"`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = db.Exec(`DROP DATABASE IF EXISTS "` + name + `" WITH (FORCE)`)
		db.Close()
	})
	u, _ := url.Parse(admin)
	u.Path = "/" + name
	return u.String()
}

func open(t *testing.T, dsn string) *Store {
	t.Helper()
	st, err := Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// The migrations equal the ent schema: after applying them, ent's own
// migration planner has nothing left to do.
func TestMigrationsMatchTheSchema(t *testing.T) {
	st := open(t, scratchPostgres(t))
	ctx := context.Background()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	// The check can fail: on an empty database the plan is the whole schema.
	empty := open(t, scratchPostgres(t))
	var full bytes.Buffer
	if err := empty.Client.Schema.WriteTo(ctx, &full); err != nil || !strings.Contains(full.String(), "CREATE TABLE") {
		t.Fatalf("plan of an empty database: %v\n%s", err, full.String())
	}
	var plan bytes.Buffer
	// Indexes too: a unique index the schema dropped must be gone.
	if err := st.Client.Schema.WriteTo(ctx, &plan, migrate.WithDropIndex(true)); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(plan.String(), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && line != "BEGIN;" && line != "COMMIT;" {
			t.Fatalf("the ent schema differs from migrations/ (run make migration NAME=...):\n%s", plan.String())
		}
	}
}

// Three instances starting together: goose's session lock lets one migrate
// and the others find nothing pending.
func TestConcurrentMigrationsDoNotRace(t *testing.T) {
	dsn := scratchPostgres(t)
	migrateTogether(t, dsn, 3)
	if got, want := appliedVersions(t, open(t, dsn).DB), fileVersions(t); !slices.Equal(got, want) {
		t.Fatalf("applied versions %v, want %v", got, want)
	}
}

// migrateTogether migrates dsn from n instances at once. They call
// MigrateVersioned, not Migrate, whose mutex would serialise them within
// this process: they meet only at the database's lock.
func migrateTogether(t *testing.T, dsn string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = open(t, dsn).MigrateVersioned(context.Background())
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
	}
}

// A database made by the first migration keeps its rows when brought up to
// date, and migrating again changes nothing.
func TestUpgradeKeepsRows(t *testing.T) {
	dsn := scratchPostgres(t)
	st := open(t, dsn)
	ctx := context.Background()
	first := fileVersions(t)[0]
	if err := st.migrateUpTo(ctx, first); err != nil {
		t.Fatal(err)
	}
	if got := appliedVersions(t, st.DB); !slices.Equal(got, []int64{first}) {
		t.Fatalf("after the first migration: applied %v", got)
	}
	sys := rule.SystemContext(ctx)
	be, err := st.Client.BillingEntity.Create().SetCode("PHY-SE").SetLegalName("Phystack AB").SetCountry("SE").Save(sys)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := open(t, dsn).Migrate(ctx); err != nil {
			t.Fatalf("migrate #%d: %v", i+1, err)
		}
	}
	got, err := st.Client.BillingEntity.Get(sys, be.ID)
	if err != nil || got.LegalName != "Phystack AB" {
		t.Fatalf("row after upgrade: %v, %v", got, err)
	}
	if got, want := appliedVersions(t, st.DB), fileVersions(t); !slices.Equal(got, want) {
		t.Fatalf("applied versions %v, want %v", got, want)
	}
}

// A database migrated by the earlier runner (atlas' executor, which recorded
// versions in atlas_schema_revisions) is adopted: goose records what atlas
// applied instead of running it again.
func TestAdoptsDatabaseOfAtlasRunner(t *testing.T) {
	dsn := scratchPostgres(t)
	st := open(t, dsn)
	ctx := context.Background()
	atlasRunnerDatabase(t, st.DB, 36)
	sys := rule.SystemContext(ctx)
	be, err := st.Client.BillingEntity.Create().SetCode("PHY-SE").SetLegalName("Phystack AB").SetCountry("SE").Save(sys)
	if err != nil {
		t.Fatal(err)
	}
	if err := open(t, dsn).Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if got, err := st.Client.BillingEntity.Get(sys, be.ID); err != nil || got.LegalName != "Phystack AB" {
		t.Fatalf("row after adoption: %v, %v", got, err)
	}
	got := appliedVersions(t, st.DB)
	if !slices.Contains(got, initialVersion) || !slices.Equal(got, fileVersions(t)) {
		t.Fatalf("applied versions %v, want %v", got, fileVersions(t))
	}
	count := func() (n int) {
		t.Helper()
		if err := st.DB.QueryRow(`SELECT count(*) FROM ` + versionTable).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	rows := count()
	if err := open(t, dsn).Migrate(ctx); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if n := count(); n != rows {
		t.Fatalf("second migrate wrote to %s: %d rows, were %d", versionTable, n, rows)
	}
	var kept int
	if err := st.DB.QueryRow(`SELECT count(*) FROM public.atlas_schema_revisions`).Scan(&kept); err != nil || kept != 1 {
		t.Fatalf("atlas_schema_revisions after adoption: %d rows, %v", kept, err)
	}
}

// Instances of the new runner starting together on a database of the earlier
// one: one adopts it, the others find goose's table made.
func TestConcurrentAdoptionDoesNotRace(t *testing.T) {
	dsn := scratchPostgres(t)
	atlasRunnerDatabase(t, open(t, dsn).DB, 36)
	migrateTogether(t, dsn, 3)
	if got, want := appliedVersions(t, open(t, dsn).DB), fileVersions(t); !slices.Equal(got, want) {
		t.Fatalf("applied versions %v, want %v", got, want)
	}
}

// A migration the earlier runner left half done is not silently re-run.
func TestPartlyAppliedAtlasRevisionIsRefused(t *testing.T) {
	dsn := scratchPostgres(t)
	st := open(t, dsn)
	atlasRunnerDatabase(t, st.DB, 10)
	err := st.Migrate(context.Background())
	if err == nil || !strings.Contains(err.Error(), "partly applied") {
		t.Fatalf("migrate = %v, want a partly applied error", err)
	}
}

// initialVersion is the migration the earlier runner applied.
const initialVersion = 20261128004728

// atlasRunnerDatabase makes db what the earlier runner left after applying the
// initial migration: its tables, and atlas_schema_revisions (DDL and row as
// that runner wrote them) saying applied of its 36 statements ran.
func atlasRunnerDatabase(t *testing.T, db *sql.DB, applied int) {
	t.Helper()
	b, err := fs.ReadFile(migrations.FS, "20261128004728_initial.sql")
	if err != nil {
		t.Fatal(err)
	}
	up, _, ok := strings.Cut(string(b), "-- +goose Down")
	if !ok {
		t.Fatal("the initial migration has no -- +goose Down")
	}
	if _, err := db.Exec(up); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS public.atlas_schema_revisions (
		version text PRIMARY KEY,
		hash text NOT NULL,
		partial_hashes jsonb,
		revision jsonb NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	revision := fmt.Sprintf(`{"Version": "20261128004728", "Description": "initial", "Type": 2, "Applied": %d, "Total": 36,
		"ExecutedAt": "2026-11-28T00:50:00.123456789Z", "ExecutionTime": 1021496, "OperatorVersion": ""}`, applied)
	if _, err := db.Exec(`INSERT INTO public.atlas_schema_revisions (version, hash, partial_hashes, revision)
		VALUES ($1, $2, $3, $4)`,
		"20261128004728", "wg8lbKo8qZn9vmZUrxMFNpxjJ/ScsTZK8f4YTfp84Gk=", "null", revision); err != nil {
		t.Fatal(err)
	}
}

// appliedVersions lists the migrations goose recorded as applied, in order.
func appliedVersions(t *testing.T, db *sql.DB) []int64 {
	t.Helper()
	rows, err := db.Query(`SELECT version_id FROM ` + versionTable + ` WHERE version_id > 0 AND is_applied ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// fileVersions are the versions of the embedded migration files, in order.
func fileVersions(t *testing.T) []int64 {
	t.Helper()
	var out []int64
	for _, name := range migrationFiles(t) {
		v, err := goose.NumericComponent(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, v)
	}
	return out
}

func migrationFiles(t *testing.T) []string {
	t.Helper()
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("no embedded migrations: %v", err)
	}
	return names
}
