package graph_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/internal/bench"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

// Finding managed tenants (SPEC 11): managedTenants(where:, orderBy:).

// names is a page of managedTenants: its total and the names in order.
type names struct {
	TotalCount int
	PageInfo   struct {
		HasNextPage, HasPreviousPage bool
		StartCursor, EndCursor       *string
	}
	Edges []struct {
		Cursor string
		Node   struct{ DisplayName string }
	}
}

func (n names) list() []string {
	out := make([]string, len(n.Edges))
	for i, e := range n.Edges {
		out[i] = e.Node.DisplayName
	}
	return out
}

const findQuery = `query($p: ID!, $where: ManagedTenantFilter, $order: TenantOrder, $first: Int, $last: Int, $after: Cursor, $before: Cursor) {
	tenant(id: $p) { managedTenants(where: $where, orderBy: $order, first: $first, last: $last, after: $after, before: $before) {
		totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { displayName } } } } }`

// findWorld is a partner with managed tenants of the given names and
// countries, and a token of its admin.
type findWorld struct {
	api     *testkit.API
	f       *testkit.Fixture
	partner *ent.Tenant
	token   string
	byName  map[string]*ent.Tenant
}

func newFindWorld(t *testing.T, now func() time.Time, tenants ...[2]string) *findWorld {
	t.Helper()
	st := testkit.Store(t)
	f := testkit.NewFixture(t, st.Client)
	partner, _ := f.Partner("Finding Partner")
	admin := f.User("finder@example.com")
	f.Member(partner, admin, enums.RoleAdmin)
	w := &findWorld{api: testkit.NewAPI(t, st, now), f: f, partner: partner, token: f.Token(admin), byName: map[string]*ent.Tenant{}}
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i, nc := range tenants {
		// Created in the order given, an hour apart.
		w.byName[nc[0]] = f.Tenant(testkit.TenantSpec{Name: nc[0], Country: nc[1], ManagedBy: partner, CreatedAt: base.Add(time.Duration(i) * time.Hour)})
	}
	return w
}

func (w *findWorld) find(t *testing.T, vars map[string]any) names {
	t.Helper()
	if vars == nil {
		vars = map[string]any{}
	}
	if _, ok := vars["first"]; !ok {
		if _, ok := vars["last"]; !ok {
			vars["first"] = 100
		}
	}
	vars["p"] = testkit.ID(w.partner.ID)
	var got struct {
		Tenant struct{ ManagedTenants names }
	}
	w.api.Query(t, w.token, findQuery, &got, vars)
	return got.Tenant.ManagedTenants
}

func sorted(s []string) []string { s = slices.Clone(s); sort.Strings(s); return s }

func TestManagedTenantsSearch(t *testing.T) {
	t.Parallel()
	w := newFindWorld(t, nil,
		[2]string{"Straße Zwei", "DE"}, [2]string{"Café Nord", "SE"}, [2]string{"cafe süd", "SE"},
		[2]string{"ACME Retail", "US"}, [2]string{"100% Pure", "GB"}, [2]string{"Under_score", "GB"},
		[2]string{"ΣΊΣΥΦΟΣ", "GR"})
	all := len(w.byName)
	cases := []struct {
		search string
		want   []string
	}{
		{"acme", []string{"ACME Retail"}},
		{"RETAIL", []string{"ACME Retail"}},
		{"me re", []string{"ACME Retail"}},
		// Case folding as name uniqueness folds: ß is ss.
		{"strasse", []string{"Straße Zwei"}},
		{"STRASSE", []string{"Straße Zwei"}},
		{"straße", []string{"Straße Zwei"}},
		// Accents are kept (uniqueness keeps "Café" and "Cafe" apart).
		{"café", []string{"Café Nord"}},
		{"CAFÉ", []string{"Café Nord"}},
		{"cafe\u0301", []string{"Café Nord"}}, // decomposed: NFC first
		{"cafe", []string{"cafe süd"}},
		{"SÜD", []string{"cafe süd"}},
		// Final sigma and capital sigma fold alike.
		{"σίσυφος", []string{"ΣΊΣΥΦΟΣ"}},
		// LIKE's wildcards match themselves.
		{"%", []string{"100% Pure"}},
		{"_", []string{"Under_score"}},
		{"nothing like it", nil},
		{"  acme  ", []string{"ACME Retail"}},
	}
	for _, c := range cases {
		got := w.find(t, map[string]any{"where": map[string]any{"search": c.search}})
		if !slices.Equal(sorted(got.list()), sorted(c.want)) || got.TotalCount != len(c.want) {
			t.Errorf("search %q: %v (totalCount %d), want %v", c.search, got.list(), got.TotalCount, c.want)
		}
	}
	for _, blank := range []any{"", "   ", nil} {
		got := w.find(t, map[string]any{"where": map[string]any{"search": blank}})
		if got.TotalCount != all || len(got.Edges) != all {
			t.Errorf("blank search %q: totalCount %d, %d edges; want %d", blank, got.TotalCount, len(got.Edges), all)
		}
	}
	if got := w.find(t, map[string]any{"where": map[string]any{}}); got.TotalCount != all {
		t.Errorf("empty filter: totalCount %d, want %d", got.TotalCount, all)
	}
	// totalCount counts the filtered set past the page.
	got := w.find(t, map[string]any{"where": map[string]any{"search": "e"}, "first": 1})
	if len(got.Edges) != 1 || got.TotalCount != 5 || !got.PageInfo.HasNextPage {
		t.Errorf("search e, first 1: %d edges, totalCount %d, hasNextPage %v; want 1, 5, true", len(got.Edges), got.TotalCount, got.PageInfo.HasNextPage)
	}
}

