package graph_test

// The members of a tenant (SPEC 11, issue 10 acceptance 1 and 2): a
// tenant's ADMINs change roles and remove members; a tenant always keeps an
// ADMIN, also when two admins remove or demote each other at once; a
// removed member loses access with its next request.

import (
	"encoding/base64"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/auditevent"
	"github.com/phystack/managed-tenants-api/ent/gid"
	"github.com/phystack/managed-tenants-api/ent/membership"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/internal/audit"
	"github.com/phystack/managed-tenants-api/internal/server"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

const (
	changeMemberRoleMutation = `mutation($m: ID!, $role: Role!) {
  changeMemberRole(input: {membershipId: $m, role: $role}) {
    membership { id role tenant { id } user { id email } }
    userErrors { field message code }
  }
}`
	removeMemberMutation = `mutation($m: ID!) {
  removeMember(input: {membershipId: $m}) {
    removedMembershipId
    userErrors { field message code }
  }
}`
)

type changeMemberRolePayload struct {
	Membership *struct {
		ID, Role string
		Tenant   node
		User     struct{ ID, Email string }
	}
	UserErrors []testkit.UserError
}

type removeMemberPayload struct {
	RemovedMembershipID *string
	UserErrors          []testkit.UserError
}

func changeRole(t *testing.T, api *testkit.API, token string, m int, role enums.Role) changeMemberRolePayload {
	t.Helper()
	var got struct{ ChangeMemberRole changeMemberRolePayload }
	api.Query(t, token, changeMemberRoleMutation, &got, map[string]any{"m": testkit.ID(m), "role": string(role)})
	if got.ChangeMemberRole.UserErrors == nil {
		t.Fatalf("userErrors is null")
	}
	return got.ChangeMemberRole
}

func removeMember(t *testing.T, api *testkit.API, token string, m int) removeMemberPayload {
	t.Helper()
	var got struct{ RemoveMember removeMemberPayload }
	api.Query(t, token, removeMemberMutation, &got, map[string]any{"m": testkit.ID(m)})
	if got.RemoveMember.UserErrors == nil {
		t.Fatalf("userErrors is null")
	}
	return got.RemoveMember
}

// memberEvents are the tenant's audit events of the member actions, oldest
// first.
func memberEvents(t *testing.T, client *ent.Client, tn *ent.Tenant) []*ent.AuditEvent {
	t.Helper()
	events, err := client.AuditEvent.Query().
		Where(auditevent.TenantID(tn.ID), auditevent.ActionIn(audit.MemberRoleChange, audit.MemberRemove)).
		Order(auditevent.ByID()).All(sys)
	if err != nil {
		t.Fatal(err)
	}
	return events
}

func roleOf(t *testing.T, client *ent.Client, m int) (enums.Role, bool) {
	t.Helper()
	row, err := client.Membership.Get(sys, m)
	if ent.IsNotFound(err) {
		return "", false
	}
	if err != nil {
		t.Fatal(err)
	}
	return row.Role, true
}

// TestMemberMutationAccess: only the ADMINs of the membership's tenant
// change roles and remove members; its other members are FORBIDDEN;
// anyone else, and an id of another tenant's membership, of another type,
// malformed or missing, is NOT_FOUND, all alike. A refused request writes
// nothing.
func TestMemberMutationAccess(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	// A fresh VIEWER of Managed for each case that succeeds.
	target := func(n int) int {
		u := w.User(fmt.Sprintf("target-%d@example.com", n))
		return w.Member(w.Managed, u, enums.RoleViewer).ID
	}
	managedViewer := membershipOf(t, w, w.Managed, w.ManagedViewer).ID
	siblingAdmin := membershipOf(t, w, w.Sibling, w.SiblingAdmin).ID
	standaloneEditor := membershipOf(t, w, w.Standalone, w.Both).ID
	const missing = 1_000_000
	malformed := []string{"", "not-an-id", base64.RawURLEncoding.EncodeToString([]byte("memberships:x")), testkit.ID(w.Managed.ID)}

	type call struct {
		field, query string
		vars         map[string]any
	}
	calls := func(id string) []call {
		return []call{
			{"changeMemberRole", changeMemberRoleMutation, map[string]any{"m": id, "role": "EDITOR"}},
			{"removeMember", removeMemberMutation, map[string]any{"m": id}},
		}
	}
	tests := []struct {
		name string
		user *ent.User
		id   func(n int) string
		code string // "" = done
	}{
		{"the tenant's admin", w.PartnerAdmin, func(n int) string { return testkit.ID(target(n)) }, ""},
		{"an editor of the tenant", w.Both, func(int) string { return testkit.ID(managedViewer) }, "FORBIDDEN"},
		{"a viewer of the tenant, of itself", w.ManagedViewer, func(int) string { return testkit.ID(managedViewer) }, "FORBIDDEN"},
		{"the partner's admin, not a member of the managed tenant", w.PartnerAdmin, func(int) string { return testkit.ID(siblingAdmin) }, "NOT_FOUND"},
		{"staff", w.Staff, func(int) string { return testkit.ID(managedViewer) }, "NOT_FOUND"},
		{"a stranger", w.Stranger, func(int) string { return testkit.ID(managedViewer) }, "NOT_FOUND"},
		{"an admin of another tenant", w.SiblingAdmin, func(int) string { return testkit.ID(managedViewer) }, "NOT_FOUND"},
		{"twin: another tenant's membership id", w.PartnerAdmin, func(int) string { return testkit.ID(standaloneEditor) }, "NOT_FOUND"},
		{"twin: no such membership", w.PartnerAdmin, func(int) string { return testkit.ID(managedViewer + missing) }, "NOT_FOUND"},
	}
	for i, m := range malformed {
		tests = append(tests, struct {
			name string
			user *ent.User
			id   func(n int) string
			code string
		}{fmt.Sprintf("twin: malformed id %d %q", i, m), w.PartnerAdmin, func(int) string { return m }, "NOT_FOUND"})
	}
	notFound := notFoundMessages{}
	n := 0
	for _, tc := range tests {
		for _, c := range calls("") {
			n++
			t.Run(c.field+"/"+tc.name, func(t *testing.T) {
				vars := maps.Clone(c.vars)
				vars["m"] = tc.id(n)
				before := testkit.Rows(t, w.Store)
				res := api.Do(t, w.Token(tc.user), c.query, vars)
				after := testkit.Rows(t, w.Store)
				if tc.code == "" {
					if len(res.Errors) > 0 || maps.Equal(before, after) || after["audit_events"] != before["audit_events"]+1 {
						t.Fatalf("rows %v -> %v: %s", before, after, res.Raw)
					}
					return
				}
				msg := res.RequireError(t, tc.code, c.field)
				if !maps.Equal(after, before) {
					t.Fatalf("a refused request wrote rows: %v -> %v", before, after)
				}
				if tc.code == "NOT_FOUND" {
					notFound.same(t, c.field, msg)
				}
			})
		}
	}
}

// TestChangeMemberRole: an admin changes a member's role, recorded with
// before and after; the same role changes and records nothing; the last
// ADMIN cannot be demoted; an admin may demote itself while another
// remains, and then is no admin any more.
func TestChangeMemberRole(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	admin := w.Token(w.StandaloneAdmin) // the only ADMIN of Standalone
	editor := membershipOf(t, w, w.Standalone, w.Both)
	self := membershipOf(t, w, w.Standalone, w.StandaloneAdmin)

	t.Run("promote an editor", func(t *testing.T) {
		p := changeRole(t, api, admin, editor.ID, enums.RoleAdmin)
		m := p.Membership
		if len(p.UserErrors) != 0 || m == nil || m.ID != testkit.ID(editor.ID) || m.Role != "ADMIN" ||
			m.Tenant.ID != testkit.ID(w.Standalone.ID) || m.User.ID != testkit.ID(w.Both.ID) {
			t.Fatalf("payload = %+v", p)
		}
		if r, _ := roleOf(t, w.Client, editor.ID); r != enums.RoleAdmin {
			t.Fatalf("stored role = %s", r)
		}
		ev := memberEvents(t, w.Client, w.Standalone)
		if len(ev) != 1 {
			t.Fatalf("%d events, want 1", len(ev))
		}
		e := ev[0]
		who := map[string]any{"userId": testkit.ID(w.Both.ID), "email": w.Both.Email}
		if e.Action != audit.MemberRoleChange || e.Target != gid.Encode(editor.ID) || e.ActorID == nil || *e.ActorID != w.StandaloneAdmin.ID ||
			!sameJSON(e.Before, with(who, "role", "EDITOR")) || !sameJSON(e.After, with(who, "role", "ADMIN")) {
			t.Fatalf("event = %+v", e)
		}
		// Back to EDITOR, for the cases below.
		if p := changeRole(t, api, admin, editor.ID, enums.RoleEditor); len(p.UserErrors) != 0 {
			t.Fatalf("payload = %+v", p)
		}
	})

	t.Run("the same role changes nothing", func(t *testing.T) {
		before := testkit.Rows(t, w.Store)
		for _, c := range []struct {
			m    int
			role enums.Role
		}{{editor.ID, enums.RoleEditor}, {self.ID, enums.RoleAdmin}} {
			p := changeRole(t, api, admin, c.m, c.role)
			if len(p.UserErrors) != 0 || p.Membership == nil || p.Membership.Role != string(c.role) {
				t.Fatalf("payload = %+v", p)
			}
		}
		testkit.RequireRows(t, w.Store, before)
	})

	t.Run("the last ADMIN cannot be demoted", func(t *testing.T) {
		for _, role := range []enums.Role{enums.RoleEditor, enums.RoleViewer} {
			before := testkit.Rows(t, w.Store)
			testkit.RequireUserErrors(t, changeRole(t, api, admin, self.ID, role), "input.membershipId:NOT_ALLOWED")
			testkit.RequireRows(t, w.Store, before)
		}
	})

	t.Run("an admin demotes itself while another remains", func(t *testing.T) {
		other := w.User("second-admin@example.com")
		otherM := w.Member(w.Standalone, other, enums.RoleAdmin)
		p := changeRole(t, api, admin, self.ID, enums.RoleViewer)
		if len(p.UserErrors) != 0 || p.Membership == nil || p.Membership.Role != "VIEWER" {
			t.Fatalf("payload = %+v", p)
		}
		// No longer an admin: FORBIDDEN, with its next request.
		api.Do(t, admin, changeMemberRoleMutation, map[string]any{"m": testkit.ID(self.ID), "role": "ADMIN"}).
			RequireError(t, "FORBIDDEN", "changeMemberRole")
		// The other is now the last one.
		testkit.RequireUserErrors(t, changeRole(t, api, w.Fixture.Token(other), otherM.ID, enums.RoleEditor), "input.membershipId:NOT_ALLOWED")
	})

	t.Run("a role that does not exist is refused before anything", func(t *testing.T) {
		before := testkit.Rows(t, w.Store)
		res := api.Do(t, admin, changeMemberRoleMutation, map[string]any{"m": testkit.ID(editor.ID), "role": "OWNER"})
		if len(res.Errors) != 1 || !res.DataIsNull("changeMemberRole") {
			t.Fatalf("an unknown role: %s", res.Raw)
		}
		testkit.RequireRows(t, w.Store, before)
	})
}

// TestRemoveMember: an admin removes a member (the membership row only),
// recorded with the values before; the last ADMIN cannot be removed; an
// admin may remove itself while another remains.
func TestRemoveMember(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	admin := w.Token(w.PartnerAdmin) // the only ADMIN of Managed
	viewerM := membershipOf(t, w, w.Managed, w.ManagedViewer)
	self := membershipOf(t, w, w.Managed, w.PartnerAdmin)

	before := testkit.Rows(t, w.Store)
	p := removeMember(t, api, admin, viewerM.ID)
	if len(p.UserErrors) != 0 || p.RemovedMembershipID == nil || *p.RemovedMembershipID != testkit.ID(viewerM.ID) {
		t.Fatalf("payload = %+v", p)
	}
	after := testkit.Rows(t, w.Store)
	want := maps.Clone(before)
	want["memberships"]--
	want["audit_events"]++
	if !maps.Equal(after, want) {
		t.Fatalf("rows %v -> %v; want only the membership gone and one event", before, after)
	}
	if _, ok := roleOf(t, w.Client, viewerM.ID); ok {
		t.Fatalf("the membership is still stored")
	}
	ev := memberEvents(t, w.Client, w.Managed)
	if len(ev) != 1 {
		t.Fatalf("%d events, want 1", len(ev))
	}
	if e := ev[0]; e.Action != audit.MemberRemove || e.Target != gid.Encode(viewerM.ID) || e.ActorID == nil || *e.ActorID != w.PartnerAdmin.ID ||
		!sameJSON(e.Before, map[string]any{"userId": testkit.ID(w.ManagedViewer.ID), "email": w.ManagedViewer.Email, "role": "VIEWER"}) || e.After != nil {
		t.Fatalf("event = %+v", e)
	}
	// Removed once: a second time it does not exist.
	api.Do(t, admin, removeMemberMutation, map[string]any{"m": testkit.ID(viewerM.ID)}).RequireError(t, "NOT_FOUND", "removeMember")

	// The last ADMIN stays.
	before = testkit.Rows(t, w.Store)
	testkit.RequireUserErrors(t, removeMember(t, api, admin, self.ID), "input.membershipId:NOT_ALLOWED")
	testkit.RequireRows(t, w.Store, before)

	// With another ADMIN, an admin may leave.
	other := w.User("second-admin@example.com")
	otherM := w.Member(w.Managed, other, enums.RoleAdmin)
	if p := removeMember(t, api, admin, self.ID); len(p.UserErrors) != 0 || p.RemovedMembershipID == nil {
		t.Fatalf("payload = %+v", p)
	}
	testkit.RequireUserErrors(t, removeMember(t, api, w.Fixture.Token(other), otherM.ID), "input.membershipId:NOT_ALLOWED")
}

// TestMemberChangesInAnEndedTenant: nothing is written into a tenant whose
// end has come (SPEC 10), members included: NOT_ALLOWED on the membership,
// after NOT_FOUND and FORBIDDEN and before the last-admin rule.
func TestMemberChangesInAnEndedTenant(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	viewerM := membershipOf(t, w, w.Managed, w.ManagedViewer)
	self := membershipOf(t, w, w.Managed, w.PartnerAdmin) // its last ADMIN
	if err := w.Client.Tenant.UpdateOneID(w.Managed.ID).SetEndsAt(time.Now().Add(-time.Hour)).Exec(sys); err != nil {
		t.Fatal(err)
	}
	admin := w.Token(w.PartnerAdmin)
	before := testkit.Rows(t, w.Store)
	for _, m := range []int{viewerM.ID, self.ID} {
		p := changeRole(t, api, admin, m, enums.RoleEditor)
		testkit.RequireUserErrors(t, p, "input.membershipId:NOT_ALLOWED")
		if !strings.Contains(p.UserErrors[0].Message, "ended") {
			t.Errorf("message = %q, want the tenant's end", p.UserErrors[0].Message)
		}
		r := removeMember(t, api, admin, m)
		testkit.RequireUserErrors(t, r, "input.membershipId:NOT_ALLOWED")
		if !strings.Contains(r.UserErrors[0].Message, "ended") {
			t.Errorf("message = %q, want the tenant's end", r.UserErrors[0].Message)
		}
	}
	// Refusals of access come first.
	api.Do(t, w.Token(w.Both), removeMemberMutation, map[string]any{"m": testkit.ID(viewerM.ID)}).RequireError(t, "FORBIDDEN", "removeMember")
	api.Do(t, w.Token(w.SiblingAdmin), removeMemberMutation, map[string]any{"m": testkit.ID(viewerM.ID)}).RequireError(t, "NOT_FOUND", "removeMember")
	testkit.RequireRows(t, w.Store, before)
}

// TestRemovedMemberLosesAccessWithItsNextRequest: tokens are remembered
// (AUTH_CACHE_TTL), roles never are: the request right after a removal or a
// demotion is answered as for a non-member or for the new role.
func TestRemovedMemberLosesAccessWithItsNextRequest(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil, func(s *server.Server) { s.Config.AuthCacheTTL = time.Hour })
	admin := w.Token(w.PartnerAdmin)
	member, editor := w.Token(w.ManagedViewer), w.Token(w.Both)
	const read = `query($t: ID!, $s: ID!) { tenant(id: $t) { id viewerRole spaces { totalCount } } node(id: $s) { id } }`
	vars := map[string]any{"t": testkit.ID(w.Managed.ID), "s": testkit.ID(w.ManagedSpace.ID)}

	// Both tokens are verified, and remembered, before the change.
	var got struct {
		Tenant *struct {
			ID, ViewerRole string
			Spaces         struct{ TotalCount int }
		}
		Node *node
	}
	api.Query(t, member, read, &got, vars)
	if got.Tenant == nil || got.Tenant.ViewerRole != "VIEWER" || got.Tenant.Spaces.TotalCount != 1 || got.Node == nil {
		t.Fatalf("before: %+v", got)
	}
	if p := mutateWorkspace(t, api, editor, createSpaceMutation, map[string]any{"t": testkit.ID(w.Managed.ID), "name": "Before"}); p.Space == nil {
		t.Fatalf("the editor cannot create a space before: %+v", p)
	}

	if p := removeMember(t, api, admin, membershipOf(t, w, w.Managed, w.ManagedViewer).ID); p.RemovedMembershipID == nil {
		t.Fatalf("payload = %+v", p)
	}
	if p := changeRole(t, api, admin, membershipOf(t, w, w.Managed, w.Both).ID, enums.RoleViewer); p.Membership == nil {
		t.Fatalf("payload = %+v", p)
	}

	res := api.Do(t, member, read, vars)
	if len(res.Errors) != 2 || !res.DataIsNull("tenant") || !res.DataIsNull("node") {
		t.Fatalf("the removed member still reads the tenant: %s", res.Raw)
	}
	for _, e := range res.Errors {
		if e.Code() != "NOT_FOUND" {
			t.Fatalf("after removal: %s", res.Raw)
		}
	}
	api.Do(t, member, createSpaceMutation, map[string]any{"t": testkit.ID(w.Managed.ID), "name": "After"}).RequireError(t, "NOT_FOUND", "createSpace")
	api.Do(t, editor, createSpaceMutation, map[string]any{"t": testkit.ID(w.Managed.ID), "name": "After"}).RequireError(t, "FORBIDDEN", "createSpace")
	// The demoted member still reads, as a VIEWER.
	api.Query(t, editor, read, &got, vars)
	if got.Tenant == nil || got.Tenant.ViewerRole != "VIEWER" {
		t.Fatalf("the demoted member: %+v", got)
	}
}

