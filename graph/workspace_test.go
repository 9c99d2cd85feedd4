package graph_test

import (
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/device"
	"github.com/phystack/managed-tenants-api/ent/installation"
	"github.com/phystack/managed-tenants-api/ent/membership"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/ent/space"
	"github.com/phystack/managed-tenants-api/ent/user"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

const (
	inviteMemberMutation = `mutation($t: ID!, $email: String!, $role: Role!) {
  inviteMember(input: {tenantId: $t, email: $email, role: $role}) {
    membership { id role tenant { id } user { id email invited } }
    userErrors { field message code }
  }
}`
	createSpaceMutation = `mutation($t: ID!, $name: String!) {
  createSpace(input: {tenantId: $t, name: $name}) {
    space { id name tenant { id } }
    userErrors { field message code }
  }
}`
	createDeviceMutation = `mutation($s: ID!, $name: String!, $serial: String!) {
  createDevice(input: {spaceId: $s, name: $name, serialNumber: $serial}) {
    device { id name serialNumber space { id } tenant { id } }
    userErrors { field message code }
  }
}`
	createInstallationMutation = `mutation($s: ID!, $name: String!, $app: String!, $d: ID) {
  createInstallation(input: {spaceId: $s, name: $name, app: $app, deviceId: $d}) {
    installation { id name app space { id } tenant { id } device { id } }
    userErrors { field message code }
  }
}`
)

type workspacePayload struct {
	Membership *struct {
		ID     string
		Role   string
		Tenant node
		User   struct {
			ID, Email string
			Invited   bool
		}
	}
	Space *struct {
		ID, Name string
		Tenant   node
	}
	Device *struct {
		ID, Name, SerialNumber string
		Space, Tenant          node
	}
	Installation *struct {
		ID, Name, App string
		Space, Tenant node
		Device        *node
	}
	UserErrors []testkit.UserError
}

// mutateWorkspace runs a workspace mutation and returns its payload (failing on
// top-level errors).
func mutateWorkspace(t *testing.T, api *testkit.API, token, query string, vars map[string]any) workspacePayload {
	t.Helper()
	var got map[string]workspacePayload
	api.Query(t, token, query, &got, vars)
	if len(got) != 1 {
		t.Fatalf("payload = %+v", got)
	}
	for _, p := range got {
		if p.UserErrors == nil {
			t.Fatalf("userErrors is null, want a list")
		}
		return p
	}
	return workspacePayload{} // not reached: got holds one payload
}

func TestInviteMember(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	admin := w.Token(w.PartnerAdmin) // ADMIN of Managed

	t.Run("new email creates an invited user", func(t *testing.T) {
		p := mutateWorkspace(t, api, admin, inviteMemberMutation, map[string]any{"t": testkit.ID(w.Managed.ID), "email": "  New.Person@Example.COM ", "role": "EDITOR"})
		if len(p.UserErrors) != 0 || p.Membership == nil {
			t.Fatalf("payload = %+v", p)
		}
		m := p.Membership
		if m.Role != "EDITOR" || m.Tenant.ID != testkit.ID(w.Managed.ID) || m.User.Email != "new.person@example.com" || !m.User.Invited {
			t.Fatalf("membership = %+v", m)
		}
		u, err := w.Client.User.Query().Where(user.Email("new.person@example.com")).Only(sys)
		if err != nil {
			t.Fatalf("invited user not stored: %v", err)
		}
		if !u.Invited || u.IsStaff || testkit.ID(u.ID) != m.User.ID {
			t.Fatalf("stored user = %+v", u)
		}
		ms, err := w.Client.Membership.Query().Where(membership.UserID(u.ID)).All(sys)
		if err != nil || len(ms) != 1 || ms[0].TenantID != w.Managed.ID || string(ms[0].Role) != "EDITOR" {
			t.Fatalf("stored memberships = %+v, %v", ms, err)
		}
	})

	t.Run("existing user keeps its row and is not marked invited", func(t *testing.T) {
		before := testkit.Rows(t, w.Store)
		p := mutateWorkspace(t, api, admin, inviteMemberMutation, map[string]any{"t": testkit.ID(w.Managed.ID), "email": "Stranger@example.com", "role": "VIEWER"})
		if len(p.UserErrors) != 0 || p.Membership == nil || p.Membership.User.ID != testkit.ID(w.Stranger.ID) || p.Membership.Role != "VIEWER" {
			t.Fatalf("payload = %+v", p)
		}
		u, err := w.Client.User.Get(sys, w.Stranger.ID)
		if err != nil || u.Invited {
			t.Fatalf("stranger = %+v, %v", u, err)
		}
		after := testkit.Rows(t, w.Store)
		if after["users"] != before["users"] || after["memberships"] != before["memberships"]+1 {
			t.Fatalf("users %d -> %d, memberships %d -> %d; want +0, +1",
				before["users"], after["users"], before["memberships"], after["memberships"])
		}
	})

	t.Run("existing member is TAKEN", func(t *testing.T) {
		for _, email := range []string{"managed-viewer@example.com", "Managed-Viewer@EXAMPLE.com", "partner-admin@example.com"} {
			t.Run(email, func(t *testing.T) {
				before := testkit.Rows(t, w.Store)
				p := mutateWorkspace(t, api, admin, inviteMemberMutation, map[string]any{"t": testkit.ID(w.Managed.ID), "email": email, "role": "ADMIN"})
				testkit.RequireUserErrors(t, p, "input.email:TAKEN")
				testkit.RequireRows(t, w.Store, before)
			})
		}
		// The member's role is unchanged.
		m, err := w.Client.Membership.Query().Where(membership.TenantID(w.Managed.ID), membership.UserID(w.ManagedViewer.ID)).Only(sys)
		if err != nil || string(m.Role) != "VIEWER" {
			t.Fatalf("membership = %+v, %v", m, err)
		}
	})

	t.Run("bad email is INVALID", func(t *testing.T) {
		for _, email := range []string{"", "   ", "not-an-email", "a@", "@example.com", "Ada <ada@example.com>", "a@b@c", "a b@example.com"} {
			t.Run(fmt.Sprintf("%q", email), func(t *testing.T) {
				before := testkit.Rows(t, w.Store)
				p := mutateWorkspace(t, api, admin, inviteMemberMutation, map[string]any{"t": testkit.ID(w.Managed.ID), "email": email, "role": "VIEWER"})
				testkit.RequireUserErrors(t, p, "input.email:INVALID")
				testkit.RequireRows(t, w.Store, before)
			})
		}
	})

	t.Run("a new member can read the tenant", func(t *testing.T) {
		mutateWorkspace(t, api, w.Token(w.StandaloneAdmin), inviteMemberMutation, map[string]any{"t": testkit.ID(w.Standalone.ID), "email": "sibling-admin@example.com", "role": "VIEWER"})
		var got struct{ Tenant *struct{ ID string } }
		api.Query(t, w.Token(w.SiblingAdmin), `query($id: ID!) { tenant(id: $id) { id } }`, &got, map[string]any{"id": testkit.ID(w.Standalone.ID)})
		if got.Tenant == nil || got.Tenant.ID != testkit.ID(w.Standalone.ID) {
			t.Fatalf("tenant = %+v", got.Tenant)
		}
	})
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
			res[i], errs[i] = api.Send(token, inviteMemberMutation,
				map[string]any{"t": tenants[i], "email": "new.person@example.com", "role": "VIEWER"})
		}(i)
	}
	wg.Wait()
	for i := range tenants {
		if errs[i] != nil {
			t.Errorf("invitation %d: %v", i, errs[i])
			continue
		}
		if len(res[i].Errors) > 0 {
			t.Errorf("invitation %d: %s", i, res[i].Raw)
			continue
		}
		var got struct{ InviteMember workspacePayload }
		res[i].Decode(t, &got)
		if p := got.InviteMember; p.Membership == nil || len(p.UserErrors) != 0 {
			t.Errorf("invitation %d: %s", i, res[i].Raw)
		}
	}
}

