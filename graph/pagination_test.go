package graph_test

import (
	"fmt"
	"testing"

	"github.com/phystack/managed-tenants-api/internal/testkit"
)

// SPEC 8: first/last from 0 to 100; more (or less) is BAD_USER_INPUT, and it
// is refused before anything runs, nested connections included.
func TestConnectionPageSizeLimits(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	token := w.Token(w.PartnerAdmin)
	partner := testkit.ID(w.Partner.ID)

	for _, tc := range []struct {
		name string
		args string
		ok   bool
	}{
		{"first 0", "first: 0", true},
		{"first 100", "first: 100", true},
		{"last 100", "last: 100", true},
		{"first 101", "first: 101", false},
		{"last 101", "last: 101", false},
		{"first -1", "first: -1", false},
		{"first 1 and last 1", "first: 1, last: 1", false},
		{"bad cursor", `after: "not-a-cursor"`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, q := range []string{
				fmt.Sprintf(`query($p: ID!) { tenant(id: $p) { managedTenants(%s) { totalCount } } }`, tc.args),
				// nested: loaded eagerly by the root resolver
				fmt.Sprintf(`query($p: ID!) { tenant(id: $p) { managedTenants(first: 5) { edges { node { spaces(%s) { totalCount } } } } } }`, tc.args),
			} {
				res := api.Do(t, token, q, map[string]any{"p": partner})
				if tc.ok {
					if len(res.Errors) != 0 {
						t.Fatalf("%s: unexpected errors %s", q, res.Raw)
					}
					continue
				}
				if len(res.Errors) == 0 {
					t.Fatalf("%s: no error: %s", q, res.Raw)
				}
				for _, e := range res.Errors {
					if e.Code() != "BAD_USER_INPUT" {
						t.Fatalf("%s: want BAD_USER_INPUT, got %s", q, res.Raw)
					}
				}
			}
		})
	}

	// Reading edges needs a page size (else every row would come back), also
	// through a fragment and when the variable is null; totalCount alone
	// does not.
	for _, tc := range []struct {
		name, query string
		vars        map[string]any
		ok          bool
	}{
		{"edges without first or last", `query($p: ID!) { tenant(id: $p) { managedTenants { edges { node { id } } } } }`, nil, false},
		{"nested edges without first or last", `query($p: ID!) { tenant(id: $p) { managedTenants(first: 5) { edges { node { spaces { edges { node { id } } } } } } } }`, nil, false},
		{"edges in a fragment", `query($p: ID!) { tenant(id: $p) { managedTenants { ...E } } } fragment E on TenantConnection { edges { cursor } }`, nil, false},
		{"a null first", `query($p: ID!, $n: Int) { tenant(id: $p) { managedTenants(first: $n) { edges { cursor } } } }`, map[string]any{"n": nil}, false},
		{"totalCount alone", `query($p: ID!) { tenant(id: $p) { managedTenants { totalCount } } }`, nil, true},
		{"last", `query($p: ID!) { tenant(id: $p) { managedTenants(last: 2) { edges { cursor } } } }`, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]any{"p": partner}
			for k, v := range tc.vars {
				vars[k] = v
			}
			res := api.Do(t, token, tc.query, vars)
			if tc.ok {
				if len(res.Errors) != 0 {
					t.Fatalf("unexpected errors %s", res.Raw)
				}
				return
			}
			res.RequireCode(t, "BAD_USER_INPUT")
		})
	}

	// Variables are checked too.
	res := api.Do(t, token, `query($p: ID!, $n: Int) { tenant(id: $p) { managedTenants(first: $n) { totalCount } } }`,
		map[string]any{"p": partner, "n": 1000})
	res.RequireCode(t, "BAD_USER_INPUT")
}

func TestConnectionPagesAndCounts(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	for i := 0; i < 5; i++ {
		w.Fixture.Managed(w.Partner, fmt.Sprintf("Extra %d", i))
	}
	type page struct {
		Tenant struct {
			ManagedTenants struct {
				TotalCount int
				PageInfo   struct {
					HasNextPage bool
					EndCursor   string
				}
				Edges []struct{ Node struct{ DisplayName string } }
			}
		}
	}
	q := `query($p: ID!, $after: Cursor) { tenant(id: $p) { managedTenants(first: 3, after: $after, orderBy: {field: DISPLAY_NAME}) {
		totalCount pageInfo { hasNextPage endCursor } edges { node { displayName } } } } }`
	var names []string
	var after any
	for pages := 0; pages < 5; pages++ {
		var p page
		api.Query(t, w.Token(w.PartnerAdmin), q, &p, map[string]any{"p": testkit.ID(w.Partner.ID), "after": after})
		if p.Tenant.ManagedTenants.TotalCount != 7 {
			t.Fatalf("totalCount = %d, want 7", p.Tenant.ManagedTenants.TotalCount)
		}
		for _, e := range p.Tenant.ManagedTenants.Edges {
			names = append(names, e.Node.DisplayName)
		}
		if !p.Tenant.ManagedTenants.PageInfo.HasNextPage {
			break
		}
		after = p.Tenant.ManagedTenants.PageInfo.EndCursor
	}
	want := []string{"Extra 0", "Extra 1", "Extra 2", "Extra 3", "Extra 4", "Managed One", "Sibling Two"}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Fatalf("pages gave %v, want %v", names, want)
	}
}
