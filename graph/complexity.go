package graph

import (
	"entgo.io/contrib/entgql"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/graph/generated"
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

// Complexity prices every connection by its page size.
func Complexity() generated.ComplexityRoot {
	var c generated.ComplexityRoot
	type cursor = *entgql.Cursor[int]
	c.Tenant.ManagedTenants = func(child int, _ cursor, first *int, _ cursor, last *int, _ *ent.TenantOrder) int {
		return 1 + pageCost(first, last)*child
	}
	c.Tenant.Spaces = func(child int, _ cursor, first *int, _ cursor, last *int, _ *ent.SpaceOrder) int {
		return 1 + pageCost(first, last)*child
	}
	c.Tenant.Members = func(child int, _ cursor, first *int, _ cursor, last *int, _ *ent.MembershipOrder) int {
		return 1 + pageCost(first, last)*child
	}
	c.Space.Devices = func(child int, _ cursor, first *int, _ cursor, last *int, _ *ent.DeviceOrder) int {
		return 1 + pageCost(first, last)*child
	}
	c.Space.Installations = func(child int, _ cursor, first *int, _ cursor, last *int, _ *ent.InstallationOrder) int {
		return 1 + pageCost(first, last)*child
	}
	c.Device.Installations = func(child int, _ cursor, first *int, _ cursor, last *int, _ *ent.InstallationOrder) int {
		return 1 + pageCost(first, last)*child
	}
	c.Query.Nodes = func(child int, ids []int) int { return 1 + len(ids)*child }
	return c
}