// TestWorkspaceMutationAccess: admins invite; admins and editors create;
// viewers are FORBIDDEN; non-members (partner admins, staff, strangers) get
// NOT_FOUND exactly like an id that does not exist. Nothing is written by a
// refused request.
func TestWorkspaceMutationAccess(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	siblingSpace := w.Space(w.Sibling, "Sibling space")

	type call struct {
		field, query string
		vars         func(n int) map[string]any
	}
	invite := func(tenant int) call {
		return call{"inviteMember", inviteMemberMutation, func(n int) map[string]any {
			return map[string]any{"t": testkit.ID(tenant), "email": fmt.Sprintf("invitee-%d@example.com", n), "role": "VIEWER"}
		}}
	}
	createSpace := func(tenant int) call {
		return call{"createSpace", createSpaceMutation, func(n int) map[string]any {
			return map[string]any{"t": testkit.ID(tenant), "name": fmt.Sprintf("Space %d", n)}
		}}
	}
	createDevice := func(sp int) call {
		return call{"createDevice", createDeviceMutation, func(n int) map[string]any {
			return map[string]any{"s": testkit.ID(sp), "name": fmt.Sprintf("Device %d", n), "serial": fmt.Sprintf("ACC-%d", n)}
		}}
	}
	createInstallation := func(sp int) call {
		return call{"createInstallation", createInstallationMutation, func(n int) map[string]any {
			return map[string]any{"s": testkit.ID(sp), "name": fmt.Sprintf("App %d", n), "app": "player"}
		}}
	}
	const missing = 1_000_000
	tests := []struct {
		name string
		user *ent.User
		call call
		code string // "" = created
	}{
		{"admin invites", w.PartnerAdmin, invite(w.Managed.ID), ""},
		{"editor cannot invite", w.Both, invite(w.Managed.ID), "FORBIDDEN"},
		{"viewer cannot invite", w.ManagedViewer, invite(w.Managed.ID), "FORBIDDEN"},
		{"partner editor (editor of the partner) cannot invite there", w.PartnerEditor, invite(w.Partner.ID), "FORBIDDEN"},
		{"non-member: partner admin into a managed tenant", w.PartnerAdmin, invite(w.Sibling.ID), "NOT_FOUND"},
		{"non-member: staff", w.Staff, invite(w.Managed.ID), "NOT_FOUND"},
		{"non-member: sibling admin", w.SiblingAdmin, invite(w.Managed.ID), "NOT_FOUND"},
		{"twin: no such tenant", w.PartnerAdmin, invite(w.Managed.ID + missing), "NOT_FOUND"},

		{"admin creates a space", w.PartnerAdmin, createSpace(w.Managed.ID), ""},
		{"editor creates a space", w.Both, createSpace(w.Managed.ID), ""},
		{"editor creates a space in the other tenant", w.Both, createSpace(w.Standalone.ID), ""},
		{"viewer cannot create a space", w.ManagedViewer, createSpace(w.Managed.ID), "FORBIDDEN"},
		{"partner viewer cannot create a space in the partner", w.PartnerViewer, createSpace(w.Partner.ID), "FORBIDDEN"},
		{"non-member: partner admin", w.PartnerAdmin, createSpace(w.Sibling.ID), "NOT_FOUND"},
		{"non-member: staff", w.Staff, createSpace(w.Managed.ID), "NOT_FOUND"},
		{"non-member: stranger", w.Stranger, createSpace(w.Managed.ID), "NOT_FOUND"},
		{"twin: no such tenant", w.PartnerAdmin, createSpace(w.Managed.ID + missing), "NOT_FOUND"},

		{"admin creates a device", w.PartnerAdmin, createDevice(w.ManagedSpace.ID), ""},
		{"editor creates a device", w.Both, createDevice(w.ManagedSpace.ID), ""},
		{"viewer cannot create a device", w.ManagedViewer, createDevice(w.ManagedSpace.ID), "FORBIDDEN"},
		{"non-member: partner admin", w.PartnerAdmin, createDevice(siblingSpace.ID), "NOT_FOUND"},
		{"non-member: staff", w.Staff, createDevice(w.ManagedSpace.ID), "NOT_FOUND"},
		{"non-member: sibling admin", w.SiblingAdmin, createDevice(w.ManagedSpace.ID), "NOT_FOUND"},
		{"twin: no such space", w.PartnerAdmin, createDevice(w.ManagedSpace.ID + missing), "NOT_FOUND"},
		{"twin: a tenant id as space id", w.PartnerAdmin, createDevice(w.Managed.ID), "NOT_FOUND"},

		{"admin creates an installation", w.PartnerAdmin, createInstallation(w.ManagedSpace.ID), ""},
		{"editor creates an installation", w.Both, createInstallation(w.ManagedSpace.ID), ""},
		{"viewer cannot create an installation", w.ManagedViewer, createInstallation(w.ManagedSpace.ID), "FORBIDDEN"},
		{"non-member: partner admin", w.PartnerAdmin, createInstallation(siblingSpace.ID), "NOT_FOUND"},
		{"non-member: staff", w.Staff, createInstallation(w.StandaloneSpace.ID), "NOT_FOUND"},
		{"non-member: sibling admin", w.SiblingAdmin, createInstallation(w.ManagedSpace.ID), "NOT_FOUND"},
		{"twin: no such space", w.PartnerAdmin, createInstallation(w.ManagedSpace.ID + missing), "NOT_FOUND"},
	}
	notFound := notFoundMessages{}
	for i, tc := range tests {
		t.Run(tc.call.field+"/"+tc.name, func(t *testing.T) {
			before := testkit.Rows(t, w.Store)
			res := api.Do(t, w.Token(tc.user), tc.call.query, tc.call.vars(i))
			after := testkit.Rows(t, w.Store)
			if tc.code == "" {
				var got map[string]workspacePayload
				res.Decode(t, &got)
				p := got[tc.call.field]
				if len(p.UserErrors) != 0 || (p.Membership == nil && p.Space == nil && p.Device == nil && p.Installation == nil) {
					t.Fatalf("payload = %s", res.Raw)
				}
				if maps.Equal(after, before) {
					t.Fatalf("nothing was written")
				}
				return
			}
			msg := res.RequireError(t, tc.code, tc.call.field)
			if !maps.Equal(after, before) {
				t.Fatalf("a refused request wrote rows: %v -> %v", before, after)
			}
			if tc.code == "NOT_FOUND" {
				notFound.same(t, tc.call.field, msg)
			}
		})
	}
}

