package graph_test

// End-to-end tests of Tenant.subscriptions and PlanSubscription (SPEC 10):
// the fields, prices copied at purchase, who reads them, pagination.

import (
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/plan"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

// ---------------------------------------------------------------------------
// Tenant.subscriptions and PlanSubscription

const planSubscriptionFields = `id kind plan { id code } monthlyPrice { amount currency } startedAt endedAt billedTo { id }`

type planSubscription struct {
	ID           string
	Kind         string
	Plan         planRef
	MonthlyPrice money
	StartedAt    string
	EndedAt      *string
	BilledTo     *node
}

func TestPlanSubscriptionFields(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	l.changePlans(t, l.Managed, "tenantPlanId", l.plan("t-max"))
	// A later catalog price change does not reprice what was bought.
	if err := l.Client.Plan.Update().Where(plan.ID(l.Catalog.Plans["t-max"].ID)).SetMonthlyPrice(1234_56).Exec(sys); err != nil {
		t.Fatal(err)
	}
	query := `query($id: ID!) { tenant(id: $id) {
	  tenantPlan { code monthlyPrice { amount } }
	  subscriptions(first: 100) { totalCount edges { node { ` + planSubscriptionFields + ` } } } } }`
	type result struct {
		Tenant struct {
			TenantPlan *struct {
				Code         string
				MonthlyPrice struct{ Amount string }
			}
			Subscriptions struct {
				TotalCount int
				Edges      []struct{ Node planSubscription }
			}
		}
	}
	stored := storedSubscriptions(t, l.Client, l.Managed.ID) // t-pro, s-prem, t-max
	end := lifeT
	partner := &node{ID: testkit.ID(l.Partner.ID)}
	want := []planSubscription{
		{testkit.ID(stored[2].ID), "TENANT", planRef{l.plan("t-max"), "t-max"}, money{"900.00", "EUR"}, lifeT, nil, partner},
		{testkit.ID(stored[1].ID), "SUPPORT", planRef{l.plan("s-prem"), "s-prem"}, money{"90.00", "EUR"}, worldStart, nil, partner},
		{testkit.ID(stored[0].ID), "TENANT", planRef{l.plan("t-pro"), "t-pro"}, money{"300.00", "EUR"}, worldStart, &end, partner},
	}
	for name, u := range map[string]*ent.User{"partner admin": l.PartnerAdmin, "staff": l.Staff} {
		t.Run(name, func(t *testing.T) {
			var got result
			l.api.Query(t, l.Token(u), query, &got, map[string]any{"id": testkit.ID(l.Managed.ID)})
			if got.Tenant.TenantPlan == nil || got.Tenant.TenantPlan.MonthlyPrice.Amount != "1234.56" {
				t.Errorf("tenantPlan = %+v, want t-max at its new catalog price", got.Tenant.TenantPlan)
			}
			var subs []planSubscription
			for _, e := range got.Tenant.Subscriptions.Edges {
				subs = append(subs, e.Node)
			}
			if got.Tenant.Subscriptions.TotalCount != 3 || !reflect.DeepEqual(subs, want) {
				t.Errorf("subscriptions (total %d) =\n  %+v\nwant\n  %+v", got.Tenant.Subscriptions.TotalCount, subs, want)
			}
		})
	}
	// node(id) reads one, as a PlanSubscription.
	var n struct {
		Node *struct {
			Typename string `json:"__typename"`
			ID       string
			Kind     string
		}
	}
	l.api.Query(t, l.Token(l.PartnerAdmin), `query($id: ID!) { node(id: $id) { __typename id ... on PlanSubscription { kind } } }`,
		&n, map[string]any{"id": testkit.ID(stored[2].ID)})
	if n.Node == nil || n.Node.Typename != "PlanSubscription" || n.Node.ID != testkit.ID(stored[2].ID) || n.Node.Kind != "TENANT" {
		t.Errorf("node = %+v", n.Node)
	}
}

// Subscriptions are account data (SPEC 2.2, 10): the managed tenant's own
// members, even its ADMIN, get an empty connection, while still seeing
// which plans it runs; a subscription's node is NOT_FOUND to them.
func TestPlanSubscriptionsAreHiddenFromTheTenantsMembers(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	l.changePlans(t, l.Sibling, "tenantPlanId", l.plan("t-max"), "timing", "START_OF_NEXT_PERIOD")
	l.changePlans(t, l.Managed, "supportPlanId", l.plan("s-std"))
	tests := []struct {
		name                    string
		user                    *ent.User
		tenant                  *ent.Tenant
		tenantPlan, supportPlan string
	}{
		{"sibling's ADMIN", l.SiblingAdmin, l.Sibling, "t-pro", "s-prem"},
		{"managed tenant's VIEWER", l.ManagedViewer, l.Managed, "t-pro", "s-std"},
		{"managed tenant's EDITOR", l.Both, l.Managed, "t-pro", "s-std"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := l.subscriptions(t, l.Token(tc.user), tc.tenant)
			if got.Subscriptions.TotalCount != 0 || len(got.Subscriptions.Edges) != 0 {
				t.Errorf("subscriptions = %+v, want an empty connection", got.Subscriptions)
			}
			if code(got.TenantPlan) != tc.tenantPlan || code(got.SupportPlan) != tc.supportPlan || got.Status != "ACTIVE" {
				t.Errorf("plans %v/%v, status %s; want %s/%s, ACTIVE", got.TenantPlan, got.SupportPlan, got.Status, tc.tenantPlan, tc.supportPlan)
			}
			sub := storedSubscriptions(t, l.Client, tc.tenant.ID)[0]
			l.api.Do(t, l.Token(tc.user), `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": testkit.ID(sub.ID)}).
				RequireError(t, "NOT_FOUND", "node")
		})
	}
	// The twins: the partner's admin (also ADMIN of Managed) and staff see them.
	for name, u := range map[string]*ent.User{"partner admin": l.PartnerAdmin, "staff": l.Staff} {
		for _, tn := range []*ent.Tenant{l.Managed, l.Sibling} {
			if got := l.subscriptions(t, l.Token(u), tn); got.Subscriptions.TotalCount != 3 {
				t.Errorf("%s reads %d subscriptions of %s, want 3", name, got.Subscriptions.TotalCount, tn.DisplayName)
			}
		}
	}
}

// Tenant.subscriptions pages newest first, with a stable order across pages.
func TestPlanSubscriptionsPaginate(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	for i, code := range []string{"t-max", "t-basic", "t-pro"} {
		l.clock.Set(lifeNow.Add(time.Duration(i) * 24 * time.Hour))
		l.changePlans(t, l.Managed, "tenantPlanId", l.plan(code))
	}
	all := l.subscriptions(t, l.Token(l.PartnerAdmin), l.Managed).rows()
	want := []string{
		subRow("TENANT", "t-pro", "2026-12-12T10:20:30.000Z", ""),
		subRow("TENANT", "t-basic", "2026-12-11T10:20:30.000Z", "2026-12-12T10:20:30.000Z"),
		subRow("TENANT", "t-max", lifeT, "2026-12-11T10:20:30.000Z"),
		subRow("SUPPORT", "s-prem", worldStart, ""),
		subRow("TENANT", "t-pro", worldStart, lifeT),
	}
	if !slices.Equal(all, want) {
		t.Fatalf("subscriptions = %v, want %v", all, want)
	}
	query := `query($id: ID!, $after: Cursor) { tenant(id: $id) { subscriptions(first: 2, after: $after) {
	  totalCount pageInfo { hasNextPage endCursor } edges { node { kind plan { code } startedAt endedAt } } } } }`
	var paged []string
	vars := map[string]any{"id": testkit.ID(l.Managed.ID)}
	for range 4 {
		var got struct {
			Tenant struct {
				Subscriptions struct {
					TotalCount int
					PageInfo   struct {
						HasNextPage bool
						EndCursor   *string
					}
					Edges []struct {
						Node struct {
							Kind      string
							Plan      codeRef
							StartedAt string
							EndedAt   *string
						}
					}
				}
			}
		}
		l.api.Query(t, l.Token(l.PartnerAdmin), query, &got, vars)
		s := got.Tenant.Subscriptions
		if s.TotalCount != 5 {
			t.Errorf("totalCount = %d, want 5", s.TotalCount)
		}
		for _, e := range s.Edges {
			to := ""
			if e.Node.EndedAt != nil {
				to = *e.Node.EndedAt
			}
			paged = append(paged, subRow(e.Node.Kind, e.Node.Plan.Code, e.Node.StartedAt, to))
		}
		if !s.PageInfo.HasNextPage {
			break
		}
		vars = maps.Clone(vars)
		vars["after"] = *s.PageInfo.EndCursor
	}
	if !slices.Equal(paged, want) {
		t.Errorf("paged subscriptions = %v, want %v", paged, want)
	}
}
