// Package seed loads the demo world of SPEC 9. It is idempotent: rows are
// found by their natural keys before they are created, so a second run adds
// nothing. Tokens are only stored as hashes, so each run rotates the demo
// tokens (the old ones stop working) and prints the new ones.
package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/apitoken"
	"github.com/phystack/managed-tenants-api/ent/billingentity"
	"github.com/phystack/managed-tenants-api/ent/device"
	"github.com/phystack/managed-tenants-api/ent/installation"
	"github.com/phystack/managed-tenants-api/ent/membership"
	"github.com/phystack/managed-tenants-api/ent/plan"
	"github.com/phystack/managed-tenants-api/ent/plancatalog"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/ent/space"
	"github.com/phystack/managed-tenants-api/ent/subscription"
	"github.com/phystack/managed-tenants-api/ent/tenant"
	"github.com/phystack/managed-tenants-api/ent/user"
	"github.com/phystack/managed-tenants-api/internal/auth"
	"github.com/phystack/managed-tenants-api/internal/clock"
	"github.com/phystack/managed-tenants-api/internal/store"
	"github.com/phystack/managed-tenants-api/internal/validate"
)

// DemoTokenLabel marks the tokens the demo seed rotates.
const DemoTokenLabel = "demo"

// DemoRetailCreatedAt is when the demo's managed tenant was created.
var DemoRetailCreatedAt = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)

// Personas are the demo users, by the key printed with their token.
var Personas = []struct{ Key, Email, Name string }{
	{"staff", "staff@phystack.example", "Sam Staff"},
	{"partnerAdmin", "admin@nordic-signage.example", "Ada Partner-Admin"},
	{"partnerEditor", "editor@nordic-signage.example", "Eddie Partner-Editor"},
	{"standaloneAdmin", "admin@bakery-bros.example", "Stella Standalone-Admin"},
	{"otherPartnerAdmin", "admin@lakeside-av.example", "Otto Other-Partner-Admin"},
}

// Demo is what the demo seed prints.
type Demo struct {
	Tokens map[string]string `json:"tokens"`
	// PartnerID is the demo partner (Nordic Signage Partners), the tenant
	// GraphiQL's demo query opens on; not printed.
	PartnerID int `json:"-"`
}

type planSpec struct {
	code, name string
	kind       enums.PlanKind
	price      int64
	active     bool
}

// catalogPlans gives each catalog free and paid plans of both kinds (and a
// retired one, which the dropdown must not show).
func catalogPlans(scale int64) []planSpec {
	return []planSpec{
		{"tenant-free", "Free", enums.PlanKindTenant, 0, true},
		{"tenant-starter", "Starter", enums.PlanKindTenant, 150_00 * scale, true},
		{"tenant-business", "Business", enums.PlanKindTenant, 300_00 * scale, true},
		{"tenant-enterprise", "Enterprise", enums.PlanKindTenant, 900_00 * scale, true},
		{"tenant-legacy", "Legacy", enums.PlanKindTenant, 200_00 * scale, false},
		{"support-community", "Community", enums.PlanKindSupport, 0, true},
		{"support-standard", "Standard", enums.PlanKindSupport, 45_00 * scale, true},
		{"support-premium", "Premium", enums.PlanKindSupport, 90_00 * scale, true},
		{"support-premier", "Premier", enums.PlanKindSupport, 240_00 * scale, true},
	}
}

