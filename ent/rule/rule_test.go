package rule_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/privacy"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/membership"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/ent/space"
	"github.com/phystack/managed-tenants-api/ent/subscription"
	"github.com/phystack/managed-tenants-api/ent/tenant"
	"github.com/phystack/managed-tenants-api/ent/user"
	"github.com/phystack/managed-tenants-api/internal/testkit"
	"github.com/phystack/managed-tenants-api/internal/viewer"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// fixture is the testkit World with a workspace in Sibling (so that "a
// partner admin sees no sibling workspace" is about a row that exists) and
// one audit event per tenant.
type fixture struct {
	*testkit.World
	Audit   map[int]*ent.AuditEvent // by tenant id
	viewers map[string]persona
}

// persona is a user of the World and its memberships.
type persona struct {
	user  *ent.User
	roles map[int]enums.Role
}

// viewer is a request's viewer for p, whose roles are read (from p.roles)
// only when something asks, as the server's are: the filters see no known
// role until then, and decide by their membership subqueries.
func (p persona) viewer() *viewer.Viewer {
	return viewer.NewLazy(p.user.ID, p.user.Email, p.user.IsStaff, func(_ context.Context, ids []int) (map[int]enums.Role, error) {
		out := map[int]enums.Role{}
		for _, id := range ids {
			if r, ok := p.roles[id]; ok {
				out[id] = r
			}
		}
		return out, nil
	})
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	w := testkit.NewWorld(t).WithSiblingWorkspace()
	f := &fixture{World: w, Audit: map[int]*ent.AuditEvent{}}
	sys := rule.SystemContext(context.Background())
	for _, tn := range []*ent.Tenant{w.Partner, w.Managed, w.Sibling, w.OtherPartner, w.Standalone} {
		ev, err := w.Client.AuditEvent.Create().SetTenantID(tn.ID).SetActorID(w.Staff.ID).
			SetAction("test.event").SetTarget(fmt.Sprintf("tenant:%d", tn.ID)).Save(sys)
		if err != nil {
			t.Fatal(err)
		}
		f.Audit[tn.ID] = ev
	}
	// The personas of the World, with the memberships NewWorld gives them,
	// written out so that every expectation below can be checked by hand.
	role := func(pairs ...any) map[int]enums.Role {
		m := map[int]enums.Role{}
		for i := 0; i < len(pairs); i += 2 {
			m[pairs[i].(*ent.Tenant).ID] = pairs[i+1].(enums.Role)
		}
		return m
	}
	admin, editor, view := enums.RoleAdmin, enums.RoleEditor, enums.RoleViewer
	mk := func(u *ent.User, roles map[int]enums.Role) persona { return persona{u, roles} }
	f.viewers = map[string]persona{
		"PartnerAdmin":      mk(w.PartnerAdmin, role(w.Partner, admin, w.Managed, admin)),
		"PartnerEditor":     mk(w.PartnerEditor, role(w.Partner, editor)),
		"PartnerViewer":     mk(w.PartnerViewer, role(w.Partner, view)),
		"ManagedViewer":     mk(w.ManagedViewer, role(w.Managed, view)),
		"SiblingAdmin":      mk(w.SiblingAdmin, role(w.Sibling, admin)),
		"OtherPartnerAdmin": mk(w.OtherPartnerAdmin, role(w.OtherPartner, admin)),
		"StandaloneAdmin":   mk(w.StandaloneAdmin, role(w.Standalone, admin)),
		"Both":              mk(w.Both, role(w.Managed, editor, w.Standalone, editor)),
		"Staff":             mk(w.Staff, role()),
		"Stranger":          mk(w.Stranger, role()),
	}
	return f
}

// as is a context carrying the named persona.
func (f *fixture) as(t *testing.T, name string) context.Context {
	t.Helper()
	p, ok := f.viewers[name]
	if !ok {
		t.Fatalf("unknown persona %q", name)
	}
	return viewer.NewContext(context.Background(), p.viewer())
}

// knowing is as, with the persona's role (or its absence) in every tenant
// of the World already read, as a request that checked them: the filters
// then admit those tenants by literal (ent/rule).
func (f *fixture) knowing(t *testing.T, name string) context.Context {
	t.Helper()
	ctx := f.as(t, name)
	all := []int{f.Partner.ID, f.Managed.ID, f.Sibling.ID, f.OtherPartner.ID, f.Standalone.ID}
	if _, err := viewer.FromContext(ctx).Roles(ctx, all); err != nil {
		t.Fatal(err)
	}
	return ctx
}

func sys() context.Context { return rule.SystemContext(context.Background()) }

// sorted returns ids in ascending order (nil for none).
func sorted(ids ...int) []int {
	if len(ids) == 0 {
		return nil
	}
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func tenantIDs(ts []*ent.Tenant) []int {
	out := make([]int, len(ts))
	for i, x := range ts {
		out[i] = x.ID
	}
	return sorted(out...)
}

func spaceIDs(ss []*ent.Space) []int {
	out := make([]int, len(ss))
	for i, x := range ss {
		out[i] = x.ID
	}
	return sorted(out...)
}

func memberIDs(ms []*ent.Membership) []int {
	out := make([]int, len(ms))
	for i, x := range ms {
		out[i] = x.ID
	}
	return sorted(out...)
}

// requireIDs compares the ids a query returned with the ids wanted.
func requireIDs(t *testing.T, what string, got []int, err error, want []int) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	got, want = sorted(got...), sorted(want...)
	if !slices.Equal(got, want) {
		t.Errorf("%s: got ids %v, want %v", what, got, want)
	}
}

// membershipsOf lists the membership ids of tenants, read in the system context.
func (f *fixture) membershipsOf(t *testing.T, tenants ...*ent.Tenant) []int {
	t.Helper()
	ids := make([]int, len(tenants))
	for i, tn := range tenants {
		ids[i] = tn.ID
	}
	out, err := f.Client.Membership.Query().Where(membership.TenantIDIn(ids...)).IDs(sys())
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 && len(tenants) > 0 {
		t.Fatalf("fixture: no memberships in %v", ids)
	}
	return out
}