func TestCreateSpace(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)

	p := mutateWorkspace(t, api, w.Token(w.Both), createSpaceMutation, map[string]any{"t": testkit.ID(w.Managed.ID), "name": "  Lobby\u00a0"})
	if len(p.UserErrors) != 0 || p.Space == nil || p.Space.Name != "Lobby" || p.Space.Tenant.ID != testkit.ID(w.Managed.ID) {
		t.Fatalf("payload = %+v", p)
	}
	n, err := w.Client.Space.Query().Where(space.TenantID(w.Managed.ID), space.Name("Lobby")).Count(sys)
	if err != nil || n != 1 {
		t.Fatalf("stored spaces named Lobby = %d, %v", n, err)
	}

	for _, name := range []string{"", "   ", "\t\n", "a\x00b", "line\nbreak", strings.Repeat("x", 101)} {
		t.Run(fmt.Sprintf("%q", name), func(t *testing.T) {
			before := testkit.Rows(t, w.Store)
			p := mutateWorkspace(t, api, w.Token(w.Both), createSpaceMutation, map[string]any{"t": testkit.ID(w.Managed.ID), "name": name})
			testkit.RequireUserErrors(t, p, "input.name:INVALID")
			testkit.RequireRows(t, w.Store, before)
		})
	}
	long := ""
	for i := 0; i < 101; i++ {
		long += "é"
	}
	testkit.RequireUserErrors(t, mutateWorkspace(t, api, w.Token(w.Both), createSpaceMutation, map[string]any{"t": testkit.ID(w.Managed.ID), "name": long}), "input.name:INVALID")
	ok := mutateWorkspace(t, api, w.Token(w.Both), createSpaceMutation, map[string]any{"t": testkit.ID(w.Managed.ID), "name": long[len("é"):]})
	if ok.Space == nil || len(ok.UserErrors) != 0 {
		t.Fatalf("a 100 code point name was refused: %+v", ok.UserErrors)
	}
}

