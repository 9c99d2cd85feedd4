package billing

import (
	"context"
	"fmt"

	"entgo.io/ent/dialect/sql"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/plan"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/ent/subscription"
)

// CurrentPlans are a tenant's running plans of each kind (nil if none):
// Tenant.tenantPlan and Tenant.supportPlan.
type CurrentPlans struct {
	Tenant, Support *ent.Plan
}

// CurrentPlans loads, in one statement, the plans of the subscriptions
// running now for each tenant, in the order of tenantIDs: the plan query
// (its privacy policy applies) joined with the subscriptions whose plan the
// viewer may see running (ent/rule). A subscription runs from its
// start (included) to its end (excluded); per tenant and kind the latest
// started wins. A subscription the viewer may not see gives no plan.
func (s *Service) CurrentPlans(ctx context.Context, tenantIDs []int) ([]CurrentPlans, error) {
	now := s.Clock.Now()
	subs := sql.Table(subscription.Table).As("current_subscriptions")
	visible, err := rule.RunningPlanVisible(ctx, subs)
	if err != nil {
		return nil, err
	}
	plans, err := s.Client.Plan.Query().
		Modify(func(s *sql.Selector) {
			s.Join(subs).On(s.C(plan.FieldID), subs.C(subscription.FieldPlanID))
			running := []*sql.Predicate{
				sql.InInts(subs.C(subscription.FieldTenantID), tenantIDs...),
				sql.LTE(subs.C(subscription.FieldStartedAt), now),
				sql.Or(sql.IsNull(subs.C(subscription.FieldEndedAt)), sql.GT(subs.C(subscription.FieldEndedAt), now)),
			}
			if visible != nil {
				running = append(running, visible)
			}
			s.Where(sql.And(running...))
			s.AppendSelectAs(subs.C(subscription.FieldTenantID), currentTenant).
				AppendSelectAs(subs.C(subscription.FieldKind), currentKind)
			s.OrderBy(sql.Desc(subs.C(subscription.FieldStartedAt)), sql.Desc(subs.C(subscription.FieldID)))
		}).
		All(ctx)
	if err != nil {
		return nil, err
	}
	byTenant := make(map[int]*CurrentPlans, len(tenantIDs))
	for _, p := range plans {
		tv, err := p.Value(currentTenant)
		if err != nil {
			return nil, err
		}
		kv, err := p.Value(currentKind)
		if err != nil {
			return nil, err
		}
		tid, ok := tv.(int64)
		if !ok {
			return nil, fmt.Errorf("billing: %s of type %T", currentTenant, tv)
		}
		cp := byTenant[int(tid)]
		if cp == nil {
			cp = &CurrentPlans{}
			byTenant[int(tid)] = cp
		}
		// Ordered newest first: keep the first of each kind.
		switch kind := enums.PlanKind(fmt.Sprint(kv)); {
		case kind == enums.PlanKindTenant && cp.Tenant == nil:
			cp.Tenant = p
		case kind == enums.PlanKindSupport && cp.Support == nil:
			cp.Support = p
		}
	}
	out := make([]CurrentPlans, len(tenantIDs))
	for i, id := range tenantIDs {
		if cp := byTenant[id]; cp != nil {
			out[i] = *cp
		}
	}
	return out, nil
}

// Extra columns of the current-plans query.
const (
	currentTenant = "current_tenant_id"
	currentKind   = "current_kind"
)