func allPersonas() []string {
	return []string{"PartnerAdmin", "PartnerEditor", "PartnerViewer", "ManagedViewer", "SiblingAdmin",
		"OtherPartnerAdmin", "StandaloneAdmin", "Both", "Staff", "Stranger"}
}

// TestNoViewerIsDenied: a context without a viewer reads and writes nothing,
// for every entity; the same queries in the system context do find rows, so
// the denial is the rule and not an empty table.
func TestNoViewerIsDenied(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.Client
	queries := []struct {
		name     string
		noViewer bool // the policy starts with the ErrNoViewer rule
		count    func(context.Context) (int, error)
	}{
		{"Tenant", true, c.Tenant.Query().Count},
		{"Membership", true, c.Membership.Query().Count},
		{"Space", true, c.Space.Query().Count},
		{"Device", true, c.Device.Query().Count},
		{"Installation", true, c.Installation.Query().Count},
		{"Subscription", true, c.Subscription.Query().Count},
		{"Plan", true, c.Plan.Query().Count},
		{"PlanCatalog", true, c.PlanCatalog.Query().Count},
		{"BillingEntity", true, c.BillingEntity.Query().Count},
		{"User", true, c.User.Query().Count},
		{"AuditEvent", true, c.AuditEvent.Query().Count},
		{"APIToken", false, c.APIToken.Query().Count},
		{"IdempotencyKey", false, c.IdempotencyKey.Query().Count},
	}
	if _, err := c.IdempotencyKey.Create().SetPartnerID(f.Partner.ID).SetKey("k1").
		SetRequestDigest("d").SetTenantID(f.Managed.ID).Save(sys()); err != nil {
		t.Fatal(err)
	}
	for _, q := range queries {
		t.Run(q.name, func(t *testing.T) {
			n, err := q.count(context.Background())
			if err == nil {
				t.Fatalf("no viewer: counted %d rows, want an error", n)
			}
			if !errors.Is(err, privacy.Deny) {
				t.Errorf("no viewer: error %v is not a privacy denial", err)
			}
			if q.noViewer && !errors.Is(err, rule.ErrNoViewer) {
				t.Errorf("no viewer: error %v is not rule.ErrNoViewer", err)
			}
			if n, err := q.count(sys()); err != nil || n == 0 {
				t.Errorf("system context: count = %d, %v; want rows", n, err)
			}
		})
	}

	t.Run("Get", func(t *testing.T) {
		if _, err := c.Space.Get(context.Background(), f.ManagedSpace.ID); !errors.Is(err, rule.ErrNoViewer) {
			t.Errorf("Space.Get without viewer: %v", err)
		}
		if _, err := c.Tenant.Get(context.Background(), f.Managed.ID); !errors.Is(err, rule.ErrNoViewer) {
			t.Errorf("Tenant.Get without viewer: %v", err)
		}
	})

	t.Run("Create", func(t *testing.T) {
		ctx := context.Background()
		writes := map[string]error{
			"Space": c.Space.Create().SetTenantID(f.Managed.ID).SetName("x").Exec(ctx),
			"Membership": c.Membership.Create().SetTenantID(f.Managed.ID).SetUserID(f.Stranger.ID).
				SetRole(enums.RoleViewer).Exec(ctx),
			"Tenant": c.Tenant.Create().SetDisplayName("x").SetNameKey("x").SetCountry("SE").SetCurrency("EUR").
				SetBillingEntityID(f.Partner.BillingEntityID).SetBillingType(enums.BillingTypeDirect).Exec(ctx),
			"User": c.User.Create().SetEmail("new@example.com").Exec(ctx),
		}
		for name, err := range writes {
			if !errors.Is(err, privacy.Deny) {
				t.Errorf("%s create without viewer: %v, want a denial", name, err)
			}
		}
		if n, _ := c.Space.Query().Where(space.Name("x")).Count(sys()); n != 0 {
			t.Errorf("a denied create wrote %d spaces", n)
		}
	})
}

// TestTenantVisibility: members see their tenants; a partner's admins also
// see its managed tenants (account data); staff see all; nobody else sees
// anything. Every row is also some persona's "gets nothing".
func TestTenantVisibility(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	P, M, S, OP, SA := f.Partner.ID, f.Managed.ID, f.Sibling.ID, f.OtherPartner.ID, f.Standalone.ID
	want := map[string][]int{
		"PartnerAdmin":      {P, M, S}, // Sibling through the partner, not a membership
		"PartnerEditor":     {P},       // not admin: managed tenants stay hidden
		"PartnerViewer":     {P},
		"ManagedViewer":     {M},
		"SiblingAdmin":      {S},
		"OtherPartnerAdmin": {OP},
		"StandaloneAdmin":   {SA},
		"Both":              {M, SA},
		"Staff":             {P, M, S, OP, SA},
		"Stranger":          nil,
	}
	for _, name := range allPersonas() {
		t.Run(name, func(t *testing.T) {
			ts, err := f.Client.Tenant.Query().All(f.as(t, name))
			requireIDs(t, "Tenant.Query", tenantIDs(ts), err, want[name])
			n, err := f.Client.Tenant.Query().Count(f.as(t, name))
			if err != nil || n != len(want[name]) {
				t.Errorf("Tenant.Count = %d, %v; want %d", n, err, len(want[name]))
			}
			// Get of every tenant: visible ones load, hidden ones are not found.
			for _, id := range []int{P, M, S, OP, SA} {
				_, err := f.Client.Tenant.Get(f.as(t, name), id)
				if slices.Contains(want[name], id) {
					if err != nil {
						t.Errorf("Get(%d): %v", id, err)
					}
				} else if !ent.IsNotFound(err) {
					t.Errorf("Get(%d) of a hidden tenant: %v, want not found", id, err)
				}
			}
		})
	}
}

