package billing

import (
	"context"
	"errors"
	"fmt"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/plan"
	"github.com/phystack/managed-tenants-api/ent/subscription"
	"github.com/phystack/managed-tenants-api/ent/tenant"
	"github.com/phystack/managed-tenants-api/internal/access"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/clock"
)

// Service reads invoices and current plans from one database.
type Service struct {
	Client *ent.Client
	Clock  clock.Clock
}

// PartnerInvoice is an invoice with the rows its lines name.
type PartnerInvoice struct {
	Invoice
	Partner       *ent.Tenant
	BillingEntity *ent.BillingEntity
	Tenants       map[int]*ent.Tenant
	Plans         map[int]*ent.Plan
}

// PartnerInvoice builds a partner's invoice for a "YYYY-MM" period from the
// subscriptions billed to it (SPEC 7), for those the access table lets
// read it. Every query runs under the viewer's privacy rules.
func (s *Service) PartnerInvoice(ctx context.Context, partnerID int, period string) (*PartnerInvoice, error) {
	partner, err := access.Require(ctx, s.Client, partnerID, access.ReadPartnerInvoice)
	if err != nil {
		return nil, err
	}
	p, err := ParsePeriod(period)
	if err != nil {
		return nil, apperr.New(apperr.BadUserInput, "period must be a month as YYYY-MM")
	}
	subs, err := s.Client.Subscription.Query().
		Where(
			subscription.BilledToID(partner.ID),
			subscription.StartedAtLT(p.End),
			subscription.Or(subscription.EndedAtIsNil(), subscription.EndedAtGT(p.Start)),
		).
		All(ctx)
	if err != nil {
		return nil, err
	}
	in := make([]Subscription, len(subs))
	tenantIDs, planIDs := map[int]bool{}, map[int]bool{}
	for i, s := range subs {
		in[i] = Subscription{
			ID: s.ID, TenantID: s.TenantID, PlanID: s.PlanID, Kind: string(s.Kind),
			MonthlyPrice: s.MonthlyPrice, Currency: s.Currency,
			StartedAt: s.StartedAt, EndedAt: s.EndedAt,
		}
		tenantIDs[s.TenantID], planIDs[s.PlanID] = true, true
	}
	inv, err := BuildInvoice(p, partner.Currency, in)
	if errors.Is(err, ErrCurrency) {
		return nil, fmt.Errorf("billing: partner %d: %w", partner.ID, err)
	}
	if err != nil {
		return nil, err
	}
	be, err := partner.QueryBillingEntity().Only(ctx)
	if err != nil {
		return nil, err
	}
	tenants, err := s.Client.Tenant.Query().Where(tenant.IDIn(keys(tenantIDs)...)).All(ctx)
	if err != nil {
		return nil, err
	}
	plans, err := s.Client.Plan.Query().Where(plan.IDIn(keys(planIDs)...)).All(ctx)
	if err != nil {
		return nil, err
	}
	out := &PartnerInvoice{Invoice: inv, Partner: partner, BillingEntity: be,
		Tenants: make(map[int]*ent.Tenant, len(tenants)), Plans: make(map[int]*ent.Plan, len(plans))}
	for _, t := range tenants {
		out.Tenants[t.ID] = t
	}
	for _, pl := range plans {
		out.Plans[pl.ID] = pl
	}
	for _, l := range inv.Lines {
		if out.Tenants[l.TenantID] == nil || out.Plans[l.PlanID] == nil {
			return nil, fmt.Errorf("billing: line of subscription %d names a row the viewer cannot read", l.SubscriptionID)
		}
	}
	return out, nil
}

func keys(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
