package graph

import (
	"entgo.io/contrib/entgql"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/graph/generated"
	"github.com/phystack/managed-tenants-api/internal/audit"
)

// DefaultMaxComplexity bounds an operation's cost: a connection costs its
// page size times what each node selects. The dashboard costs about 10,000;
// a page of 100 tenants with 10 spaces x 10 devices x 10 installations each,
// about 300,000.
const DefaultMaxComplexity = 1_000_000

// pageCost is the number of nodes a connection may return: first or last,
// or MaxPageSize when neither is given (then only totalCount and pageInfo
// may be read: PageSizeLimit refuses edges without a page size).
func pageCost(first, last *int) int {
	switch {
	case first != nil:
		return max(*first, 1)
	case last != nil:
		return max(*last, 1)
	}
	return MaxPageSize
}

// connectionCost prices a connection field: 1 + page size x node cost.
func connectionCost[Order any](child int, _ *entgql.Cursor[int], first *int, _ *entgql.Cursor[int], last *int, _ Order) int {
	return 1 + pageCost(first, last)*child
}

// Complexity prices every connection by its page size
// (TestEveryConnectionIsPriced finds one left out).
func Complexity() generated.ComplexityRoot {
	var c generated.ComplexityRoot
	c.Tenant.ManagedTenants = func(child int, after *entgql.Cursor[int], first *int, before *entgql.Cursor[int], last *int, o *ent.TenantOrder, _ *ent.TenantWhereInput) int {
		return connectionCost(child, after, first, before, last, o)
	}
	c.Tenant.Subscriptions = connectionCost[*ent.PlanSubscriptionOrder]
	// SPEC 11 orders its arguments first, after, last, before.
	c.Tenant.AuditEvents = func(child int, first *int, after *entgql.Cursor[int], last *int, before *entgql.Cursor[int], _ *audit.Filter) int {
		return connectionCost[any](child, after, first, before, last, nil)
	}
	c.Tenant.Spaces = connectionCost[*ent.SpaceOrder]
	c.Tenant.Members = connectionCost[*ent.MembershipOrder]
	c.Space.Devices = connectionCost[*ent.DeviceOrder]
	c.Space.Installations = connectionCost[*ent.InstallationOrder]
	c.Device.Installations = connectionCost[*ent.InstallationOrder]
	c.Query.Nodes = func(child int, ids []int) int { return 1 + len(ids)*child }
	return c
}
