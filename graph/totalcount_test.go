package graph_test

import (
	"fmt"
	"testing"

	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

// totalCount of nested connections is carried by the page's own windowed
// query when the rows are loaded without cursors (ent/template/gql_total.tmpl)
// and counted by a query of its own otherwise. Both must agree, count past
// the page, count parents without children as 0, and count only what the
// viewer may see.
func TestNestedTotalCounts(t *testing.T) {
	t.Parallel()
	st := testkit.Store(t)
	f := testkit.NewFixture(t, st.Client)
	api := testkit.NewAPI(t, st, nil)
	partner, _ := f.Partner("Counting Partner")
	admin := f.User("counter@example.com")
	f.Member(partner, admin, enums.RoleAdmin)
	empty := f.Managed(partner, "A empty")
	busy := f.Managed(partner, "B busy")
	hidden := f.Managed(partner, "C hidden") // admin is no member: its workspace is invisible
	f.Member(empty, admin, enums.RoleViewer)
	f.Member(busy, admin, enums.RoleViewer)
	first := f.Space(busy, "b1")
	for i := range 5 {
		f.Device(first, fmt.Sprintf("SER-%d", i))
	}
	f.Space(busy, "b2")
	f.Space(busy, "b3")
	for i := range 4 {
		f.Device(f.Space(hidden, fmt.Sprintf("c%d", i)), fmt.Sprintf("HID-%d", i))
	}
	token := f.Token(admin)

	type conn struct {
		TotalCount int
		Edges      []struct {
			Cursor string
			Node   struct {
				Name    string
				Devices struct {
					TotalCount int
					Edges      []struct{ Node struct{ ID string } }
				}
			}
		}
	}
	type result struct {
		Tenant struct {
			ManagedTenants struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						DisplayName string
						Spaces      conn
						Few         struct{ TotalCount int }
					}
				}
			}
		}
	}
	run := func(t *testing.T, tenants, spaces string, vars map[string]any) result {
		t.Helper()
		decl := ""
		if vars != nil {
			decl = ", $c: Cursor"
		}
		q := fmt.Sprintf(`query($p: ID!%s) { tenant(id: $p) { managedTenants(%s) { totalCount edges { node {
			displayName
			spaces(%s) { totalCount edges { cursor node { name devices(first: 2) { totalCount edges { node { id } } } } } }
			few: spaces(first: 1) { totalCount }
		} } } } }`, decl, tenants, spaces)
		if vars == nil {
			vars = map[string]any{}
		}
		vars["p"] = testkit.ID(partner.ID)
		var r result
		api.Query(t, token, q, &r, vars)
		return r
	}
	// want: per tenant (in id order) spaces totalCount, spaces edges.
	check := func(t *testing.T, r result, tenantEdges int, totals, edges []int) {
		t.Helper()
		mt := r.Tenant.ManagedTenants
		if mt.TotalCount != 3 || len(mt.Edges) != tenantEdges {
			t.Fatalf("managedTenants: totalCount %d, %d edges; want 3, %d", mt.TotalCount, len(mt.Edges), tenantEdges)
		}
		for i, e := range mt.Edges {
			n := e.Node
			if n.Spaces.TotalCount != totals[i] || len(n.Spaces.Edges) != edges[i] || n.Few.TotalCount != totals[i] {
				t.Errorf("%s: spaces totalCount %d (alias few: %d), %d edges; want %d, %d",
					n.DisplayName, n.Spaces.TotalCount, n.Few.TotalCount, len(n.Spaces.Edges), totals[i], edges[i])
			}
			for _, s := range n.Spaces.Edges {
				want := 0
				if s.Node.Name == "b1" {
					want = 5
				}
				if d := s.Node.Devices; d.TotalCount != want || len(d.Edges) != min(want, 2) {
					t.Errorf("%s/%s: devices totalCount %d, %d edges; want %d", n.DisplayName, s.Node.Name, d.TotalCount, len(d.Edges), want)
				}
			}
		}
	}

	t.Run("first, rows and totals in one query per level", func(t *testing.T) {
		check(t, run(t, "first: 10", "first: 2", nil), 3, []int{0, 3, 0}, []int{0, 2, 0})
	})
	t.Run("last", func(t *testing.T) {
		check(t, run(t, "first: 10", "last: 2", nil), 3, []int{0, 3, 0}, []int{0, 2, 0})
	})
	t.Run("a page of parents smaller than the total", func(t *testing.T) {
		check(t, run(t, "first: 2", "first: 5", nil), 2, []int{0, 3}, []int{0, 3})
	})
	t.Run("after a cursor the total still counts every row", func(t *testing.T) {
		r := run(t, "first: 10", "first: 1", nil)
		c := r.Tenant.ManagedTenants.Edges[1].Node.Spaces.Edges[0].Cursor
		check(t, run(t, "first: 10", "first: 5, after: $c", map[string]any{"c": c}), 3, []int{0, 3, 0}, []int{0, 2, 0})
	})
	t.Run("first or last 0 with edges selected: totals, no rows", func(t *testing.T) {
		for _, spaces := range []string{"first: 0", "last: 0"} {
			check(t, run(t, "first: 10", spaces, nil), 3, []int{0, 3, 0}, []int{0, 0, 0})
		}
		var r struct {
			Tenant struct {
				ManagedTenants struct {
					TotalCount int
					Edges      []struct{ Node struct{ ID string } }
				}
			}
		}
		api.Query(t, token, `query($p: ID!) { tenant(id: $p) { managedTenants(first: 0) { totalCount edges { node { id } } } } }`, &r,
			map[string]any{"p": testkit.ID(partner.ID)})
		if mt := r.Tenant.ManagedTenants; mt.TotalCount != 3 || len(mt.Edges) != 0 {
			t.Fatalf("managedTenants(first: 0): totalCount %d, %d edges; want 3, 0", mt.TotalCount, len(mt.Edges))
		}
	})
	t.Run("totalCount without edges", func(t *testing.T) {
		var r struct {
			Tenant struct {
				ManagedTenants struct {
					Edges []struct {
						Node struct{ Spaces struct{ TotalCount int } }
					}
				}
			}
		}
		api.Query(t, token, `query($p: ID!) { tenant(id: $p) { managedTenants(first: 10) { edges { node { spaces(first: 1) { totalCount } } } } } }`, &r,
			map[string]any{"p": testkit.ID(partner.ID)})
		var got []int
		for _, e := range r.Tenant.ManagedTenants.Edges {
			got = append(got, e.Node.Spaces.TotalCount)
		}
		if fmt.Sprint(got) != "[0 3 0]" {
			t.Fatalf("totals %v, want [0 3 0]", got)
		}
	})
}
