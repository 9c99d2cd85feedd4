package graph_test

// End-to-end tests of the access rules (SPEC 2) through the real HTTP
// handler: who sees which tenant, which workspace data, and what a hidden
// object looks like (rule 5). They run in the testkit World with a
// workspace in Sibling too, so that "the partner's admin sees no sibling
// space" is about a space that exists.

import (
	"encoding/base64"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/membership"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

// membershipOf is the membership of u in tn.
func membershipOf(t *testing.T, w *testkit.World, tn *ent.Tenant, u *ent.User) *ent.Membership {
	t.Helper()
	m, err := w.Client.Membership.Query().
		Where(membership.TenantID(tn.ID), membership.UserID(u.ID)).Only(sys)
	if err != nil {
		t.Fatalf("membership of %s in %s: %v", u.Email, tn.DisplayName, err)
	}
	return m
}

type idConnection struct {
	TotalCount int
	Edges      []struct{ Node struct{ ID string } }
}

func (c idConnection) ids() []string {
	out := make([]string, len(c.Edges))
	for i, e := range c.Edges {
		out[i] = e.Node.ID
	}
	slices.Sort(out)
	return out
}

func sortedIDs(ids ...int) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = testkit.ID(id)
	}
	slices.Sort(out)
	return out
}

const workspaceQuery = `query($id: ID!) {
  tenant(id: $id) {
    id
    spaces(first: 100) { totalCount edges { node { id } } }
    members(first: 100) { totalCount edges { node { id } } }
  }
}`

// TestAccessWorkspaceOnlyThroughMembership (rules 1 to 4): a tenant's spaces
// and members are listed only to its members. Each visible case has its
// twin: the same tenant asked by someone who gets nothing.
func TestAccessWorkspaceOnlyThroughMembership(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t).WithSiblingWorkspace()
	api := testkit.NewAPI(t, w.Store, nil)
	members := func(tn *ent.Tenant) []string {
		ms, err := w.Client.Membership.Query().Where(membership.TenantID(tn.ID)).IDs(sys)
		if err != nil || len(ms) == 0 {
			t.Fatalf("fixture: members of %s: %v %v", tn.DisplayName, ms, err)
		}
		return sortedIDs(ms...)
	}
	type want struct {
		hidden          bool     // tenant(id) is null with NOT_FOUND
		spaces, members []string // when visible
	}
	managed := want{spaces: sortedIDs(w.ManagedSpace.ID), members: members(w.Managed)}
	sibling := want{spaces: sortedIDs(w.SiblingSpace.ID), members: members(w.Sibling)}
	standalone := want{spaces: sortedIDs(w.StandaloneSpace.ID), members: members(w.Standalone)}
	accountOnly := want{spaces: []string{}, members: []string{}}
	hidden := want{hidden: true}
	cases := []struct {
		name   string
		user   *ent.User
		tenant *ent.Tenant
		want   want
	}{
		{"partner admin, member of Managed", w.PartnerAdmin, w.Managed, managed},
		{"partner admin, not a member of Sibling", w.PartnerAdmin, w.Sibling, accountOnly},
		{"Sibling's admin in Sibling", w.SiblingAdmin, w.Sibling, sibling},
		{"Sibling's admin in sibling Managed", w.SiblingAdmin, w.Managed, hidden},
		{"Managed's viewer in Managed", w.ManagedViewer, w.Managed, managed},
		{"Managed's viewer in sibling Sibling", w.ManagedViewer, w.Sibling, hidden},
		{"Managed's viewer in its partner", w.ManagedViewer, w.Partner, hidden},
		{"editor of Managed and Standalone, in Standalone", w.Both, w.Standalone, standalone},
		{"editor of Managed and Standalone, in Managed", w.Both, w.Managed, managed},
		{"Standalone's admin in Standalone", w.StandaloneAdmin, w.Standalone, standalone},
		{"Standalone's admin in Managed", w.StandaloneAdmin, w.Managed, hidden},
		{"partner editor in Partner", w.PartnerEditor, w.Partner, want{spaces: []string{}, members: members(w.Partner)}},
		{"partner editor in Managed", w.PartnerEditor, w.Managed, hidden},
		{"partner viewer in Sibling", w.PartnerViewer, w.Sibling, hidden},
		{"other partner's admin in Partner", w.OtherPartnerAdmin, w.Partner, hidden},
		{"other partner's admin in Managed", w.OtherPartnerAdmin, w.Managed, hidden},
		{"other partner's admin in Sibling", w.OtherPartnerAdmin, w.Sibling, hidden},
		{"staff in Managed", w.Staff, w.Managed, accountOnly},
		{"staff in Sibling", w.Staff, w.Sibling, accountOnly},
		{"staff in Standalone", w.Staff, w.Standalone, accountOnly},
		{"staff in Partner", w.Staff, w.Partner, accountOnly},
		{"stranger in Standalone", w.Stranger, w.Standalone, hidden},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res := api.Do(t, w.Token(c.user), workspaceQuery, map[string]any{"id": testkit.ID(c.tenant.ID)})
			if c.want.hidden {
				res.RequireError(t, "NOT_FOUND", "tenant")
				return
			}
			var got struct {
				Tenant *struct {
					ID      string
					Spaces  idConnection
					Members idConnection
				}
			}
			res.Decode(t, &got)
			if got.Tenant == nil || got.Tenant.ID != testkit.ID(c.tenant.ID) {
				t.Fatalf("tenant = %s", res.Raw)
			}
			if s := got.Tenant.Spaces; s.TotalCount != len(c.want.spaces) || !slices.Equal(s.ids(), c.want.spaces) {
				t.Errorf("spaces: totalCount %d %v, want %v", s.TotalCount, s.ids(), c.want.spaces)
			}
			if m := got.Tenant.Members; m.TotalCount != len(c.want.members) || !slices.Equal(m.ids(), c.want.members) {
				t.Errorf("members: totalCount %d %v, want %v", m.TotalCount, m.ids(), c.want.members)
			}
		})
	}
}

