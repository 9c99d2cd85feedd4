package graph_test

// End-to-end tests of endManagedTenant (SPEC 10) and of what an end does to a
// tenant: it refuses every change, its workspace turns read-only, its name is
// free again, it no longer keeps its partner a partner, and it stays listed.

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

// ---------------------------------------------------------------------------
// endManagedTenant

func TestEndManagedTenantNow(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	// A scheduled plan change, removed by the end.
	l.clock.Set(lifeNow.Add(-time.Hour))
	l.changePlans(t, l.Managed, "tenantPlanId", l.plan("t-max"), "timing", "START_OF_NEXT_PERIOD")
	since := auditCount(t, l.Client, l.Partner)
	before := testkit.Rows(t, l.Store)

	l.clock.Set(lifeNow)
	got := l.end(t, l.Managed, "NOW")
	if got.ID != testkit.ID(l.Managed.ID) || got.Status != "ENDED" || deref(got.EndsAt) != lifeT ||
		got.TenantPlan != nil || got.SupportPlan != nil || got.DisplayName != "Managed One" {
		t.Errorf("payload tenant = %+v: want ENDED at %s, no plans running", got, lifeT)
	}
	l.requireSubscriptions(t, l.Managed,
		subRow("SUPPORT", "s-prem", worldStart, lifeT),
		subRow("TENANT", "t-pro", worldStart, lifeT),
	)
	if row := l.stored(t, l.Managed); row.EndsAt == nil || !row.EndsAt.Equal(lifeTTime) {
		t.Errorf("stored endsAt = %v, want %s", row.EndsAt, lifeTTime)
	}
	testkit.RequireRows(t, l.Store, before.Plus(testkit.RowCounts{"subscriptions": -1, "audit_events": 1}))
	requireAudit(t, l.Client, l.Partner, since, auditEvent{
		action: "managed_tenant.end", actor: l.PartnerAdmin.ID, target: testkit.ID(l.Managed.ID),
		before: map[string]any{"endsAt": nil}, after: map[string]any{"endsAt": lifeTJSON},
	})
	// The default timing is NOW too.
	l.clock.Set(lifeNow.Add(time.Minute))
	sib := l.done(t, l.Token(l.PartnerAdmin), endManagedTenantMutation, tenantInput(l.Sibling))
	if sib.Status != "ENDED" || deref(sib.EndsAt) != "2026-12-10T10:21:30.000Z" {
		t.Errorf("sibling ended by default as %+v", sib)
	}
}

func TestEndManagedTenantStartOfNextPeriod(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	// A scheduled support change for the same instant, removed by the end.
	l.changePlans(t, l.Managed, "supportPlanId", l.plan("s-std"), "timing", "START_OF_NEXT_PERIOD")
	since := auditCount(t, l.Client, l.Partner)
	got := l.end(t, l.Managed, "START_OF_NEXT_PERIOD")
	if got.Status != "ACTIVE" || deref(got.EndsAt) != nextPeriod || code(got.TenantPlan) != "t-pro" || code(got.SupportPlan) != "s-prem" {
		t.Errorf("payload tenant = %+v: want ACTIVE until %s, on its plans", got, nextPeriod)
	}
	l.requireSubscriptions(t, l.Managed,
		subRow("SUPPORT", "s-prem", worldStart, nextPeriod),
		subRow("TENANT", "t-pro", worldStart, nextPeriod),
	)
	requireAudit(t, l.Client, l.Partner, since, auditEvent{
		action: "managed_tenant.end", actor: l.PartnerAdmin.ID, target: testkit.ID(l.Managed.ID),
		before: map[string]any{"endsAt": nil}, after: map[string]any{"endsAt": nextPeriodJSON},
		at: lifeNow, // written when asked
	})
	for _, step := range []struct {
		at                      time.Time
		status                  string
		tenantPlan, supportPlan string
	}{
		{time.Date(2026, 12, 31, 23, 59, 59, 999999000, time.UTC), "ACTIVE", "t-pro", "s-prem"},
		{nextPeriodTime, "ENDED", "", ""},
		{nextPeriodTime.AddDate(0, 3, 0), "ENDED", "", ""},
	} {
		l.clock.Set(step.at)
		s := l.subscriptions(t, l.Token(l.PartnerAdmin), l.Managed)
		if s.Status != step.status || deref(s.EndsAt) != nextPeriod ||
			code(s.TenantPlan) != step.tenantPlan || code(s.SupportPlan) != step.supportPlan {
			t.Errorf("at %s: %s, endsAt %s, plans %q %q; want %s, %s, %q %q", step.at.Format(time.RFC3339Nano),
				s.Status, deref(s.EndsAt), code(s.TenantPlan), code(s.SupportPlan),
				step.status, nextPeriod, step.tenantPlan, step.supportPlan)
		}
	}
}