// LoadDemo creates (or finds) the demo world and returns fresh tokens.
func LoadDemo(ctx context.Context, client *ent.Client, ttl time.Duration) (*Demo, error) {
	asAPI := ctx // lifeDemo acts as the partner admin, through the privacy rules
	ctx = rule.SystemContext(ctx)
	users := map[string]*ent.User{}
	var nordic *ent.Tenant
	var eurPlans map[string]*ent.Plan
	err := store.WithTx(ctx, client, func(tx *ent.Tx) error {
		c := tx.Client()
		se, err := billingEntity(ctx, c, "PHYSTACK-SE", "Phystack AB", "SE")
		if err != nil {
			return err
		}
		us, err := billingEntity(ctx, c, "PHYSTACK-US", "Phystack Inc.", "US")
		if err != nil {
			return err
		}
		uk, err := billingEntity(ctx, c, "PHYSTACK-UK", "Phystack Ltd", "GB")
		if err != nil {
			return err
		}
		eurCat, plans, err := catalog(ctx, c, "Partner catalog EUR 2026", "EUR", 1)
		if err != nil {
			return err
		}
		eurPlans = plans
		usdCat, _, err := catalog(ctx, c, "Partner catalog USD 2026", "USD", 1)
		if err != nil {
			return err
		}
		for _, p := range Personas {
			u, err := c.User.Query().Where(user.Email(p.Email)).Only(ctx)
			if ent.IsNotFound(err) {
				u, err = c.User.Create().SetEmail(p.Email).SetName(p.Name).
					SetIsStaff(p.Key == "staff").Save(ctx)
			}
			if err != nil {
				return err
			}
			users[p.Key] = u
		}
		nordic, err = topTenant(ctx, c, tenantSpec{"Nordic Signage Partners", "SE", "EUR", se.ID, true, &eurCat.ID})
		if err != nil {
			return err
		}
		lakeside, err := topTenant(ctx, c, tenantSpec{"Lakeside AV Integrators", "US", "USD", us.ID, true, &usdCat.ID})
		if err != nil {
			return err
		}
		bakery, err := topTenant(ctx, c, tenantSpec{"Bakery Bros", "GB", "GBP", uk.ID, false, nil})
		if err != nil {
			return err
		}
		for _, m := range []struct {
			t    *ent.Tenant
			u    string
			role enums.Role
		}{
			{nordic, "partnerAdmin", enums.RoleAdmin},
			{nordic, "partnerEditor", enums.RoleEditor},
			{lakeside, "otherPartnerAdmin", enums.RoleAdmin},
			{bakery, "standaloneAdmin", enums.RoleAdmin},
		} {
			if err := member(ctx, c, m.t.ID, users[m.u].ID, m.role); err != nil {
				return err
			}
		}
		return demoRetail(ctx, c, nordic, users["partnerAdmin"], eurPlans)
	})
	if err == nil {
		err = lifeDemo(asAPI, client, nordic, users["partnerAdmin"], eurPlans)
	}
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	// Rotate: each run's tokens replace the previous run's.
	demo := &Demo{Tokens: map[string]string{}, PartnerID: nordic.ID}
	now := clock.Wall()
	for _, p := range Personas {
		u := users[p.Key]
		if _, err := client.APIToken.Delete().
			Where(apitoken.UserID(u.ID), apitoken.LabelEQ(DemoTokenLabel)).Exec(ctx); err != nil {
			return nil, fmt.Errorf("seed: rotate tokens: %w", err)
		}
		tok, err := auth.Issue(ctx, client, u.ID, DemoTokenLabel, ttl, now)
		if err != nil {
			return nil, err
		}
		demo.Tokens[p.Key] = tok
	}
	return demo, nil
}

func billingEntity(ctx context.Context, c *ent.Client, code, name, country string) (*ent.BillingEntity, error) {
	be, err := c.BillingEntity.Query().Where(billingentity.Code(code)).Only(ctx)
	if ent.IsNotFound(err) {
		return c.BillingEntity.Create().SetCode(code).SetLegalName(name).SetCountry(country).Save(ctx)
	}
	return be, err
}

func catalog(ctx context.Context, c *ent.Client, name, currency string, scale int64) (*ent.PlanCatalog, map[string]*ent.Plan, error) {
	cat, err := c.PlanCatalog.Query().Where(plancatalog.Name(name)).Only(ctx)
	if ent.IsNotFound(err) {
		cat, err = c.PlanCatalog.Create().SetName(name).SetCurrency(currency).Save(ctx)
	}
	if err != nil {
		return nil, nil, err
	}
	plans := map[string]*ent.Plan{}
	for _, ps := range catalogPlans(scale) {
		p, err := c.Plan.Query().Where(plan.CatalogID(cat.ID), plan.Code(ps.code)).Only(ctx)
		if ent.IsNotFound(err) {
			p, err = c.Plan.Create().SetCatalogID(cat.ID).SetCode(ps.code).SetName(ps.name).
				SetKind(ps.kind).SetMonthlyPrice(ps.price).SetCurrency(currency).SetActive(ps.active).
				Save(ctx)
		}
		if err != nil {
			return nil, nil, err
		}
		plans[ps.code] = p
	}
	return cat, plans, nil
}