// TestWorkspaceVisibility: members, spaces, devices and installations are
// visible only through a membership in their own tenant: not to the partner's
// admin in a sibling, not to staff, not between tenants.
func TestWorkspaceVisibility(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	type ws struct{ spaces, devices, installations, members []int }
	managed := ws{
		[]int{f.ManagedSpace.ID}, []int{f.ManagedDevice.ID}, []int{f.ManagedInstallation.ID},
		f.membershipsOf(t, f.Managed),
	}
	sibling := ws{
		[]int{f.SiblingSpace.ID}, []int{f.SiblingDevice.ID}, []int{f.SiblingInstallation.ID},
		f.membershipsOf(t, f.Sibling),
	}
	standalone := ws{
		[]int{f.StandaloneSpace.ID}, []int{f.StandaloneDevice.ID}, []int{f.StandaloneInstallation.ID},
		f.membershipsOf(t, f.Standalone),
	}
	onlyMembers := func(ts ...*ent.Tenant) ws { return ws{members: f.membershipsOf(t, ts...)} }
	join := func(a, b ws) ws {
		return ws{
			append(slices.Clone(a.spaces), b.spaces...), append(slices.Clone(a.devices), b.devices...),
			append(slices.Clone(a.installations), b.installations...), append(slices.Clone(a.members), b.members...),
		}
	}
	want := map[string]ws{
		"PartnerAdmin":      join(managed, onlyMembers(f.Partner)), // member of Managed; Sibling: nothing
		"PartnerEditor":     onlyMembers(f.Partner),
		"PartnerViewer":     onlyMembers(f.Partner),
		"ManagedViewer":     managed,
		"SiblingAdmin":      sibling,
		"OtherPartnerAdmin": onlyMembers(f.OtherPartner),
		"StandaloneAdmin":   standalone,
		"Both":              join(managed, standalone),
		"Staff":             {}, // staff have no implicit workspace access
		"Stranger":          {},
	}
	for _, name := range allPersonas() {
		t.Run(name, func(t *testing.T) {
			ctx, w := f.as(t, name), want[name]
			got, err := f.Client.Space.Query().IDs(ctx)
			requireIDs(t, "Space", got, err, w.spaces)
			got, err = f.Client.Device.Query().IDs(ctx)
			requireIDs(t, "Device", got, err, w.devices)
			got, err = f.Client.Installation.Query().IDs(ctx)
			requireIDs(t, "Installation", got, err, w.installations)
			ms, err := f.Client.Membership.Query().All(ctx)
			requireIDs(t, "Membership", memberIDs(ms), err, w.members)
		})
	}
}

// TestHiddenRowIsNotFound: loading a hidden row by id fails exactly as an id
// that does not exist (rule 5): the same error type and the same message.
func TestHiddenRowIsNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	gone := f.Space(f.Managed, "Deleted")
	if err := f.Client.Space.DeleteOne(gone).Exec(sys()); err != nil {
		t.Fatal(err)
	}
	goneTenant := f.Tenant(testkit.TenantSpec{Name: "Deleted tenant"})
	if err := f.Client.Tenant.DeleteOne(goneTenant).Exec(sys()); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, persona string
		load          func(ctx context.Context, id int) (any, error)
		hidden        int // a row that exists, hidden from persona
		missing       int // a row that no longer exists
	}{
		{"Space of Managed, by Sibling's admin", "SiblingAdmin",
			func(ctx context.Context, id int) (any, error) { return f.Client.Space.Get(ctx, id) },
			f.ManagedSpace.ID, gone.ID},
		{"Space of Managed, by staff", "Staff",
			func(ctx context.Context, id int) (any, error) { return f.Client.Space.Get(ctx, id) },
			f.ManagedSpace.ID, gone.ID},
		{"Space of Sibling, by the partner's admin", "PartnerAdmin",
			func(ctx context.Context, id int) (any, error) { return f.Client.Space.Get(ctx, id) },
			f.SiblingSpace.ID, gone.ID},
		{"Space as a node, by the other partner's admin", "OtherPartnerAdmin",
			func(ctx context.Context, id int) (any, error) { return f.Client.Noder(ctx, id) },
			f.ManagedSpace.ID, gone.ID},
		{"Tenant Managed, by the other partner's admin", "OtherPartnerAdmin",
			func(ctx context.Context, id int) (any, error) { return f.Client.Tenant.Get(ctx, id) },
			f.Managed.ID, goneTenant.ID},
		{"Tenant Managed, by the partner's editor", "PartnerEditor",
			func(ctx context.Context, id int) (any, error) { return f.Client.Tenant.Get(ctx, id) },
			f.Managed.ID, goneTenant.ID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, hiddenErr := c.load(f.as(t, c.persona), c.hidden)
			_, missingErr := c.load(f.as(t, c.persona), c.missing)
			if !ent.IsNotFound(hiddenErr) {
				t.Fatalf("hidden row: %v, want not found", hiddenErr)
			}
			if !ent.IsNotFound(missingErr) {
				t.Fatalf("missing row: %v, want not found", missingErr)
			}
			if errors.Is(hiddenErr, privacy.Deny) {
				t.Errorf("hidden row answers a privacy denial, which a missing row never does: %v", hiddenErr)
			}
			// Noder's message names the id asked for; apart from it, the
			// two must read the same.
			hiddenMsg := strings.ReplaceAll(hiddenErr.Error(), strconv.Itoa(c.hidden), "<id>")
			missingMsg := strings.ReplaceAll(missingErr.Error(), strconv.Itoa(c.missing), "<id>")
			if hiddenMsg != missingMsg {
				t.Errorf("messages differ: hidden %q, missing %q", hiddenMsg, missingMsg)
			}
			// The twin: the row exists and is loadable in the system context.
			if _, err := c.load(sys(), c.hidden); err != nil {
				t.Errorf("system context: %v", err)
			}
		})
	}
}

// TestSubscriptionVisibility: subscriptions are account data of the tenant
// billed (SPEC 10): its admins and staff see them, nobody else.
func TestSubscriptionVisibility(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	subsOf := func(tn *ent.Tenant) []int {
		ids, err := f.Client.Tenant.QuerySubscriptions(tn).IDs(sys())
		if err != nil || len(ids) != 2 {
			t.Fatalf("fixture: subscriptions of %s: %v %v", tn.DisplayName, ids, err)
		}
		return ids
	}
	managed, sibling := subsOf(f.Managed), subsOf(f.Sibling)
	both := append(slices.Clone(managed), sibling...)
	want := map[string][]int{
		"PartnerAdmin":  both, // billed to Partner
		"PartnerEditor": nil,  // billed to Partner, but not admin
		"PartnerViewer": nil,
		// SPEC 10: the managed tenants' own members, its admins included,
		// do not see what the partner pays.
		"ManagedViewer":     nil,
		"SiblingAdmin":      nil,
		"OtherPartnerAdmin": nil,
		"StandaloneAdmin":   nil,
		"Both":              nil,
		"Staff":             both,
		"Stranger":          nil,
	}
	for _, name := range allPersonas() {
		t.Run(name, func(t *testing.T) {
			got, err := f.Client.Subscription.Query().IDs(f.as(t, name))
			requireIDs(t, "Subscription", got, err, want[name])
		})
	}
}

