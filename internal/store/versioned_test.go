package store

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

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
	if err := st.Client.Schema.WriteTo(ctx, &plan); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(plan.String(), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && line != "BEGIN;" && line != "COMMIT;" {
			t.Fatalf("the ent schema differs from migrations/ (run make migration NAME=...):\n%s", plan.String())
		}
	}
}

// Two instances starting together: the advisory lock lets one migrate and
// the other find nothing pending.
func TestConcurrentMigrationsDoNotRace(t *testing.T) {
	dsn := scratchPostgres(t)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = open(t, dsn).Migrate(context.Background())
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
	}
	files := migrationFiles(t)
	var n int
	if err := open(t, dsn).DB.QueryRow(`SELECT count(*) FROM public.` + revisionTable).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(files) {
		t.Fatalf("%d revisions recorded for %d migration files", n, len(files))
	}
}

// A database made by the first migration keeps its rows when brought up to
// date, and migrating again changes nothing.
func TestUpgradeKeepsRows(t *testing.T) {
	dsn := scratchPostgres(t)
	st := open(t, dsn)
	ctx := context.Background()
	if err := st.migrateVersioned(ctx, 1); err != nil {
		t.Fatal(err)
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
	var n int
	if err := st.DB.QueryRow(`SELECT count(*) FROM public.` + revisionTable).Scan(&n); err != nil || n != len(migrationFiles(t)) {
		t.Fatalf("revisions = %d (%v), want %d", n, err, len(migrationFiles(t)))
	}
}

func migrationFiles(t *testing.T) []string {
	t.Helper()
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("no embedded migrations: %v", err)
	}
	return names
}