type tenantSpec struct {
	name, country, currency string
	billingEntityID         int
	partner                 bool
	catalogID               *int
}

// topTenant finds or creates a tenant that nobody manages, by name.
func topTenant(ctx context.Context, c *ent.Client, s tenantSpec) (*ent.Tenant, error) {
	t, err := c.Tenant.Query().
		Where(tenant.PartnerIDIsNil(), tenant.NameKey(validate.Key(s.name))).First(ctx)
	if ent.IsNotFound(err) {
		return c.Tenant.Create().
			SetDisplayName(s.name).
			SetCountry(s.country).SetCurrency(s.currency).
			SetBillingEntityID(s.billingEntityID).SetBillingType(enums.BillingTypeDirect).
			SetIsPartner(s.partner).SetNillablePlanCatalogID(s.catalogID).
			Save(ctx)
	}
	return t, err
}

func member(ctx context.Context, c *ent.Client, tenantID, userID int, role enums.Role) error {
	ok, err := c.Membership.Query().Where(membership.TenantID(tenantID), membership.UserID(userID)).Exist(ctx)
	if err != nil || ok {
		return err
	}
	return c.Membership.Create().SetTenantID(tenantID).SetUserID(userID).SetRole(role).Exec(ctx)
}

// demoRetail is the managed tenant of SPEC 9: created 2026-11-16 on the
// 300.00 EUR tenant plan and the 90.00 EUR support plan, with a small
// workspace its creator (the partner admin) administers.
func demoRetail(ctx context.Context, c *ent.Client, partner *ent.Tenant, creator *ent.User, plans map[string]*ent.Plan) error {
	const name = "Demo Retail"
	t, err := c.Tenant.Query().Where(tenant.PartnerID(partner.ID), tenant.NameKey(validate.Key(name))).Only(ctx)
	if ent.IsNotFound(err) {
		t, err = c.Tenant.Create().
			SetDisplayName(name).
			SetCountry("DE").SetCurrency(partner.Currency).
			SetBillingEntityID(partner.BillingEntityID).SetBillingType(enums.BillingTypePartnerInvoice).
			SetPartnerID(partner.ID).SetCreatedByID(creator.ID).SetCreatedAt(DemoRetailCreatedAt).
			Save(ctx)
	}
	if err != nil {
		return err
	}
	if err := member(ctx, c, t.ID, creator.ID, enums.RoleAdmin); err != nil {
		return err
	}
	for _, code := range []string{"tenant-business", "support-premium"} {
		p := plans[code]
		ok, err := c.Subscription.Query().Where(subscription.TenantID(t.ID), subscription.PlanID(p.ID)).Exist(ctx)
		if err != nil {
			return err
		}
		if !ok {
			if err := c.Subscription.Create().
				SetTenantID(t.ID).SetPlanID(p.ID).SetBilledToID(partner.ID).SetKind(p.Kind).
				SetMonthlyPrice(p.MonthlyPrice).SetCurrency(p.Currency).SetStartedAt(DemoRetailCreatedAt).
				Exec(ctx); err != nil {
				return err
			}
		}
	}
	sp, err := c.Space.Query().Where(space.TenantID(t.ID), space.Name("Flagship Store")).First(ctx)
	if ent.IsNotFound(err) {
		sp, err = c.Space.Create().SetTenantID(t.ID).SetName("Flagship Store").Save(ctx)
	}
	if err != nil {
		return err
	}
	d, err := c.Device.Query().Where(device.TenantID(t.ID), device.SerialKey(validate.Key("DR-0001"))).Only(ctx)
	if ent.IsNotFound(err) {
		d, err = c.Device.Create().SetTenantID(t.ID).SetSpaceID(sp.ID).SetName("Window display").
			SetSerialNumber("DR-0001").Save(ctx)
	}
	if err != nil {
		return err
	}
	ok, err := c.Installation.Query().Where(installation.SpaceID(sp.ID), installation.Name("Menu board")).Exist(ctx)
	if err != nil || ok {
		return err
	}
	return c.Installation.Create().SetTenantID(t.ID).SetSpaceID(sp.ID).SetDeviceID(d.ID).
		SetName("Menu board").SetApp("signage-player").Exec(ctx)
}