func TestManagedTenantsCountryFilter(t *testing.T) {
	t.Parallel()
	w := newFindWorld(t, nil, [2]string{"Alpha", "SE"}, [2]string{"Beta", "DE"}, [2]string{"Gamma", "SE"}, [2]string{"Delta", "NO"})
	for _, c := range []string{"SE", "se", "Se", "sE"} {
		got := w.find(t, map[string]any{"where": map[string]any{"country": c}})
		if !slices.Equal(sorted(got.list()), []string{"Alpha", "Gamma"}) || got.TotalCount != 2 {
			t.Errorf("country %q: %v (totalCount %d)", c, got.list(), got.TotalCount)
		}
	}
	if got := w.find(t, map[string]any{"where": map[string]any{"country": "fi"}}); got.TotalCount != 0 || len(got.Edges) != 0 {
		t.Errorf("country fi: %v", got.list())
	}
	got := w.find(t, map[string]any{"where": map[string]any{"country": "de", "search": "ET"}})
	if !slices.Equal(got.list(), []string{"Beta"}) || got.TotalCount != 1 {
		t.Errorf("country de and search et: %v", got.list())
	}
	for _, bad := range []string{"XX", "UK", "EU", "S", "SWE", "", "zz", "1A"} {
		t.Run("invalid "+bad, func(t *testing.T) {
			for _, q := range []struct{ name, query string }{
				{"variable", findQuery},
				{"literal", fmt.Sprintf(`query($p: ID!) { tenant(id: $p) { managedTenants(first: 5, where: {country: %q}) { totalCount edges { node { id } } } } }`, bad)},
			} {
				vars := map[string]any{"p": testkit.ID(w.partner.ID), "first": 5, "where": map[string]any{"country": bad}}
				res := w.api.Do(t, w.token, q.query, vars)
				res.RequireCode(t, "BAD_USER_INPUT")
				want := []any{"tenant", "managedTenants", "where", "country"}
				if e := res.Errors[0]; fmt.Sprint(e.Path) != fmt.Sprint(want) || !strings.Contains(e.Message, "country") {
					t.Errorf("%s: error %q at %v, want at %v", q.name, e.Message, e.Path, want)
				}
			}
		})
	}
}

