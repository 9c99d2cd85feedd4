package testkit

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/internal/auth"
)

// Fixture builds rows directly through ent in the system context.
type Fixture struct {
	T      testing.TB
	Client *ent.Client
	ctx    context.Context
	seq    atomic.Int64
}

// NewFixture returns a builder over client.
func NewFixture(t testing.TB, client *ent.Client) *Fixture {
	return &Fixture{T: t, Client: client, ctx: rule.SystemContext(context.Background())}
}

func (f *Fixture) next() int64 { return f.seq.Add(1) }

// must fails the test when a fixture cannot be built: nothing after it
// would make sense. It calls t.Fatalf, so fixtures are built from the
// test's own goroutine (none is built from another).
func must[T any](t testing.TB, v T, err error) T {
	t.Helper()
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return v
}

// BillingEntity creates a billing entity in a country.
func (f *Fixture) BillingEntity(country string) *ent.BillingEntity {
	f.T.Helper()
	n := f.next()
	be, err := f.Client.BillingEntity.Create().
		SetCode(fmt.Sprintf("PHY-%s-%d", country, n)).
		SetLegalName(fmt.Sprintf("Phystack %s %d", country, n)).
		SetCountry(country).Save(f.ctx)
	return must(f.T, be, err)
}

// Catalog is a plan catalog with the plans of PlanSpecs, by code.
type Catalog struct {
	*ent.PlanCatalog
	Plans map[string]*ent.Plan
}

// PlanSpec describes a plan of a catalog.
type PlanSpec struct {
	Code   string
	Name   string
	Kind   enums.PlanKind
	Price  int64
	Active bool
}

// StandardPlans: free and three paid plans of each kind, plus a retired one.
var StandardPlans = []PlanSpec{
	{"t-free", "Free", enums.PlanKindTenant, 0, true},
	{"t-basic", "Basic", enums.PlanKindTenant, 100_00, true},
	{"t-pro", "Pro", enums.PlanKindTenant, 300_00, true},
	{"t-max", "Max", enums.PlanKindTenant, 900_00, true},
	{"t-old", "Old", enums.PlanKindTenant, 200_00, false},
	{"s-free", "Community", enums.PlanKindSupport, 0, true},
	{"s-std", "Standard", enums.PlanKindSupport, 45_00, true},
	{"s-prem", "Premium", enums.PlanKindSupport, 90_00, true},
	{"s-24x7", "Round the clock", enums.PlanKindSupport, 240_00, true},
	{"s-old", "Old support", enums.PlanKindSupport, 50_00, false},
}

// Catalog creates a catalog in a currency with the given plans
// (StandardPlans when none are given).
func (f *Fixture) Catalog(currency string, plans ...PlanSpec) *Catalog {
	f.T.Helper()
	if len(plans) == 0 {
		plans = StandardPlans
	}
	cat, err := f.Client.PlanCatalog.Create().
		SetName(fmt.Sprintf("Catalog %s %d", currency, f.next())).SetCurrency(currency).Save(f.ctx)
	must(f.T, cat, err)
	out := &Catalog{PlanCatalog: cat, Plans: map[string]*ent.Plan{}}
	for _, p := range plans {
		plan, err := f.Client.Plan.Create().
			SetCatalogID(cat.ID).SetCode(p.Code).SetName(p.Name).SetKind(p.Kind).
			SetMonthlyPrice(p.Price).SetCurrency(currency).SetActive(p.Active).Save(f.ctx)
		out.Plans[p.Code] = must(f.T, plan, err)
	}
	return out
}

// TenantSpec describes a tenant; zero fields get defaults.
type TenantSpec struct {
	Name          string
	Country       string // default SE
	Currency      string // default EUR
	BillingEntity *ent.BillingEntity
	Partner       bool
	ManagedBy     *ent.Tenant
	Catalog       *Catalog
	CreatedBy     *ent.User
	CreatedAt     time.Time
}

// Tenant creates a tenant. A managed tenant copies currency and billing
// entity from its partner, as createManagedTenant does.
func (f *Fixture) Tenant(s TenantSpec) *ent.Tenant {
	f.T.Helper()
	if s.Name == "" {
		s.Name = fmt.Sprintf("Tenant %d", f.next())
	}
	if s.Country == "" {
		s.Country = "SE"
	}
	if s.Currency == "" {
		s.Currency = "EUR"
	}
	billing := enums.BillingTypeDirect
	if s.ManagedBy != nil {
		s.Currency = s.ManagedBy.Currency
		billing = enums.BillingTypePartnerInvoice
	}
	if s.BillingEntity == nil {
		if s.ManagedBy != nil {
			be, err := f.Client.BillingEntity.Get(f.ctx, s.ManagedBy.BillingEntityID)
			s.BillingEntity = must(f.T, be, err)
		} else {
			s.BillingEntity = f.BillingEntity(s.Country)
		}
	}
	if s.CreatedAt.IsZero() {
		s.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	}
	c := f.Client.Tenant.Create().
		SetDisplayName(s.Name).
		SetCountry(s.Country).SetCurrency(s.Currency).
		SetBillingEntityID(s.BillingEntity.ID).SetBillingType(billing).
		SetIsPartner(s.Partner).SetCreatedAt(s.CreatedAt)
	if s.ManagedBy != nil {
		c.SetPartnerID(s.ManagedBy.ID)
	}
	if s.Catalog != nil {
		c.SetPlanCatalogID(s.Catalog.ID)
	}
	if s.CreatedBy != nil {
		c.SetCreatedByID(s.CreatedBy.ID)
	}
	tn, err := c.Save(f.ctx)
	return must(f.T, tn, err)
}