func TestCreateDevice(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	editor := w.Token(w.Both) // EDITOR of Managed and of Standalone
	otherSpace := w.Space(w.Managed, "Store B")

	create := func(t *testing.T, sp *ent.Space, name, serial string) workspacePayload {
		t.Helper()
		return mutateWorkspace(t, api, editor, createDeviceMutation, map[string]any{"s": testkit.ID(sp.ID), "name": name, "serial": serial})
	}

	p := create(t, w.ManagedSpace, " Window ", " SN-1 ")
	if len(p.UserErrors) != 0 || p.Device == nil {
		t.Fatalf("payload = %+v", p)
	}
	d := p.Device
	if d.Name != "Window" || d.SerialNumber != "SN-1" || d.Space.ID != testkit.ID(w.ManagedSpace.ID) || d.Tenant.ID != testkit.ID(w.Managed.ID) {
		t.Fatalf("device = %+v", d)
	}

	// Serials are unique per tenant ignoring case, across its spaces.
	for _, tc := range []struct {
		space  *ent.Space
		serial string
	}{
		{w.ManagedSpace, "SN-1"},
		{w.ManagedSpace, "sn-1"},
		{otherSpace, "Sn-1"},
		{otherSpace, "sn-a1"}, // the World's device SN-A1
	} {
		t.Run("taken "+tc.serial, func(t *testing.T) {
			before := testkit.Rows(t, w.Store)
			testkit.RequireUserErrors(t, create(t, tc.space, "Copy", tc.serial), "input.serialNumber:TAKEN")
			testkit.RequireRows(t, w.Store, before)
		})
	}

	// The same serial in another tenant is fine.
	p = create(t, w.StandaloneSpace, "Counter", "sn-1")
	if len(p.UserErrors) != 0 || p.Device == nil || p.Device.Tenant.ID != testkit.ID(w.Standalone.ID) {
		t.Fatalf("same serial in another tenant: %+v", p)
	}
	p = create(t, w.StandaloneSpace, "Counter 2", "SN-A1")
	if len(p.UserErrors) != 0 || p.Device == nil {
		t.Fatalf("the Managed tenant's serial in Standalone: %+v", p)
	}
	n, err := w.Client.Device.Query().Where(device.SerialKey("sn-1")).Count(sys)
	if err != nil || n != 2 {
		t.Fatalf("devices with serial sn-1 = %d, %v; want 2 (one per tenant)", n, err)
	}

	// Blank or invalid names and serials.
	const name, serial = "input.name:INVALID", "input.serialNumber:INVALID"
	for _, tc := range []struct {
		name, serial string
		want         []string
	}{
		{"", "SN-X1", []string{name}},
		{"   ", "SN-X2", []string{name}},
		{"Ok", "", []string{serial}},
		{"Ok", "  ", []string{serial}},
		{"Ok", "SN\x00", []string{serial}},
		{"", "", []string{name, serial}},
	} {
		t.Run(fmt.Sprintf("%q/%q", tc.name, tc.serial), func(t *testing.T) {
			before := testkit.Rows(t, w.Store)
			testkit.RequireUserErrors(t, create(t, w.ManagedSpace, tc.name, tc.serial), tc.want...)
			testkit.RequireRows(t, w.Store, before)
		})
	}
}