type account struct {
	ID            string
	DisplayName   string
	Country       string
	Currency      string
	BillingType   string
	IsPartner     bool
	ViewerRole    *string
	CreatedAt     string
	CreatedBy     *struct{ Email string }
	BillingEntity struct{ Code string }
	TenantPlan    *struct{ Code string }
	SupportPlan   *struct{ Code string }
	Spaces        struct{ TotalCount int }
	Members       struct{ TotalCount int }
}

const accountQuery = `query($id: ID!) {
  tenant(id: $id) {
    id displayName country currency billingType isPartner viewerRole createdAt
    createdBy { email }
    billingEntity { code }
    tenantPlan { code }
    supportPlan { code }
    spaces { totalCount }
    members { totalCount }
  }
}`

// TestAccessPartnerAdminSeesManagedAccountData (rule 2): the partner's admin
// reads every account field of a managed tenant it is not a member of, and
// none of its workspace. The twins: the other partner's admin, a sibling's
// member and the partner's editor get NOT_FOUND for the same query.
func TestAccessPartnerAdminSeesManagedAccountData(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t).WithSiblingWorkspace()
	api := testkit.NewAPI(t, w.Store, nil)
	be, err := w.Client.BillingEntity.Get(sys, w.Partner.BillingEntityID)
	if err != nil {
		t.Fatal(err)
	}
	res := api.Do(t, w.Token(w.PartnerAdmin), accountQuery, map[string]any{"id": testkit.ID(w.Sibling.ID)})
	var got struct{ Tenant *account }
	res.Decode(t, &got)
	tn := got.Tenant
	if tn == nil {
		t.Fatalf("tenant is null: %s", res.Raw)
	}
	if tn.DisplayName != "Sibling Two" || tn.Country != "SE" || tn.Currency != "EUR" ||
		tn.BillingType != "PARTNER_INVOICE" || tn.IsPartner || tn.BillingEntity.Code != be.Code ||
		tn.CreatedAt != "2026-11-16T00:00:00.000Z" {
		t.Errorf("account data: %+v", tn)
	}
	if tn.TenantPlan == nil || tn.TenantPlan.Code != "t-pro" || tn.SupportPlan == nil || tn.SupportPlan.Code != "s-prem" {
		t.Errorf("plans: %+v / %+v, want t-pro / s-prem", tn.TenantPlan, tn.SupportPlan)
	}
	if tn.CreatedBy == nil || tn.CreatedBy.Email != w.PartnerAdmin.Email {
		t.Errorf("createdBy = %+v, want %s", tn.CreatedBy, w.PartnerAdmin.Email)
	}
	if tn.ViewerRole != nil {
		t.Errorf("viewerRole = %s, want null (not a member)", *tn.ViewerRole)
	}
	if tn.Spaces.TotalCount != 0 || tn.Members.TotalCount != 0 {
		t.Errorf("workspace of Sibling leaks to the partner admin: spaces %d, members %d",
			tn.Spaces.TotalCount, tn.Members.TotalCount)
	}

	for _, u := range []*ent.User{w.OtherPartnerAdmin, w.ManagedViewer, w.PartnerEditor, w.PartnerViewer, w.Stranger} {
		t.Run("twin "+u.Email, func(t *testing.T) {
			res := api.Do(t, w.Token(u), accountQuery, map[string]any{"id": testkit.ID(w.Sibling.ID)})
			res.RequireError(t, "NOT_FOUND", "tenant")
		})
	}
}

// TestAccessStaffReadAccountDataOnly (rule 4): staff read every tenant's
// account data, with empty workspace connections and NOT_FOUND for the
// workspace objects themselves.
func TestAccessStaffReadAccountDataOnly(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t).WithSiblingWorkspace()
	api := testkit.NewAPI(t, w.Store, nil)
	token := w.Token(w.Staff)
	for _, tn := range []*ent.Tenant{w.Partner, w.Managed, w.Sibling, w.OtherPartner, w.Standalone} {
		res := api.Do(t, token, accountQuery, map[string]any{"id": testkit.ID(tn.ID)})
		var got struct{ Tenant *account }
		res.Decode(t, &got)
		g := got.Tenant
		if g == nil || g.DisplayName != tn.DisplayName || g.Country != tn.Country || g.Currency != tn.Currency {
			t.Errorf("staff, %s: %s", tn.DisplayName, res.Raw)
			continue
		}
		if g.Spaces.TotalCount != 0 || g.Members.TotalCount != 0 || g.ViewerRole != nil {
			t.Errorf("staff, %s: workspace spaces %d members %d role %v", tn.DisplayName,
				g.Spaces.TotalCount, g.Members.TotalCount, g.ViewerRole)
		}
	}
	objects := map[string]int{
		"Managed space":        w.ManagedSpace.ID,
		"Managed device":       w.ManagedDevice.ID,
		"Managed installation": w.ManagedInstallation.ID,
		"Standalone space":     w.StandaloneSpace.ID,
		"Sibling space":        w.SiblingSpace.ID,
		"Managed membership":   membershipOf(t, w, w.Managed, w.PartnerAdmin).ID,
	}
	for name, id := range objects {
		res := api.Do(t, token, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": testkit.ID(id)})
		t.Run("node "+name, func(t *testing.T) { res.RequireError(t, "NOT_FOUND", "node") })
	}
}