// NOW on a tenant whose end is scheduled moves the end to now; an end for
// the next period again changes nothing and writes nothing.
func TestEndManagedTenantRescheduling(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	l.end(t, l.Managed, "START_OF_NEXT_PERIOD")
	since := auditCount(t, l.Client, l.Partner)

	t.Run("START_OF_NEXT_PERIOD again changes nothing", func(t *testing.T) {
		before := testkit.Rows(t, l.Store)
		state := storedState(t, l.Client, l.Managed.ID)
		l.clock.Set(lifeNow.Add(time.Hour))
		got := l.end(t, l.Managed, "START_OF_NEXT_PERIOD")
		if got.Status != "ACTIVE" || deref(got.EndsAt) != nextPeriod {
			t.Errorf("payload tenant = %+v", got)
		}
		testkit.RequireRows(t, l.Store, before)
		if now := storedState(t, l.Client, l.Managed.ID); !slices.Equal(now, state) {
			t.Errorf("subscriptions changed: %v, was %v", now, state)
		}
		requireAudit(t, l.Client, l.Partner, since)
	})
	t.Run("NOW moves it to now", func(t *testing.T) {
		l.clock.Set(time.Date(2026, 12, 20, 8, 0, 0, 250000000, time.UTC))
		got := l.end(t, l.Managed, "NOW")
		const at = "2026-12-20T08:00:00.000Z"
		if got.Status != "ENDED" || deref(got.EndsAt) != at || got.TenantPlan != nil {
			t.Errorf("payload tenant = %+v: want ENDED at %s", got, at)
		}
		l.requireSubscriptions(t, l.Managed,
			subRow("SUPPORT", "s-prem", worldStart, at),
			subRow("TENANT", "t-pro", worldStart, at),
		)
		requireAudit(t, l.Client, l.Partner, since, auditEvent{
			action: "managed_tenant.end", actor: l.PartnerAdmin.ID, target: testkit.ID(l.Managed.ID),
			before: map[string]any{"endsAt": nextPeriodJSON}, after: map[string]any{"endsAt": "2026-12-20T08:00:00Z"},
		})
	})
}

// After an end, and while one is scheduled: what each mutation answers.
func TestLifeMutationsOnEndedAndEndingTenants(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	// Late Shop's end was scheduled for today, and has passed.
	lateEnd := l.managedTenant(t, "Late Shop")
	l.clock.Set(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	l.end(t, lateEnd, "START_OF_NEXT_PERIOD")
	l.clock.Set(lifeNow)
	l.end(t, l.Managed, "NOW")                  // ended
	l.end(t, l.Sibling, "START_OF_NEXT_PERIOD") // end scheduled
	before := testkit.Rows(t, l.Store)
	since := auditCount(t, l.Client, l.Partner)
	admin := l.Token(l.PartnerAdmin)
	refused := []struct {
		name   string
		doc    string
		tenant *ent.Tenant
		kv     []any
	}{
		{"plan change, ended", changePlansMutation, l.Managed, []any{"tenantPlanId", l.plan("t-max")}},
		{"plan change for next period, ended", changePlansMutation, l.Managed, []any{"supportPlanId", l.plan("s-std"), "timing", "START_OF_NEXT_PERIOD"}},
		{"plan change, end scheduled", changePlansMutation, l.Sibling, []any{"tenantPlanId", l.plan("t-max")}},
		{"plan change to the running plan, end scheduled", changePlansMutation, l.Sibling, []any{"tenantPlanId", l.plan("t-pro")}},
		{"update, ended", updateManagedTenantMutation, l.Managed, []any{"displayName", "Revived"}},
		{"update, end scheduled", updateManagedTenantMutation, l.Sibling, []any{"country", "DK"}},
		{"update with nothing, ended", updateManagedTenantMutation, l.Managed, nil},
		{"end NOW, ended", endManagedTenantMutation, l.Managed, []any{"timing", "NOW"}},
		{"end next period, ended", endManagedTenantMutation, l.Managed, []any{"timing", "START_OF_NEXT_PERIOD"}},
		{"end, scheduled end passed", endManagedTenantMutation, lateEnd, []any{"timing", "NOW"}},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			p := l.mutate(t, admin, tc.doc, tenantInput(tc.tenant, tc.kv...))
			testkit.RequireUserErrors(t, &p, "input.tenantId:NOT_ALLOWED")
			testkit.RequireRows(t, l.Store, before)
		})
	}
	requireAudit(t, l.Client, l.Partner, since)
	// Access still comes first: a tenant the viewer cannot see is NOT_FOUND,
	// a partner editor FORBIDDEN, ended or not.
	l.api.Do(t, l.Token(l.OtherPartnerAdmin), endManagedTenantMutation, map[string]any{"input": tenantInput(l.Managed)}).
		RequireError(t, "NOT_FOUND", "endManagedTenant")
	l.api.Do(t, l.Token(l.PartnerEditor), endManagedTenantMutation, map[string]any{"input": tenantInput(l.Managed)}).
		RequireError(t, "FORBIDDEN", "endManagedTenant")
	// The twin: ending a tenant whose end is scheduled NOW is allowed.
	if got := l.end(t, l.Sibling, "NOW"); got.Status != "ENDED" || deref(got.EndsAt) != lifeT {
		t.Errorf("ending a scheduled end now = %+v", got)
	}
}

