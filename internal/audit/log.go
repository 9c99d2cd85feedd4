package audit

import (
	"context"
	"time"

	"entgo.io/contrib/entgql"

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

// Page is one page of tenant's log, newest first, narrowed by f (nil:
// everything). The viewer's access filters the rows (see above).
func Page(ctx context.Context, tenant *ent.Tenant, after *ent.Cursor, first *int, before *ent.Cursor, last *int, f *Filter) (*ent.AuditEventConnection, error) {
	if f.Empty() {
		return &ent.AuditEventConnection{Edges: []*ent.AuditEventEdge{}}, nil
	}
	return tenant.QueryAuditEvents().Paginate(ctx, after, first, before, last,
		ent.WithAuditEventOrder(NewestFirst), ent.WithAuditEventFilter(f.apply))
}