func TestManagedTenantsStatusFilter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	w := newFindWorld(t, func() time.Time { return now },
		[2]string{"Running", "SE"}, [2]string{"Ended before", "SE"}, [2]string{"Ends now", "SE"},
		[2]string{"Ends in a microsecond", "SE"}, [2]string{"Ends next month", "DE"})
	ctx := rule.SystemContext(context.Background())
	for name, at := range map[string]time.Time{
		"Ended before":          now.Add(-time.Hour),
		"Ends now":              now, // ENDED exactly at ends_at
		"Ends in a microsecond": now.Add(time.Microsecond),
		"Ends next month":       time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		if err := w.f.Client.Tenant.UpdateOne(w.byName[name]).SetEndsAt(at).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string][]string{
		"ENDED":  {"Ended before", "Ends now"},
		"ACTIVE": {"Ends in a microsecond", "Ends next month", "Running"},
	}
	for status, names := range want {
		got := w.find(t, map[string]any{"where": map[string]any{"status": status}})
		if !slices.Equal(sorted(got.list()), names) || got.TotalCount != len(names) {
			t.Errorf("status %s: %v (totalCount %d), want %v", status, got.list(), got.TotalCount, names)
		}
	}
	// The filter and the status field draw one boundary.
	var st struct {
		Tenant struct {
			ManagedTenants struct {
				Edges []struct {
					Node struct{ DisplayName, Status string }
				}
			}
		}
	}
	w.api.Query(t, w.token, `query($p: ID!) { tenant(id: $p) { managedTenants(first: 10) { edges { node { displayName status } } } } }`, &st,
		map[string]any{"p": testkit.ID(w.partner.ID)})
	for _, e := range st.Tenant.ManagedTenants.Edges {
		if !slices.Contains(want[e.Node.Status], e.Node.DisplayName) {
			t.Errorf("%s has status %s", e.Node.DisplayName, e.Node.Status)
		}
	}
	got := w.find(t, map[string]any{"where": map[string]any{"status": "ACTIVE", "country": "DE"}})
	if !slices.Equal(got.list(), []string{"Ends next month"}) {
		t.Errorf("ACTIVE in DE: %v", got.list())
	}
}

// Every order pages forward and backward through the whole filtered set,
// in order, with ties broken by id.
func TestManagedTenantsOrdersPageBothWays(t *testing.T) {
	t.Parallel()
	// Created in this order; names, countries and creation times sort
	// differently; two tenants share a country.
	w := newFindWorld(t, nil,
		[2]string{"Delta", "SE"}, [2]string{"Alpha", "NO"}, [2]string{"Echo", "DE"}, [2]string{"Charlie", "SE"},
		[2]string{"Bravo", "FI"}, [2]string{"Foxtrot", "AT"}, [2]string{"Hotel", "SE"}, [2]string{"Papa", "GB"})
	// Names holding an "a": Echo, Foxtrot and Hotel are filtered out.
	filter := map[string]any{"search": "A"}
	orders := map[string][]string{
		"DISPLAY_NAME": {"Alpha", "Bravo", "Charlie", "Delta", "Papa"},
		"CREATED_AT":   {"Delta", "Alpha", "Charlie", "Bravo", "Papa"},
		// A tie (SE) goes by id: Delta was created before Charlie.
		"COUNTRY": {"Bravo", "Papa", "Alpha", "Delta", "Charlie"},
	}
	for field, asc := range orders {
		for _, dir := range []string{"ASC", "DESC"} {
			t.Run(field+" "+dir, func(t *testing.T) {
				want := slices.Clone(asc)
				if dir == "DESC" {
					slices.Reverse(want)
				}
				order := map[string]any{"field": field, "direction": dir}
				if got := w.find(t, map[string]any{"where": filter, "order": order}); !slices.Equal(got.list(), want) || got.TotalCount != len(want) {
					t.Fatalf("one page: %v (totalCount %d), want %v", got.list(), got.TotalCount, want)
				}
				// Forward, two at a time.
				var fwd []string
				var after any
				for range 10 {
					p := w.find(t, map[string]any{"where": filter, "order": order, "first": 2, "after": after})
					if p.TotalCount != len(want) {
						t.Fatalf("forward: totalCount %d", p.TotalCount)
					}
					fwd = append(fwd, p.list()...)
					if !p.PageInfo.HasNextPage {
						break
					}
					after = *p.PageInfo.EndCursor
				}
				if !slices.Equal(fwd, want) {
					t.Fatalf("forward: %v, want %v", fwd, want)
				}
				// Backward, two at a time.
				var back []string
				var before any
				for range 10 {
					p := w.find(t, map[string]any{"where": filter, "order": order, "last": 2, "before": before})
					if p.TotalCount != len(want) {
						t.Fatalf("backward: totalCount %d", p.TotalCount)
					}
					back = append(p.list(), back...)
					if !p.PageInfo.HasPreviousPage {
						break
					}
					before = *p.PageInfo.StartCursor
				}
				if !slices.Equal(back, want) {
					t.Fatalf("backward: %v, want %v", back, want)
				}
			})
		}
	}
}