type nodeProbe struct {
	name string
	id   int
	// who sees it
	visible []*ent.User
}

// TestAccessNodeOfWorkspaceObjects (rules 1 and 5): node(id) of a space,
// device, installation or membership answers the object to the members of its
// tenant and null with one NOT_FOUND error to everyone else.
func TestAccessNodeOfWorkspaceObjects(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t).WithSiblingWorkspace()
	api := testkit.NewAPI(t, w.Store, nil)
	everyone := []*ent.User{w.PartnerAdmin, w.PartnerEditor, w.PartnerViewer, w.ManagedViewer, w.SiblingAdmin,
		w.OtherPartnerAdmin, w.StandaloneAdmin, w.Both, w.Staff, w.Stranger}
	ofManaged := []*ent.User{w.PartnerAdmin, w.ManagedViewer, w.Both}
	ofSibling := []*ent.User{w.SiblingAdmin}
	ofStandalone := []*ent.User{w.StandaloneAdmin, w.Both}
	probes := []nodeProbe{
		{"Managed space", w.ManagedSpace.ID, ofManaged},
		{"Managed device", w.ManagedDevice.ID, ofManaged},
		{"Managed installation", w.ManagedInstallation.ID, ofManaged},
		{"Managed membership", membershipOf(t, w, w.Managed, w.ManagedViewer).ID, ofManaged},
		{"Sibling space", w.SiblingSpace.ID, ofSibling},
		{"Sibling device", w.SiblingDevice.ID, ofSibling},
		{"Sibling installation", w.SiblingInstallation.ID, ofSibling},
		{"Sibling membership", membershipOf(t, w, w.Sibling, w.SiblingAdmin).ID, ofSibling},
		{"Standalone space", w.StandaloneSpace.ID, ofStandalone},
		{"Standalone installation", w.StandaloneInstallation.ID, ofStandalone},
		{"Partner membership", membershipOf(t, w, w.Partner, w.PartnerViewer).ID,
			[]*ent.User{w.PartnerAdmin, w.PartnerEditor, w.PartnerViewer}},
	}
	const q = `query($id: ID!) { node(id: $id) { __typename id } }`
	for _, p := range probes {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			for _, u := range everyone {
				t.Run(u.Email, func(t *testing.T) {
					vars := map[string]any{"id": testkit.ID(p.id)}
					if !slices.Contains(p.visible, u) {
						api.Do(t, w.Token(u), q, vars).RequireError(t, "NOT_FOUND", "node")
						return
					}
					var got struct {
						Node *struct {
							Typename string `json:"__typename"`
							ID       string
						}
					}
					api.Query(t, w.Token(u), q, &got, vars)
					if got.Node == nil || got.Node.ID != testkit.ID(p.id) {
						t.Errorf("node = %+v", got.Node)
					}
				})
			}
		})
	}
}

// TestAccessHiddenLooksLikeMissing (rule 5): node(id) and tenant(id) of a
// hidden object answer exactly what a deleted id, a never-used id and a
// garbage id answer: null and one NOT_FOUND error with the same message.
func TestAccessHiddenLooksLikeMissing(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t).WithSiblingWorkspace()
	api := testkit.NewAPI(t, w.Store, nil)
	deletedSpace := w.Space(w.Managed, "Deleted")
	if err := w.Client.Space.DeleteOne(deletedSpace).Exec(sys); err != nil {
		t.Fatal(err)
	}
	deletedTenant := w.Tenant(testkit.TenantSpec{Name: "Deleted tenant"})
	if err := w.Client.Tenant.DeleteOne(deletedTenant).Exec(sys); err != nil {
		t.Fatal(err)
	}
	const nodeQ = `query($id: ID!) { node(id: $id) { id } }`
	const tenantQ = `query($id: ID!) { tenant(id: $id) { id displayName } }`
	neverSpace, neverTenant := w.ManagedSpace.ID+100000, w.Managed.ID+100000
	cases := []struct {
		name, field, query string
		user               *ent.User
		hidden             int       // exists, hidden from user
		owner              *ent.User // who does see it
		deleted, never     int       // do not exist
	}{
		{"node of Managed's space by Sibling's admin", "node", nodeQ,
			w.SiblingAdmin, w.ManagedSpace.ID, w.ManagedViewer, deletedSpace.ID, neverSpace},
		{"node of Sibling's space by the partner admin", "node", nodeQ,
			w.PartnerAdmin, w.SiblingSpace.ID, w.SiblingAdmin, deletedSpace.ID, neverSpace},
		{"node of Managed's space by staff", "node", nodeQ,
			w.Staff, w.ManagedSpace.ID, w.Both, deletedSpace.ID, neverSpace},
		{"node of Managed by the other partner's admin", "node", nodeQ,
			w.OtherPartnerAdmin, w.Managed.ID, w.PartnerAdmin, deletedTenant.ID, neverTenant},
		{"tenant Managed by the other partner's admin", "tenant", tenantQ,
			w.OtherPartnerAdmin, w.Managed.ID, w.PartnerAdmin, deletedTenant.ID, neverTenant},
		{"tenant Sibling by Managed's viewer", "tenant", tenantQ,
			w.ManagedViewer, w.Sibling.ID, w.PartnerAdmin, deletedTenant.ID, neverTenant},
		{"tenant Managed by the partner's editor", "tenant", tenantQ,
			w.PartnerEditor, w.Managed.ID, w.ManagedViewer, deletedTenant.ID, neverTenant},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ask := func(u *ent.User, id string) *testkit.Response {
				return api.Do(t, w.Token(u), c.query, map[string]any{"id": id})
			}
			hidden := ask(c.user, testkit.ID(c.hidden))
			msg := hidden.RequireError(t, "NOT_FOUND", c.field)
			for what, id := range map[string]string{
				"deleted":    testkit.ID(c.deleted),
				"never used": testkit.ID(c.never),
				"garbage":    "abc",
				"empty":      "",
				"bad base64": "!!!",
				// an id of another type, which the user may not see either
				"other type": testkit.ID(w.StandaloneInstallation.ID),
				// the integer of the hidden object under another table's name
				"spoofed table": base64.RawURLEncoding.EncodeToString([]byte("users:" + strconv.Itoa(c.hidden))),
				// the raw integer, without the global id encoding
				"raw integer": strconv.Itoa(c.hidden),
			} {
				res := ask(c.user, id)
				if got := res.RequireError(t, "NOT_FOUND", c.field); got != msg {
					t.Errorf("%s id %q: message %q, hidden object's %q", what, id, got, msg)
				}
				if !reflect.DeepEqual(errorShape(res), errorShape(hidden)) {
					t.Errorf("%s id: error shape %v differs from the hidden object's %v", what, errorShape(res), errorShape(hidden))
				}
			}
			// The twin: the object is there for someone who may see it.
			res := ask(c.owner, testkit.ID(c.hidden))
			if len(res.Errors) != 0 || res.DataIsNull(c.field) {
				t.Errorf("%s does not see it either: %s", c.owner.Email, res.Raw)
			}
		})
	}
}

