// Package rule holds the privacy rules of every ent schema. They are the
// isolation layer of SPEC 2: every query of a protected entity is filtered by
// the viewer's memberships (rows it may not see simply do not exist for it),
// and every write is refused unless the viewer's role allows it. A request
// without a viewer is denied everything. Resolvers cannot bypass these rules:
// they run inside ent, for root queries and eager-loaded edges alike.
//
// The rules work on ent.Query/ent.Mutation through Where and Field, so they
// do not depend on generated code (the schema package imports them).
package rule

import (
	"context"
	"errors"
	"reflect"

	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/privacy"

	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/internal/viewer"
)

// ErrNoViewer is the denial for calls without an authenticated viewer.
var ErrNoViewer = errors.New("rule: no viewer in context")

// SystemContext marks ctx as the system itself (migrations, seeding, token
// checks, and domain code writing rows after it has checked the rules).
// Queries and writes in it bypass every policy: use it narrowly.
func SystemContext(ctx context.Context) context.Context {
	return privacy.DecisionContext(ctx, privacy.Allow)
}

// queryRule adapts a function to privacy.QueryRule (the base privacy
// package has no such adapter; the generated one would be an import cycle).
type queryRule func(context.Context, ent.Query) error

func (f queryRule) EvalQuery(ctx context.Context, q ent.Query) error { return f(ctx, q) }

// filter adds a storage-level predicate to any generated query. Each query
// has Where(...predicate.X) where predicate.X is a func(*sql.Selector); it is
// reached by reflection because the generated packages import this one.
func filter(q ent.Query, p func(*sql.Selector)) error {
	where := reflect.ValueOf(q).MethodByName("Where")
	if !where.IsValid() || !where.Type().IsVariadic() || where.Type().NumIn() != 1 {
		return privacy.Denyf("rule: unexpected query type %T", q)
	}
	pt := where.Type().In(0).Elem()
	fn := reflect.ValueOf(p)
	if !fn.Type().ConvertibleTo(pt) {
		return privacy.Denyf("rule: unexpected predicate type of %T", q)
	}
	where.Call([]reflect.Value{fn.Convert(pt)})
	return privacy.Allow
}

// memberTenants selects the ids of the tenants the viewer belongs to, and
// adminTenants those it administers. The database answers them: the SQL
// stays the same size however many tenants a partner admin belongs to, and a
// membership counts from the moment it is committed.
func memberTenants(v *viewer.Viewer) *sql.Selector {
	return sql.Select("tenant_id").From(sql.Table("memberships")).Where(sql.EQ("user_id", v.UserID))
}

func adminTenants(v *viewer.Viewer) *sql.Selector {
	return sql.Select("tenant_id").From(sql.Table("memberships")).
		Where(sql.And(sql.EQ("user_id", v.UserID), sql.EQ("role", string(enums.RoleAdmin))))
}

// denyWithoutViewer is the first rule of every policy.
var denyWithoutViewer = privacy.ContextQueryMutationRule(func(ctx context.Context) error {
	if viewer.FromContext(ctx) == nil {
		return privacy.Denyf("%w", ErrNoViewer)
	}
	return privacy.Skip
})

var allowStaffQuery = queryRule(func(ctx context.Context, _ ent.Query) error {
	if viewer.FromContext(ctx).Staff {
		return privacy.Allow
	}
	return privacy.Skip
})

var denyMutation = privacy.MutationRuleFunc(func(context.Context, ent.Mutation) error {
	return privacy.Denyf("rule: write needs the system context")
})

// TenantPolicy: a tenant's account data is visible to its members, to the
// admins of its partner, and to staff. Tenants are written by domain code in
// the system context only (internal/tenancy checks the rules first).
func TenantPolicy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			denyWithoutViewer, allowStaffQuery,
			queryRule(func(ctx context.Context, q ent.Query) error {
				v := viewer.FromContext(ctx)
				return filter(q, func(s *sql.Selector) {
					s.Where(sql.Or(sql.In(s.C("id"), memberTenants(v)), sql.In(s.C("partner_id"), adminTenants(v))))
				})
			}),
		},
		Mutation: privacy.MutationPolicy{denyWithoutViewer, denyMutation},
	}
}

// WorkspacePolicy covers tenant workspace data (members, spaces, devices,
// installations): visible only through a membership in that very tenant,
// never to partners or staff as such. Creating one needs at least
// createRole in its tenant; updates and deletes need the system context.
func WorkspacePolicy(createRole enums.Role) ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{denyWithoutViewer, filterByMembership},
		Mutation: privacy.MutationPolicy{
			denyWithoutViewer,
			privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
				if !m.Op().Is(ent.OpCreate) {
					return privacy.Skip
				}
				v, _ := m.Field("tenant_id")
				tenantID, ok := v.(int)
				if !ok {
					return privacy.Denyf("rule: %s without tenant", m.Type())
				}
				allowed, err := viewer.FromContext(ctx).Has(ctx, tenantID, createRole)
				switch {
				case err != nil:
					return err
				case allowed:
					return privacy.Allow
				}
				return privacy.Denyf("rule: %s in tenant %v needs role %s", m.Type(), v, createRole)
			}),
			denyMutation,
		},
	}
}

