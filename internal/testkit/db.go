// Package testkit gives tests real things: a migrated store of their own
// (SQLite, or PostgreSQL when TEST_DATABASE_URL is set), fixtures built
// through ent, and the real server with a typed GraphQL test client (API).
package testkit

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	_ "github.com/phystack/managed-tenants-api/ent/runtime" // privacy policies
	"github.com/phystack/managed-tenants-api/internal/store"
)

// PostgresURL is the admin URL of the PostgreSQL cluster tests run on, or ""
// to run them on SQLite.
func PostgresURL() string { return os.Getenv("TEST_DATABASE_URL") }

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// Main runs a package's tests and drops its PostgreSQL template afterwards.
// Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if templateName != "" {
		if db, err := sql.Open("postgres", PostgresURL()); err == nil {
			_, _ = db.Exec(`DROP DATABASE IF EXISTS "` + templateName + `" WITH (FORCE)`)
			db.Close()
		}
	}
	os.Exit(code)
}

// Store returns a migrated, empty store that belongs to this test alone: a
// SQLite file in t.TempDir(), or a scratch PostgreSQL database copied from
// this package's migrated template and dropped when the test ends.
func Store(t testing.TB) *store.Store {
	t.Helper()
	st, _ := StoreURL(t)
	return st
}

// StoreURL is Store that also returns the database URL (for a second
// connection pool, or the CLI).
func StoreURL(t testing.TB) (*store.Store, string) {
	t.Helper()
	if PostgresURL() == "" {
		path := filepath.Join(t.TempDir(), "test.db")
		st, err := store.Open("sqlite:" + path)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st, "sqlite:" + path
	}
	return postgresStore(t)
}

func postgresStore(t testing.TB) (*store.Store, string) {
	t.Helper()
	admin, err := sql.Open("postgres", PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	templateOnce.Do(func() { templateName, templateErr = makeTemplate(admin) })
	if templateErr != nil {
		t.Fatalf("testkit: template database: %v", templateErr)
	}
	name := "phy_test_" + randomHex()
	dbURL, err := withDatabase(PostgresURL(), name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(fmt.Sprintf(`CREATE DATABASE "%s" TEMPLATE "%s"`, name, templateName)); err != nil {
		t.Fatalf("testkit: create database: %v", err)
	}
	st, err := store.Open(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		st.Close()
		if db, err := sql.Open("postgres", PostgresURL()); err == nil {
			_, _ = db.Exec(`DROP DATABASE IF EXISTS "` + name + `" WITH (FORCE)`)
			db.Close()
		}
	})
	return st, dbURL
}

func makeTemplate(admin *sql.DB) (string, error) {
	name := "phy_tmpl_" + randomHex()
	if _, err := admin.Exec(`CREATE DATABASE "` + name + `"`); err != nil {
		return "", err
	}
	dbURL, err := withDatabase(PostgresURL(), name)
	if err != nil {
		return name, err
	}
	st, err := store.Open(dbURL)
	if err != nil {
		return name, err
	}
	defer st.Close()
	return name, st.Migrate(context.Background())
}

func withDatabase(raw, name string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("TEST_DATABASE_URL: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

func randomHex() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
