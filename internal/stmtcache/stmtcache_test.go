package stmtcache_test

import (
	"context"
	"strings"
	"testing"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/phystack/managed-tenants-api/internal/stmtcache"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// open returns a cache of size over a test database with a table t(v), and
// the dialect's placeholder for the first argument.
func open(t *testing.T, size int) (*stmtcache.Driver, string) {
	t.Helper()
	st := testkit.Store(t)
	if _, err := st.DB.Exec(`CREATE TABLE t (v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	ph := "?"
	if st.Dialect == dialect.Postgres {
		ph = "$1"
	}
	return stmtcache.Open(st.Dialect, st.DB, size), ph
}

func count(t *testing.T, ex dialect.ExecQuerier, query string, args ...any) (int, error) {
	t.Helper()
	var rows entsql.Rows
	if err := ex.Query(context.Background(), query, args, &rows); err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int
	for rows.Next() {
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	return n, rows.Err()
}

func TestPreparesWhatItSeesAgain(t *testing.T) {
	d, ph := open(t, 0)
	ctx := context.Background()
	for _, v := range []int{1, 2, 3} {
		if err := d.Exec(ctx, `INSERT INTO t (v) VALUES (`+ph+`)`, []any{v}, nil); err != nil {
			t.Fatal(err)
		}
	}
	q := `SELECT COUNT(*) FROM t WHERE v >= ` + ph
	for i, want := range []struct{ arg, n, cached int }{{1, 3, 1}, {2, 2, 2}, {3, 1, 2}} {
		n, err := count(t, d, q, want.arg)
		if err != nil {
			t.Fatal(err)
		}
		// The insert is prepared from its second run; the select too.
		if n != want.n || d.Len() != want.cached {
			t.Fatalf("run %d: count %d (want %d), %d cached (want %d)", i, n, want.n, d.Len(), want.cached)
		}
	}
}

func TestKeepsAtMostItsSize(t *testing.T) {
	d, ph := open(t, 2)
	for _, q := range []string{`SELECT COUNT(*) FROM t WHERE v = ` + ph, `SELECT COUNT(*) FROM t WHERE v < ` + ph, `SELECT COUNT(*) FROM t WHERE v > ` + ph} {
		for range 3 {
			if _, err := count(t, d, q, 1); err != nil {
				t.Fatal(err)
			}
		}
	}
	if d.Len() != 2 {
		t.Fatalf("%d statements cached, want the size, 2", d.Len())
	}
	// The evicted statement still runs (prepared again when seen again).
	if n, err := count(t, d, `SELECT COUNT(*) FROM t WHERE v = `+ph, 1); err != nil || n != 0 {
		t.Fatalf("evicted statement: %d, %v", n, err)
	}
}

func TestErrorsAreTheStatementsOwn(t *testing.T) {
	d, _ := open(t, 0)
	for i := range 3 {
		_, err := count(t, d, `SELECT COUNT(*) FROM missing_table`)
		if err == nil || !strings.Contains(err.Error(), "missing_table") {
			t.Fatalf("run %d: %v, want the database's error about missing_table", i, err)
		}
	}
	if d.Len() != 0 {
		t.Fatalf("%d statements cached after failing to prepare", d.Len())
	}
}

func TestTransactionsUseTheCacheAndStayIsolated(t *testing.T) {
	d, ph := open(t, 0)
	ctx := context.Background()
	insert := `INSERT INTO t (v) VALUES (` + ph + `)`
	for _, commit := range []bool{false, true, true} {
		tx, err := d.Tx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for v := range 3 {
			if err := tx.Exec(ctx, insert, []any{v}, nil); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := count(t, tx, `SELECT COUNT(*) FROM t WHERE v >= `+ph, 0); err != nil || n == 0 {
			t.Fatalf("the transaction does not see its rows: %d, %v", n, err)
		}
		if commit {
			err = tx.Commit()
		} else {
			err = tx.Rollback()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	// The rolled back round left nothing; the two committed ones 3 rows each.
	if n, err := count(t, d, `SELECT COUNT(*) FROM t WHERE v >= `+ph, 0); err != nil || n != 6 {
		t.Fatalf("%d rows after one rollback and two commits, want 6 (%v)", n, err)
	}
	if d.Len() < 2 {
		t.Fatalf("%d statements cached, want the insert and the count", d.Len())
	}
}