func TestCreateInstallation(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	otherSpace := w.Space(w.Managed, "Store B")
	otherSpaceDevice := w.Device(otherSpace, "SN-B9")
	siblingDevice := w.Device(w.Space(w.Sibling, "Sibling space"), "SN-S1")

	install := func(t *testing.T, token string, sp *ent.Space, name, app string, dev *int) *testkit.Response {
		t.Helper()
		vars := map[string]any{"s": testkit.ID(sp.ID), "name": name, "app": app}
		if dev != nil {
			vars["d"] = testkit.ID(*dev)
		}
		return api.Do(t, token, createInstallationMutation, vars)
	}
	payload := func(t *testing.T, res *testkit.Response) workspacePayload {
		t.Helper()
		var got struct{ CreateInstallation workspacePayload }
		res.Decode(t, &got)
		if got.CreateInstallation.UserErrors == nil {
			t.Fatalf("userErrors is null")
		}
		return got.CreateInstallation
	}
	countNamed := func(t *testing.T, name string) int {
		t.Helper()
		n, err := w.Client.Installation.Query().Where(installation.Name(name)).Count(sys)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("pinned to a device of its space", func(t *testing.T) {
		for _, u := range []*ent.User{w.Both, w.PartnerAdmin} {
			p := payload(t, install(t, w.Token(u), w.ManagedSpace, " Menu board ", " signage-player ", &w.ManagedDevice.ID))
			in := p.Installation
			if len(p.UserErrors) != 0 || in == nil || in.Name != "Menu board" || in.App != "signage-player" ||
				in.Space.ID != testkit.ID(w.ManagedSpace.ID) || in.Tenant.ID != testkit.ID(w.Managed.ID) ||
				in.Device == nil || in.Device.ID != testkit.ID(w.ManagedDevice.ID) {
				t.Fatalf("payload = %+v", p)
			}
		}
	})

	t.Run("unpinned", func(t *testing.T) {
		p := payload(t, install(t, w.Token(w.Both), w.ManagedSpace, "Floating", "player", nil))
		if len(p.UserErrors) != 0 || p.Installation == nil || p.Installation.Device != nil {
			t.Fatalf("payload = %+v", p)
		}
	})

	t.Run("device of another space of the tenant is NOT_ALLOWED", func(t *testing.T) {
		p := payload(t, install(t, w.Token(w.Both), w.ManagedSpace, "Cross space", "player", &otherSpaceDevice.ID))
		testkit.RequireUserErrors(t, p, "input.deviceId:NOT_ALLOWED")
		if n := countNamed(t, "Cross space"); n != 0 {
			t.Fatalf("created %d installations", n)
		}
	})

	t.Run("device of another tenant the viewer can see is NOT_ALLOWED", func(t *testing.T) {
		// Both is EDITOR of Managed and of Standalone.
		before := testkit.Rows(t, w.Store)
		p := payload(t, install(t, w.Token(w.Both), w.ManagedSpace, "Cross tenant", "player", &w.StandaloneDevice.ID))
		testkit.RequireUserErrors(t, p, "input.deviceId:NOT_ALLOWED")
		p = payload(t, install(t, w.Token(w.Both), w.StandaloneSpace, "Cross tenant", "player", &w.ManagedDevice.ID))
		testkit.RequireUserErrors(t, p, "input.deviceId:NOT_ALLOWED")
		testkit.RequireRows(t, w.Store, before)
		if n := countNamed(t, "Cross tenant"); n != 0 {
			t.Fatalf("created %d installations", n)
		}
	})

	t.Run("device the viewer cannot see is NOT_FOUND", func(t *testing.T) {
		missing := w.ManagedDevice.ID + 1_000_000
		notFound := notFoundMessages{}
		for _, tc := range []struct {
			user *ent.User
			dev  int
		}{
			{w.PartnerAdmin, w.StandaloneDevice.ID}, // not a member of Standalone
			{w.PartnerAdmin, siblingDevice.ID},      // partner admins see no workspace of managed tenants
			{w.Both, siblingDevice.ID},
			{w.PartnerAdmin, missing},       // twin: a device that does not exist
			{w.PartnerAdmin, otherSpace.ID}, // twin: not a device id at all
		} {
			before := testkit.Rows(t, w.Store)
			res := install(t, w.Token(tc.user), w.ManagedSpace, "Hidden device", "player", &tc.dev)
			notFound.same(t, "createInstallation", res.RequireError(t, "NOT_FOUND", "createInstallation"))
			testkit.RequireRows(t, w.Store, before)
		}
	})

	t.Run("blank names are INVALID", func(t *testing.T) {
		const name, app = "input.name:INVALID", "input.app:INVALID"
		for _, tc := range []struct {
			name, app string
			want      []string
		}{
			{"", "player", []string{name}},
			{"  ", "player", []string{name}},
			{"Ok", "", []string{app}},
			{"Ok", "\t", []string{app}},
			{"", "", []string{name, app}},
		} {
			t.Run(fmt.Sprintf("%q/%q", tc.name, tc.app), func(t *testing.T) {
				before := testkit.Rows(t, w.Store)
				testkit.RequireUserErrors(t, payload(t, install(t, w.Token(w.Both), w.ManagedSpace, tc.name, tc.app, nil)), tc.want...)
				testkit.RequireRows(t, w.Store, before)
			})
		}
	})
}

// TestCreatedWorkspaceIsIsolated: what a member creates is visible to the
// tenant's members through the API, and to nobody else (not the partner's
// admin who is not a member, not staff).
func TestCreatedWorkspaceIsIsolated(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	p := mutateWorkspace(t, api, w.Token(w.SiblingAdmin), createSpaceMutation, map[string]any{"t": testkit.ID(w.Sibling.ID), "name": "Private"})
	if p.Space == nil {
		t.Fatalf("payload = %+v", p)
	}
	d := mutateWorkspace(t, api, w.Token(w.SiblingAdmin), createDeviceMutation, map[string]any{"s": p.Space.ID, "name": "Screen", "serial": "PRIV-1"})
	if d.Device == nil {
		t.Fatalf("payload = %+v", d)
	}
	q := `query($id: ID!) { node(id: $id) { id } }`
	for _, id := range []string{p.Space.ID, d.Device.ID} {
		var got struct{ Node *struct{ ID string } }
		api.Query(t, w.Token(w.SiblingAdmin), q, &got, map[string]any{"id": id})
		if got.Node == nil || got.Node.ID != id {
			t.Fatalf("member cannot read %s", id)
		}
		for _, u := range []*ent.User{w.PartnerAdmin, w.Staff, w.Both} {
			res := api.Do(t, w.Token(u), q, map[string]any{"id": id})
			res.RequireError(t, "NOT_FOUND", "node")
		}
	}
}
