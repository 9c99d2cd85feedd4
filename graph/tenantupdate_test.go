package graph_test

// End-to-end tests of updateManagedTenant (SPEC 10): only the fields given
// change, validated as at creation; names are TAKEN while another managed
// tenant of the partner that has not ended holds them.

import (
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/internal/testkit"
)

// ---------------------------------------------------------------------------
// updateManagedTenant

func TestUpdateManagedTenant(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	target := testkit.ID(l.Managed.ID)
	steps := []struct {
		name              string
		kv                []any
		displayName, ctry string
		before, after     map[string]any // nil: no audit event
	}{
		{"name only, trimmed and NFC", []any{"displayName", " \tCorner Cafe\u0301  "}, "Corner Café", "SE",
			map[string]any{"displayName": "Managed One"}, map[string]any{"displayName": "Corner Café"}},
		{"country only, any case", []any{"country", "nO"}, "Corner Café", "NO",
			map[string]any{"country": "SE"}, map[string]any{"country": "NO"}},
		{"both", []any{"displayName", "Fjord Shop", "country", "fi"}, "Fjord Shop", "FI",
			map[string]any{"displayName": "Corner Café", "country": "NO"}, map[string]any{"displayName": "Fjord Shop", "country": "FI"}},
		{"its own name in another case", []any{"displayName", "FJORD SHOP"}, "FJORD SHOP", "FI",
			map[string]any{"displayName": "Fjord Shop"}, map[string]any{"displayName": "FJORD SHOP"}},
		{"nothing given", nil, "FJORD SHOP", "FI", nil, nil},
		{"nulls given", []any{"displayName", nil, "country", nil}, "FJORD SHOP", "FI", nil, nil},
		{"the values it has", []any{"displayName", " FJORD SHOP ", "country", "fi"}, "FJORD SHOP", "FI", nil, nil},
	}
	partner, be := l.Managed.PartnerID, l.Managed.BillingEntityID
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			since := auditCount(t, l.Client, l.Partner)
			before := testkit.Rows(t, l.Store)
			got := l.update(t, l.Managed, s.kv...)
			if got.ID != target || got.DisplayName != s.displayName || got.Country != s.ctry || got.Currency != "EUR" ||
				got.BillingEntity.ID != testkit.ID(be) || got.Partner == nil || got.Partner.ID != testkit.ID(*partner) ||
				got.Status != "ACTIVE" || got.EndsAt != nil || code(got.TenantPlan) != "t-pro" {
				t.Errorf("payload tenant = %+v, want %q in %s, EUR, its billing entity and partner", got, s.displayName, s.ctry)
			}
			row := l.stored(t, l.Managed)
			if row.DisplayName != s.displayName || row.Country != s.ctry || row.Currency != "EUR" ||
				row.BillingEntityID != be || row.PartnerID == nil || *row.PartnerID != *partner || row.EndsAt != nil {
				t.Errorf("stored tenant = %+v", row)
			}
			if s.after == nil {
				testkit.RequireRows(t, l.Store, before)
				requireAudit(t, l.Client, l.Partner, since)
				return
			}
			testkit.RequireRows(t, l.Store, before.Plus(testkit.RowCounts{"audit_events": 1}))
			requireAudit(t, l.Client, l.Partner, since, auditEvent{
				action: "managed_tenant.update", actor: l.PartnerAdmin.ID, target: target, before: s.before, after: s.after,
			})
		})
	}
	// Its plans and subscriptions are not an update's business.
	l.requireSubscriptions(t, l.Managed,
		subRow("SUPPORT", "s-prem", worldStart, ""),
		subRow("TENANT", "t-pro", worldStart, ""),
	)
}

// Currency, billing entity and partner are not input fields at all.
func TestUpdateManagedTenantHasNoCurrencyInput(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	var schema struct {
		Type struct{ InputFields []struct{ Name string } } `json:"__type"`
	}
	l.api.Query(t, l.Token(l.PartnerAdmin), `{ __type(name: "UpdateManagedTenantInput") { inputFields { name } } }`, &schema, nil)
	var names []string
	for _, f := range schema.Type.InputFields {
		names = append(names, f.Name)
	}
	sort.Strings(names)
	if want := []string{"country", "displayName", "tenantId"}; !slices.Equal(names, want) {
		t.Errorf("UpdateManagedTenantInput fields = %v, want %v", names, want)
	}
	before := testkit.Rows(t, l.Store)
	for _, field := range []string{"currency", "billingEntityId", "partnerId"} {
		res := l.api.Do(t, l.Token(l.PartnerAdmin), updateManagedTenantMutation,
			map[string]any{"input": tenantInput(l.Managed, field, "USD")})
		if len(res.Errors) == 0 || !res.DataIsNull("updateManagedTenant") || !strings.Contains(string(res.Raw), field) {
			t.Errorf("%s: want a validation error naming it, got %s", field, res.Raw)
		}
	}
	testkit.RequireRows(t, l.Store, before)
}