// ---------------------------------------------------------------------------
// What an end does

// From its end on, a tenant's members keep reading its workspace, and
// every write into it is NOT_ALLOWED; until then, writes go on.
func TestEndedTenantWorkspaceIsReadOnly(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	managed, space, device := testkit.ID(l.Managed.ID), testkit.ID(l.ManagedSpace.ID), testkit.ID(l.ManagedDevice.ID)
	writes := []struct {
		name, doc, field string
		user             *ent.User
		vars             func(i int) map[string]any
	}{
		{"createSpace as ADMIN", createSpaceMutation, "tenantId", l.PartnerAdmin,
			func(i int) map[string]any {
				return map[string]any{"t": managed, "name": "Space " + string(rune('A'+i))}
			}},
		{"createSpace as EDITOR", createSpaceMutation, "tenantId", l.Both,
			func(i int) map[string]any {
				return map[string]any{"t": managed, "name": "Editor space " + string(rune('A'+i))}
			}},
		{"inviteMember", inviteMemberMutation, "tenantId", l.PartnerAdmin,
			func(i int) map[string]any {
				return map[string]any{"t": managed, "email": "late-" + string(rune('a'+i)) + "@example.com", "role": "VIEWER"}
			}},
		{"createDevice", createDeviceMutation, "spaceId", l.Both,
			func(i int) map[string]any {
				return map[string]any{"s": space, "name": "Screen", "serial": "SN-END-" + string(rune('A'+i))}
			}},
		{"createInstallation", createInstallationMutation, "spaceId", l.PartnerAdmin,
			func(i int) map[string]any {
				return map[string]any{"s": space, "name": "Late app", "app": "player", "d": device}
			}},
	}

	// The end is scheduled: writes go on until it passes.
	l.end(t, l.Managed, "START_OF_NEXT_PERIOD")
	for i, wr := range writes {
		p := mutateWorkspace(t, l.api, l.Token(wr.user), wr.doc, wr.vars(i))
		if len(p.UserErrors) != 0 {
			t.Errorf("%s before the end: %v", wr.name, p.UserErrors)
		}
	}
	readable := l.workspace(t, l.Token(l.PartnerAdmin), l.Managed)

	l.clock.Set(nextPeriodTime)
	before := testkit.Rows(t, l.Store)
	for i, wr := range writes {
		t.Run(wr.name, func(t *testing.T) {
			p := mutateWorkspace(t, l.api, l.Token(wr.user), wr.doc, wr.vars(10+i))
			testkit.RequireUserErrors(t, &p, "input."+wr.field+":NOT_ALLOWED")
			testkit.RequireRows(t, l.Store, before)
		})
	}
	// Access comes first: who could not write before still gets its refusal.
	l.api.Do(t, l.Token(l.ManagedViewer), createSpaceMutation, map[string]any{"t": managed, "name": "Viewer space"}).
		RequireError(t, "FORBIDDEN", "createSpace")
	l.api.Do(t, l.Token(l.SiblingAdmin), createSpaceMutation, map[string]any{"t": managed, "name": "Sibling space"}).
		RequireError(t, "NOT_FOUND", "createSpace")
	l.api.Do(t, l.Token(l.Stranger), createDeviceMutation, map[string]any{"s": space, "name": "X", "serial": "SN-X"}).
		RequireError(t, "NOT_FOUND", "createDevice")
	testkit.RequireRows(t, l.Store, before)

	// Its members read everything they read before.
	for name, u := range map[string]*ent.User{"ADMIN": l.PartnerAdmin, "EDITOR": l.Both, "VIEWER": l.ManagedViewer} {
		got := l.workspace(t, l.Token(u), l.Managed)
		if got != readable {
			t.Errorf("%s reads\n  %s\nafter the end, want\n  %s", name, got, readable)
		}
	}
	if want := "Editor space B[][] Space A[][] Store A[SN-A1,SN-END-D][Late app,Menu] (3 spaces), members 4"; readable != want {
		t.Errorf("workspace = %s, want %s", readable, want)
	}
	// The sibling, whose end has not come, is writable.
	p := mutateWorkspace(t, l.api, l.Token(l.SiblingAdmin), createSpaceMutation, map[string]any{"t": testkit.ID(l.Sibling.ID), "name": "Open"})
	if len(p.UserErrors) != 0 || p.Space == nil {
		t.Errorf("sibling createSpace = %+v", p)
	}
}

