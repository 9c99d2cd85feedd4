package migrations

import (
	"testing"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/sqltool"
)

// atlas.sum guards the files against hand edits: make migration refuses to
// replay a directory whose sum is stale, and goose does not read it.
func TestAtlasSumMatchesTheFiles(t *testing.T) {
	dir, err := sqltool.NewGooseDir(".")
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate.Validate(dir); err != nil {
		t.Fatalf("%v (migration files are written by make migration, not by hand)", err)
	}
}
