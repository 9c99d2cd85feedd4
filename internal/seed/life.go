package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/ent/subscription"
	"github.com/phystack/managed-tenants-api/ent/tenant"
	"github.com/phystack/managed-tenants-api/internal/clock"
	"github.com/phystack/managed-tenants-api/internal/tenancy"
	"github.com/phystack/managed-tenants-api/internal/validate"
	"github.com/phystack/managed-tenants-api/internal/viewer"
)

// The demo's states of SPEC 10, under the EUR partner beside Demo Retail.
const (
	// ScheduledChangeTenant runs on Starter (150.00) and Standard (45.00)
	// since ScheduledChangeCreatedAt; its change to Business (300.00) is
	// scheduled for the first instant of the month after the seed ran.
	ScheduledChangeTenant = "Aurora Kiosks"
	// EndedTenant ran on Starter and Standard from EndedTenantCreatedAt to
	// EndedTenantEndsAt.
	EndedTenant = "Fjord Fitness"
)

var (
	ScheduledChangeCreatedAt = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	EndedTenantCreatedAt     = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	EndedTenantEndsAt        = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
)

// lifeDemo adds the scheduled plan change and the ended tenant. They are
// made through the tenancy service, as the partner admin would make them
// through the API at those instants, so their subscriptions, ends and audit
// events are exactly what the service writes. Each tenant is found by name
// first (the first one the seed made), so a second run adds nothing; a run
// after the scheduled change took effect (in a later month) schedules the
// next one, so that the state is still there to be seen.
func lifeDemo(ctx context.Context, client *ent.Client, partner *ent.Tenant, admin *ent.User, plans map[string]*ent.Plan) error {
	ctx = viewer.NewContext(ctx, viewer.New(admin.ID, admin.Email, false,
		map[int]enums.Role{partner.ID: enums.RoleAdmin}))
	// No Dialect: the seed is the only writer of its tenants, so it needs
	// none of the row locks that order concurrent requests.
	at := func(t time.Time) *tenancy.Service {
		return &tenancy.Service{Client: client, Clock: func() time.Time { return t }}
	}
	wall := &tenancy.Service{Client: client}
	starter, standard, business := plans["tenant-starter"], plans["support-standard"], plans["tenant-business"]

	scheduled, err := lifeTenant(ctx, at(ScheduledChangeCreatedAt), partner, ScheduledChangeTenant, "NO", starter, standard)
	if err != nil {
		return err
	}
	if err := scheduleChange(ctx, wall, scheduled, starter, business); err != nil {
		return err
	}

	ended, err := lifeTenant(ctx, at(EndedTenantCreatedAt), partner, EndedTenant, "DK", starter, standard)
	if err != nil {
		return err
	}
	if ended.EndsAt == nil {
		if _, err := at(EndedTenantEndsAt).End(ctx, tenancy.EndInput{TenantID: ended.ID, Timing: tenancy.Now}); err != nil {
			return fmt.Errorf("end %s: %w", EndedTenant, err)
		}
	}
	return nil
}

// lifeTenant finds the partner's managed tenant of that name, or creates it
// through svc (at svc's instant) on the two plans.
func lifeTenant(ctx context.Context, svc *tenancy.Service, partner *ent.Tenant, name, country string, tp, sp *ent.Plan) (*ent.Tenant, error) {
	t, err := svc.Client.Tenant.Query().
		Where(tenant.PartnerID(partner.ID), tenant.NameKey(validate.Key(name))).
		Order(tenant.ByID()).
		First(rule.SystemContext(ctx))
	if !ent.IsNotFound(err) {
		return t, err
	}
	t, err = svc.CreateManagedTenant(ctx, tenancy.CreateInput{
		PartnerID: partner.ID, DisplayName: name, Country: country, TenantPlanID: tp.ID, SupportPlanID: sp.ID,
	})
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", name, err)
	}
	return t, nil
}

// scheduleChange schedules, from the next month on, a move between the two
// tenant plans, unless a change is scheduled already (a subscription starts
// after now) or the tenant's end is set.
func scheduleChange(ctx context.Context, svc *tenancy.Service, t *ent.Tenant, from, to *ent.Plan) error {
	if t.EndsAt != nil {
		return nil
	}
	sys := rule.SystemContext(ctx)
	pending, err := svc.Client.Subscription.Query().
		Where(subscription.TenantID(t.ID), subscription.StartedAtGT(clock.Wall())).
		Exist(sys)
	if err != nil || pending {
		return err
	}
	running, err := svc.Client.Subscription.Query().
		Where(subscription.TenantID(t.ID), subscription.KindEQ(enums.PlanKindTenant), subscription.EndedAtIsNil()).
		Only(sys)
	if err != nil {
		return fmt.Errorf("%s's tenant plan: %w", t.DisplayName, err)
	}
	if running.PlanID == to.ID {
		to = from
	}
	_, err = svc.ChangePlans(ctx, tenancy.ChangePlansInput{TenantID: t.ID, TenantPlanID: &to.ID, Timing: tenancy.StartOfNextPeriod})
	if err != nil {
		return fmt.Errorf("schedule a change of %s: %w", t.DisplayName, err)
	}
	return nil
}