// Partner creates a partner tenant in EUR with a standard catalog.
func (f *Fixture) Partner(name string) (*ent.Tenant, *Catalog) {
	f.T.Helper()
	cat := f.Catalog("EUR")
	return f.Tenant(TenantSpec{Name: name, Partner: true, Catalog: cat}), cat
}

// Managed creates a managed tenant of partner.
func (f *Fixture) Managed(partner *ent.Tenant, name string) *ent.Tenant {
	f.T.Helper()
	return f.Tenant(TenantSpec{Name: name, ManagedBy: partner})
}

// Subscribe subscribes a tenant to a plan from start, billed to billedTo.
func (f *Fixture) Subscribe(t *ent.Tenant, p *ent.Plan, billedTo *ent.Tenant, start time.Time) *ent.Subscription {
	f.T.Helper()
	return f.SubscribeUntil(t, p, billedTo, start, nil)
}

// SubscribeUntil subscribes a tenant to a plan from start to end (nil: no
// end), billed to billedTo.
func (f *Fixture) SubscribeUntil(t *ent.Tenant, p *ent.Plan, billedTo *ent.Tenant, start time.Time, end *time.Time) *ent.Subscription {
	f.T.Helper()
	sub, err := f.Client.Subscription.Create().
		SetTenantID(t.ID).SetPlanID(p.ID).SetBilledToID(billedTo.ID).SetKind(p.Kind).
		SetMonthlyPrice(p.MonthlyPrice).SetCurrency(p.Currency).SetStartedAt(start).SetNillableEndedAt(end).
		Save(f.ctx)
	return must(f.T, sub, err)
}

// User creates a user.
func (f *Fixture) User(email string) *ent.User {
	f.T.Helper()
	u, err := f.Client.User.Create().SetEmail(email).SetName(email).Save(f.ctx)
	return must(f.T, u, err)
}

// Staff creates a Phystack staff user.
func (f *Fixture) Staff(email string) *ent.User {
	f.T.Helper()
	u, err := f.Client.User.Create().SetEmail(email).SetIsStaff(true).Save(f.ctx)
	return must(f.T, u, err)
}

// Member gives u a role in t.
func (f *Fixture) Member(t *ent.Tenant, u *ent.User, role enums.Role) *ent.Membership {
	f.T.Helper()
	m, err := f.Client.Membership.Create().
		SetTenantID(t.ID).SetUserID(u.ID).SetRole(role).Save(f.ctx)
	return must(f.T, m, err)
}

// Token mints a bearer token for u, valid for an hour.
func (f *Fixture) Token(u *ent.User) string {
	f.T.Helper()
	tok, err := auth.Issue(f.ctx, f.Client, u.ID, "test", time.Hour, time.Now())
	return must(f.T, tok, err)
}

// Space creates a space in t.
func (f *Fixture) Space(t *ent.Tenant, name string) *ent.Space {
	f.T.Helper()
	sp, err := f.Client.Space.Create().SetTenantID(t.ID).SetName(name).Save(f.ctx)
	return must(f.T, sp, err)
}

// Device creates a device in a space.
func (f *Fixture) Device(s *ent.Space, serial string) *ent.Device {
	f.T.Helper()
	d, err := f.Client.Device.Create().
		SetTenantID(s.TenantID).SetSpaceID(s.ID).SetName("Device " + serial).
		SetSerialNumber(serial).Save(f.ctx)
	return must(f.T, d, err)
}

// Installation creates an installation in a space, pinned to d if not nil.
func (f *Fixture) Installation(s *ent.Space, d *ent.Device, name string) *ent.Installation {
	f.T.Helper()
	c := f.Client.Installation.Create().SetTenantID(s.TenantID).SetSpaceID(s.ID).SetName(name).SetApp("player")
	if d != nil {
		c.SetDeviceID(d.ID)
	}
	in, err := c.Save(f.ctx)
	return must(f.T, in, err)
}