// The filter narrows what the viewer may see, never widens it: the
// partner's admins and staff find its tenants; its editors and viewers get
// an empty connection; anyone else does not see the partner at all.
func TestAccessManagedTenantsFilterTwins(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t).WithSiblingWorkspace()
	api := testkit.NewAPI(t, w.Store, nil)
	q := `query($p: ID!, $where: ManagedTenantFilter) { tenant(id: $p) { managedTenants(first: 10, where: $where) { totalCount edges { node { displayName } } } } }`
	filters := []map[string]any{
		{"search": "sibling"},
		{"country": "se"},
		{"status": "ACTIVE"},
		{"search": "two", "country": "SE", "status": "ACTIVE"},
	}
	wantSeen := [][]string{{"Sibling Two"}, {"Managed One", "Sibling Two"}, {"Managed One", "Sibling Two"}, {"Sibling Two"}}
	for i, where := range filters {
		vars := map[string]any{"p": testkit.ID(w.Partner.ID), "where": where}
		for _, u := range []*ent.User{w.PartnerAdmin, w.Staff} {
			var got struct {
				Tenant struct{ ManagedTenants names }
			}
			api.Query(t, w.Token(u), q, &got, vars)
			if !slices.Equal(sorted(got.Tenant.ManagedTenants.list()), wantSeen[i]) || got.Tenant.ManagedTenants.TotalCount != len(wantSeen[i]) {
				t.Errorf("%s, %v: %+v, want %v", u.Email, where, got.Tenant.ManagedTenants, wantSeen[i])
			}
		}
		for _, u := range []*ent.User{w.PartnerEditor, w.PartnerViewer} {
			var got struct {
				Tenant struct{ ManagedTenants names }
			}
			api.Query(t, w.Token(u), q, &got, vars)
			if mt := got.Tenant.ManagedTenants; mt.TotalCount != 0 || len(mt.Edges) != 0 {
				t.Errorf("%s, %v: %+v, want empty", u.Email, where, mt)
			}
		}
		for _, u := range []*ent.User{w.OtherPartnerAdmin, w.SiblingAdmin, w.ManagedViewer, w.Stranger} {
			api.Do(t, w.Token(u), q, vars).RequireError(t, "NOT_FOUND", "tenant")
		}
	}
	// The other partner's admin filtering its own (empty) list finds nothing
	// of Partner's.
	var got struct {
		Tenant struct{ ManagedTenants names }
	}
	api.Query(t, w.Token(w.OtherPartnerAdmin), q, &got, map[string]any{"p": testkit.ID(w.OtherPartner.ID), "where": map[string]any{"search": "sibling"}})
	if mt := got.Tenant.ManagedTenants; mt.TotalCount != 0 || len(mt.Edges) != 0 {
		t.Errorf("other partner: %+v", mt)
	}
}