// TestPlanVisibility: plans are visible to staff, to admins of a partner
// reselling their catalog, and to whoever sees a subscription to them.
func TestPlanVisibility(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	planIDs := func(c *testkit.Catalog, codes ...string) []int {
		var out []int
		for code, p := range c.Plans {
			if len(codes) == 0 || slices.Contains(codes, code) {
				out = append(out, p.ID)
			}
		}
		return out
	}
	catalog, other := planIDs(f.Catalog), planIDs(f.OtherCatalog)
	subscribed := planIDs(f.Catalog, "t-pro", "s-prem")
	want := map[string][]int{
		"PartnerAdmin":      catalog,
		"PartnerEditor":     nil,
		"PartnerViewer":     nil,
		"ManagedViewer":     subscribed,
		"SiblingAdmin":      subscribed,
		"OtherPartnerAdmin": other,
		"StandaloneAdmin":   nil,
		"Both":              subscribed,
		"Staff":             append(slices.Clone(catalog), other...),
		"Stranger":          nil,
	}
	for _, name := range allPersonas() {
		t.Run(name, func(t *testing.T) {
			got, err := f.Client.Plan.Query().IDs(f.as(t, name))
			requireIDs(t, "Plan", got, err, want[name])
		})
	}

	t.Run("PlanCatalog", func(t *testing.T) {
		cats := map[string][]int{
			"PartnerAdmin":      {f.Catalog.ID},
			"PartnerEditor":     nil,
			"SiblingAdmin":      nil, // a managed tenant's admin does not see the partner's catalog
			"OtherPartnerAdmin": {f.OtherCatalog.ID},
			"StandaloneAdmin":   nil,
			"Staff":             {f.Catalog.ID, f.OtherCatalog.ID},
			"Stranger":          nil,
		}
		for name, want := range cats {
			got, err := f.Client.PlanCatalog.Query().IDs(f.as(t, name))
			requireIDs(t, name+": PlanCatalog", got, err, want)
		}
	})
}

// TestKnownRolesAdmitNothingMore: the roles a request has read become
// literals in the filters under OR (ent/rule); with every persona's role in
// every tenant known, each entity shows exactly the rows the membership
// subqueries alone show (the tests above read with no role known).
func TestKnownRolesAdmitNothingMore(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	queries := []struct {
		name string
		ids  func(context.Context) ([]int, error)
	}{
		{"Tenant", func(ctx context.Context) ([]int, error) { return f.Client.Tenant.Query().IDs(ctx) }},
		{"Plan", func(ctx context.Context) ([]int, error) { return f.Client.Plan.Query().IDs(ctx) }},
		{"PlanCatalog", func(ctx context.Context) ([]int, error) { return f.Client.PlanCatalog.Query().IDs(ctx) }},
		{"Subscription", func(ctx context.Context) ([]int, error) { return f.Client.Subscription.Query().IDs(ctx) }},
		{"User", func(ctx context.Context) ([]int, error) { return f.Client.User.Query().IDs(ctx) }},
		{"Space", func(ctx context.Context) ([]int, error) { return f.Client.Space.Query().IDs(ctx) }},
		{"AuditEvent", func(ctx context.Context) ([]int, error) { return f.Client.AuditEvent.Query().IDs(ctx) }},
		{"managed tenants of Partner", func(ctx context.Context) ([]int, error) {
			return f.Client.Tenant.Query().Where(tenant.PartnerID(f.Partner.ID)).IDs(ctx)
		}},
	}
	for _, name := range allPersonas() {
		t.Run(name, func(t *testing.T) {
			for _, q := range queries {
				unknown, err := q.ids(f.as(t, name))
				if err != nil {
					t.Fatal(err)
				}
				known, err := q.ids(f.knowing(t, name))
				requireIDs(t, q.name+" with roles known", known, err, unknown)
			}
		})
	}
}

// TestUserVisibility: users see themselves and the members of their tenants;
// staff see everyone; a partner's admin does not see the sibling's users.
func TestUserVisibility(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	all, err := f.Client.User.Query().IDs(sys())
	if err != nil || len(all) != 10 {
		t.Fatalf("fixture: users %v %v", all, err)
	}
	want := map[string][]int{
		"PartnerAdmin":  {f.PartnerAdmin.ID, f.PartnerEditor.ID, f.PartnerViewer.ID, f.ManagedViewer.ID, f.Both.ID},
		"PartnerEditor": {f.PartnerAdmin.ID, f.PartnerEditor.ID, f.PartnerViewer.ID},
		"PartnerViewer": {f.PartnerAdmin.ID, f.PartnerEditor.ID, f.PartnerViewer.ID},
		"ManagedViewer": {f.PartnerAdmin.ID, f.ManagedViewer.ID, f.Both.ID},
		// Sibling was created by PartnerAdmin: "created by" is account data.
		"SiblingAdmin":      {f.PartnerAdmin.ID, f.SiblingAdmin.ID},
		"OtherPartnerAdmin": {f.OtherPartnerAdmin.ID},
		"StandaloneAdmin":   {f.StandaloneAdmin.ID, f.Both.ID},
		"Both":              {f.PartnerAdmin.ID, f.ManagedViewer.ID, f.Both.ID, f.StandaloneAdmin.ID},
		"Staff":             all,
		"Stranger":          {f.Stranger.ID},
	}
	for _, name := range allPersonas() {
		t.Run(name, func(t *testing.T) {
			got, err := f.Client.User.Query().IDs(f.as(t, name))
			requireIDs(t, "User", got, err, want[name])
		})
	}
}

