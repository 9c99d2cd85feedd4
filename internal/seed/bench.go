package seed

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/gid"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/internal/auth"
	"github.com/phystack/managed-tenants-api/internal/clock"
)

// BenchShape is the fan-out of a benchmark partner's tree.
type BenchShape struct {
	Tenants, Spaces, Devices, Installations int
}

// Bench is what `seed --bench` prints.
type Bench struct {
	PartnerID string            `json:"partnerId"`
	Tokens    map[string]string `json:"tokens"`
}

// chunk bounds rows per INSERT: PostgreSQL takes at most 65535 parameters.
const chunk = 2000

// LoadBench builds one new partner with shape.Tenants managed tenants, each
// with two subscriptions and shape.Spaces x Devices x Installations of
// workspace, in bulk inserts. Its admin is a member of every managed tenant.
func LoadBench(ctx context.Context, client *ent.Client, shape BenchShape) (*Bench, error) {
	ctx = rule.SystemContext(ctx)
	run := time.Now().UTC().Format("20060102T150405.000000000")
	now := clock.Wall()

	be, err := billingEntity(ctx, client, "PHYSTACK-SE", "Phystack AB", "SE")
	if err != nil {
		return nil, err
	}
	_, plans, err := catalog(ctx, client, "Bench catalog EUR", "EUR", 1)
	if err != nil {
		return nil, err
	}
	admin, err := client.User.Create().SetEmail(strings.ToLower("bench-admin-" + run + "@bench.example")).SetName("Bench admin").Save(ctx)
	if err != nil {
		return nil, err
	}
	cat := plans["tenant-business"].CatalogID
	name := "Bench partner " + run
	partner, err := client.Tenant.Create().
		SetDisplayName(name).SetCountry("SE").SetCurrency("EUR").
		SetBillingEntityID(be.ID).SetBillingType(enums.BillingTypeDirect).SetIsPartner(true).
		SetPlanCatalogID(cat).Save(ctx)
	if err != nil {
		return nil, err
	}
	if err := client.Membership.Create().SetTenantID(partner.ID).SetUserID(admin.ID).SetRole(enums.RoleAdmin).Exec(ctx); err != nil {
		return nil, err
	}

	tenants, err := bulk(ctx, shape.Tenants, func(i int) *ent.TenantCreate {
		n := fmt.Sprintf("Customer %05d", i)
		return client.Tenant.Create().SetDisplayName(n).
			SetCountry("DE").SetCurrency("EUR").SetBillingEntityID(be.ID).
			SetBillingType(enums.BillingTypePartnerInvoice).SetPartnerID(partner.ID).
			SetCreatedByID(admin.ID).SetCreatedAt(now)
	}, client.Tenant.CreateBulk)
	if err != nil {
		return nil, fmt.Errorf("seed bench: tenants: %w", err)
	}
	if _, err := bulk(ctx, len(tenants), func(i int) *ent.MembershipCreate {
		return client.Membership.Create().SetTenantID(tenants[i].ID).SetUserID(admin.ID).SetRole(enums.RoleAdmin)
	}, client.Membership.CreateBulk); err != nil {
		return nil, fmt.Errorf("seed bench: memberships: %w", err)
	}
	subPlans := []*ent.Plan{plans["tenant-business"], plans["support-premium"]}
	if _, err := bulk(ctx, 2*len(tenants), func(i int) *ent.SubscriptionCreate {
		p := subPlans[i%2]
		return client.Subscription.Create().SetTenantID(tenants[i/2].ID).SetPlanID(p.ID).
			SetBilledToID(partner.ID).SetKind(p.Kind).SetMonthlyPrice(p.MonthlyPrice).
			SetCurrency(p.Currency).SetStartedAt(now)
	}, client.Subscription.CreateBulk); err != nil {
		return nil, fmt.Errorf("seed bench: subscriptions: %w", err)
	}
	spaces, err := bulk(ctx, len(tenants)*shape.Spaces, func(i int) *ent.SpaceCreate {
		return client.Space.Create().SetTenantID(tenants[i/shape.Spaces].ID).
			SetName(fmt.Sprintf("Space %d", i%shape.Spaces))
	}, client.Space.CreateBulk)
	if err != nil {
		return nil, fmt.Errorf("seed bench: spaces: %w", err)
	}
	devices, err := bulk(ctx, len(spaces)*shape.Devices, func(i int) *ent.DeviceCreate {
		sp := spaces[i/shape.Devices]
		serial := fmt.Sprintf("SN-%d", i)
		return client.Device.Create().SetTenantID(sp.TenantID).SetSpaceID(sp.ID).
			SetName(fmt.Sprintf("Device %d", i%shape.Devices)).SetSerialNumber(serial)
	}, client.Device.CreateBulk)
	if err != nil {
		return nil, fmt.Errorf("seed bench: devices: %w", err)
	}
	if _, err := bulk(ctx, len(devices)*shape.Installations, func(i int) *ent.InstallationCreate {
		d := devices[i/shape.Installations]
		return client.Installation.Create().SetTenantID(d.TenantID).SetSpaceID(d.SpaceID).SetDeviceID(d.ID).
			SetName(fmt.Sprintf("App %d", i%shape.Installations)).SetApp("signage-player")
	}, client.Installation.CreateBulk); err != nil {
		return nil, fmt.Errorf("seed bench: installations: %w", err)
	}
	// Fresh statistics, so the planner knows the bulk-loaded tables.
	if _, err := client.ExecContext(ctx, "ANALYZE"); err != nil {
		return nil, fmt.Errorf("seed bench: analyze: %w", err)
	}
	tok, err := auth.Issue(ctx, client, admin.ID, "bench", 30*24*time.Hour, time.Now())
	if err != nil {
		return nil, err
	}
	return &Bench{PartnerID: gid.Encode(partner.ID), Tokens: map[string]string{"partnerAdmin": tok}}, nil
}

// bulk creates n rows built by build, chunk rows per INSERT, and returns
// them (with ids) in order.
func bulk[C any, T any, B interface {
	Save(context.Context) ([]T, error)
}](
	ctx context.Context, n int, build func(int) C, createBulk func(...C) B,
) ([]T, error) {
	out := make([]T, 0, n)
	for start := 0; start < n; start += chunk {
		end := min(start+chunk, n)
		builders := make([]C, 0, end-start)
		for i := start; i < end; i++ {
			builders = append(builders, build(i))
		}
		rows, err := createBulk(builders...).Save(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}