// errorShape is what an error shows besides its message: code, path and
// the extension keys.
func errorShape(res *testkit.Response) []string {
	var out []string
	for _, e := range res.Errors {
		keys := make([]string, 0, len(e.Extensions))
		for k := range e.Extensions {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		out = append(out, fmt.Sprintf("%s %v %v", e.Code(), e.Path, keys))
	}
	return out
}

// TestAccessNodesMixesVisibleAndHidden (rule 5): nodes(ids) answers each id
// on its own: the visible object, and null with a NOT_FOUND error at its
// index for a hidden or garbage id.
func TestAccessNodesMixesVisibleAndHidden(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t).WithSiblingWorkspace()
	api := testkit.NewAPI(t, w.Store, nil)
	const q = `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`
	cases := []struct {
		name            string
		user            *ent.User
		visible, hidden int
	}{
		{"partner admin: own space, sibling's space", w.PartnerAdmin, w.ManagedSpace.ID, w.SiblingSpace.ID},
		{"sibling admin: own space, Managed's space", w.SiblingAdmin, w.SiblingSpace.ID, w.ManagedSpace.ID},
		{"staff: a tenant, a space", w.Staff, w.Managed.ID, w.ManagedSpace.ID},
		{"other partner admin: own tenant, Partner", w.OtherPartnerAdmin, w.OtherPartner.ID, w.Partner.ID},
		{"managed viewer: own device, Standalone's device", w.ManagedViewer, w.ManagedDevice.ID, w.StandaloneDevice.ID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			never := c.hidden + 100000 // well-formed, of the same type, no such row
			res := api.Do(t, w.Token(c.user), q, map[string]any{
				"ids": []string{testkit.ID(c.visible), testkit.ID(c.hidden), "abc", testkit.ID(never)},
			})
			var got struct {
				Nodes []*struct{ ID string }
			}
			res.DecodeData(t, &got)
			if len(got.Nodes) != 4 || got.Nodes[0] == nil || got.Nodes[0].ID != testkit.ID(c.visible) ||
				got.Nodes[1] != nil || got.Nodes[2] != nil || got.Nodes[3] != nil {
				t.Fatalf("nodes = %s, want [visible, null, null, null]", res.Raw)
			}
			if len(res.Errors) != 3 {
				t.Fatalf("want 3 errors, got %s", res.Raw)
			}
			byPath := map[string]testkit.Error{}
			for _, e := range res.Errors {
				byPath[fmt.Sprint(e.Path)] = e
				if e.Code() != "NOT_FOUND" {
					t.Errorf("error %+v: code %q, want NOT_FOUND", e, e.Code())
				}
			}
			hidden, okH := byPath["[nodes 1]"]
			garbage, okG := byPath["[nodes 2]"]
			missing, okM := byPath["[nodes 3]"]
			if !okH || !okG || !okM {
				t.Fatalf("error paths %v, want [nodes 1], [nodes 2] and [nodes 3]", res.Raw)
			}
			// The hidden id must read as the missing one. (Their messages
			// may only differ by echoing the id asked for.)
			norm := func(e testkit.Error, id int) string {
				return strings.ReplaceAll(e.Message, strconv.Itoa(id), "<id>")
			}
			if norm(hidden, c.hidden) != norm(missing, never) {
				t.Errorf("hidden id's message %q tells it from a missing id's %q", hidden.Message, missing.Message)
			}
			t.Run("one message for every id that answers NOT_FOUND", func(t *testing.T) {
				single := api.Do(t, w.Token(c.user), `query($id: ID!) { node(id: $id) { id } }`,
					map[string]any{"id": testkit.ID(c.hidden)})
				want := single.RequireError(t, "NOT_FOUND", "node")
				if hidden.Message != want || garbage.Message != want || missing.Message != want {
					t.Errorf("nodes() answers a hidden id with %q, a missing one with %q "+
						"and a garbage one with %q, while node(id) answers %q",
						hidden.Message, missing.Message, garbage.Message, want)
				}
			})
			// The twin: the hidden node is there, alone, for staff or its members.
			var owner *ent.User
			switch c.hidden {
			case w.SiblingSpace.ID:
				owner = w.SiblingAdmin
			case w.ManagedSpace.ID:
				owner = w.PartnerAdmin
			case w.Partner.ID:
				owner = w.PartnerViewer
			case w.StandaloneDevice.ID:
				owner = w.StandaloneAdmin
			default:
				t.Fatalf("no owner known for %d", c.hidden)
			}
			var twin struct{ Nodes []*struct{ ID string } }
			api.Query(t, w.Token(owner), q, &twin, map[string]any{"ids": []string{testkit.ID(c.hidden)}})
			if len(twin.Nodes) != 1 || twin.Nodes[0] == nil || twin.Nodes[0].ID != testkit.ID(c.hidden) {
				t.Errorf("owner %s: nodes = %+v", owner.Email, twin.Nodes)
			}
		})
	}
}