// workspace spells what the viewer reads of a tenant's workspace: status,
// spaces with their devices and installations, the number of members.
func (l *life) workspace(t *testing.T, token string, tn *ent.Tenant) string {
	t.Helper()
	var got struct {
		Tenant struct {
			Status string
			Spaces struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						Name    string
						Devices struct {
							Edges []struct{ Node struct{ SerialNumber string } }
						}
						Installations struct {
							Edges []struct{ Node struct{ Name string } }
						}
					}
				}
			}
			Members struct{ TotalCount int }
		}
	}
	l.api.Query(t, token, `query($id: ID!) { tenant(id: $id) { status
	  spaces(first: 100) { totalCount edges { node { name
	    devices(first: 100) { edges { node { serialNumber } } }
	    installations(first: 100) { edges { node { name } } } } } }
	  members(first: 100) { totalCount } } }`, &got, map[string]any{"id": testkit.ID(tn.ID)})
	var spaces []string
	for _, e := range got.Tenant.Spaces.Edges {
		var devices, apps []string
		for _, d := range e.Node.Devices.Edges {
			devices = append(devices, d.Node.SerialNumber)
		}
		for _, i := range e.Node.Installations.Edges {
			apps = append(apps, i.Node.Name)
		}
		sort.Strings(devices)
		sort.Strings(apps)
		spaces = append(spaces, e.Node.Name+"["+strings.Join(devices, ",")+"]["+strings.Join(apps, ",")+"]")
	}
	sort.Strings(spaces)
	return fmt.Sprintf("%s (%d spaces), members %d", strings.Join(spaces, " "), got.Tenant.Spaces.TotalCount, got.Tenant.Members.TotalCount)
}

// An ended tenant's name is free for a new managed tenant of the partner and
// for another one's rename; a scheduled end frees it only once it passes.
func TestEndedTenantNameIsFree(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	admin := l.Token(l.PartnerAdmin)
	gone := l.managedTenant(t, "Gone Shop")
	l.end(t, l.Managed, "NOW")
	l.end(t, gone, "NOW")
	l.end(t, l.Sibling, "START_OF_NEXT_PERIOD")

	created := requireCreated(t, l.api, admin, createInput(l.World, " managed ONE "))
	if created.DisplayName != "managed ONE" || created.ID == testkit.ID(l.Managed.ID) {
		t.Errorf("created = %+v", created)
	}
	renamed := l.managedTenant(t, "Renamed Later")
	if got := l.update(t, renamed, "displayName", "GONE SHOP"); got.DisplayName != "GONE SHOP" {
		t.Errorf("rename to an ended tenant's name = %+v", got)
	}
	// The ended tenants keep their names.
	if a, b := l.stored(t, l.Managed).DisplayName, l.stored(t, gone).DisplayName; a != "Managed One" || b != "Gone Shop" {
		t.Errorf("ended tenants renamed: %q, %q", a, b)
	}
	// Now held by tenants that have not ended: taken again.
	testkit.RequireUserErrors(t, createTenant(t, l.api, admin, createInput(l.World, "Managed One")), "input.displayName:TAKEN")
	testkit.RequireUserErrors(t, createTenant(t, l.api, admin, createInput(l.World, "gone shop")), "input.displayName:TAKEN")

	// The sibling's end is scheduled: its name is free once the end passes.
	testkit.RequireUserErrors(t, createTenant(t, l.api, admin, createInput(l.World, "Sibling Two")), "input.displayName:TAKEN")
	l.clock.Set(nextPeriodTime)
	if got := requireCreated(t, l.api, admin, createInput(l.World, "Sibling Two")); got.DisplayName != "Sibling Two" {
		t.Errorf("created after the sibling's end = %+v", got)
	}
}

