package stmtcache_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/phystack/managed-tenants-api/internal/stmtcache"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// open returns a cache of size over a test database with a table t(v), and
// the dialect's placeholder for the first argument. conns > 0 bounds the
// database's connections.
func open(t *testing.T, size, conns int) (*stmtcache.Driver, string) {
	t.Helper()
	st := testkit.Store(t)
	if _, err := st.DB.Exec(`CREATE TABLE t (v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	if conns > 0 {
		st.DB.SetMaxOpenConns(conns)
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
	d, ph := open(t, 0, 1)
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
	if d.Dialect() == dialect.Postgres {
		// The one connection holds the two as prepared statements.
		var n int
		err := d.DB().QueryRow(`SELECT COUNT(*) FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO t %' OR statement LIKE 'SELECT COUNT(*) FROM t %'`).Scan(&n)
		if err != nil || n != 2 {
			t.Fatalf("%d statements prepared on the connection, want 2 (%v)", n, err)
		}
	}
}

func TestKeepsAtMostItsSize(t *testing.T) {
	d, ph := open(t, 2, 0)
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
	// The evicted statement still runs.
	if n, err := count(t, d, `SELECT COUNT(*) FROM t WHERE v = `+ph, 1); err != nil || n != 0 {
		t.Fatalf("evicted statement: %d, %v", n, err)
	}
}

func TestErrorsAreTheStatementsOwn(t *testing.T) {
	d, _ := open(t, 0, 0)
	for i := range 3 {
		_, err := count(t, d, `SELECT COUNT(*) FROM missing_table`)
		if err == nil || !strings.Contains(err.Error(), "missing_table") {
			t.Fatalf("run %d: %v, want the database's error about missing_table", i, err)
		}
	}
	// Remembered as not preparing: it runs unprepared from then on.
	if d.Len() != 1 {
		t.Fatalf("%d statements cached after failing to prepare, want 1", d.Len())
	}
}

func TestTransactionsUseTheCacheAndStayIsolated(t *testing.T) {
	d, ph := open(t, 0, 1)
	// One connection: a transaction that prepared through the pool would
	// wait for a second one until this deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	insert := `INSERT INTO t (v) VALUES (` + ph + `)`
	// Outside a transaction, twice: cached.
	for range 2 {
		if err := d.Exec(ctx, insert, []any{100}, nil); err != nil {
			t.Fatal(err)
		}
	}
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
	if n, err := count(t, d, `SELECT COUNT(*) FROM t WHERE v < `+ph, 100); err != nil || n != 6 {
		t.Fatalf("%d rows after one rollback and two commits, want 6 (%v)", n, err)
	}
	// Transactions used the cached insert and prepared nothing themselves
	// (their count ran three times, unprepared).
	if d.Len() != 1 || ctx.Err() != nil {
		t.Fatalf("%d statements cached, want the insert only (%v)", d.Len(), ctx.Err())
	}
}

// Statements evicted while other requests are starting on them are closed
// only once those have started: no request sees a closed statement.
func TestEvictionWhileInUse(t *testing.T) {
	d, ph := open(t, 1, 0)
	queries := []string{`SELECT COUNT(*) FROM t WHERE v = ` + ph, `SELECT COUNT(*) FROM t WHERE v <> ` + ph}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 150 {
				// Each run of the other text evicts this one (size 1).
				if _, err := count(t, d, queries[(w+i)%2], i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// A cached plan that PostgreSQL refuses after its table changed is
// forgotten and the statement runs unprepared.
func TestStaleCachedPlanRunsAgain(t *testing.T) {
	d, _ := open(t, 0, 1)
	if d.Dialect() != dialect.Postgres {
		t.Skip("PostgreSQL's cached plans")
	}
	ctx := context.Background()
	if _, err := d.DB().Exec(`INSERT INTO t (v) VALUES (7)`); err != nil {
		t.Fatal(err)
	}
	read := func() (string, error) {
		var rows entsql.Rows
		if err := d.Query(ctx, `SELECT v FROM t`, []any{}, &rows); err != nil {
			return "", err
		}
		defer rows.Close()
		var v string
		for rows.Next() {
			if err := rows.Scan(&v); err != nil {
				return "", err
			}
		}
		return v, rows.Err()
	}
	for range 2 {
		if v, err := read(); err != nil || v != "7" {
			t.Fatalf("%q, %v", v, err)
		}
	}
	if _, err := d.DB().Exec(`ALTER TABLE t ALTER COLUMN v TYPE text`); err != nil {
		t.Fatal(err)
	}
	if v, err := read(); err != nil || v != "7" {
		t.Fatalf("after the column's type changed: %q, %v", v, err)
	}
	if d.Len() != 0 {
		t.Fatalf("%d statements cached, want the stale one forgotten", d.Len())
	}
}
