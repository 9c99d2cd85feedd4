package sqlin_test

import (
	"reflect"
	"testing"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/phystack/managed-tenants-api/ent/sqlin"
)

func TestInts(t *testing.T) {
	for _, c := range []struct {
		dialect string
		ids     []int
		query   string
		args    []any
	}{
		{dialect.Postgres, []int{3, 1 << 40, 2}, `SELECT * FROM "t" WHERE "x" = $1 AND "t"."p" = ANY($2) AND "y" = $3`, []any{7, "{3,1099511627776,2}", 8}},
		{dialect.SQLite, []int{3, 1 << 40, 2}, "SELECT * FROM `t` WHERE `x` = ? AND `t`.`p` IN (?, ?, ?) AND `y` = ?", []any{7, 3, 1 << 40, 2, 8}},
		{dialect.Postgres, nil, `SELECT * FROM "t" WHERE "x" = $1 AND FALSE AND "y" = $2`, []any{7, 8}},
		{dialect.SQLite, []int{}, "SELECT * FROM `t` WHERE `x` = ? AND FALSE AND `y` = ?", []any{7, 8}},
	} {
		tb := sql.Table("t")
		q, args := sql.Dialect(c.dialect).Select("*").From(tb).
			Where(sql.And(sql.EQ("x", 7), sqlin.Ints(tb.C("p"), c.ids), sql.EQ("y", 8))).Query()
		if q != c.query || !reflect.DeepEqual(args, c.args) {
			t.Errorf("%s %v:\n got %s %v\nwant %s %v", c.dialect, c.ids, q, args, c.query, c.args)
		}
	}
}