// TestAuditEventVisibility: audit events are read by the tenant's admins and
// by staff; not by other members, not by the partner's admin in a sibling.
func TestAuditEventVisibility(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ev := func(ts ...*ent.Tenant) []int {
		var out []int
		for _, tn := range ts {
			out = append(out, f.Audit[tn.ID].ID)
		}
		return out
	}
	want := map[string][]int{
		"PartnerAdmin":      ev(f.Partner, f.Managed),
		"PartnerEditor":     nil,
		"PartnerViewer":     nil,
		"ManagedViewer":     nil,
		"SiblingAdmin":      ev(f.Sibling),
		"OtherPartnerAdmin": ev(f.OtherPartner),
		"StandaloneAdmin":   ev(f.Standalone),
		"Both":              nil, // editor, not admin
		"Staff":             ev(f.Partner, f.Managed, f.Sibling, f.OtherPartner, f.Standalone),
		"Stranger":          nil,
	}
	for _, name := range allPersonas() {
		t.Run(name, func(t *testing.T) {
			got, err := f.Client.AuditEvent.Query().IDs(f.as(t, name))
			requireIDs(t, "AuditEvent", got, err, want[name])
		})
	}
}

// TestSystemOnlyEntities: tokens and idempotency keys are never read or
// written with a viewer, not even staff or the partner's admin.
func TestSystemOnlyEntities(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	key, err := f.Client.IdempotencyKey.Create().SetPartnerID(f.Partner.ID).SetKey("k1").
		SetRequestDigest("d").SetTenantID(f.Managed.ID).Save(sys())
	if err != nil {
		t.Fatal(err)
	}
	if n, err := f.Client.APIToken.Query().Count(sys()); err != nil || n != 10 {
		t.Fatalf("system context: %d tokens, %v; want the World's 10", n, err)
	}
	for _, name := range []string{"Staff", "PartnerAdmin", "Stranger"} {
		t.Run(name, func(t *testing.T) {
			ctx := f.as(t, name)
			if n, err := f.Client.APIToken.Query().Count(ctx); !errors.Is(err, privacy.Deny) {
				t.Errorf("APIToken count = %d, %v; want a denial", n, err)
			}
			if _, err := f.Client.APIToken.Query().All(ctx); !errors.Is(err, privacy.Deny) {
				t.Errorf("APIToken all: %v; want a denial", err)
			}
			if _, err := f.Client.User.Query().WithTokens().All(ctx); !errors.Is(err, privacy.Deny) {
				t.Errorf("User with tokens eager-loaded: %v; want a denial", err)
			}
			if _, err := f.Client.IdempotencyKey.Get(ctx, key.ID); !errors.Is(err, privacy.Deny) {
				t.Errorf("IdempotencyKey get: %v; want a denial", err)
			}
			err := f.Client.IdempotencyKey.Create().SetPartnerID(f.Partner.ID).SetKey("k-" + name).
				SetRequestDigest("d").Exec(ctx)
			if !errors.Is(err, privacy.Deny) {
				t.Errorf("IdempotencyKey create: %v; want a denial", err)
			}
			err = f.Client.APIToken.Create().SetUserID(f.Stranger.ID).SetTokenHash([]byte("h-" + name)).
				SetExpiresAt(time.Now().Add(time.Hour)).Exec(ctx)
			if !errors.Is(err, privacy.Deny) {
				t.Errorf("APIToken create: %v; want a denial", err)
			}
		})
	}
	if n, _ := f.Client.IdempotencyKey.Query().Count(sys()); n != 1 {
		t.Errorf("idempotency keys after denied creates: %d, want 1", n)
	}
}

// TestBillingEntitiesAreReference: any viewer reads billing entities.
func TestBillingEntitiesAreReference(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	all, err := f.Client.BillingEntity.Query().IDs(sys())
	if err != nil || len(all) == 0 {
		t.Fatalf("fixture: %v %v", all, err)
	}
	for _, name := range []string{"Stranger", "Staff", "SiblingAdmin"} {
		got, err := f.Client.BillingEntity.Query().IDs(f.as(t, name))
		requireIDs(t, name+": BillingEntity", got, err, all)
	}
}

