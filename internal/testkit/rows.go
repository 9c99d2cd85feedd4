package testkit

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/phystack/managed-tenants-api/ent/migrate"
	"github.com/phystack/managed-tenants-api/internal/store"
)

// RowCounts is the number of rows of each table.
type RowCounts map[string]int

// Rows counts the rows of every table of the schema but except (tables a
// test dropped), in SQL, so privacy does not hide any: a test shows that a
// request wrote nothing, or exactly what it should.
func Rows(t testing.TB, st *store.Store, except ...string) RowCounts {
	t.Helper()
	out := RowCounts{}
	for _, tbl := range migrate.Tables {
		if !slices.Contains(except, tbl.Name) {
			out[tbl.Name] = countRows(t, st, tbl.Name)
		}
	}
	return out
}

// Plus is c with the tables of delta holding that many more rows.
func (c RowCounts) Plus(delta RowCounts) RowCounts {
	out := maps.Clone(c)
	for tbl, n := range delta {
		out[tbl] += n
	}
	return out
}

// RequireRows fails the test unless each table of want holds exactly its
// rows (want usually comes from Rows, so it names every table).
func RequireRows(t testing.TB, st *store.Store, want RowCounts) {
	t.Helper()
	for _, tbl := range slices.Sorted(maps.Keys(want)) {
		if got := countRows(t, st, tbl); got != want[tbl] {
			t.Errorf("table %s holds %d rows, want %d", tbl, got, want[tbl])
		}
	}
}

func countRows(t testing.TB, st *store.Store, table string) int {
	t.Helper()
	var n int
	if err := st.DB.QueryRow(fmt.Sprintf(`SELECT COUNT(*) FROM %q`, table)).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}