var filterByMembership = queryRule(func(ctx context.Context, q ent.Query) error {
	v := viewer.FromContext(ctx)
	return filter(q, func(s *sql.Selector) { s.Where(sql.In(s.C("tenant_id"), memberTenants(v))) })
})

// SubscriptionPolicy: subscriptions are account data, visible to members of
// the subscribing tenant, to admins of the tenant billed, and to staff.
func SubscriptionPolicy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			denyWithoutViewer, allowStaffQuery,
			queryRule(func(ctx context.Context, q ent.Query) error {
				v := viewer.FromContext(ctx)
				return filter(q, func(s *sql.Selector) { s.Where(subscriptionVisible(v, s.C)) })
			}),
		},
		Mutation: privacy.MutationPolicy{denyWithoutViewer, denyMutation},
	}
}

func subscriptionVisible(v *viewer.Viewer, column func(string) string) *sql.Predicate {
	return sql.Or(sql.In(column("tenant_id"), memberTenants(v)), sql.In(column("billed_to_id"), adminTenants(v)))
}

// SubscriptionVisible is SubscriptionPolicy's rule as a predicate on the
// subscriptions table t, for a query of another entity that joins
// subscriptions (the join does not pass through the subscription policy).
// nil means every row is visible (staff, the system context).
func SubscriptionVisible(ctx context.Context, t *sql.SelectTable) (*sql.Predicate, error) {
	if d, ok := privacy.DecisionFromContext(ctx); ok && errors.Is(d, privacy.Allow) {
		return nil, nil
	}
	v := viewer.FromContext(ctx)
	switch {
	case v == nil:
		return nil, ErrNoViewer
	case v.Staff:
		return nil, nil
	}
	return subscriptionVisible(v, t.C), nil
}

// PlanPolicy: a plan is visible to staff, to admins of the partners that
// resell its catalog, and to whoever can see a subscription to it.
func PlanPolicy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			denyWithoutViewer, allowStaffQuery,
			queryRule(func(ctx context.Context, q ent.Query) error {
				v := viewer.FromContext(ctx)
				return filter(q, func(s *sql.Selector) {
					catalogs := sql.Select("plan_catalog_id").From(sql.Table("tenants")).
						Where(sql.And(sql.In("id", adminTenants(v)), sql.NotNull("plan_catalog_id")))
					subscribed := sql.Select("plan_id").From(sql.Table("subscriptions")).
						Where(sql.Or(sql.In("tenant_id", memberTenants(v)), sql.In("billed_to_id", adminTenants(v))))
					s.Where(sql.Or(sql.In(s.C("catalog_id"), catalogs), sql.In(s.C("id"), subscribed)))
				})
			}),
		},
		Mutation: privacy.MutationPolicy{denyWithoutViewer, denyMutation},
	}
}

// PlanCatalogPolicy: catalogs are visible to staff and to admins of the
// partners they are assigned to.
func PlanCatalogPolicy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			denyWithoutViewer, allowStaffQuery,
			queryRule(func(ctx context.Context, q ent.Query) error {
				v := viewer.FromContext(ctx)
				return filter(q, func(s *sql.Selector) {
					assigned := sql.Select("plan_catalog_id").From(sql.Table("tenants")).
						Where(sql.And(sql.In("id", adminTenants(v)), sql.NotNull("plan_catalog_id")))
					s.Where(sql.In(s.C("id"), assigned))
				})
			}),
		},
		Mutation: privacy.MutationPolicy{denyWithoutViewer, denyMutation},
	}
}

// UserPolicy: users see themselves, the members of their tenants and who
// created them; staff see everyone. Users are created by invitations in the system context.
func UserPolicy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			denyWithoutViewer, allowStaffQuery,
			queryRule(func(ctx context.Context, q ent.Query) error {
				v := viewer.FromContext(ctx)
				return filter(q, func(s *sql.Selector) {
					coMembers := sql.Select("user_id").From(sql.Table("memberships")).
						Where(sql.In("tenant_id", memberTenants(v)))
					// "created by" is account data of the tenants one belongs to.
					creators := sql.Select("created_by_id").From(sql.Table("tenants")).
						Where(sql.And(sql.In("id", memberTenants(v)), sql.NotNull("created_by_id")))
					s.Where(sql.Or(sql.EQ(s.C("id"), v.UserID), sql.In(s.C("id"), coMembers), sql.In(s.C("id"), creators)))
				})
			}),
		},
		Mutation: privacy.MutationPolicy{denyWithoutViewer, denyMutation},
	}
}

// ReferencePolicy: Phystack's own reference data (billing entities) is
// readable by any authenticated viewer.
func ReferencePolicy() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{denyWithoutViewer, privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{denyWithoutViewer, denyMutation},
	}
}

// AuditPolicy: audit events are read by the tenant's admins and by staff.
func AuditPolicy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			denyWithoutViewer, allowStaffQuery,
			queryRule(func(ctx context.Context, q ent.Query) error {
				v := viewer.FromContext(ctx)
				return filter(q, func(s *sql.Selector) { s.Where(sql.In(s.C("tenant_id"), adminTenants(v))) })
			}),
		},
		Mutation: privacy.MutationPolicy{denyWithoutViewer, denyMutation},
	}
}

// SystemOnlyPolicy: secrets and bookkeeping (tokens, idempotency keys) are
// only ever touched in the system context.
func SystemOnlyPolicy() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{privacy.AlwaysDenyRule()},
		Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()},
	}
}