// TestEagerLoadedEdgesAreFiltered: the rules apply to edges loaded with
// With... and to traversals, not only to root queries.
func TestEagerLoadedEdgesAreFiltered(t *testing.T) {
	t.Parallel()
	f := newFixture(t)

	t.Run("partner admin: managed tenants' spaces only where a member", func(t *testing.T) {
		ts, err := f.Client.Tenant.Query().Where(tenant.PartnerID(f.Partner.ID)).
			WithSpaces().WithMembers().WithDevices().WithInstallations().WithSubscriptions().
			All(f.as(t, "PartnerAdmin"))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(tenantIDs(ts), sorted(f.Managed.ID, f.Sibling.ID)) {
			t.Fatalf("managed tenants: %v", tenantIDs(ts))
		}
		for _, tn := range ts {
			switch tn.ID {
			case f.Sibling.ID: // account data yes, workspace no
				if n := len(tn.Edges.Spaces) + len(tn.Edges.Members) + len(tn.Edges.Devices) + len(tn.Edges.Installations); n != 0 {
					t.Errorf("Sibling workspace loaded for the partner admin: %+v", tn.Edges)
				}
				if len(tn.Edges.Subscriptions) != 2 {
					t.Errorf("Sibling subscriptions: %d, want 2 (account data)", len(tn.Edges.Subscriptions))
				}
			case f.Managed.ID: // a member: sees it all
				if !slices.Equal(spaceIDs(tn.Edges.Spaces), []int{f.ManagedSpace.ID}) ||
					len(tn.Edges.Members) != 3 || len(tn.Edges.Devices) != 1 || len(tn.Edges.Installations) != 1 {
					t.Errorf("Managed workspace: %+v", tn.Edges)
				}
			}
		}
		// The twin: Sibling's own admin sees Sibling's workspace.
		tn, err := f.Client.Tenant.Query().Where(tenant.ID(f.Sibling.ID)).WithSpaces().WithMembers().
			Only(f.as(t, "SiblingAdmin"))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(spaceIDs(tn.Edges.Spaces), []int{f.SiblingSpace.ID}) || len(tn.Edges.Members) != 1 {
			t.Errorf("Sibling admin: spaces %v, members %d", spaceIDs(tn.Edges.Spaces), len(tn.Edges.Members))
		}
	})

	t.Run("traversal from a visible tenant to hidden workspace", func(t *testing.T) {
		ctx := f.as(t, "PartnerAdmin")
		sib, err := f.Client.Tenant.Get(ctx, f.Sibling.ID)
		if err != nil {
			t.Fatal(err)
		}
		for what, q := range map[string]interface {
			Count(context.Context) (int, error)
		}{
			"spaces": sib.QuerySpaces(), "members": sib.QueryMembers(), "devices": sib.QueryDevices(),
			"installations": sib.QueryInstallations(),
		} {
			if n, err := q.Count(ctx); err != nil || n != 0 {
				t.Errorf("Sibling %s for the partner admin: %d, %v; want 0", what, n, err)
			}
		}
		if n, err := f.Client.Tenant.QuerySpaces(sib).Count(sys()); err != nil || n != 1 {
			t.Errorf("system context: Sibling has %d spaces, %v; want 1", n, err)
		}
	})

	t.Run("staff: every tenant, no workspace", func(t *testing.T) {
		ts, err := f.Client.Tenant.Query().WithSpaces().WithMembers().WithDevices().All(f.as(t, "Staff"))
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) != 5 {
			t.Errorf("staff sees %d tenants, want 5", len(ts))
		}
		for _, tn := range ts {
			if len(tn.Edges.Spaces)+len(tn.Edges.Members)+len(tn.Edges.Devices) != 0 {
				t.Errorf("staff loaded the workspace of %s: %+v", tn.DisplayName, tn.Edges)
			}
		}
	})

	t.Run("reference to a hidden partner is nil", func(t *testing.T) {
		ctx := f.as(t, "ManagedViewer")
		tn, err := f.Client.Tenant.Query().Where(tenant.ID(f.Managed.ID)).WithPartner().WithCreatedBy().Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if tn.PartnerID == nil || *tn.PartnerID != f.Partner.ID {
			t.Fatalf("fixture: Managed partner_id = %v", tn.PartnerID)
		}
		if tn.Edges.Partner != nil {
			t.Errorf("a member of Managed loaded the hidden partner %q", tn.Edges.Partner.DisplayName)
		}
		if _, err := tn.QueryPartner().Only(ctx); !ent.IsNotFound(err) {
			t.Errorf("QueryPartner: %v, want not found", err)
		}
		// CreatedBy is PartnerAdmin, a co-member of Managed: visible.
		if tn.Edges.CreatedBy == nil || tn.Edges.CreatedBy.ID != f.PartnerAdmin.ID {
			t.Errorf("createdBy = %+v, want the partner admin", tn.Edges.CreatedBy)
		}
		// The twin: the partner admin does see the partner of Managed.
		tn, err = f.Client.Tenant.Query().Where(tenant.ID(f.Managed.ID)).WithPartner().Only(f.as(t, "PartnerAdmin"))
		if err != nil || tn.Edges.Partner == nil || tn.Edges.Partner.ID != f.Partner.ID {
			t.Errorf("partner admin: partner edge = %+v, %v", tn, err)
		}
	})

	t.Run("managed tenants of a partner by non-admins", func(t *testing.T) {
		for name, want := range map[string][]int{
			"PartnerAdmin":  {f.Managed.ID, f.Sibling.ID},
			"PartnerEditor": nil,
			"PartnerViewer": nil,
			"Staff":         {f.Managed.ID, f.Sibling.ID},
		} {
			p, err := f.Client.Tenant.Query().Where(tenant.ID(f.Partner.ID)).WithManagedTenants().Only(f.as(t, name))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			requireIDs(t, name+": managed tenants", tenantIDs(p.Edges.ManagedTenants), nil, want)
		}
	})

	t.Run("workspace tree of a member of two tenants", func(t *testing.T) {
		ss, err := f.Client.Space.Query().
			WithTenant().WithDevices(func(q *ent.DeviceQuery) { q.WithInstallations() }).
			All(f.as(t, "Both"))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(spaceIDs(ss), sorted(f.ManagedSpace.ID, f.StandaloneSpace.ID)) {
			t.Fatalf("spaces: %v", spaceIDs(ss))
		}
		for _, s := range ss {
			if s.Edges.Tenant == nil || s.Edges.Tenant.ID != s.TenantID {
				t.Errorf("space %d: tenant edge %+v", s.ID, s.Edges.Tenant)
			}
			if len(s.Edges.Devices) != 1 || len(s.Edges.Devices[0].Edges.Installations) != 1 {
				t.Errorf("space %d: devices %+v", s.ID, s.Edges.Devices)
			}
		}
	})

	t.Run("membership users across tenants", func(t *testing.T) {
		// Members of Managed are listed with their users; the partner admin,
		// a member there, sees them; the sibling admin sees none of them.
		ms, err := f.Client.Membership.Query().Where(membership.TenantID(f.Managed.ID)).WithUser().
			All(f.as(t, "PartnerAdmin"))
		if err != nil || len(ms) != 3 {
			t.Fatalf("partner admin: %d memberships, %v", len(ms), err)
		}
		for _, m := range ms {
			if m.Edges.User == nil {
				t.Errorf("membership %d: user not loaded", m.ID)
			}
		}
		n, err := f.Client.Membership.Query().Where(membership.TenantID(f.Managed.ID)).Count(f.as(t, "SiblingAdmin"))
		if err != nil || n != 0 {
			t.Errorf("sibling admin: %d memberships of Managed, %v", n, err)
		}
	})
}

