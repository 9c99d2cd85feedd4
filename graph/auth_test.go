package graph_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"

	"github.com/phystack/managed-tenants-api/internal/auth"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

func TestEveryRootFieldNeedsAValidToken(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)

	// A token of the partner's admin (who could do all of the below) that
	// expired a second ago, and one that only expires later.
	expired, err := auth.Issue(sys, w.Client, w.PartnerAdmin.ID, "test", time.Hour, time.Now().Add(-time.Hour-time.Second))
	if err != nil {
		t.Fatal(err)
	}
	valid := w.Token(w.PartnerAdmin)

	tenant, partner := testkit.ID(w.Managed.ID), testkit.ID(w.Partner.ID)
	fields := []struct {
		field, query string
		vars         map[string]any
	}{
		{"viewer", `{ viewer { isStaff user { email } } }`, nil},
		{"tenant", `query($id: ID!) { tenant(id: $id) { id displayName } }`, map[string]any{"id": tenant}},
		{"node", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": tenant}},
		{"nodes", `query($id: ID!) { nodes(ids: [$id]) { id } }`, map[string]any{"id": tenant}},
		{"visibleSettings", `query($id: ID!) { visibleSettings(tenantId: $id) }`, map[string]any{"id": tenant}},
		{"planCatalog", `query($id: ID!) { planCatalog(partnerId: $id, kind: TENANT) { id } }`, map[string]any{"id": partner}},
		{"partnerInvoice", `query($id: ID!) { partnerInvoice(partnerId: $id, period: "2026-11") { period } }`, map[string]any{"id": partner}},
		{"createManagedTenant", `mutation($id: ID!, $tp: ID!, $sp: ID!) {
			createManagedTenant(input: {partnerId: $id, displayName: "Sneaky", country: "SE", tenantPlanId: $tp, supportPlanId: $sp}) {
				managedTenant { id } userErrors { code } } }`,
			map[string]any{"id": partner, "tp": testkit.ID(w.Catalog.Plans["t-pro"].ID), "sp": testkit.ID(w.Catalog.Plans["s-prem"].ID)}},
		{"setTenantPartnerFlag", `mutation($id: ID!) { setTenantPartnerFlag(input: {tenantId: $id, isPartner: true}) { tenant { id } userErrors { code } } }`,
			map[string]any{"id": testkit.ID(w.Standalone.ID)}},
		{"inviteMember", `mutation($id: ID!) { inviteMember(input: {tenantId: $id, email: "sneaky@example.com", role: ADMIN}) { membership { id } userErrors { code } } }`,
			map[string]any{"id": tenant}},
		{"createSpace", `mutation($id: ID!) { createSpace(input: {tenantId: $id, name: "Sneaky"}) { space { id } userErrors { code } } }`,
			map[string]any{"id": tenant}},
		{"createDevice", `mutation($id: ID!) { createDevice(input: {spaceId: $id, name: "Sneaky", serialNumber: "SNEAKY-1"}) { device { id } userErrors { code } } }`,
			map[string]any{"id": testkit.ID(w.ManagedSpace.ID)}},
		{"createInstallation", `mutation($id: ID!) { createInstallation(input: {spaceId: $id, name: "Sneaky", app: "x"}) { installation { id } userErrors { code } } }`,
			map[string]any{"id": testkit.ID(w.ManagedSpace.ID)}},
	}
	headers := []struct{ name, header string }{
		{"missing", ""},
		{"empty bearer", "Bearer "},
		{"unknown", "Bearer phy_" + strings.Repeat("A", 43)},
		{"unknown without prefix", "Bearer 0123456789abcdef"},
		{"malformed: no scheme", valid},
		{"malformed: basic", "Basic " + valid},
		{"malformed: token scheme", "Token " + valid},
		{"malformed: glued", "Bearer" + valid},
		{"malformed: garbage", "Bearer phy_!!%%**~~"},
		{"malformed: non-ASCII", "Bearer phy_\u00e9\u00e9\u00e9"},
		{"malformed: too long", "Bearer phy_" + strings.Repeat("A", 5000)},
		{"expired", "Bearer " + expired},
	}

	before := testkit.Rows(t, w.Store)
	for _, f := range fields {
		for _, h := range headers {
			t.Run(f.field+"/"+h.name, func(t *testing.T) {
				var exact []client.Option // the header as it is, none when ""
				if h.header != "" {
					exact = append(exact, client.AddHeader("Authorization", h.header))
				}
				res := api.Do(t, "", f.query, f.vars, exact...)
				if res.Status != http.StatusOK {
					t.Errorf("HTTP %d, want 200", res.Status)
				}
				res.RequireError(t, "UNAUTHENTICATED", f.field)
				if strings.Contains(string(res.Raw), "Sneaky") || strings.Contains(string(res.Raw), w.Managed.DisplayName) {
					t.Fatalf("response leaks data: %s", res.Raw)
				}
			})
		}
	}
	// Unauthenticated requests wrote nothing.
	testkit.RequireRows(t, w.Store, before)

	// Control: the same requests with the valid token are not refused as
	// unauthenticated (the token itself is what the test varies).
	for _, f := range fields {
		res := api.Do(t, valid, f.query, f.vars)
		for _, e := range res.Errors {
			if e.Code() == "UNAUTHENTICATED" {
				t.Errorf("%s with a valid token: %s", f.field, res.Raw)
			}
		}
	}
}

// TestExpiredTokenStopsWorkingAtExpiry: a token works until its expiry
// instant (the server's clock) and is UNAUTHENTICATED from then on.
func TestExpiredTokenStopsWorkingAtExpiry(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	issued := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	tok, err := auth.Issue(sys, w.Client, w.PartnerAdmin.ID, "test", time.Hour, issued)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		now  time.Time
		code string
	}{
		{issued.Add(59 * time.Minute), ""},
		{issued.Add(time.Hour), "UNAUTHENTICATED"},
		{issued.Add(2 * time.Hour), "UNAUTHENTICATED"},
	} {
		now := tc.now
		api := testkit.NewAPI(t, w.Store, func() time.Time { return now })
		res := api.Do(t, tok, `{ viewer { user { email } } }`, nil)
		if tc.code == "" {
			var got struct {
				Viewer struct{ User struct{ Email string } }
			}
			res.Decode(t, &got)
			if got.Viewer.User.Email != w.PartnerAdmin.Email {
				t.Fatalf("at %v: viewer = %+v", now, got)
			}
			continue
		}
		res.RequireError(t, tc.code, "viewer")
	}
}