// TestAccessWorkspaceHiddenOnEveryPath (rules 1 and 6): whichever way the
// partner's admin reaches a managed tenant (tenant, node, nodes, the
// partner's managedTenants, the invoice lines), its workspace connections
// are filtered the same way: empty for Sibling, full for Managed where it is
// a member. Staff get the same paths with empty workspace.
func TestAccessWorkspaceHiddenOnEveryPath(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t).WithSiblingWorkspace()
	api := testkit.NewAPI(t, w.Store, nil)
	const frag = `fragment W on Tenant { id spaces(first: 100) { totalCount edges { node { id } } } members { totalCount } }`
	type ws struct {
		ID      string
		Spaces  idConnection
		Members struct{ TotalCount int }
	}
	paths := []struct {
		name, query string
		vars        map[string]any
		tenants     func(*testing.T, *testkit.Response) []ws
	}{
		{"tenant(id)", `query($m: ID!, $s: ID!) { m: tenant(id: $m) { ...W } s: tenant(id: $s) { ...W } }`,
			map[string]any{"m": testkit.ID(w.Managed.ID), "s": testkit.ID(w.Sibling.ID)},
			func(t *testing.T, res *testkit.Response) []ws {
				var d struct{ M, S ws }
				res.Decode(t, &d)
				return []ws{d.M, d.S}
			}},
		{"node(id)", `query($m: ID!, $s: ID!) { m: node(id: $m) { ...W } s: node(id: $s) { ...W } }`,
			map[string]any{"m": testkit.ID(w.Managed.ID), "s": testkit.ID(w.Sibling.ID)},
			func(t *testing.T, res *testkit.Response) []ws {
				var d struct{ M, S ws }
				res.Decode(t, &d)
				return []ws{d.M, d.S}
			}},
		{"nodes(ids)", `query($ids: [ID!]!) { nodes(ids: $ids) { ...W } }`,
			map[string]any{"ids": []string{testkit.ID(w.Managed.ID), testkit.ID(w.Sibling.ID)}},
			func(t *testing.T, res *testkit.Response) []ws {
				var d struct{ Nodes []ws }
				res.Decode(t, &d)
				return d.Nodes
			}},
		{"managedTenants", `query($p: ID!) { tenant(id: $p) { managedTenants(first: 100) { edges { node { ...W } } } } }`,
			map[string]any{"p": testkit.ID(w.Partner.ID)},
			func(t *testing.T, res *testkit.Response) []ws {
				var d struct {
					Tenant struct {
						ManagedTenants struct{ Edges []struct{ Node ws } }
					}
				}
				res.Decode(t, &d)
				var out []ws
				for _, e := range d.Tenant.ManagedTenants.Edges {
					out = append(out, e.Node)
				}
				return out
			}},
		{"partnerInvoice lines", `query($p: ID!) { partnerInvoice(partnerId: $p, period: "2026-12") { lines { tenant { ...W } } } }`,
			map[string]any{"p": testkit.ID(w.Partner.ID)},
			func(t *testing.T, res *testkit.Response) []ws {
				var d struct {
					PartnerInvoice struct{ Lines []struct{ Tenant ws } }
				}
				res.Decode(t, &d)
				var out []ws
				for _, l := range d.PartnerInvoice.Lines {
					out = append(out, l.Tenant)
				}
				return out
			}},
	}
	managedMembers, err := w.Client.Membership.Query().Where(membership.TenantID(w.Managed.ID)).Count(sys)
	if err != nil || managedMembers != 3 {
		t.Fatalf("fixture: %d members of Managed, %v", managedMembers, err)
	}
	for _, u := range []*ent.User{w.PartnerAdmin, w.Staff} {
		for _, p := range paths {
			t.Run(u.Email+" "+p.name, func(t *testing.T) {
				t.Parallel()
				tenants := p.tenants(t, api.Do(t, w.Token(u), p.query+" "+frag, p.vars))
				seen := map[string]bool{}
				for _, tn := range tenants {
					seen[tn.ID] = true
					wantSpaces, wantMembers := []string{}, 0
					if tn.ID == testkit.ID(w.Managed.ID) && u == w.PartnerAdmin {
						wantSpaces, wantMembers = sortedIDs(w.ManagedSpace.ID), managedMembers
					}
					if tn.Spaces.TotalCount != len(wantSpaces) || !slices.Equal(tn.Spaces.ids(), wantSpaces) ||
						tn.Members.TotalCount != wantMembers {
						t.Errorf("tenant %s: spaces %d %v, members %d; want %v, %d", tn.ID,
							tn.Spaces.TotalCount, tn.Spaces.ids(), tn.Members.TotalCount, wantSpaces, wantMembers)
					}
				}
				if !seen[testkit.ID(w.Managed.ID)] || !seen[testkit.ID(w.Sibling.ID)] || len(seen) != 2 {
					t.Errorf("tenants reached: %v, want Managed and Sibling", seen)
				}
			})
		}
	}
}