// Filters and orders keep the SQL statements per level constant (SPEC 11):
// the list and its totalCount cost what they cost without a filter, on 10
// and on 1,000 tenants, and so does the dashboard tree.
func TestManagedTenantsFiltersKeepStatementsConstant(t *testing.T) {
	t.Parallel()
	const list = `query($partner: ID!, $where: ManagedTenantFilter, $order: TenantOrder, $after: Cursor) {
		tenant(id: $partner) { managedTenants(first: 20, after: $after, where: $where, orderBy: $order) { totalCount edges { cursor node { displayName } } } } }`
	dashboardWith := strings.Replace(bench.Dashboard, "managedTenants(", "managedTenants(where: $where, orderBy: $order, ", 1)
	dashboardWith = strings.Replace(dashboardWith, "($partner: ID!", "($where: ManagedTenantFilter, $order: TenantOrder, $partner: ID!", 1)
	if dashboardWith == bench.Dashboard || !strings.Contains(dashboardWith, "$where: ManagedTenantFilter") {
		t.Fatalf("cannot add the filter to the dashboard query:\n%s", bench.Dashboard)
	}
	// Each matches some of the bench's tenants ("Customer 00001"..., DE),
	// so that every level of the tree has rows to load.
	filters := []map[string]any{
		nil,
		{"search": "1"},
		{"search": "CUSTOMER 0000"},
		{"country": "de"},
		{"status": "ACTIVE"},
		{"search": "customer", "country": "DE", "status": "ACTIVE"},
	}
	orders := []map[string]any{nil, {"field": "CREATED_AT", "direction": "DESC"}, {"field": "COUNTRY"}, {"field": "DISPLAY_NAME"}}
	for _, n := range []int{10, 1000} {
		api, b := benchWorld(t, n)
		token := b.Tokens["partnerAdmin"]
		api.Do(t, token, list, map[string]any{"partner": b.PartnerID}) // the token's first use
		statements := func(t *testing.T, q string, vars map[string]any) float64 {
			t.Helper()
			res := api.Do(t, token, q, vars)
			if len(res.Errors) > 0 {
				t.Fatalf("%s", res.Raw)
			}
			c, ok := res.Extensions["sqlStatements"].(float64)
			if !ok {
				t.Fatalf("no sqlStatements: %s", res.Raw[:min(200, len(res.Raw))])
			}
			return c
		}
		plain := statements(t, list, map[string]any{"partner": b.PartnerID})
		// The page's rows carry the total: one statement for the viewer's
		// role in the root, one for the root, one for the list and its
		// totalCount.
		if plain != 3 {
			t.Errorf("n=%d: the list takes %v statements, pinned at 3", n, plain)
		}
		var afterCursor string
		{
			var got struct {
				Tenant struct{ ManagedTenants names }
			}
			api.Query(t, token, list, &got, map[string]any{"partner": b.PartnerID})
			afterCursor = got.Tenant.ManagedTenants.Edges[0].Cursor
		}
		// With a cursor the total needs its own query, filtered or not.
		plainAfter := statements(t, list, map[string]any{"partner": b.PartnerID, "after": afterCursor})
		for _, where := range filters {
			for _, order := range orders {
				vars := map[string]any{"partner": b.PartnerID, "where": where, "order": order}
				if got := statements(t, list, vars); got != plain {
					t.Errorf("n=%d, where %v, order %v: %v statements, %v without", n, where, order, got, plain)
				}
				if got := statements(t, dashboardWith, vars); got != dashboardStatements {
					t.Errorf("n=%d, where %v, order %v: the dashboard takes %v statements, pinned at %d", n, where, order, got, dashboardStatements)
				}
			}
			if got := statements(t, list, map[string]any{"partner": b.PartnerID, "where": where, "after": afterCursor}); got != plainAfter {
				t.Errorf("n=%d, where %v, after a cursor: %v statements, %v without", n, where, plainAfter, got)
			}
		}
	}
}

// Where-inputs across edges bypass privacy (ent issue 2957): the schema has
// none; the one filter is ManagedTenantFilter, with its three fields.
func TestSchemaHasNoWhereInputs(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	var got struct {
		Schema struct {
			Types []struct {
				Name        string
				InputFields []struct{ Name string }
				Fields      []struct {
					Name string
					Args []struct {
						Name string
						Type struct{ Name *string }
					}
				}
			}
		} `json:"__schema"`
	}
	api.Query(t, w.Token(w.PartnerAdmin), `{ __schema { types { name inputFields { name } fields { name args { name type { name } } } } } }`, &got, nil)
	found := false
	for _, ty := range got.Schema.Types {
		if strings.HasSuffix(ty.Name, "WhereInput") {
			t.Errorf("the schema has %s", ty.Name)
		}
		if ty.Name == "ManagedTenantFilter" {
			found = true
			var fields []string
			for _, f := range ty.InputFields {
				fields = append(fields, f.Name)
			}
			if !slices.Equal(sorted(fields), []string{"country", "search", "status"}) {
				t.Errorf("ManagedTenantFilter has %v", fields)
			}
		}
		for _, f := range ty.Fields {
			for _, a := range f.Args {
				if a.Name == "where" && (ty.Name != "Tenant" || f.Name != "managedTenants") && !strings.HasSuffix(ty.Name, "Filter") {
					if a.Type.Name != nil && strings.HasSuffix(*a.Type.Name, "WhereInput") {
						t.Errorf("%s.%s takes a where-input", ty.Name, f.Name)
					}
				}
			}
		}
	}
	if !found {
		t.Error("no ManagedTenantFilter in the schema")
	}
}
