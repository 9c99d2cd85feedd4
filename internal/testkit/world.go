package testkit

import (
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/internal/store"
)

// World is the common cast of the access tests: a partner with two managed
// tenants (siblings), another partner, a standalone tenant, staff, and users
// in every role, each with a token.
type World struct {
	*Fixture
	Store *store.Store

	Partner      *ent.Tenant // EUR, SE billing entity, catalog Catalog
	Catalog      *Catalog
	Managed      *ent.Tenant // managed by Partner, created by PartnerAdmin (its ADMIN)
	Sibling      *ent.Tenant // managed by Partner; only SiblingAdmin is a member
	OtherPartner *ent.Tenant // USD, its own catalog OtherCatalog
	OtherCatalog *Catalog
	Standalone   *ent.Tenant // GBP, DIRECT

	// Users, by role. Both is a member of Managed (EDITOR) and Standalone (EDITOR).
	PartnerAdmin, PartnerEditor, PartnerViewer, ManagedViewer, SiblingAdmin,
	OtherPartnerAdmin, StandaloneAdmin, Both, Staff, Stranger *ent.User

	// Workspace of Managed, and of Standalone.
	ManagedSpace, StandaloneSpace               *ent.Space
	ManagedDevice, StandaloneDevice             *ent.Device
	ManagedInstallation, StandaloneInstallation *ent.Installation

	// Workspace of Sibling: nil unless WithSiblingWorkspace made it.
	SiblingSpace        *ent.Space
	SiblingDevice       *ent.Device
	SiblingInstallation *ent.Installation

	// Tokens by user id.
	Tokens map[int]string
}

// NewWorld builds the World in a fresh store.
func NewWorld(t testing.TB) *World {
	t.Helper()
	st := Store(t)
	f := NewFixture(t, st.Client)
	w := &World{Fixture: f, Store: st, Tokens: map[int]string{}}
	w.Partner, w.Catalog = f.Partner("Nordic Partners")
	w.OtherCatalog = f.Catalog("USD")
	w.OtherPartner = f.Tenant(TenantSpec{Name: "Lakeside Partners", Country: "US", Currency: "USD", Partner: true, Catalog: w.OtherCatalog})
	w.Standalone = f.Tenant(TenantSpec{Name: "Bakery", Country: "GB", Currency: "GBP"})

	w.PartnerAdmin = f.User("partner-admin@example.com")
	w.PartnerEditor = f.User("partner-editor@example.com")
	w.PartnerViewer = f.User("partner-viewer@example.com")
	w.ManagedViewer = f.User("managed-viewer@example.com")
	w.SiblingAdmin = f.User("sibling-admin@example.com")
	w.OtherPartnerAdmin = f.User("other-admin@example.com")
	w.StandaloneAdmin = f.User("standalone-admin@example.com")
	w.Both = f.User("both@example.com")
	w.Staff = f.Staff("staff@phystack.example")
	w.Stranger = f.User("stranger@example.com")

	start := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	w.Managed = f.Tenant(TenantSpec{Name: "Managed One", ManagedBy: w.Partner, CreatedBy: w.PartnerAdmin, CreatedAt: start})
	w.Sibling = f.Tenant(TenantSpec{Name: "Sibling Two", ManagedBy: w.Partner, CreatedBy: w.PartnerAdmin, CreatedAt: start})
	for _, s := range []*ent.Tenant{w.Managed, w.Sibling} {
		f.Subscribe(s, w.Catalog.Plans["t-pro"], w.Partner, start)
		f.Subscribe(s, w.Catalog.Plans["s-prem"], w.Partner, start)
	}

	f.Member(w.Partner, w.PartnerAdmin, enums.RoleAdmin)
	f.Member(w.Partner, w.PartnerEditor, enums.RoleEditor)
	f.Member(w.Partner, w.PartnerViewer, enums.RoleViewer)
	f.Member(w.Managed, w.PartnerAdmin, enums.RoleAdmin)
	f.Member(w.Managed, w.ManagedViewer, enums.RoleViewer)
	f.Member(w.Managed, w.Both, enums.RoleEditor)
	f.Member(w.Sibling, w.SiblingAdmin, enums.RoleAdmin)
	f.Member(w.OtherPartner, w.OtherPartnerAdmin, enums.RoleAdmin)
	f.Member(w.Standalone, w.StandaloneAdmin, enums.RoleAdmin)
	f.Member(w.Standalone, w.Both, enums.RoleEditor)

	w.ManagedSpace = f.Space(w.Managed, "Store A")
	w.ManagedDevice = f.Device(w.ManagedSpace, "SN-A1")
	w.ManagedInstallation = f.Installation(w.ManagedSpace, w.ManagedDevice, "Menu")
	w.StandaloneSpace = f.Space(w.Standalone, "Bakery floor")
	w.StandaloneDevice = f.Device(w.StandaloneSpace, "SN-B1")
	w.StandaloneInstallation = f.Installation(w.StandaloneSpace, w.StandaloneDevice, "Prices")

	for _, u := range []*ent.User{w.PartnerAdmin, w.PartnerEditor, w.PartnerViewer, w.ManagedViewer,
		w.SiblingAdmin, w.OtherPartnerAdmin, w.StandaloneAdmin, w.Both, w.Staff, w.Stranger} {
		w.Tokens[u.ID] = f.Token(u)
	}
	return w
}

// WithSiblingWorkspace gives Sibling a space, a device and an installation,
// so that "the partner's admin sees no sibling workspace" is about rows
// that exist.
func (w *World) WithSiblingWorkspace() *World {
	w.T.Helper()
	w.SiblingSpace = w.Space(w.Sibling, "Sibling store")
	w.SiblingDevice = w.Device(w.SiblingSpace, "SN-S1")
	w.SiblingInstallation = w.Installation(w.SiblingSpace, w.SiblingDevice, "Sibling menu")
	return w
}

// Token returns the token of u.
func (w *World) Token(u *ent.User) string { return w.Tokens[u.ID] }
