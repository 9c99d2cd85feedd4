package bench

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"entgo.io/contrib/entgql"

	"github.com/phystack/managed-tenants-api/ent/gid"
	"github.com/phystack/managed-tenants-api/internal/billing"
)

// Floor answers the Dashboard query with the least hand-written code: one
// statement per level (totals from window functions), the rows nested into
// structs and encoded with encoding/json into the same JSON as the API's
// data (a test holds the two equal), no HTTP. It is what the API's cost is
// measured against (floor_ratio).
type Floor struct {
	DB       *sql.DB
	Postgres bool
}

// The Dashboard's answer, field for field in the query's order.
type (
	floorData struct {
		Tenant *floorRoot `json:"tenant"`
	}
	floorRoot struct {
		ID             string       `json:"id"`
		DisplayName    string       `json:"displayName"`
		ManagedTenants floorTenants `json:"managedTenants"`
	}
	floorTenants struct {
		TotalCount int                      `json:"totalCount"`
		PageInfo   floorPageInfo            `json:"pageInfo"`
		Edges      []floorEdge[floorTenant] `json:"edges"`
	}
	floorPageInfo struct {
		HasNextPage bool            `json:"hasNextPage"`
		EndCursor   json.RawMessage `json:"endCursor"`
	}
	floorEdge[T any] struct {
		Node T `json:"node"`
	}
	floorConn[T any] struct {
		TotalCount int            `json:"totalCount"`
		Edges      []floorEdge[T] `json:"edges"`
	}
	floorTenant struct {
		ID          string                 `json:"id"`
		DisplayName string                 `json:"displayName"`
		Country     string                 `json:"country"`
		TenantPlan  *floorPlan             `json:"tenantPlan"`
		SupportPlan *floorPlan             `json:"supportPlan"`
		Spaces      floorConn[*floorSpace] `json:"spaces"`
		planIDs     [2]sql.NullInt64       // the running tenant and support plans
	}
	floorPlan struct {
		ID           string     `json:"id"`
		Name         string     `json:"name"`
		MonthlyPrice floorMoney `json:"monthlyPrice"`
	}
	floorMoney struct {
		Amount   string `json:"amount"`
		Currency string `json:"currency"`
	}
	floorSpace struct {
		ID      string                  `json:"id"`
		Name    string                  `json:"name"`
		Devices floorConn[*floorDevice] `json:"devices"`
	}
	floorDevice struct {
		ID            string                       `json:"id"`
		Name          string                       `json:"name"`
		SerialNumber  string                       `json:"serialNumber"`
		Installations floorConn[floorInstallation] `json:"installations"`
	}
	floorInstallation struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		App  string `json:"app"`
	}
)

// Fetch answers the Dashboard for a partner: six statements (the partner,
// its first 50 managed tenants with their running plans' ids, the plans,
// spaces, devices, installations), the JSON of the answer's data.
func (f *Floor) Fetch(ctx context.Context, partnerID int) ([]byte, error) {
	var data floorData
	var name string
	err := f.DB.QueryRowContext(ctx, `SELECT display_name FROM tenants WHERE id = `+strconv.Itoa(partnerID)).Scan(&name)
	switch {
	case err == sql.ErrNoRows:
		return encodeJSON(data)
	case err != nil:
		return nil, err
	}
	data.Tenant = &floorRoot{ID: gid.Encode(partnerID), DisplayName: name}
	tenants, err := f.tenants(ctx, partnerID, &data.Tenant.ManagedTenants)
	if err != nil {
		return nil, err
	}
	if err := f.plans(ctx, tenants); err != nil {
		return nil, err
	}
	spaces := map[int]*floorSpace{}
	err = level(ctx, f.DB, "spaces", "tenant_id", "name", keys(tenants), 5, func(parent, id, total int, cols []string) {
		s := &floorSpace{ID: gid.Encode(id), Name: cols[0], Devices: floorConn[*floorDevice]{Edges: []floorEdge[*floorDevice]{}}}
		c := &tenants[parent].Spaces
		c.TotalCount, c.Edges = total, append(c.Edges, floorEdge[*floorSpace]{s})
		spaces[id] = s
	})
	if err != nil {
		return nil, err
	}
	devices := map[int]*floorDevice{}
	err = level(ctx, f.DB, "devices", "space_id", "name, serial_number", keys(spaces), 4, func(parent, id, total int, cols []string) {
		d := &floorDevice{ID: gid.Encode(id), Name: cols[0], SerialNumber: cols[1],
			Installations: floorConn[floorInstallation]{Edges: []floorEdge[floorInstallation]{}}}
		c := &spaces[parent].Devices
		c.TotalCount, c.Edges = total, append(c.Edges, floorEdge[*floorDevice]{d})
		devices[id] = d
	})
	if err != nil {
		return nil, err
	}
	err = level(ctx, f.DB, "installations", "device_id", "name, app", keys(devices), 2, func(parent, id, total int, cols []string) {
		c := &devices[parent].Installations
		c.TotalCount = total
		c.Edges = append(c.Edges, floorEdge[floorInstallation]{floorInstallation{ID: gid.Encode(id), Name: cols[0], App: cols[1]}})
	})
	if err != nil {
		return nil, err
	}
	return encodeJSON(data)
}