// TestAccessNodesWithOneHiddenID (rule 5): nodes(ids) with a single hidden
// id answers [null] and one NOT_FOUND error at ["nodes",0], like any other
// list: the hidden id must not null the whole response (and with it the
// other root fields of the request).
func TestAccessNodesWithOneHiddenID(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t).WithSiblingWorkspace()
	api := testkit.NewAPI(t, w.Store, nil)
	const q = `query($ids: [ID!]!) { viewer { user { email } } nodes(ids: $ids) { id } }`
	token := w.Token(w.SiblingAdmin)

	// The twin first: one visible id is [obj].
	var ok struct {
		Viewer struct{ User struct{ Email string } }
		Nodes  []*struct{ ID string }
	}
	api.Query(t, token, q, &ok, map[string]any{"ids": []string{testkit.ID(w.SiblingSpace.ID)}})
	if len(ok.Nodes) != 1 || ok.Nodes[0] == nil || ok.Nodes[0].ID != testkit.ID(w.SiblingSpace.ID) {
		t.Fatalf("visible id: nodes = %+v", ok.Nodes)
	}

	for what, id := range map[string]string{
		"hidden":  testkit.ID(w.ManagedSpace.ID),
		"garbage": "abc",
	} {
		t.Run(what, func(t *testing.T) {
			res := api.Do(t, token, q, map[string]any{"ids": []string{id}})
			res.RequireCode(t, "NOT_FOUND")
			var got struct {
				Viewer *struct{ User struct{ Email string } }
				Nodes  []*struct{ ID string }
			}
			res.DecodeData(t, &got)
			if got.Viewer == nil || len(got.Nodes) != 1 || got.Nodes[0] != nil ||
				!reflect.DeepEqual(res.Errors[0].Path, []any{"nodes", float64(0)}) {
				t.Errorf("nodes(ids: [one %s id]) must answer [null] with the error at "+
					"[nodes 0] and keep viewer; got %s", what, res.Raw)
			}
		})
	}
}

// TestAccessReferenceToHiddenIsNull (rule 5): a nullable reference field
// pointing at an object the viewer may not see is null, without an error.
func TestAccessReferenceToHiddenIsNull(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t).WithSiblingWorkspace()
	api := testkit.NewAPI(t, w.Store, nil)
	const q = `query($id: ID!) { tenant(id: $id) { id partner { id displayName } } }`
	type tenantPartner struct {
		Tenant *struct {
			ID      string
			Partner *struct{ ID, DisplayName string }
		}
	}
	cases := []struct {
		name        string
		user        *ent.User
		tenant      *ent.Tenant
		wantPartner bool
	}{
		{"member of Managed, not of Partner", w.ManagedViewer, w.Managed, false},
		{"admin of Sibling, not of Partner", w.SiblingAdmin, w.Sibling, false},
		{"editor of Managed, not of Partner", w.Both, w.Managed, false},
		{"twin: the partner admin", w.PartnerAdmin, w.Managed, true},
		{"twin: the partner admin, in Sibling", w.PartnerAdmin, w.Sibling, true},
		{"twin: staff", w.Staff, w.Sibling, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res := api.Do(t, w.Token(c.user), q, map[string]any{"id": testkit.ID(c.tenant.ID)})
			if len(res.Errors) != 0 {
				t.Fatalf("a reference to a hidden object must be null without error: %s", res.Raw)
			}
			var got tenantPartner
			res.Decode(t, &got)
			if got.Tenant == nil || got.Tenant.ID != testkit.ID(c.tenant.ID) {
				t.Fatalf("tenant: %s", res.Raw)
			}
			switch {
			case c.wantPartner && (got.Tenant.Partner == nil || got.Tenant.Partner.ID != testkit.ID(w.Partner.ID)):
				t.Errorf("partner = %+v, want Partner", got.Tenant.Partner)
			case !c.wantPartner && got.Tenant.Partner != nil:
				t.Errorf("hidden partner leaked: %+v", got.Tenant.Partner)
			}
		})
	}

	// The same through the viewer's memberships, the console's first query.
	var v struct {
		Viewer struct {
			Memberships []struct {
				Tenant struct {
					ID      string
					Partner *struct{ ID string }
				}
			}
		}
	}
	res := api.Do(t, w.Token(w.ManagedViewer), `{ viewer { memberships { tenant { id partner { id } } } } }`, nil)
	res.Decode(t, &v)
	if len(v.Viewer.Memberships) != 1 || v.Viewer.Memberships[0].Tenant.ID != testkit.ID(w.Managed.ID) ||
		v.Viewer.Memberships[0].Tenant.Partner != nil {
		t.Errorf("viewer memberships: %s", res.Raw)
	}
}

const treeQuery = `query($id: ID!) {
  tenant(id: $id) {
    managedTenants(first: 50) {
      totalCount
      edges { node {
        id
        spaces(first: 20) { totalCount edges { node { id
          devices(first: 20) { totalCount edges { node { id installations(first: 10) { totalCount } } } }
          installations(first: 10) { totalCount }
        } } }
        members(first: 20) { totalCount }
      } }
    }
  }
}`

type tree struct {
	Tenant *struct {
		ManagedTenants struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					ID     string
					Spaces struct {
						TotalCount int
						Edges      []struct {
							Node struct {
								ID      string
								Devices struct {
									TotalCount int
									Edges      []struct {
										Node struct {
											ID            string
											Installations struct{ TotalCount int }
										}
									}
								}
								Installations struct{ TotalCount int }
							}
						}
					}
					Members struct{ TotalCount int }
				}
			}
		}
	}
}

