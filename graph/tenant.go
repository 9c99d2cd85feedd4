package graph

import (
	"context"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/graph/loaders"
)

// currentPlan is the plan of the tenant's running subscription of a kind,
// batched per level of the tree. Hidden subscriptions give null.
func (r *tenantResolver) currentPlan(ctx context.Context, obj *ent.Tenant, kind enums.PlanKind) (*ent.Plan, error) {
	cp, err := loaders.For(ctx).CurrentPlans.Load(ctx, obj.ID)
	if err != nil {
		return nil, err
	}
	if kind == enums.PlanKindSupport {
		return cp.Support, nil
	}
	return cp.Tenant, nil
}

// viewerRole is the viewer's role in a tenant (null: not a member), batched
// for a page of tenants into one membership query.
func viewerRole(ctx context.Context, tenantID int) (*enums.Role, error) {
	role, ok, err := loaders.For(ctx).ViewerRole(ctx, tenantID)
	if err != nil || !ok {
		return nil, err
	}
	return &role, nil
}
