package audit

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/dialect/sql"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/auditevent"
)

// Reading the log (SPEC 11). Who reads a tenant's log is decided below
// this package, by the privacy policy of the audit_events table (its
// ADMINs and staff: rule.Admins): anyone else reads no rows, so gets an
// empty connection, and node(id) of an event answers NOT_FOUND.

// Filter narrows a tenant's log: Action exactly, and Since <= at < Until.
// A nil Filter, or nil fields, narrow nothing.
type Filter struct {
	Action *string
	Since  *time.Time
	Until  *time.Time
}

// Empty reports whether f admits no event at all without asking the
// database: a time range that is empty (since = until) or reversed.
func (f *Filter) Empty() bool {
	return f != nil && f.Since != nil && f.Until != nil && !f.Since.Before(*f.Until)
}

// apply adds f's predicates to q.
func (f *Filter) apply(q *ent.AuditEventQuery) (*ent.AuditEventQuery, error) {
	if f == nil {
		return q, nil
	}
	if f.Action != nil {
		q = q.Where(auditevent.Action(*f.Action))
	}
	if f.Since != nil {
		q = q.Where(auditevent.CreatedAtGTE(*f.Since))
	}
	if f.Until != nil {
		q = q.Where(auditevent.CreatedAtLT(*f.Until))
	}
	return q, nil
}

// NewestFirst is the log's one order: the latest instant first, and among
// events of one instant the later written (higher id) first, so that a
// cursor names one place in the log and paging never skips or repeats.
var NewestFirst = &ent.AuditEventOrder{
	Direction: entgql.OrderDirectionDesc,
	Field:     ent.AuditEventOrderFieldCreatedAt,
}

// newer is NewestFirst between two events (and the order Pages' SQL
// reads in): a sort function.
func newer(a, b *ent.AuditEvent) int {
	if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
		return c
	}
	return b.ID - a.ID
}

// Page is one page of tenant's log, newest first, narrowed by f (nil:
// everything). The viewer's access filters the rows (see above).
func Page(ctx context.Context, tenant *ent.Tenant, after *ent.Cursor, first *int, before *ent.Cursor, last *int, f *Filter) (*ent.AuditEventConnection, error) {
	if f.Empty() {
		return &ent.AuditEventConnection{Edges: []*ent.AuditEventEdge{}}, nil
	}
	return tenant.QueryAuditEvents().Paginate(ctx, after, first, before, last,
		ent.WithAuditEventOrder(NewestFirst), ent.WithAuditEventFilter(f.apply))
}

// Key names one page of a log by its arguments (first, last, filter), so
// that pages read ahead for many tenants (Pages) are found by each
// tenant's field. Pages with cursors are never read ahead.
func Key(first, last *int, f *Filter) string {
	k := fmt.Sprintf("%s|%s", intKey(first), intKey(last))
	if f != nil {
		k += "|" + strKey(f.Action) + "|" + timeKey(f.Since) + "|" + timeKey(f.Until)
	}
	return k
}

func intKey(p *int) string {
	if p == nil {
		return "-"
	}
	return strconv.Itoa(*p)
}

func strKey(p *string) string {
	if p == nil {
		return "-"
	}
	return strconv.Quote(*p)
}

func timeKey(p *time.Time) string {
	if p == nil {
		return "-"
	}
	return p.UTC().Format(time.RFC3339Nano)
}

// totalColumn carries, on each row read by Pages, the size of its tenant's
// filtered log.
const totalColumn = "audit_log_total"

// Pages reads the first (or last) page of the logs of many tenants in one
// statement, plus one for the actors when withActors: what Page answers for
// each tenant, at a cost that grows with neither the tenants nor the events.
// Each row carries its tenant's total (a window COUNT), and a window
// ROW_NUMBER keeps limit+1 rows a tenant. Tenants missing from the answer
// have nothing to read (or may not read): an empty page. Without first or
// last, or with 0, it answers nil: each tenant then asks Page.
func Pages(ctx context.Context, client *ent.Client, tenantIDs []int, first, last *int, f *Filter, withActors bool) (map[int]*ent.AuditEventConnection, error) {
	limit := 0
	switch {
	case first != nil:
		limit = *first + 1
	case last != nil:
		limit = *last + 1
	}
	if limit <= 1 || len(tenantIDs) == 0 {
		return nil, nil
	}
	out := make(map[int]*ent.AuditEventConnection, len(tenantIDs))
	for _, id := range tenantIDs {
		out[id] = &ent.AuditEventConnection{Edges: []*ent.AuditEventEdge{}}
	}
	if f.Empty() {
		return out, nil
	}
	reverse := last != nil && first == nil
	q, err := f.apply(client.AuditEvent.Query().Where(auditevent.TenantIDIn(tenantIDs...)))
	if err != nil {
		return nil, err
	}
	if withActors {
		q = q.WithActor()
	}
	dir := " DESC"
	if reverse {
		dir = " ASC"
	}
	order := sql.ExprFunc(func(b *sql.Builder) {
		b.Ident(auditevent.FieldCreatedAt).WriteString(dir).Comma().Ident(auditevent.FieldID).WriteString(dir)
	})
	rows, err := q.Modify(withTenantTotal, entgql.LimitPerRow(auditevent.FieldTenantID, limit, order)).All(ctx)
	if err != nil {
		return nil, err
	}
	byTenant := map[int][]*ent.AuditEvent{}
	for _, r := range rows {
		byTenant[r.TenantID] = append(byTenant[r.TenantID], r)
	}
	for id, nodes := range byTenant {
		// The last page is read oldest first, then turned.
		slices.SortFunc(nodes, newer)
		conn := out[id]
		if v, err := nodes[0].Value(totalColumn); err == nil {
			conn.TotalCount = toInt(v)
		}
		if len(nodes) == limit {
			if reverse {
				conn.PageInfo.HasPreviousPage = true
				nodes = nodes[1:]
			} else {
				conn.PageInfo.HasNextPage = true
				nodes = nodes[:len(nodes)-1]
			}
		}
		for _, n := range nodes {
			// The cursor Page's pager gives (ordered by created_at).
			conn.Edges = append(conn.Edges, &ent.AuditEventEdge{Node: n, Cursor: ent.Cursor{ID: n.ID, Value: n.CreatedAt}})
		}
		if len(conn.Edges) > 0 {
			conn.PageInfo.StartCursor = &conn.Edges[0].Cursor
			conn.PageInfo.EndCursor = &conn.Edges[len(conn.Edges)-1].Cursor
		}
	}
	return out, nil
}

// withTenantTotal adds COUNT(*) OVER (PARTITION BY tenant_id) to the rows,
// computed in a subquery so that LimitPerRow (which keeps plain columns)
// selects it by name.
func withTenantTotal(s *sql.Selector) {
	total := sql.Window(func(b *sql.Builder) { b.WriteString("COUNT(*)") }).PartitionBy(auditevent.FieldTenantID)
	columns := append(s.UnqualifiedColumns(), totalColumn)
	inner := s.Clone().AppendSelectExprAs(total, totalColumn).As(s.TableName())
	*s = *sql.Dialect(s.Dialect()).Select(columns...).From(inner)
}

func toInt(v any) int {
	switch n := v.(type) {
	case int64:
		return int(n)
	case int:
		return n
	case float64:
		return int(n)
	case []byte:
		i, _ := strconv.Atoi(string(n))
		return i
	case string:
		i, _ := strconv.Atoi(n)
		return i
	}
	return 0
}
