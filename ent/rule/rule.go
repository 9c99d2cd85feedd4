// Package rule holds the privacy rules of the ent schemas: the isolation
// layer of SPEC 2. Every query of a protected entity is filtered by the
// viewer's memberships (rows it may not see simply do not exist for it), and
// every write is refused unless a rule allows it. A request without a viewer
// is denied everything. Resolvers cannot bypass these rules: they run inside
// ent, for root queries and eager-loaded edges alike.
//
// Every policy is assembled by policy() from the same opening rule (no
// viewer, no access) and closing rules (reads see what the filters left;
// writes need the system context or a rule that allows them). The filters
// are typed: they append storage predicates through the generated
// intercept.Query (WhereP); each visibility predicate below is written once.
package rule

import (
	"context"
	"errors"

	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"

	"github.com/phystack/managed-tenants-api/ent/intercept"
	"github.com/phystack/managed-tenants-api/ent/privacy"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/internal/access"
	"github.com/phystack/managed-tenants-api/internal/viewer"
)

// ErrNoViewer is the denial for calls without an authenticated viewer.
var ErrNoViewer = errors.New("rule: no viewer in context")

// SystemContext marks ctx as the system itself (migrations, seeding, token
// checks, and domain code writing rows after access.Require). Queries and
// writes in it bypass every policy: use it narrowly.
func SystemContext(ctx context.Context) context.Context {
	return privacy.DecisionContext(ctx, privacy.Allow)
}

// The visibility predicates. The database answers them: the SQL stays the
// same size however many tenants a partner admin belongs to, and a
// membership counts from the moment it is committed.
//
// A filter of one condition (the workspace tables, the audit log,
// subscriptions) is a correlated EXISTS, which PostgreSQL plans as a
// semi-join: per row through the unique index memberships(tenant_id,
// user_id) for a page of rows, or hashed for many. "tenant_id IN (the
// viewer's memberships)" hashed all of them for every statement (10,001 for
// the admin of a partner of 10,000 tenants: 1.4 to 5 ms a level, issue 11).
// Under OR (tenants, plans, users) the uncorrelated IN is kept: there
// PostgreSQL costs a correlated EXISTS as a probe per row, which for a
// count over 10,000 tenants crosses jit_above_cost (JIT took 27 ms of a 52
// ms statement), though it then hashes anyway.
//
// Ahead of those subqueries, the filters under OR name as literals the
// tenants whose role this request has already read from the database
// (viewer.Known: the root tenant of a read, the tenant an action checked).
// PostgreSQL evaluates the arguments of OR in order and hashes a SubPlan on
// its first use, so rows a literal admits never read the memberships: a
// partner admin's managed tenants (partner_id IN (the partner)) cost the
// same for 1,000 or 10,000 memberships (issue 11). Nothing is admitted that
// the subqueries would not admit: the literals are memberships read in
// this request, and roles are never remembered across requests.

// known: column IN (ids), ids being tenants whose role this request has read
// (viewer.Known); nil when there are none.
func known(column string, ids []int) *sql.Predicate {
	if len(ids) == 0 {
		return nil
	}
	return sql.InInts(column, ids...)
}

// anyOf is the OR of the predicates that are not nil, in order.
func anyOf(ps ...*sql.Predicate) *sql.Predicate {
	var or []*sql.Predicate
	for _, p := range ps {
		if p != nil {
			or = append(or, p)
		}
	}
	return sql.Or(or...)
}

// knownCatalogs: column IN (the catalogs of the partners the viewer is known
// to administer); nil when it is known to administer none.
func knownCatalogs(column string, admins []int) *sql.Predicate {
	if len(admins) == 0 {
		return nil
	}
	return sql.In(column, sql.Select("plan_catalog_id").From(sql.Table("tenants")).
		Where(sql.And(sql.InInts("id", admins...), sql.NotNull("plan_catalog_id"))))
}

// memberTenants selects the tenants the viewer belongs to.
func memberTenants(v *viewer.Viewer) *sql.Selector {
	return sql.Select("tenant_id").From(sql.Table("memberships")).Where(sql.EQ("user_id", v.UserID))
}

// adminTenants selects the tenants the viewer administers.
func adminTenants(v *viewer.Viewer) *sql.Selector {
	return sql.Select("tenant_id").From(sql.Table("memberships")).
		Where(sql.And(sql.EQ("user_id", v.UserID), sql.EQ("role", string(enums.RoleAdmin))))
}

// resoldCatalogs selects the catalogs of the partners the viewer administers.
func resoldCatalogs(v *viewer.Viewer) *sql.Selector {
	return sql.Select("plan_catalog_id").From(sql.Table("tenants")).
		Where(sql.And(sql.In("id", adminTenants(v)), sql.NotNull("plan_catalog_id")))
}

