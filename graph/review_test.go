package graph_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

// A plan of a catalog in another currency than the partner's is refused:
// its lines could never be billed on the partner's invoice.
func TestCreateManagedTenantRefusesPlansInAnotherCurrency(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	usd := w.Fixture.Catalog("USD") // its own catalog, not OtherPartner's
	eurPartner := w.Tenant(testkit.TenantSpec{Name: "Mixed Partners", Partner: true, Catalog: usd})
	w.Member(eurPartner, w.PartnerAdmin, enums.RoleAdmin)
	token := w.Fixture.Token(w.PartnerAdmin) // memberships are read at authentication
	var got struct {
		CreateManagedTenant struct {
			ManagedTenant *struct{ ID string }
			UserErrors    []testkit.UserError
		}
	}
	api.Query(t, token, `mutation($in: CreateManagedTenantInput!) { createManagedTenant(input: $in) {
		managedTenant { id } userErrors { field message code } } }`, &got, map[string]any{"in": map[string]any{
		"partnerId": testkit.ID(eurPartner.ID), "displayName": "Shop", "country": "SE",
		"tenantPlanId": testkit.ID(usd.Plans["t-pro"].ID), "supportPlanId": testkit.ID(usd.Plans["s-prem"].ID),
	}})
	testkit.RequireUserErrors(t, got.CreateManagedTenant, "input.tenantPlanId:INVALID", "input.supportPlanId:INVALID")
}

// Invitations of one new email into several tenants at once all succeed:
// the one that loses the race to create the user retries and finds it.
func TestConcurrentInvitationsOfANewEmail(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	admin := w.User("many-tenants-admin@example.com")
	const n = 6
	var tenants []string
	for i := 0; i < n; i++ {
		tn := w.Tenant(testkit.TenantSpec{Name: fmt.Sprintf("Invite %d", i)})
		w.Member(tn, admin, enums.RoleAdmin)
		tenants = append(tenants, testkit.ID(tn.ID))
	}
	token := w.Fixture.Token(admin)
	var wg sync.WaitGroup
	res := make([]*testkit.Response, n)
	errs := make([]error, n)
	for i := range tenants {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			res[i], errs[i] = api.Send(token, `mutation($t: ID!) { inviteMember(input: {tenantId: $t, email: "new.person@example.com", role: VIEWER}) {
				membership { id } userErrors { code } } }`, map[string]any{"t": tenants[i]})
		}(i)
	}
	wg.Wait()
	for i := range tenants {
		if errs[i] != nil {
			t.Errorf("invitation %d: %v", i, errs[i])
			continue
		}
		var got struct {
			InviteMember struct {
				Membership *struct{ ID string }
				UserErrors []testkit.UserError
			}
		}
		if len(res[i].Errors) > 0 {
			t.Errorf("invitation %d: %s", i, res[i].Raw)
			continue
		}
		res[i].Decode(t, &got)
		if p := got.InviteMember; p.Membership == nil || len(p.UserErrors) != 0 {
			t.Errorf("invitation %d: %s", i, res[i].Raw)
		}
	}
}