// TestWorkspaceCreateNeedsRole: a space, device or installation needs at
// least EDITOR in its tenant_id, a membership needs ADMIN. Everyone else is
// refused and nothing is written.
func TestWorkspaceCreateNeedsRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	n := 0
	create := map[string]func(ctx context.Context, tn *ent.Tenant, sp *ent.Space) error{
		"Space": func(ctx context.Context, tn *ent.Tenant, _ *ent.Space) error {
			n++
			return f.Client.Space.Create().SetTenantID(tn.ID).SetName(fmt.Sprintf("New %d", n)).Exec(ctx)
		},
		"Device": func(ctx context.Context, tn *ent.Tenant, sp *ent.Space) error {
			n++
			serial := fmt.Sprintf("NEW-%d", n)
			return f.Client.Device.Create().SetTenantID(tn.ID).SetSpaceID(sp.ID).SetName(serial).
				SetSerialNumber(serial).SetSerialKey(serial).Exec(ctx)
		},
		"Installation": func(ctx context.Context, tn *ent.Tenant, sp *ent.Space) error {
			n++
			return f.Client.Installation.Create().SetTenantID(tn.ID).SetSpaceID(sp.ID).
				SetName(fmt.Sprintf("New %d", n)).SetApp("player").Exec(ctx)
		},
		"Membership": func(ctx context.Context, tn *ent.Tenant, _ *ent.Space) error {
			n++
			u := f.User(fmt.Sprintf("new-%d@example.com", n))
			return f.Client.Membership.Create().SetTenantID(tn.ID).SetUserID(u.ID).SetRole(enums.RoleViewer).Exec(ctx)
		},
	}
	count := map[string]func(tn *ent.Tenant) int{
		"Space":        func(tn *ent.Tenant) int { return f.Client.Tenant.QuerySpaces(tn).CountX(sys()) },
		"Device":       func(tn *ent.Tenant) int { return f.Client.Tenant.QueryDevices(tn).CountX(sys()) },
		"Installation": func(tn *ent.Tenant) int { return f.Client.Tenant.QueryInstallations(tn).CountX(sys()) },
		"Membership":   func(tn *ent.Tenant) int { return f.Client.Tenant.QueryMembers(tn).CountX(sys()) },
	}
	cases := []struct {
		entity, persona string
		tenant          *ent.Tenant
		space           *ent.Space
		ok              bool
	}{
		{"Space", "PartnerAdmin", f.Managed, nil, true}, // ADMIN
		{"Space", "Both", f.Managed, nil, true},         // EDITOR
		{"Space", "ManagedViewer", f.Managed, nil, false},
		{"Space", "SiblingAdmin", f.Managed, nil, false},  // member of a sibling
		{"Space", "PartnerAdmin", f.Sibling, nil, false},  // partner admin, not a member
		{"Space", "PartnerEditor", f.Managed, nil, false}, // partner editor, not a member
		{"Space", "Staff", f.Managed, nil, false},
		{"Space", "Stranger", f.Standalone, nil, false},

		{"Device", "Both", f.Managed, f.ManagedSpace, true},
		{"Device", "StandaloneAdmin", f.Standalone, f.StandaloneSpace, true},
		{"Device", "ManagedViewer", f.Managed, f.ManagedSpace, false},
		{"Device", "StandaloneAdmin", f.Managed, f.ManagedSpace, false},
		{"Device", "PartnerAdmin", f.Sibling, f.SiblingSpace, false},
		{"Device", "Staff", f.Standalone, f.StandaloneSpace, false},

		{"Installation", "Both", f.Standalone, f.StandaloneSpace, true},
		{"Installation", "PartnerAdmin", f.Managed, f.ManagedSpace, true},
		{"Installation", "ManagedViewer", f.Managed, f.ManagedSpace, false},
		{"Installation", "OtherPartnerAdmin", f.Managed, f.ManagedSpace, false},
		{"Installation", "PartnerAdmin", f.Sibling, f.SiblingSpace, false},

		{"Membership", "PartnerAdmin", f.Managed, nil, true},
		{"Membership", "SiblingAdmin", f.Sibling, nil, true},
		{"Membership", "Both", f.Managed, nil, false}, // EDITOR is not enough
		{"Membership", "ManagedViewer", f.Managed, nil, false},
		{"Membership", "SiblingAdmin", f.Managed, nil, false}, // admin of another tenant
		{"Membership", "PartnerAdmin", f.Sibling, nil, false}, // partner admin is no admin of its managed tenant
		{"Membership", "Staff", f.Standalone, nil, false},
	}
	// Sequential: n and the row counts are shared.
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s in %s by %s", c.entity, c.tenant.DisplayName, c.persona), func(t *testing.T) {
			before := count[c.entity](c.tenant)
			err := create[c.entity](f.as(t, c.persona), c.tenant, c.space)
			after := count[c.entity](c.tenant)
			if c.ok {
				if err != nil || after != before+1 {
					t.Errorf("want created: err %v, rows %d -> %d", err, before, after)
				}
				return
			}
			if !errors.Is(err, privacy.Deny) {
				t.Errorf("want a privacy denial, got %v", err)
			}
			if after != before {
				t.Errorf("a refused create wrote a row: %d -> %d", before, after)
			}
		})
	}
}

// TestWorkspaceUpdateAndDeleteNeedSystemContext: once created, workspace
// rows are changed only by domain code in the system context, not directly by
// a viewer, even the tenant's admin.
func TestWorkspaceUpdateAndDeleteNeedSystemContext(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := f.as(t, "PartnerAdmin") // ADMIN of Managed
	if err := f.Client.Space.UpdateOne(f.ManagedSpace).SetName("Renamed").Exec(ctx); !errors.Is(err, privacy.Deny) {
		t.Errorf("admin update: %v, want a denial", err)
	}
	if err := f.Client.Installation.DeleteOne(f.ManagedInstallation).Exec(ctx); !errors.Is(err, privacy.Deny) {
		t.Errorf("admin delete: %v, want a denial", err)
	}
	if _, err := f.Client.Membership.Update().Where(membership.TenantID(f.Managed.ID)).
		SetRole(enums.RoleAdmin).Save(ctx); !errors.Is(err, privacy.Deny) {
		t.Errorf("admin bulk role update: %v, want a denial", err)
	}
	s, err := f.Client.Space.Get(sys(), f.ManagedSpace.ID)
	if err != nil || s.Name != f.ManagedSpace.Name {
		t.Errorf("space after refused update: %+v, %v", s, err)
	}
	if n := f.Client.Installation.Query().CountX(sys()); n != 3 {
		t.Errorf("installations after refused delete: %d, want 3", n)
	}
	// PartnerAdmin twice, SiblingAdmin, OtherPartnerAdmin, StandaloneAdmin.
	if n := f.Client.Membership.Query().Where(membership.RoleEQ(enums.RoleAdmin)).CountX(sys()); n != 5 {
		t.Errorf("admin memberships after refused update: %d, want 5", n)
	}
	// The control: the system context may.
	if err := f.Client.Space.UpdateOne(f.ManagedSpace).SetName("Renamed").Exec(sys()); err != nil {
		t.Errorf("system update: %v", err)
	}
}