// TestAccessPartnerTree (rules 1 and 2): the partner dashboard's one query
// for the whole tree. The partner's admin gets both managed tenants, the
// workspace of the one it is a member of, nothing of the other; staff get
// the tenants and no workspace; the partner's editor gets no managed tenant;
// the other partner's admin gets NOT_FOUND.
func TestAccessPartnerTree(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t).WithSiblingWorkspace()
	api := testkit.NewAPI(t, w.Store, nil)
	vars := map[string]any{"id": testkit.ID(w.Partner.ID)}
	type counts struct{ spaces, members, devices, installations int }
	cases := []struct {
		name string
		user *ent.User
		want map[string]counts // by managed tenant id
	}{
		{"partner admin", w.PartnerAdmin, map[string]counts{
			testkit.ID(w.Managed.ID): {1, 3, 1, 1},
			testkit.ID(w.Sibling.ID): {0, 0, 0, 0},
		}},
		{"staff", w.Staff, map[string]counts{
			testkit.ID(w.Managed.ID): {0, 0, 0, 0},
			testkit.ID(w.Sibling.ID): {0, 0, 0, 0},
		}},
		{"partner editor", w.PartnerEditor, map[string]counts{}},
		{"partner viewer", w.PartnerViewer, map[string]counts{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var got tree
			api.Query(t, w.Token(c.user), treeQuery, &got, vars)
			if got.Tenant == nil {
				t.Fatal("partner is null")
			}
			mt := got.Tenant.ManagedTenants
			if mt.TotalCount != len(c.want) || len(mt.Edges) != len(c.want) {
				t.Fatalf("managedTenants: totalCount %d, %d edges; want %d", mt.TotalCount, len(mt.Edges), len(c.want))
			}
			for _, e := range mt.Edges {
				n := e.Node
				want, ok := c.want[n.ID]
				if !ok {
					t.Errorf("unexpected managed tenant %s", n.ID)
					continue
				}
				got := counts{spaces: n.Spaces.TotalCount, members: n.Members.TotalCount}
				for _, s := range n.Spaces.Edges {
					got.devices += s.Node.Devices.TotalCount
					got.installations += s.Node.Installations.TotalCount
					for _, d := range s.Node.Devices.Edges {
						if d.Node.Installations.TotalCount != 1 {
							t.Errorf("device %s: %d installations, want 1", d.Node.ID, d.Node.Installations.TotalCount)
						}
					}
				}
				if len(n.Spaces.Edges) != n.Spaces.TotalCount {
					t.Errorf("%s: %d space edges, totalCount %d", n.ID, len(n.Spaces.Edges), n.Spaces.TotalCount)
				}
				if got != want {
					t.Errorf("managed tenant %s: got %+v, want %+v", n.ID, got, want)
				}
			}
		})
	}
	t.Run("twin: the other partner's admin", func(t *testing.T) {
		t.Parallel()
		api.Do(t, w.Token(w.OtherPartnerAdmin), treeQuery, vars).RequireError(t, "NOT_FOUND", "tenant")
	})
	t.Run("twin: the sibling's admin", func(t *testing.T) {
		t.Parallel()
		api.Do(t, w.Token(w.SiblingAdmin), treeQuery, vars).RequireError(t, "NOT_FOUND", "tenant")
	})
}

// TestAccessPartnerNonAdminsSeeNoManagedTenant (rules 2 and 3): the partner's
// editors and viewers gain nothing in its managed tenants.
func TestAccessPartnerNonAdminsSeeNoManagedTenant(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t).WithSiblingWorkspace()
	api := testkit.NewAPI(t, w.Store, nil)
	for _, u := range []*ent.User{w.PartnerEditor, w.PartnerViewer} {
		t.Run(u.Email, func(t *testing.T) {
			t.Parallel()
			token := w.Token(u)
			var got struct {
				Tenant *struct {
					ID             string
					ViewerRole     string
					ManagedTenants idConnection
				}
			}
			api.Query(t, token, `query($id: ID!) { tenant(id: $id) { id viewerRole managedTenants(first: 100) { totalCount edges { node { id } } } } }`, &got,
				map[string]any{"id": testkit.ID(w.Partner.ID)})
			if got.Tenant == nil || got.Tenant.ViewerRole == "ADMIN" || got.Tenant.ViewerRole == "" {
				t.Fatalf("partner tenant: %+v", got.Tenant)
			}
			if got.Tenant.ManagedTenants.TotalCount != 0 || len(got.Tenant.ManagedTenants.Edges) != 0 {
				t.Errorf("managedTenants = %+v, want empty", got.Tenant.ManagedTenants)
			}
			for _, tn := range []*ent.Tenant{w.Managed, w.Sibling} {
				vars := map[string]any{"id": testkit.ID(tn.ID)}
				api.Do(t, token, `query($id: ID!) { tenant(id: $id) { id } }`, vars).RequireError(t, "NOT_FOUND", "tenant")
				api.Do(t, token, `query($id: ID!) { node(id: $id) { id } }`, vars).RequireError(t, "NOT_FOUND", "node")
			}
			api.Do(t, token, `query($id: ID!) { node(id: $id) { id } }`,
				map[string]any{"id": testkit.ID(w.ManagedSpace.ID)}).RequireError(t, "NOT_FOUND", "node")
		})
	}
	// The twin: the partner's admin sees both.
	var got struct {
		Tenant struct{ ManagedTenants idConnection }
	}
	api.Query(t, w.Token(w.PartnerAdmin), `query($id: ID!) { tenant(id: $id) { managedTenants(first: 100) { totalCount edges { node { id } } } } }`, &got,
		map[string]any{"id": testkit.ID(w.Partner.ID)})
	if mt := got.Tenant.ManagedTenants; mt.TotalCount != 2 || !slices.Equal(mt.ids(), sortedIDs(w.Managed.ID, w.Sibling.ID)) {
		t.Errorf("partner admin: managedTenants = %+v", mt)
	}
}

