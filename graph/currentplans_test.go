package graph_test

import (
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/internal/testkit"
)

// tenantPlan and supportPlan come from one query that joins plans with the
// running subscriptions; the subscription policy's rule applies to the join:
// a subscription billed to a tenant the viewer does not administer stays
// hidden (null), while staff see every plan. Ended and future subscriptions
// are not current.
func TestCurrentPlansFollowSubscriptionVisibility(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	m := w.Fixture.Managed(w.Partner, "Billed Elsewhere")
	now := time.Now().UTC()
	w.Fixture.Subscribe(m, w.Catalog.Plans["t-pro"], w.OtherPartner, now.Add(-time.Hour))
	// s-prem runs until a scheduled change to s-std, which has not started.
	change, past := now.Add(time.Hour), now.Add(-time.Minute)
	w.Fixture.SubscribeUntil(m, w.Catalog.Plans["s-prem"], w.Partner, now.Add(-time.Hour), &change)
	w.Fixture.Subscribe(m, w.Catalog.Plans["s-std"], w.Partner, change)
	w.Fixture.SubscribeUntil(m, w.Catalog.Plans["t-basic"], w.Partner, now.Add(-2*time.Hour), &past)

	q := `query($id: ID!) { tenant(id: $id) { tenantPlan { code } supportPlan { code } } }`
	type plans struct {
		Tenant struct {
			TenantPlan  *struct{ Code string }
			SupportPlan *struct{ Code string }
		}
	}
	code := func(p *struct{ Code string }) string {
		if p == nil {
			return "null"
		}
		return p.Code
	}
	for _, tc := range []struct {
		name            string
		token           string
		tenant, support string
	}{
		{"partner admin: the subscription billed elsewhere is hidden", w.Token(w.PartnerAdmin), "null", "s-prem"},
		{"staff see both", w.Token(w.Staff), "t-pro", "s-prem"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got plans
			api.Query(t, tc.token, q, &got, map[string]any{"id": testkit.ID(m.ID)})
			if a, b := code(got.Tenant.TenantPlan), code(got.Tenant.SupportPlan); a != tc.tenant || b != tc.support {
				t.Fatalf("tenantPlan %s, supportPlan %s; want %s, %s", a, b, tc.tenant, tc.support)
			}
		})
	}
}