// TestAccountWritesNeedSystemContext: tenants, subscriptions, plans,
// catalogs, billing entities and users are written only in the system
// context (by domain code after its own checks): a direct write by any
// viewer, staff and admins included, is refused.
func TestAccountWritesNeedSystemContext(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pro := f.Catalog.Plans["t-pro"]
	writes := []struct {
		name  string
		write func(ctx context.Context) error
		check func(t *testing.T) // nothing changed
	}{
		{"create tenant", func(ctx context.Context) error {
			return f.Client.Tenant.Create().SetDisplayName("Sneaky").SetNameKey("sneaky").SetCountry("SE").
				SetCurrency("EUR").SetBillingEntityID(f.Partner.BillingEntityID).SetPartnerID(f.Partner.ID).
				SetBillingType(enums.BillingTypePartnerInvoice).Exec(ctx)
		}, func(t *testing.T) {
			if n := f.Client.Tenant.Query().Where(tenant.DisplayName("Sneaky")).CountX(sys()); n != 0 {
				t.Errorf("tenant written")
			}
		}},
		{"flip partner flag", func(ctx context.Context) error {
			return f.Client.Tenant.UpdateOne(f.Standalone).SetIsPartner(true).Exec(ctx)
		}, func(t *testing.T) {
			if f.Client.Tenant.GetX(sys(), f.Standalone.ID).IsPartner {
				t.Errorf("partner flag written")
			}
		}},
		{"rename tenant", func(ctx context.Context) error {
			return f.Client.Tenant.UpdateOne(f.Managed).SetDisplayName("Renamed").Exec(ctx)
		}, func(t *testing.T) {
			if f.Client.Tenant.GetX(sys(), f.Managed.ID).DisplayName != f.Managed.DisplayName {
				t.Errorf("tenant renamed")
			}
		}},
		{"create subscription", func(ctx context.Context) error {
			return f.Client.Subscription.Create().SetTenantID(f.Managed.ID).SetPlanID(pro.ID).
				SetBilledToID(f.Partner.ID).SetKind(pro.Kind).SetMonthlyPrice(1).SetCurrency("EUR").
				SetStartedAt(time.Now()).Exec(ctx)
		}, func(t *testing.T) {
			if n := f.Client.Subscription.Query().CountX(sys()); n != 4 {
				t.Errorf("subscriptions: %d, want 4", n)
			}
		}},
		{"end subscriptions", func(ctx context.Context) error {
			_, err := f.Client.Subscription.Update().SetEndedAt(time.Now()).Save(ctx)
			return err
		}, func(t *testing.T) {
			if n := f.Client.Subscription.Query().Where(subscription.EndedAtNotNil()).CountX(sys()); n != 0 {
				t.Errorf("%d subscriptions ended", n)
			}
		}},
		{"reprice plan", func(ctx context.Context) error {
			return f.Client.Plan.UpdateOne(pro).SetMonthlyPrice(1).Exec(ctx)
		}, func(t *testing.T) {
			if p := f.Client.Plan.GetX(sys(), pro.ID); p.MonthlyPrice != pro.MonthlyPrice {
				t.Errorf("plan repriced to %d", p.MonthlyPrice)
			}
		}},
		{"create plan", func(ctx context.Context) error {
			return f.Client.Plan.Create().SetCatalogID(f.Catalog.ID).SetCode("free-lunch").SetName("Free lunch").
				SetKind(enums.PlanKindTenant).SetMonthlyPrice(1).SetCurrency("EUR").Exec(ctx)
		}, func(t *testing.T) {
			if n := f.Client.Plan.Query().CountX(sys()); n != 20 {
				t.Errorf("plans: %d, want 20", n)
			}
		}},
		{"create catalog", func(ctx context.Context) error {
			return f.Client.PlanCatalog.Create().SetName("Mine").SetCurrency("EUR").Exec(ctx)
		}, nil},
		{"create billing entity", func(ctx context.Context) error {
			return f.Client.BillingEntity.Create().SetCode("X").SetLegalName("X").SetCountry("SE").Exec(ctx)
		}, nil},
		{"make self staff", func(ctx context.Context) error {
			return f.Client.User.UpdateOneID(viewer.FromContext(ctx).UserID).SetIsStaff(true).Exec(ctx)
		}, func(t *testing.T) {
			if n := f.Client.User.Query().Where(user.IsStaff(true)).CountX(sys()); n != 1 {
				t.Errorf("%d staff users, want 1", n)
			}
		}},
		{"write audit event", func(ctx context.Context) error {
			return f.Client.AuditEvent.Create().SetTenantID(f.Managed.ID).SetAction("x").SetTarget("x").Exec(ctx)
		}, nil},
	}
	for _, w := range writes {
		for _, name := range []string{"PartnerAdmin", "Staff", "ManagedViewer"} {
			t.Run(w.name+" by "+name, func(t *testing.T) {
				if err := w.write(f.as(t, name)); !errors.Is(err, privacy.Deny) {
					t.Errorf("want a privacy denial, got %v", err)
				}
				if w.check != nil {
					w.check(t)
				}
			})
		}
	}
	// The control: staff flagging a partner is a system-context write done by
	// internal/tenancy; in that context the same write goes through.
	if err := f.Client.Tenant.UpdateOne(f.Standalone).SetIsPartner(true).Exec(sys()); err != nil {
		t.Errorf("system context write: %v", err)
	}
	if !f.Client.Tenant.GetX(sys(), f.Standalone.ID).IsPartner {
		t.Errorf("system context write not applied")
	}
}