// TestAccessOtherPartnerSeesNothingOfPartnersTree: every object of the
// Partner's tree is NOT_FOUND to the other partner's admin, through every
// entry point that takes an id; its own objects are there (the twin).
func TestAccessOtherPartnerSeesNothingOfPartnersTree(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t).WithSiblingWorkspace()
	api := testkit.NewAPI(t, w.Store, nil)
	token := w.Token(w.OtherPartnerAdmin)
	ids := map[string]int{
		"Partner": w.Partner.ID, "Managed": w.Managed.ID, "Sibling": w.Sibling.ID,
		"Managed space": w.ManagedSpace.ID, "Managed device": w.ManagedDevice.ID,
		"Managed installation": w.ManagedInstallation.ID, "Sibling space": w.SiblingSpace.ID,
		"Partner membership": membershipOf(t, w, w.Partner, w.PartnerAdmin).ID,
		"Managed membership": membershipOf(t, w, w.Managed, w.PartnerAdmin).ID,
		"Partner's plan":     w.Catalog.Plans["t-pro"].ID,
		"Partner admin user": w.PartnerAdmin.ID,
	}
	for name, id := range ids {
		res := api.Do(t, token, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": testkit.ID(id)})
		t.Run("node "+name, func(t *testing.T) { res.RequireError(t, "NOT_FOUND", "node") })
	}
	for _, tn := range []*ent.Tenant{w.Partner, w.Managed, w.Sibling} {
		vars := map[string]any{"id": testkit.ID(tn.ID)}
		t.Run(tn.DisplayName, func(t *testing.T) {
			api.Do(t, token, `query($id: ID!) { tenant(id: $id) { id } }`, vars).RequireError(t, "NOT_FOUND", "tenant")
			api.Do(t, token, `query($id: ID!) { visibleSettings(tenantId: $id) }`, vars).RequireError(t, "NOT_FOUND", "visibleSettings")
		})
	}
	t.Run("partner's catalog and invoice", func(t *testing.T) {
		vars := map[string]any{"id": testkit.ID(w.Partner.ID)}
		api.Do(t, token, `query($id: ID!) { planCatalog(partnerId: $id, kind: TENANT) { id } }`, vars).RequireError(t, "NOT_FOUND", "planCatalog")
		api.Do(t, token, `query($id: ID!) { partnerInvoice(partnerId: $id, period: "2026-11") { total { amount } } }`, vars).RequireError(t, "NOT_FOUND", "partnerInvoice")
	})
	t.Run("twin: its own tree", func(t *testing.T) {
		own := map[string]int{"OtherPartner": w.OtherPartner.ID, "own plan": w.OtherCatalog.Plans["t-pro"].ID,
			"own membership": membershipOf(t, w, w.OtherPartner, w.OtherPartnerAdmin).ID}
		for name, id := range own {
			var got struct{ Node *struct{ ID string } }
			api.Query(t, token, `query($id: ID!) { node(id: $id) { id } }`, &got, map[string]any{"id": testkit.ID(id)})
			if got.Node == nil || got.Node.ID != testkit.ID(id) {
				t.Errorf("%s: node = %+v", name, got.Node)
			}
		}
	})
}

// TestAccessSiblingsSeeNothingOfEachOther (rule 1): two tenants managed by
// one partner share nothing: not the tenant, not its workspace, not the users.
func TestAccessSiblingsSeeNothingOfEachOther(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t).WithSiblingWorkspace()
	api := testkit.NewAPI(t, w.Store, nil)
	pairs := []struct {
		user  *ent.User
		other *ent.Tenant
		objs  []int
		own   []int
	}{
		{w.SiblingAdmin, w.Managed,
			[]int{w.Managed.ID, w.ManagedSpace.ID, w.ManagedDevice.ID, w.ManagedInstallation.ID,
				membershipOf(t, w, w.Managed, w.ManagedViewer).ID, w.ManagedViewer.ID},
			[]int{w.Sibling.ID, w.SiblingSpace.ID, w.SiblingDevice.ID, w.SiblingInstallation.ID}},
		{w.ManagedViewer, w.Sibling,
			[]int{w.Sibling.ID, w.SiblingSpace.ID, w.SiblingDevice.ID, w.SiblingInstallation.ID,
				membershipOf(t, w, w.Sibling, w.SiblingAdmin).ID, w.SiblingAdmin.ID},
			[]int{w.Managed.ID, w.ManagedSpace.ID, w.ManagedDevice.ID, w.ManagedInstallation.ID}},
	}
	for _, p := range pairs {
		t.Run(p.user.Email, func(t *testing.T) {
			t.Parallel()
			token := w.Token(p.user)
			for _, id := range p.objs {
				t.Run("sibling's "+testkit.ID(id), func(t *testing.T) {
					api.Do(t, token, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": testkit.ID(id)}).
						RequireError(t, "NOT_FOUND", "node")
				})
			}
			for _, id := range p.own {
				var got struct{ Node *struct{ ID string } }
				api.Query(t, token, `query($id: ID!) { node(id: $id) { id } }`, &got, map[string]any{"id": testkit.ID(id)})
				if got.Node == nil {
					t.Errorf("own object %s not found", testkit.ID(id))
				}
			}
		})
	}
}