// memberOf: the viewer is a member of the tenant in column (a filter's only
// condition: see above).
func memberOf(v *viewer.Viewer, column string) *sql.Predicate {
	m := sql.Table("memberships").As("viewer_memberships")
	return sql.Exists(sql.Select().From(m).
		Where(sql.And(sql.ColumnsEQ(m.C("tenant_id"), column), sql.EQ(m.C("user_id"), v.UserID))))
}

// adminOf: the viewer administers the tenant in column (a filter's only
// condition).
func adminOf(v *viewer.Viewer, column string) *sql.Predicate {
	m := sql.Table("memberships").As("viewer_admin_memberships")
	return sql.Exists(sql.Select().From(m).
		Where(sql.And(sql.ColumnsEQ(m.C("tenant_id"), column), sql.EQ(m.C("user_id"), v.UserID),
			sql.EQ(m.C("role"), string(enums.RoleAdmin)))))
}

// billedToAdmin: a subscription itself (its price, its bill) is account data
// of the tenant billed, seen by that tenant's admins (SPEC 10: a managed
// tenant's own members do not see what its partner pays).
func billedToAdmin(v *viewer.Viewer, column func(string) string) *sql.Predicate {
	return sql.In(column("billed_to_id"), adminTenants(v))
}

// planRunVisible: which plan a tenant runs (tenantPlan, supportPlan) is seen
// by its members too, besides the admins of the tenant billed.
func planRunVisible(v *viewer.Viewer, column func(string) string) *sql.Predicate {
	members, admins := v.Known()
	return anyOf(known(column("billed_to_id"), admins), known(column("tenant_id"), members),
		sql.In(column("tenant_id"), memberTenants(v)), billedToAdmin(v, column))
}

func plainColumn(c string) string { return c }

// RunningPlanVisible is planRunVisible as a predicate on the subscriptions
// table t, for the query of the plans tenants run, which joins
// subscriptions (a join does not pass through the subscription policy).
// nil means every row is visible (staff, the system context).
func RunningPlanVisible(ctx context.Context, t *sql.SelectTable) (*sql.Predicate, error) {
	if d, ok := privacy.DecisionFromContext(ctx); ok && errors.Is(d, privacy.Allow) {
		return nil, nil
	}
	v := viewer.FromContext(ctx)
	switch {
	case v == nil:
		return nil, ErrNoViewer
	case isStaff(ctx):
		return nil, nil
	}
	return planRunVisible(v, t.C), nil
}

// isStaff: staff read the account data of every tenant (SPEC 2.4).
func isStaff(ctx context.Context) bool {
	v := viewer.FromContext(ctx)
	return v != nil && v.Staff
}

// filter is a query rule that narrows any generated query to the rows
// where(viewer, selector) admits, and lets later rules decide.
func filter(where func(*viewer.Viewer, *sql.Selector) *sql.Predicate) privacy.QueryRule {
	return privacy.QueryRuleFunc(func(ctx context.Context, q ent.Query) error {
		query, err := intercept.NewQuery(q)
		if err != nil {
			return privacy.Denyf("rule: %v", err)
		}
		v := viewer.FromContext(ctx)
		query.WhereP(func(s *sql.Selector) { s.Where(where(v, s)) })
		return privacy.Skip
	})
}

var (
	denyWithoutViewer = privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		if viewer.FromContext(ctx) == nil {
			return privacy.Denyf("%w", ErrNoViewer)
		}
		return privacy.Skip
	})

	allowStaff = privacy.QueryRuleFunc(func(ctx context.Context, _ ent.Query) error {
		if isStaff(ctx) {
			return privacy.Allow
		}
		return privacy.Skip
	})

	// The filters, one per kind of reader.
	byMembership = filter(func(v *viewer.Viewer, s *sql.Selector) *sql.Predicate {
		return memberOf(v, s.C("tenant_id"))
	})
	byAdmin = filter(func(v *viewer.Viewer, s *sql.Selector) *sql.Predicate {
		return adminOf(v, s.C("tenant_id"))
	})
	byBilledAdmin = filter(func(v *viewer.Viewer, s *sql.Selector) *sql.Predicate {
		return adminOf(v, s.C("billed_to_id"))
	})
)

// policy opens with "no viewer, no access" and closes with "reads see what
// the filters left, writes are refused": a rule of query or mutation must
// Allow (or Deny) to end earlier.
func policy(query privacy.QueryPolicy, mutation privacy.MutationPolicy) ent.Policy {
	return privacy.Policy{
		Query:    append(append(privacy.QueryPolicy{denyWithoutViewer}, query...), privacy.AlwaysAllowRule()),
		Mutation: append(append(privacy.MutationPolicy{denyWithoutViewer}, mutation...), privacy.AlwaysDenyRule()),
	}
}

// Readers says who reads the rows of a tenant-owned table.
type Readers int

const (
	// Members: only through a membership in the row's tenant (workspace
	// data, SPEC 2.1): not its partner, not siblings, not staff as such.
	Members Readers = iota
	// Admins: the tenant's admins, and staff (the audit log).
	Admins
	// BilledAdmins: the admins of the tenant billed, and staff
	// (subscriptions: account data of SPEC 2.2 and 10).
	BilledAdmins
)