// TestLastAdminUnderConcurrency: two ADMINs remove or demote each other at
// once, round after round: exactly one of each pair succeeds and the tenant
// always keeps an ADMIN, because each change locks the tenant row before it
// reads the caller's role and counts the admins. On PostgreSQL (SQLite runs
// one writer at a time).
func TestLastAdminUnderConcurrency(t *testing.T) {
	requirePostgres(t)
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil, testkit.Unlimited)
	const rounds = 60
	remove := func(m int) (string, map[string]any) { return removeMemberMutation, map[string]any{"m": testkit.ID(m)} }
	demote := func(m int) (string, map[string]any) {
		return changeMemberRoleMutation, map[string]any{"m": testkit.ID(m), "role": "EDITOR"}
	}
	kinds := []struct {
		name string
		a, b func(int) (string, map[string]any)
	}{{"remove/remove", remove, remove}, {"demote/demote", demote, demote}, {"remove/demote", remove, demote}, {"demote/remove", demote, remove}}
	a, b := w.User("admin-a@example.com"), w.User("admin-b@example.com")
	tokA, tokB := w.Fixture.Token(a), w.Fixture.Token(b)
	wins := map[string]int{}
	for round := range rounds {
		k := kinds[round%len(kinds)]
		tn := w.Tenant(testkit.TenantSpec{Name: fmt.Sprintf("Race %d", round)})
		mA, mB := w.Member(tn, a, enums.RoleAdmin), w.Member(tn, b, enums.RoleAdmin)
		qA, vA := k.a(mB.ID) // A acts on B
		qB, vB := k.b(mA.ID) // B acts on A
		start := make(chan struct{})
		var wg sync.WaitGroup
		var resA, resB *testkit.Response
		var errA, errB error
		wg.Go(func() { <-start; resA, errA = api.Send(tokA, qA, vA) })
		wg.Go(func() { <-start; resB, errB = api.Send(tokB, qB, vB) })
		close(start)
		wg.Wait()
		if errA != nil || errB != nil {
			t.Fatalf("round %d: %v, %v", round, errA, errB)
		}
		okA, okB := succeeded(t, resA), succeeded(t, resB)
		admins, err := w.Client.Membership.Query().
			Where(membership.TenantID(tn.ID), membership.RoleEQ(enums.RoleAdmin)).Count(sys)
		if err != nil {
			t.Fatal(err)
		}
		if okA == okB || admins != 1 {
			t.Errorf("round %d (%s): A succeeded %v, B succeeded %v, %d admins left; want exactly one success and 1 admin\nA: %s\nB: %s",
				round, k.name, okA, okB, admins, resA.Raw, resB.Raw)
			continue
		}
		if events := memberEvents(t, w.Client, tn); len(events) != 1 {
			t.Errorf("round %d: %d audit events, want 1", round, len(events))
		}
		if okA {
			wins["A"]++
		} else {
			wins["B"]++
		}
	}
	t.Logf("%d rounds: A won %d, B won %d", rounds, wins["A"], wins["B"])
}

