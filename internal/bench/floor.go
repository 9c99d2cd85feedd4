package bench

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// Floor fetches the rows of the Dashboard query with the least hand-written
// SQL: one statement per level, totals from window functions. It is what the
// API's cost is measured against (floor_ratio).
type Floor struct {
	DB       *sql.DB
	Postgres bool
}

// Fetch runs the four statements for a partner and returns the rows read.
func (f *Floor) Fetch(ctx context.Context, partnerID int) (int, error) {
	rows := 0
	tenantIDs, n, err := f.tenants(ctx, partnerID)
	if err != nil {
		return 0, err
	}
	rows += n
	spaceIDs, n, err := f.level(ctx, "spaces", "tenant_id", "id, name", tenantIDs, 5)
	if err != nil {
		return 0, err
	}
	rows += n
	deviceIDs, n, err := f.level(ctx, "devices", "space_id", "id, name, serial_number", spaceIDs, 4)
	if err != nil {
		return 0, err
	}
	rows += n
	_, n, err = f.level(ctx, "installations", "device_id", "id, name, app", deviceIDs, 2)
	return rows + n, err
}

func (f *Floor) tenants(ctx context.Context, partnerID int) ([]int, int, error) {
	plan := func(kind string) string {
		return `(SELECT p.name || '|' || p.monthly_price || '|' || p.currency FROM subscriptions s JOIN plans p ON p.id = s.plan_id
			WHERE s.tenant_id = t.id AND s.kind = '` + kind + `' AND s.ended_at IS NULL ORDER BY s.started_at DESC LIMIT 1)`
	}
	q := `SELECT t.id, t.display_name, t.country, COUNT(*) OVER () AS total, ` + plan("TENANT") + `, ` + plan("SUPPORT") + `
		FROM tenants t WHERE t.partner_id = ` + strconv.Itoa(partnerID) + ` ORDER BY t.id LIMIT 50`
	if f.Postgres {
		q = `SELECT t.id, t.display_name, t.country, COUNT(*) OVER () AS total, tp.plan, sp.plan
		FROM tenants t
		LEFT JOIN LATERAL (SELECT p.name || '|' || p.monthly_price || '|' || p.currency AS plan FROM subscriptions s JOIN plans p ON p.id = s.plan_id
			WHERE s.tenant_id = t.id AND s.kind = 'TENANT' AND s.ended_at IS NULL ORDER BY s.started_at DESC LIMIT 1) tp ON true
		LEFT JOIN LATERAL (SELECT p.name || '|' || p.monthly_price || '|' || p.currency AS plan FROM subscriptions s JOIN plans p ON p.id = s.plan_id
			WHERE s.tenant_id = t.id AND s.kind = 'SUPPORT' AND s.ended_at IS NULL ORDER BY s.started_at DESC LIMIT 1) sp ON true
		WHERE t.partner_id = ` + strconv.Itoa(partnerID) + ` ORDER BY t.id LIMIT 50`
	}
	r, err := f.DB.QueryContext(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	defer r.Close()
	var ids []int
	for r.Next() {
		var id, total int
		var name, country string
		var tp, sp sql.NullString
		if err := r.Scan(&id, &name, &country, &total, &tp, &sp); err != nil {
			return nil, 0, err
		}
		ids = append(ids, id)
	}
	return ids, len(ids), r.Err()
}

// level reads the first `limit` children of each parent, with each parent's
// total, in one windowed statement.
func (f *Floor) level(ctx context.Context, table, parent, cols string, parents []int, limit int) ([]int, int, error) {
	if len(parents) == 0 {
		return nil, 0, nil
	}
	in := make([]string, len(parents))
	for i, p := range parents {
		in[i] = strconv.Itoa(p)
	}
	q := fmt.Sprintf(`SELECT %[1]s, %[2]s, total FROM (
		SELECT %[1]s, %[2]s, ROW_NUMBER() OVER (PARTITION BY %[2]s ORDER BY id) AS rn, COUNT(*) OVER (PARTITION BY %[2]s) AS total
		FROM %[3]s WHERE %[2]s IN (%[4]s)) x WHERE rn <= %[5]d`, cols, parent, table, strings.Join(in, ","), limit)
	r, err := f.DB.QueryContext(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	defer r.Close()
	n := len(strings.Split(cols, ",")) + 2
	var ids []int
	for r.Next() {
		vals := make([]any, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := r.Scan(ptrs...); err != nil {
			return nil, 0, err
		}
		switch v := vals[0].(type) {
		case int64:
			ids = append(ids, int(v))
		default:
			return nil, 0, fmt.Errorf("floor: id of type %T", v)
		}
	}
	return ids, len(ids), r.Err()
}
