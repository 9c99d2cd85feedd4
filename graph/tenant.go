package graph

import (
	"context"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/ent/subscription"
)

// currentPlan is the plan of the tenant's running subscription of a kind:
// started, not ended, the latest if several. Hidden subscriptions give null.
func (r *tenantResolver) currentPlan(ctx context.Context, obj *ent.Tenant, kind enums.PlanKind) (*ent.Plan, error) {
	now := time.Now().UTC()
	s, err := r.Client.Subscription.Query().
		Where(
			subscription.TenantID(obj.ID),
			subscription.KindEQ(kind),
			subscription.StartedAtLTE(now),
			subscription.Or(subscription.EndedAtIsNil(), subscription.EndedAtGT(now)),
		).
		Order(ent.Desc(subscription.FieldStartedAt), ent.Desc(subscription.FieldID)).
		WithPlan().
		First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.Edges.Plan, nil
}