// succeeded says whether a member mutation changed something; its refusal
// must be one a lost race may answer: NOT_FOUND or FORBIDDEN (the caller
// lost its role first) or the last-admin NOT_ALLOWED.
func succeeded(t *testing.T, res *testkit.Response) bool {
	t.Helper()
	if len(res.Errors) > 0 {
		if c := res.Code(); len(res.Errors) != 1 || (c != "NOT_FOUND" && c != "FORBIDDEN") {
			t.Errorf("unexpected errors: %s", res.Raw)
		}
		return false
	}
	var got map[string]struct {
		Membership *struct {
			ID, Role string
			Tenant   node
			User     struct{ ID, Email string }
		}
		RemovedMembershipID *string
		UserErrors          []testkit.UserError
	}
	res.Decode(t, &got)
	for _, p := range got {
		if len(p.UserErrors) > 0 {
			if len(p.UserErrors) != 1 || p.UserErrors[0].String() != "input.membershipId:NOT_ALLOWED" {
				t.Errorf("unexpected user errors: %s", res.Raw)
			}
			return false
		}
		return p.Membership != nil || p.RemovedMembershipID != nil
	}
	return false
}

// A request that demotes its own viewer reads by its new role from then on:
// the roles it read before (to decide the change, and which ent/rule names
// as literals ahead of its membership subqueries) are forgotten. A partner
// admin who makes itself a VIEWER of the partner sees, in the same
// mutation's payload, only the managed tenants it belongs to.
func TestSelfDemotionTakesEffectInTheSameRequest(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	w.Member(w.Partner, w.Fixture.User("second-admin@example.com"), enums.RoleAdmin) // not the last ADMIN
	api := testkit.NewAPI(t, w.Store, nil)
	self := membershipOf(t, w, w.Partner, w.PartnerAdmin).ID
	const demote = `mutation($m: ID!) {
  changeMemberRole(input: {membershipId: $m, role: VIEWER}) {
    membership { role tenant { managedTenants(first: 10) { totalCount edges { node { displayName } } } } }
    userErrors { code }
  }
}`
	var got struct {
		ChangeMemberRole struct {
			Membership struct {
				Role   string
				Tenant struct {
					ManagedTenants struct {
						TotalCount int
						Edges      []struct{ Node struct{ DisplayName string } }
					}
				}
			}
			UserErrors []testkit.UserError
		}
	}
	api.Query(t, w.Token(w.PartnerAdmin), demote, &got, map[string]any{"m": testkit.ID(self)})
	p := got.ChangeMemberRole
	mt := p.Membership.Tenant.ManagedTenants
	if len(p.UserErrors) != 0 || p.Membership.Role != "VIEWER" || mt.TotalCount != 1 || len(mt.Edges) != 1 ||
		mt.Edges[0].Node.DisplayName != w.Managed.DisplayName {
		t.Fatalf("after demoting itself: %+v (want only %q, the tenant it is a member of)", p, w.Managed.DisplayName)
	}
}