func TestUpdateManagedTenantValidation(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	const (
		name    = "input.displayName:INVALID"
		country = "input.country:INVALID"
		taken   = "input.displayName:TAKEN"
	)
	tests := []struct {
		name string
		kv   []any
		want []string
	}{
		{"blank name", []any{"displayName", ""}, []string{name}},
		{"white-space-only name", []any{"displayName", " \t\u00a0 "}, []string{name}},
		{"101 code points", []any{"displayName", strings.Repeat("é", 101)}, []string{name}},
		{"control character", []any{"displayName", "Shop\u0007One"}, []string{name}},
		{"newline", []any{"displayName", "Shop\nOne"}, []string{name}},
		{"country XX", []any{"country", "XX"}, []string{country}},
		{"country empty", []any{"country", ""}, []string{country}},
		{"country SWE", []any{"country", "SWE"}, []string{country}},
		{"country UK", []any{"country", "uk"}, []string{country}},
		{"both broken", []any{"displayName", " ", "country", "EU"}, []string{name, country}},
		{"taken, and a bad country", []any{"displayName", "sibling two", "country", "ZZ"}, []string{country, taken}},
		{"good name, bad country", []any{"displayName", "Would Be Fine", "country", "ZZ"}, []string{country}},
	}
	before := testkit.Rows(t, l.Store)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := l.mutate(t, l.Token(l.PartnerAdmin), updateManagedTenantMutation, tenantInput(l.Managed, tc.kv...))
			testkit.RequireUserErrors(t, &p, tc.want...)
			testkit.RequireRows(t, l.Store, before)
			if row := l.stored(t, l.Managed); row.DisplayName != "Managed One" || row.Country != "SE" {
				t.Errorf("stored tenant = %q in %s", row.DisplayName, row.Country)
			}
		})
	}
	// The edges that are fine: 100 code points, the longest.
	if got := l.update(t, l.Managed, "displayName", strings.Repeat("é", 100)); got.DisplayName != strings.Repeat("é", 100) {
		t.Errorf("100 code points stored as %q", got.DisplayName)
	}
}

// A name is TAKEN when another managed tenant of the partner that has not
// ended holds it, ignoring case and normalisation; a scheduled end keeps it
// taken until the end passes.
func TestUpdateManagedTenantNameTaken(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	cafe := l.Tenant(testkit.TenantSpec{Name: "Café", ManagedBy: l.Partner, CreatedAt: worldStartTime}) // NFC é
	before := testkit.Rows(t, l.Store)
	for _, name := range []string{"Sibling Two", "SIBLING TWO", "  sibling two ", "Café", "CAFE\u0301", "café"} {
		t.Run(name, func(t *testing.T) {
			p := l.mutate(t, l.Token(l.PartnerAdmin), updateManagedTenantMutation, tenantInput(l.Managed, "displayName", name))
			testkit.RequireUserErrors(t, &p, "input.displayName:TAKEN")
			testkit.RequireRows(t, l.Store, before)
		})
	}
	// Names held elsewhere are free: the partner's own, a standalone
	// tenant's, another partner's managed tenant's.
	l.Tenant(testkit.TenantSpec{Name: "Lakeside Shop", ManagedBy: l.OtherPartner, CreatedAt: worldStartTime})
	for _, name := range []string{"Nordic Partners", "Bakery", "Lakeside Shop"} {
		if got := l.update(t, l.Managed, "displayName", name); got.DisplayName != name {
			t.Errorf("renamed to %q: %q", name, got.DisplayName)
		}
	}

	// Café's end is scheduled: its name stays taken until the end passes.
	l.end(t, cafe, "START_OF_NEXT_PERIOD")
	p := l.mutate(t, l.Token(l.PartnerAdmin), updateManagedTenantMutation, tenantInput(l.Managed, "displayName", "cafe\u0301"))
	testkit.RequireUserErrors(t, &p, "input.displayName:TAKEN")
	l.clock.Set(nextPeriodTime.Add(-time.Microsecond))
	p = l.mutate(t, l.Token(l.PartnerAdmin), updateManagedTenantMutation, tenantInput(l.Managed, "displayName", "CAFÉ"))
	testkit.RequireUserErrors(t, &p, "input.displayName:TAKEN")
	l.clock.Set(nextPeriodTime)
	if got := l.update(t, l.Managed, "displayName", "cafe\u0301"); got.DisplayName != "café" {
		t.Errorf("renamed to the ended tenant's name: %q, want café", got.DisplayName)
	}
	// Both rows keep their names: the ended one is not renamed.
	if row := l.stored(t, cafe); row.DisplayName != "Café" {
		t.Errorf("ended tenant renamed to %q", row.DisplayName)
	}
}