// tenants reads the page of managed tenants (ordered by id, as the API's
// default order) with the total and the ids of their running plans.
func (f *Floor) tenants(ctx context.Context, partnerID int, conn *floorTenants) (map[int]*floorTenant, error) {
	running := func(kind string) string {
		return `(SELECT s.plan_id FROM subscriptions s WHERE s.tenant_id = t.id AND s.kind = '` + kind +
			`' AND s.ended_at IS NULL ORDER BY s.started_at DESC LIMIT 1)`
	}
	r, err := f.DB.QueryContext(ctx, `SELECT t.id, t.display_name, t.country, COUNT(*) OVER () AS total, `+
		running("TENANT")+`, `+running("SUPPORT")+`
		FROM tenants t WHERE t.partner_id = `+strconv.Itoa(partnerID)+` ORDER BY t.id LIMIT 50`)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	conn.Edges = []floorEdge[floorTenant]{}
	for r.Next() {
		var t floorTenant
		var id int
		if err := r.Scan(&id, &t.DisplayName, &t.Country, &conn.TotalCount, &t.planIDs[0], &t.planIDs[1]); err != nil {
			return nil, err
		}
		t.ID = gid.Encode(id)
		conn.Edges = append(conn.Edges, floorEdge[floorTenant]{t})
		conn.PageInfo.EndCursor = cursor(id)
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	conn.PageInfo.HasNextPage = conn.TotalCount > len(conn.Edges)
	if conn.PageInfo.EndCursor == nil {
		conn.PageInfo.EndCursor = json.RawMessage("null")
	}
	byID := make(map[int]*floorTenant, len(conn.Edges))
	for i := range conn.Edges {
		t := &conn.Edges[i].Node
		byID[gid.Decode(t.ID)] = t
		t.Spaces.Edges = []floorEdge[*floorSpace]{}
	}
	return byID, nil
}

// plans reads the page's running plans in one statement.
func (f *Floor) plans(ctx context.Context, tenants map[int]*floorTenant) error {
	var in []string
	for _, t := range tenants {
		for _, id := range t.planIDs {
			if id.Valid {
				in = append(in, strconv.FormatInt(id.Int64, 10))
			}
		}
	}
	if len(in) == 0 {
		return nil
	}
	r, err := f.DB.QueryContext(ctx, `SELECT id, name, monthly_price, currency FROM plans WHERE id IN (`+strings.Join(in, ",")+`)`)
	if err != nil {
		return err
	}
	defer r.Close()
	plans := map[int64]*floorPlan{}
	for r.Next() {
		var id, price int64
		var name, currency string
		if err := r.Scan(&id, &name, &price, &currency); err != nil {
			return err
		}
		m, err := money(price, currency)
		if err != nil {
			return err
		}
		plans[id] = &floorPlan{ID: gid.Encode(int(id)), Name: name, MonthlyPrice: m}
	}
	if err := r.Err(); err != nil {
		return err
	}
	for _, t := range tenants {
		if id := t.planIDs[0]; id.Valid {
			t.TenantPlan = plans[id.Int64]
		}
		if id := t.planIDs[1]; id.Valid {
			t.SupportPlan = plans[id.Int64]
		}
	}
	return nil
}

func keys[T any](m map[int]T) []int {
	out := make([]int, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	return out
}

// level reads the first `limit` children of each parent, with each parent's
// total, in one windowed statement, and hands each row to add.
func level(ctx context.Context, db *sql.DB, table, parent, cols string, parents []int, limit int,
	add func(parent, id, total int, cols []string)) error {
	if len(parents) == 0 {
		return nil
	}
	in := make([]string, len(parents))
	for i, p := range parents {
		in[i] = strconv.Itoa(p)
	}
	q := fmt.Sprintf(`SELECT %[2]s, id, total, %[1]s FROM (
		SELECT id, %[1]s, %[2]s, ROW_NUMBER() OVER (PARTITION BY %[2]s ORDER BY id) AS rn, COUNT(*) OVER (PARTITION BY %[2]s) AS total
		FROM %[3]s WHERE %[2]s IN (%[4]s)) x WHERE rn <= %[5]d ORDER BY %[2]s, id`, cols, parent, table, strings.Join(in, ","), limit)
	r, err := db.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer r.Close()
	n := len(strings.Split(cols, ","))
	vals := make([]string, n)
	ptrs := make([]any, n+3)
	var p, id, total int
	ptrs[0], ptrs[1], ptrs[2] = &p, &id, &total
	for i := range vals {
		ptrs[i+3] = &vals[i]
	}
	for r.Next() {
		if err := r.Scan(ptrs...); err != nil {
			return err
		}
		add(p, id, total, vals)
	}
	return r.Err()
}

func encodeJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false) // gqlgen escapes only what JSON requires
	if err := e.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func cursor(id int) json.RawMessage {
	var b bytes.Buffer
	entgql.Cursor[int]{ID: id}.MarshalGQL(&b)
	return b.Bytes()
}

func money(amount int64, currency string) (floorMoney, error) {
	s, err := billing.Money{Amount: amount, Currency: currency}.Format()
	return floorMoney{Amount: s, Currency: currency}, err
}