// TenantOwnedPolicy is the policy of a table whose rows belong to one
// tenant (schema.TenantOwned): rows are read by readers; a viewer may create
// one where the access table allows create in its tenant ("" = nobody); any
// other write needs the system context.
func TenantOwnedPolicy(readers Readers, create access.Action) ent.Policy {
	var read privacy.QueryPolicy
	switch readers {
	case Members:
		read = privacy.QueryPolicy{byMembership}
	case Admins:
		read = privacy.QueryPolicy{allowStaff, byAdmin}
	case BilledAdmins:
		read = privacy.QueryPolicy{allowStaff, byBilledAdmin}
	default:
		read = privacy.QueryPolicy{privacy.AlwaysDenyRule()}
	}
	var write privacy.MutationPolicy
	if create != "" {
		write = privacy.MutationPolicy{allowCreate(create)}
	}
	return policy(read, write)
}

// allowCreate allows creating a row in the tenant named by the mutation's
// tenant_id when the access table permits the viewer the action there.
func allowCreate(a access.Action) privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
		if !m.Op().Is(ent.OpCreate) {
			return privacy.Skip
		}
		owned, ok := m.(interface{ TenantID() (int, bool) })
		if !ok {
			return privacy.Denyf("rule: %s is not tenant-owned", m.Type())
		}
		tenantID, ok := owned.TenantID()
		if !ok {
			return privacy.Denyf("rule: %s without tenant", m.Type())
		}
		allowed, err := access.Permits(ctx, tenantID, a)
		switch {
		case err != nil:
			return err
		case allowed:
			return privacy.Allow
		}
		return privacy.Denyf("rule: %s in tenant %d: %s not permitted", m.Type(), tenantID, a)
	})
}

// TenantPolicy: a tenant's account data is visible to its members, to the
// admins of its partner, and to staff. Tenants are written by domain code
// in the system context only.
func TenantPolicy() ent.Policy {
	return policy(privacy.QueryPolicy{allowStaff,
		filter(func(v *viewer.Viewer, s *sql.Selector) *sql.Predicate {
			members, admins := v.Known()
			return anyOf(known(s.C("partner_id"), admins), known(s.C("id"), members),
				sql.In(s.C("id"), memberTenants(v)), sql.In(s.C("partner_id"), adminTenants(v)))
		}),
	}, nil)
}

// PlanPolicy: a plan is visible to staff, to admins of the partners that
// resell its catalog, and to whoever may see a tenant run it.
func PlanPolicy() ent.Policy {
	return policy(privacy.QueryPolicy{allowStaff,
		filter(func(v *viewer.Viewer, s *sql.Selector) *sql.Predicate {
			subscribed := sql.Select("plan_id").From(sql.Table("subscriptions")).
				Where(planRunVisible(v, plainColumn))
			_, admins := v.Known()
			return anyOf(knownCatalogs(s.C("catalog_id"), admins),
				sql.In(s.C("catalog_id"), resoldCatalogs(v)), sql.In(s.C("id"), subscribed))
		}),
	}, nil)
}

// PlanCatalogPolicy: catalogs are visible to staff and to admins of the
// partners that resell them.
func PlanCatalogPolicy() ent.Policy {
	return policy(privacy.QueryPolicy{allowStaff,
		filter(func(v *viewer.Viewer, s *sql.Selector) *sql.Predicate {
			_, admins := v.Known()
			return anyOf(knownCatalogs(s.C("id"), admins), sql.In(s.C("id"), resoldCatalogs(v)))
		}),
	}, nil)
}

// UserPolicy: users see themselves, the members of their tenants and who
// created those tenants; staff see everyone. Users are created by
// invitations, in the system context.
func UserPolicy() ent.Policy {
	return policy(privacy.QueryPolicy{allowStaff,
		filter(func(v *viewer.Viewer, s *sql.Selector) *sql.Predicate {
			coMembers := sql.Select("user_id").From(sql.Table("memberships")).
				Where(sql.In("tenant_id", memberTenants(v)))
			// "created by" is account data of the tenants one belongs to.
			creators := sql.Select("created_by_id").From(sql.Table("tenants")).
				Where(sql.And(sql.In("id", memberTenants(v)), sql.NotNull("created_by_id")))
			return sql.Or(sql.EQ(s.C("id"), v.UserID), sql.In(s.C("id"), coMembers), sql.In(s.C("id"), creators))
		}),
	}, nil)
}

// ReferencePolicy: Phystack's own reference data (billing entities) is
// readable by any authenticated viewer.
func ReferencePolicy() ent.Policy { return policy(nil, nil) }

// SystemOnlyPolicy: secrets and bookkeeping (tokens, idempotency keys) are
// only ever touched in the system context.
func SystemOnlyPolicy() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{privacy.AlwaysDenyRule()},
		Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()},
	}
}