// A partner can be unflagged once every managed tenant has ended, not while
// one runs or has its end still to come.
func TestEndedTenantsNoLongerBlockUnflagging(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	staff, partner := l.Token(l.Staff), testkit.ID(l.Partner.ID)
	refused := func(t *testing.T, when string) {
		t.Helper()
		before := testkit.Rows(t, l.Store)
		p := setPartnerFlag(t, l.api, staff, partner, false)
		testkit.RequireUserErrors(t, &p, "input.isPartner:NOT_ALLOWED")
		testkit.RequireRows(t, l.Store, before)
		if !storedIsPartner(t, l.Client, l.Partner.ID) {
			t.Errorf("%s: unflagged", when)
		}
	}
	refused(t, "both running")
	l.end(t, l.Managed, "NOW")
	refused(t, "sibling running")
	l.end(t, l.Sibling, "START_OF_NEXT_PERIOD")
	refused(t, "sibling's end scheduled")
	l.clock.Set(nextPeriodTime.Add(-time.Microsecond))
	refused(t, "the instant before the sibling's end")

	l.clock.Set(nextPeriodTime)
	since := auditCount(t, l.Client, l.Partner)
	p := setPartnerFlag(t, l.api, staff, partner, false)
	if len(p.UserErrors) != 0 || p.Tenant == nil || p.Tenant.IsPartner || storedIsPartner(t, l.Client, l.Partner.ID) {
		t.Fatalf("unflag after every end = %+v", p)
	}
	requireAudit(t, l.Client, l.Partner, since, auditEvent{
		action: "tenant.partner_flag", actor: l.Staff.ID, target: partner,
		before: map[string]any{"isPartner": true}, after: map[string]any{"isPartner": false},
	})
}

// An ended tenant stays in its partner's managedTenants, with its status,
// and totalCount counts it.
func TestEndedTenantStaysInManagedTenants(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	l.end(t, l.Managed, "NOW")
	l.end(t, l.Sibling, "START_OF_NEXT_PERIOD")
	type listed struct {
		ID, DisplayName, Status string
		EndsAt                  *string
	}
	read := func(t *testing.T, token string) (int, []listed) {
		t.Helper()
		var got struct {
			Tenant struct {
				ManagedTenants struct {
					TotalCount int
					Edges      []struct{ Node listed }
				}
			}
		}
		l.api.Query(t, token, `query($id: ID!) { tenant(id: $id) { managedTenants(first: 10, orderBy: {field: DISPLAY_NAME}) {
		  totalCount edges { node { id displayName status endsAt } } } } }`, &got, map[string]any{"id": testkit.ID(l.Partner.ID)})
		var out []listed
		for _, e := range got.Tenant.ManagedTenants.Edges {
			out = append(out, e.Node)
		}
		return got.Tenant.ManagedTenants.TotalCount, out
	}
	want := []listed{
		{testkit.ID(l.Managed.ID), "Managed One", "ENDED", str(lifeT)},
		{testkit.ID(l.Sibling.ID), "Sibling Two", "ACTIVE", str(nextPeriod)},
	}
	for name, u := range map[string]*ent.User{"partner admin": l.PartnerAdmin, "staff": l.Staff} {
		n, got := read(t, l.Token(u))
		if n != 2 || len(got) != 2 {
			t.Fatalf("%s: totalCount %d, %+v; want both", name, n, got)
		}
		for i := range want {
			if got[i].ID != want[i].ID || got[i].DisplayName != want[i].DisplayName || got[i].Status != want[i].Status ||
				deref(got[i].EndsAt) != deref(want[i].EndsAt) {
				t.Errorf("%s: tenant %d = %+v, want %+v", name, i, got[i], want[i])
			}
		}
	}
	l.clock.Set(nextPeriodTime)
	if _, got := read(t, l.Token(l.PartnerAdmin)); len(got) != 2 || got[1].Status != "ENDED" {
		t.Errorf("after the sibling's end: %+v", got)
	}
}
