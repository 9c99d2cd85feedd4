//go:build ignore

// Generates the next versioned migration from the ent schema: the difference
// between the migrations already in migrations/ (replayed on a scratch
// PostgreSQL database) and the schema, written in goose's format (goose
// applies them, see internal/store). Nothing is written when there is no
// difference. Run: make migration NAME=add_x
// (DEV_DATABASE_URL: an admin URL of a PostgreSQL cluster; default local).
package main

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"net/url"
	"os"
	"time"

	"ariga.io/atlas/sql/sqltool"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql/schema"
	_ "github.com/lib/pq"

	"github.com/phystack/managed-tenants-api/ent/migrate"
)

func main() {
	if len(os.Args) != 2 || os.Args[1] == "" {
		log.Fatal("usage: go run -mod=mod ./migrations/gen/main.go NAME")
	}
	admin := os.Getenv("DEV_DATABASE_URL")
	if admin == "" {
		admin = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	db, err := sql.Open("postgres", admin)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	dev := fmt.Sprintf("phy_migrate_dev_%d", time.Now().UnixNano())
	if _, err := db.Exec(`CREATE DATABASE "` + dev + `"`); err != nil {
		log.Fatal(err)
	}
	defer db.Exec(`DROP DATABASE "` + dev + `" WITH (FORCE)`)
	u, _ := url.Parse(admin)
	u.Path = "/" + dev
	dir, err := sqltool.NewGooseDir("migrations")
	if err != nil {
		log.Fatal(err)
	}
	err = migrate.NamedDiff(context.Background(), u.String(), os.Args[1],
		schema.WithDir(dir),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithDialect(dialect.Postgres),
		schema.WithFormatter(sqltool.GooseFormatter),
		// An index the schema no longer has is dropped: a unique rule that
		// changed must not linger. Columns and tables are never dropped.
		schema.WithDropIndex(true),
	)
	if err != nil {
		log.Fatal(err)
	}
}
