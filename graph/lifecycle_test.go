package graph_test

// End-to-end tests of the life of a managed tenant (SPEC 10) through the real
// HTTP handler, on a clock each test sets: who may change, update and end a
// managed tenant, plan changes (NOW and START_OF_NEXT_PERIOD), their
// idempotency keys, Tenant.subscriptions and the audit events of each
// change. Updates, ends and what an end does to a tenant are in
// lifecycle_end_test.go.

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/plan"
	"github.com/phystack/managed-tenants-api/ent/subscription"
	"github.com/phystack/managed-tenants-api/internal/auth"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

// The instants of these tests. The World's managed tenants run t-pro and
// s-prem since worldStart; lifeNow is mid-December and not a whole second,
// so a NOW change takes effect at lifeT and START_OF_NEXT_PERIOD at
// nextPeriod (a new year: the month and the year roll over).
var (
	worldStartTime = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	lifeNow        = time.Date(2026, 12, 10, 10, 20, 30, 456789000, time.UTC)
	lifeTTime      = time.Date(2026, 12, 10, 10, 20, 30, 0, time.UTC)
	nextPeriodTime = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
)

const (
	worldStart = "2026-11-16T00:00:00.000Z"
	lifeT      = "2026-12-10T10:20:30.000Z"
	nextPeriod = "2027-01-01T00:00:00.000Z"
)

// The instants as the audit log's JSON holds them (RFC 3339).
const (
	lifeTJSON      = "2026-12-10T10:20:30Z"
	nextPeriodJSON = "2027-01-01T00:00:00Z"
)

// lifeTenantFields is what the three mutations' payloads select.
const lifeTenantFields = `id displayName country currency status endsAt
      billingEntity { id } partner { id } tenantPlan { code } supportPlan { code }`

const (
	changePlansMutation = `mutation($input: ChangeManagedTenantPlansInput!) {
  changeManagedTenantPlans(input: $input) {
    managedTenant { ` + lifeTenantFields + ` }
    userErrors { field message code }
  }
}`
	updateManagedTenantMutation = `mutation($input: UpdateManagedTenantInput!) {
  updateManagedTenant(input: $input) {
    managedTenant { ` + lifeTenantFields + ` }
    userErrors { field message code }
  }
}`
	endManagedTenantMutation = `mutation($input: EndManagedTenantInput!) {
  endManagedTenant(input: $input) {
    managedTenant { ` + lifeTenantFields + ` }
    userErrors { field message code }
  }
}`
	subscriptionsQuery = `query($id: ID!) {
  tenant(id: $id) {
    status endsAt tenantPlan { code } supportPlan { code }
    subscriptions(first: 100) { totalCount edges { node { kind plan { code } startedAt endedAt } } }
  }
}`
)

type codeRef struct{ Code string }

type lifeTenant struct {
	ID, DisplayName, Country, Currency, Status string
	EndsAt                                     *string
	BillingEntity                              node
	Partner                                    *node
	TenantPlan, SupportPlan                    *codeRef
}

type lifePayload struct {
	ManagedTenant *lifeTenant
	UserErrors    []testkit.UserError
}

// lifeClock is the server's clock: the test sets the instant each step
// happens at.
type lifeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *lifeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *lifeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// life is the World served on a clock the test sets (lifeNow to start
// with), with tokens valid whatever that clock says.
type life struct {
	*testkit.World
	api    *testkit.API
	clock  *lifeClock
	tokens map[int]string
}

func newLife(t *testing.T) *life {
	t.Helper()
	w := testkit.NewWorld(t)
	l := &life{World: w, clock: &lifeClock{now: lifeNow}, tokens: map[int]string{}}
	l.api = testkit.NewAPI(t, w.Store, l.clock.Now)
	for _, u := range []*ent.User{w.PartnerAdmin, w.PartnerEditor, w.PartnerViewer, w.ManagedViewer,
		w.SiblingAdmin, w.OtherPartnerAdmin, w.StandaloneAdmin, w.Both, w.Staff, w.Stranger} {
		l.Token(u)
	}
	return l
}

// Token is a token of u valid through every instant these tests set (the
// World's own expire an hour after the wall clock's now).
func (l *life) Token(u *ent.User) string {
	l.T.Helper()
	if tok, ok := l.tokens[u.ID]; ok {
		return tok
	}
	tok, err := auth.Issue(sys, l.Client, u.ID, "life", 3*365*24*time.Hour, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		l.T.Fatal(err)
	}
	l.tokens[u.ID] = tok
	return tok
}

// plan is the global id of a plan of the partner's catalog, by code.
func (l *life) plan(code string) string { return testkit.ID(l.Catalog.Plans[code].ID) }

// mutate runs one of the three mutations and returns its payload, failing
// on top-level errors.
func (l *life) mutate(t *testing.T, token, mutation string, input map[string]any) lifePayload {
	t.Helper()
	var got map[string]lifePayload
	l.api.Query(t, token, mutation, &got, map[string]any{"input": input})
	if len(got) != 1 {
		t.Fatalf("payload = %+v", got)
	}
	for _, p := range got {
		if p.UserErrors == nil {
			t.Fatalf("userErrors is null, want a list")
		}
		return p
	}
	return lifePayload{} // not reached
}

// done runs a mutation that must succeed and returns the tenant it answers.
func (l *life) done(t *testing.T, token, mutation string, input map[string]any) *lifeTenant {
	t.Helper()
	p := l.mutate(t, token, mutation, input)
	if len(p.UserErrors) != 0 || p.ManagedTenant == nil {
		t.Fatalf("%v: userErrors %v, tenant %+v", input, p.UserErrors, p.ManagedTenant)
	}
	return p.ManagedTenant
}

// changePlans changes tn's plans as the partner's admin, kv being the
// input's other fields, and fails unless it succeeds.
func (l *life) changePlans(t *testing.T, tn *ent.Tenant, kv ...any) *lifeTenant {
	t.Helper()
	return l.done(t, l.Token(l.PartnerAdmin), changePlansMutation, tenantInput(tn, kv...))
}

// tenantInput is a mutation input on tn with the fields of kv (name, value, ...).
func tenantInput(tn *ent.Tenant, kv ...any) map[string]any {
	return with(map[string]any{"tenantId": testkit.ID(tn.ID)}, kv...)
}

// subRow spells a subscription as the tests expect it: kind, plan code and
// [startedAt, endedAt), "…" for no end.
func subRow(kind, code, from, to string) string {
	if to == "" {
		to = "…"
	}
	return fmt.Sprintf("%s %s [%s, %s)", kind, code, from, to)
}

type tenantSubscriptions struct {
	Status                  string
	EndsAt                  *string
	TenantPlan, SupportPlan *codeRef
	Subscriptions           struct {
		TotalCount int
		Edges      []struct {
			Node struct {
				Kind      string
				Plan      codeRef
				StartedAt string
				EndedAt   *string
			}
		}
	}
}

// rows are the subscriptions of the tenant's connection, in its order.
func (s tenantSubscriptions) rows() []string {
	out := []string{}
	for _, e := range s.Subscriptions.Edges {
		to := ""
		if e.Node.EndedAt != nil {
			to = *e.Node.EndedAt
		}
		out = append(out, subRow(e.Node.Kind, e.Node.Plan.Code, e.Node.StartedAt, to))
	}
	return out
}

// subscriptions reads tn's subscriptions and plans through the API, and
// checks that totalCount counts the edges.
func (l *life) subscriptions(t *testing.T, token string, tn *ent.Tenant) tenantSubscriptions {
	t.Helper()
	var got struct{ Tenant tenantSubscriptions }
	l.api.Query(t, token, subscriptionsQuery, &got, map[string]any{"id": testkit.ID(tn.ID)})
	if got.Tenant.Subscriptions.TotalCount != len(got.Tenant.Subscriptions.Edges) {
		t.Errorf("subscriptions totalCount = %d for %d edges", got.Tenant.Subscriptions.TotalCount, len(got.Tenant.Subscriptions.Edges))
	}
	return got.Tenant
}

// requireSubscriptions fails unless the partner's admin reads exactly want
// (newest start first) as tn's subscriptions.
func (l *life) requireSubscriptions(t *testing.T, tn *ent.Tenant, want ...string) {
	t.Helper()
	if got := l.subscriptions(t, l.Token(l.PartnerAdmin), tn).rows(); !slices.Equal(got, want) {
		t.Errorf("subscriptions of %s =\n  %v\nwant\n  %v", tn.DisplayName, got, want)
	}
}

// requirePlans fails unless tn runs the plans of these codes ("" for none) now.
func (l *life) requirePlans(t *testing.T, tn *ent.Tenant, tenantPlan, supportPlan string) {
	t.Helper()
	s := l.subscriptions(t, l.Token(l.PartnerAdmin), tn)
	if code(s.TenantPlan) != tenantPlan || code(s.SupportPlan) != supportPlan {
		t.Errorf("at %s %s runs %q and %q, want %q and %q", l.clock.Now().Format(time.RFC3339Nano), tn.DisplayName,
			code(s.TenantPlan), code(s.SupportPlan), tenantPlan, supportPlan)
	}
}

func code(r *codeRef) string {
	if r == nil {
		return ""
	}
	return r.Code
}

// storedSubscriptions are tn's subscription rows, oldest first (ties by id).
func storedSubscriptions(t *testing.T, c *ent.Client, tenantID int) []*ent.Subscription {
	t.Helper()
	subs, err := c.Subscription.Query().Where(subscription.TenantID(tenantID)).
		Order(ent.Asc(subscription.FieldStartedAt), ent.Asc(subscription.FieldID)).All(sys)
	if err != nil {
		t.Fatal(err)
	}
	return subs
}

// storedState spells tn's subscription rows, oldest first, with every
// column, the instants to the microsecond: equal states are equal rows.
func storedState(t *testing.T, c *ent.Client, tenantID int) []string {
	t.Helper()
	var out []string
	for _, s := range storedSubscriptions(t, c, tenantID) {
		end := "…"
		if s.EndedAt != nil {
			end = s.EndedAt.UTC().Format(time.RFC3339Nano)
		}
		out = append(out, fmt.Sprintf("%d %s plan %d billed to %d %d %s [%s, %s)", s.ID, s.Kind, s.PlanID, s.BilledToID,
			s.MonthlyPrice, s.Currency, s.StartedAt.UTC().Format(time.RFC3339Nano), end))
	}
	return out
}

// auditEvent is what an audit event says, as stored.
type auditEvent struct {
	action        string
	actor         int
	target        string
	before, after map[string]any
}

// requireAudit fails unless the events written on the partner since
// `since` events are exactly want, in order.
func requireAudit(t *testing.T, c *ent.Client, partner *ent.Tenant, since int, want ...auditEvent) {
	t.Helper()
	evs := auditEventsOf(t, c, partner.ID)
	if len(evs) < since {
		t.Fatalf("%d audit events on the partner, fewer than the %d before", len(evs), since)
	}
	evs = evs[since:]
	if len(evs) != len(want) {
		for _, e := range evs {
			t.Logf("event %s %s before %v after %v", e.Action, e.Target, e.Before, e.After)
		}
		t.Fatalf("%d new audit events on the partner, want %d", len(evs), len(want))
	}
	for i, e := range evs {
		w := want[i]
		actor := 0
		if e.ActorID != nil {
			actor = *e.ActorID
		}
		if e.Action != w.action || actor != w.actor || e.Target != w.target || e.TenantID != partner.ID ||
			!reflect.DeepEqual(e.Before, w.before) || !reflect.DeepEqual(e.After, w.after) {
			t.Errorf("audit event %d = %s by %d on %s, before %#v, after %#v;\nwant %s by %d on %s, before %#v, after %#v",
				i, e.Action, actor, e.Target, e.Before, e.After, w.action, w.actor, w.target, w.before, w.after)
		}
	}
}

// auditCount is the number of audit events on the partner.
func auditCount(t *testing.T, c *ent.Client, partner *ent.Tenant) int {
	t.Helper()
	return len(auditEventsOf(t, c, partner.ID))
}

// ---------------------------------------------------------------------------
// Who may: the partner's admins (SPEC 10).

// lifeMutation is one of SPEC 10's three mutations with an input that
// changes something.
type lifeMutation struct {
	field, doc string
	input      func(l *life, tenantID string) map[string]any
}

var lifeMutations = []lifeMutation{
	{"changeManagedTenantPlans", changePlansMutation, func(l *life, id string) map[string]any {
		return map[string]any{"tenantId": id, "tenantPlanId": l.plan("t-max")}
	}},
	{"updateManagedTenant", updateManagedTenantMutation, func(l *life, id string) map[string]any {
		return map[string]any{"tenantId": id, "displayName": "Renamed By Access Test", "country": "NO"}
	}},
	{"endManagedTenant", endManagedTenantMutation, func(l *life, id string) map[string]any {
		return map[string]any{"tenantId": id, "timing": "START_OF_NEXT_PERIOD"}
	}},
}

func TestLifeMutationsRefuseWhoMayNot(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	before := testkit.Rows(t, l.Store)
	managed, sibling := testkit.ID(l.Managed.ID), testkit.ID(l.Sibling.ID)
	tests := []struct {
		name   string
		user   *ent.User // nil: no token
		tenant string
		code   string
	}{
		{"no token", nil, managed, "UNAUTHENTICATED"},
		{"stranger", l.Stranger, managed, "NOT_FOUND"},
		{"other partner's admin", l.OtherPartnerAdmin, managed, "NOT_FOUND"},
		{"twin: the sibling's admin", l.SiblingAdmin, managed, "NOT_FOUND"},
		{"standalone admin", l.StandaloneAdmin, managed, "NOT_FOUND"},
		{"unknown id", l.PartnerAdmin, testkit.ID(l.Managed.ID + 100000), "NOT_FOUND"},
		{"garbage id", l.PartnerAdmin, "garbage", "NOT_FOUND"},
		{"a plan's id", l.PartnerAdmin, l.plan("t-pro"), "NOT_FOUND"},
		{"partner editor", l.PartnerEditor, managed, "FORBIDDEN"},
		{"partner viewer", l.PartnerViewer, managed, "FORBIDDEN"},
		{"partner editor, on a sibling", l.PartnerEditor, sibling, "FORBIDDEN"},
		{"the managed tenant's viewer", l.ManagedViewer, managed, "FORBIDDEN"},
		{"the managed tenant's editor", l.Both, managed, "FORBIDDEN"},
		{"the managed tenant's own ADMIN, not a partner admin", l.SiblingAdmin, sibling, "FORBIDDEN"},
		{"staff", l.Staff, managed, "FORBIDDEN"},
		{"staff, on a sibling", l.Staff, sibling, "FORBIDDEN"},
	}
	notFound := notFoundMessages{}
	for _, m := range lifeMutations {
		for _, tc := range tests {
			t.Run(m.field+"/"+tc.name, func(t *testing.T) {
				token := ""
				if tc.user != nil {
					token = l.Token(tc.user)
				}
				res := l.api.Do(t, token, m.doc, map[string]any{"input": m.input(l, tc.tenant)})
				msg := res.RequireError(t, tc.code, m.field)
				if tc.code == "NOT_FOUND" {
					notFound.same(t, m.field, msg) // a hidden tenant reads like a missing one
				}
				testkit.RequireRows(t, l.Store, before)
			})
		}
	}
	if n := auditCount(t, l.Client, l.Partner); n != 0 {
		t.Errorf("%d audit events after refusals", n)
	}
}

// TestLifeMutationsArePartnerAdmins: the partner's admin may, on a managed
// tenant it is a member of and on one it is not (account data only); so may
// the other partner's admin on its own managed tenant, the twin of its
// NOT_FOUND above.
func TestLifeMutationsArePartnerAdmins(t *testing.T) {
	t.Parallel()
	for _, m := range lifeMutations {
		t.Run(m.field, func(t *testing.T) {
			t.Parallel()
			l := newLife(t)
			otherManaged := l.Tenant(testkit.TenantSpec{Name: "Lakeside Shop", ManagedBy: l.OtherPartner, CreatedAt: worldStartTime})
			l.Subscribe(otherManaged, l.OtherCatalog.Plans["t-pro"], l.OtherPartner, worldStartTime)
			cases := []struct {
				user    *ent.User
				partner *ent.Tenant
				tenant  *ent.Tenant
				input   map[string]any
			}{
				{l.PartnerAdmin, l.Partner, l.Managed, m.input(l, testkit.ID(l.Managed.ID))},
				{l.PartnerAdmin, l.Partner, l.Sibling, m.input(l, testkit.ID(l.Sibling.ID))},
				{l.OtherPartnerAdmin, l.OtherPartner, otherManaged, with(m.input(l, testkit.ID(otherManaged.ID)),
					"tenantPlanId", testkit.ID(l.OtherCatalog.Plans["t-max"].ID))},
			}
			for _, c := range cases {
				if m.field != "changeManagedTenantPlans" {
					delete(c.input, "tenantPlanId")
				}
				if m.field == "updateManagedTenant" {
					c.input["displayName"] = c.tenant.DisplayName + " Renamed"
				}
				since := auditCount(t, l.Client, c.partner)
				got := l.done(t, l.Token(c.user), m.doc, c.input)
				if got.ID != testkit.ID(c.tenant.ID) {
					t.Errorf("%s on %s answered tenant %s", c.user.Email, c.tenant.DisplayName, got.ID)
				}
				if n := auditCount(t, l.Client, c.partner) - since; n != 1 {
					t.Errorf("%s on %s: %d audit events, want 1", c.user.Email, c.tenant.DisplayName, n)
				}
			}
		})
	}
}

// A visible tenant that is not managed (a partner, a standalone tenant) is
// a NOT_ALLOWED user error on the tenant, for whoever sees it.
func TestLifeMutationsNeedAManagedTenant(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	before := testkit.Rows(t, l.Store)
	tests := []struct {
		name   string
		user   *ent.User
		tenant *ent.Tenant
	}{
		{"partner admin on its partner", l.PartnerAdmin, l.Partner},
		{"partner editor on its partner", l.PartnerEditor, l.Partner},
		{"standalone admin on its tenant", l.StandaloneAdmin, l.Standalone},
		{"other partner's admin on its partner", l.OtherPartnerAdmin, l.OtherPartner},
		{"staff on a standalone tenant", l.Staff, l.Standalone},
	}
	for _, m := range lifeMutations {
		for _, tc := range tests {
			t.Run(m.field+"/"+tc.name, func(t *testing.T) {
				p := l.mutate(t, l.Token(tc.user), m.doc, m.input(l, testkit.ID(tc.tenant.ID)))
				testkit.RequireUserErrors(t, &p, "input.tenantId:NOT_ALLOWED")
				testkit.RequireRows(t, l.Store, before)
			})
		}
	}
}

// ---------------------------------------------------------------------------
// changeManagedTenantPlans

func TestChangePlansNow(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	since := auditCount(t, l.Client, l.Partner)
	got := l.changePlans(t, l.Managed, "tenantPlanId", l.plan("t-max"), "timing", "NOW")
	if got.ID != testkit.ID(l.Managed.ID) || code(got.TenantPlan) != "t-max" || code(got.SupportPlan) != "s-prem" ||
		got.Status != "ACTIVE" || got.EndsAt != nil {
		t.Errorf("payload tenant = %+v", got)
	}
	// The running TENANT subscription ends at T, the new one starts at T;
	// the SUPPORT one runs on. Ties of start break by id, newest first.
	l.requireSubscriptions(t, l.Managed,
		subRow("TENANT", "t-max", lifeT, ""),
		subRow("SUPPORT", "s-prem", worldStart, ""),
		subRow("TENANT", "t-pro", worldStart, lifeT),
	)
	// T is the request's instant cut to the whole second, in the rows too.
	subs := storedSubscriptions(t, l.Client, l.Managed.ID)
	if len(subs) != 3 || subs[0].EndedAt == nil || !subs[0].EndedAt.Equal(lifeTTime) || !subs[2].StartedAt.Equal(lifeTTime) {
		t.Fatalf("stored subscriptions = %+v", subs)
	}
	if subs[2].MonthlyPrice != 900_00 || subs[2].Currency != "EUR" || subs[2].BilledToID != l.Partner.ID ||
		subs[2].PlanID != l.Catalog.Plans["t-max"].ID || subs[2].EndedAt != nil {
		t.Errorf("new subscription = %+v: want t-max at 900.00 EUR billed to the partner", subs[2])
	}
	requireAudit(t, l.Client, l.Partner, since, auditEvent{
		action: "managed_tenant.plans_change", actor: l.PartnerAdmin.ID, target: testkit.ID(l.Managed.ID),
		before: map[string]any{"tenantPlan": l.plan("t-pro")},
		after:  map[string]any{"tenantPlan": l.plan("t-max"), "from": lifeTJSON},
	})
	// The sibling is untouched.
	l.requireSubscriptions(t, l.Sibling,
		subRow("SUPPORT", "s-prem", worldStart, ""),
		subRow("TENANT", "t-pro", worldStart, ""),
	)
}

// The default timing is NOW.
func TestChangePlansDefaultsToNow(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	l.changePlans(t, l.Managed, "supportPlanId", l.plan("s-std"))
	l.requireSubscriptions(t, l.Managed,
		subRow("SUPPORT", "s-std", lifeT, ""),
		subRow("SUPPORT", "s-prem", worldStart, lifeT),
		subRow("TENANT", "t-pro", worldStart, ""),
	)
	// Null, given explicitly, is the default too.
	l.clock.Set(lifeNow.Add(time.Hour))
	l.changePlans(t, l.Managed, "supportPlanId", l.plan("s-24x7"), "timing", nil)
	l.requireSubscriptions(t, l.Managed,
		subRow("SUPPORT", "s-24x7", "2026-12-10T11:20:30.000Z", ""),
		subRow("SUPPORT", "s-std", lifeT, "2026-12-10T11:20:30.000Z"),
		subRow("SUPPORT", "s-prem", worldStart, lifeT),
		subRow("TENANT", "t-pro", worldStart, ""),
	)
}

func TestChangePlansStartOfNextPeriod(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	since := auditCount(t, l.Client, l.Partner)
	got := l.changePlans(t, l.Managed, "tenantPlanId", l.plan("t-max"), "timing", "START_OF_NEXT_PERIOD")
	// This month is untouched: t-pro runs until the first instant of next month.
	if code(got.TenantPlan) != "t-pro" || code(got.SupportPlan) != "s-prem" {
		t.Errorf("payload plans = %v, %v; want t-pro, s-prem until the next period", got.TenantPlan, got.SupportPlan)
	}
	l.requireSubscriptions(t, l.Managed,
		subRow("TENANT", "t-max", nextPeriod, ""),
		subRow("SUPPORT", "s-prem", worldStart, ""),
		subRow("TENANT", "t-pro", worldStart, nextPeriod),
	)
	requireAudit(t, l.Client, l.Partner, since, auditEvent{
		action: "managed_tenant.plans_change", actor: l.PartnerAdmin.ID, target: testkit.ID(l.Managed.ID),
		before: map[string]any{"tenantPlan": l.plan("t-pro")},
		after:  map[string]any{"tenantPlan": l.plan("t-max"), "from": nextPeriodJSON},
	})
	for _, step := range []struct {
		at   time.Time
		plan string
	}{
		{time.Date(2026, 12, 31, 23, 59, 59, 999999000, time.UTC), "t-pro"},
		{nextPeriodTime, "t-max"},
		{time.Date(2027, 2, 3, 0, 0, 0, 0, time.UTC), "t-max"},
	} {
		l.clock.Set(step.at)
		l.requirePlans(t, l.Managed, step.plan, "s-prem")
	}
}

// On the last instant of a month, the next period still starts at the
// first instant of the next month (not a month from now).
func TestChangePlansStartOfNextPeriodFromTheLastDay(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	l.clock.Set(time.Date(2027, 1, 31, 23, 59, 59, 999999000, time.UTC))
	l.changePlans(t, l.Managed, "tenantPlanId", l.plan("t-basic"), "timing", "START_OF_NEXT_PERIOD")
	l.requireSubscriptions(t, l.Managed,
		subRow("TENANT", "t-basic", "2027-02-01T00:00:00.000Z", ""),
		subRow("SUPPORT", "s-prem", worldStart, ""),
		subRow("TENANT", "t-pro", worldStart, "2027-02-01T00:00:00.000Z"),
	)
}

func TestChangePlansBothKinds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		timing, at, atJSON string
	}{
		{"NOW", lifeT, lifeTJSON},
		{"START_OF_NEXT_PERIOD", nextPeriod, nextPeriodJSON},
	} {
		t.Run(tc.timing, func(t *testing.T) {
			t.Parallel()
			l := newLife(t)
			before := testkit.Rows(t, l.Store)
			l.changePlans(t, l.Managed, "tenantPlanId", l.plan("t-basic"), "supportPlanId", l.plan("s-24x7"), "timing", tc.timing)
			l.requireSubscriptions(t, l.Managed,
				subRow("SUPPORT", "s-24x7", tc.at, ""),
				subRow("TENANT", "t-basic", tc.at, ""),
				subRow("SUPPORT", "s-prem", worldStart, tc.at),
				subRow("TENANT", "t-pro", worldStart, tc.at),
			)
			// Two subscriptions and one audit event: one request, one event.
			testkit.RequireRows(t, l.Store, before.Plus(testkit.RowCounts{"subscriptions": 2, "audit_events": 1}))
			requireAudit(t, l.Client, l.Partner, 0, auditEvent{
				action: "managed_tenant.plans_change", actor: l.PartnerAdmin.ID, target: testkit.ID(l.Managed.ID),
				before: map[string]any{"tenantPlan": l.plan("t-pro"), "supportPlan": l.plan("s-prem")},
				after:  map[string]any{"tenantPlan": l.plan("t-basic"), "supportPlan": l.plan("s-24x7"), "from": tc.atJSON},
			})
		})
	}
}

// A second scheduled change replaces the first: the one scheduled is
// removed, the running one still ends at the next period.
func TestChangePlansSecondScheduledChangeReplacesTheFirst(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	l.changePlans(t, l.Managed, "tenantPlanId", l.plan("t-max"), "timing", "START_OF_NEXT_PERIOD")
	since := auditCount(t, l.Client, l.Partner)
	before := testkit.Rows(t, l.Store)
	l.clock.Set(lifeNow.Add(24 * time.Hour))
	l.changePlans(t, l.Managed, "tenantPlanId", l.plan("t-basic"), "timing", "START_OF_NEXT_PERIOD")
	l.requireSubscriptions(t, l.Managed,
		subRow("TENANT", "t-basic", nextPeriod, ""),
		subRow("SUPPORT", "s-prem", worldStart, ""),
		subRow("TENANT", "t-pro", worldStart, nextPeriod),
	)
	testkit.RequireRows(t, l.Store, before.Plus(testkit.RowCounts{"audit_events": 1})) // one removed, one added
	requireAudit(t, l.Client, l.Partner, since, auditEvent{
		action: "managed_tenant.plans_change", actor: l.PartnerAdmin.ID, target: testkit.ID(l.Managed.ID),
		before: map[string]any{"tenantPlan": l.plan("t-max")},
		after:  map[string]any{"tenantPlan": l.plan("t-basic"), "from": nextPeriodJSON},
	})
	l.clock.Set(nextPeriodTime)
	l.requirePlans(t, l.Managed, "t-basic", "s-prem")
}

// Re-asking for the running plan cancels a scheduled change: the running
// subscription runs on, unsplit (the same row, its end cleared).
func TestChangePlansReaskingTheRunningPlanCancelsAScheduledChange(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		timing string
		// The plan in force from the change's instant before it, and the
		// instant, as the audit event says.
		was, from string
	}{
		{"START_OF_NEXT_PERIOD", "t-max", nextPeriodJSON},
		{"NOW", "t-pro", lifeTJSON},
	} {
		t.Run(tc.timing, func(t *testing.T) {
			t.Parallel()
			l := newLife(t)
			running := storedSubscriptions(t, l.Client, l.Managed.ID)[0]
			if running.Kind != "TENANT" || running.PlanID != l.Catalog.Plans["t-pro"].ID {
				t.Fatalf("world changed: first subscription %+v", running)
			}
			l.clock.Set(lifeNow.Add(-time.Hour))
			l.changePlans(t, l.Managed, "tenantPlanId", l.plan("t-max"), "timing", "START_OF_NEXT_PERIOD")
			before := testkit.Rows(t, l.Store)
			since := auditCount(t, l.Client, l.Partner)

			l.clock.Set(lifeNow)
			got := l.changePlans(t, l.Managed, "tenantPlanId", l.plan("t-pro"), "timing", tc.timing)
			if code(got.TenantPlan) != "t-pro" {
				t.Errorf("tenantPlan = %v, want t-pro", got.TenantPlan)
			}
			l.requireSubscriptions(t, l.Managed,
				subRow("SUPPORT", "s-prem", worldStart, ""),
				subRow("TENANT", "t-pro", worldStart, ""),
			)
			subs := storedSubscriptions(t, l.Client, l.Managed.ID)
			if len(subs) != 2 || subs[0].ID != running.ID || subs[0].EndedAt != nil {
				t.Errorf("stored subscriptions = %+v: want the running row %d, without an end", subs, running.ID)
			}
			// The scheduled row is gone; nothing was added.
			testkit.RequireRows(t, l.Store, before.Plus(testkit.RowCounts{"subscriptions": -1, "audit_events": 1}))
			requireAudit(t, l.Client, l.Partner, since, auditEvent{
				action: "managed_tenant.plans_change", actor: l.PartnerAdmin.ID, target: testkit.ID(l.Managed.ID),
				before: map[string]any{"tenantPlan": l.plan(tc.was)},
				after:  map[string]any{"tenantPlan": l.plan("t-pro"), "from": tc.from},
			})
			l.clock.Set(nextPeriodTime.Add(time.Hour))
			l.requirePlans(t, l.Managed, "t-pro", "s-prem")
		})
	}
}

// Asking for what is already in force from T on changes nothing and writes
// nothing: the running plan without a scheduled change (either timing),
// the scheduled plan again for the next period.
func TestChangePlansThatChangeNothing(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	// Sibling: a scheduled support change to s-std.
	l.changePlans(t, l.Sibling, "supportPlanId", l.plan("s-std"), "timing", "START_OF_NEXT_PERIOD")
	tests := []struct {
		name   string
		tenant *ent.Tenant
		kv     []any
	}{
		{"running tenant plan, NOW", l.Managed, []any{"tenantPlanId", l.plan("t-pro"), "timing", "NOW"}},
		{"running plans, NOW", l.Managed, []any{"tenantPlanId", l.plan("t-pro"), "supportPlanId", l.plan("s-prem")}},
		{"running support plan, next period", l.Managed, []any{"supportPlanId", l.plan("s-prem"), "timing", "START_OF_NEXT_PERIOD"}},
		{"scheduled plan, next period", l.Sibling, []any{"supportPlanId", l.plan("s-std"), "timing", "START_OF_NEXT_PERIOD"}},
		{"scheduled and running plans, next period", l.Sibling, []any{
			"tenantPlanId", l.plan("t-pro"), "supportPlanId", l.plan("s-std"), "timing", "START_OF_NEXT_PERIOD"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := testkit.Rows(t, l.Store)
			was := storedState(t, l.Client, tc.tenant.ID)
			l.clock.Set(l.clock.Now().Add(time.Minute))
			got := l.changePlans(t, tc.tenant, tc.kv...)
			if got.ID != testkit.ID(tc.tenant.ID) || code(got.TenantPlan) != "t-pro" || code(got.SupportPlan) != "s-prem" {
				t.Errorf("payload tenant = %+v", got)
			}
			testkit.RequireRows(t, l.Store, before)
			if now := storedState(t, l.Client, tc.tenant.ID); !slices.Equal(now, was) {
				t.Errorf("subscriptions changed:\n  %+v\nwas\n  %+v", now, was)
			}
		})
	}
	l.requireSubscriptions(t, l.Sibling,
		subRow("SUPPORT", "s-std", nextPeriod, ""),
		subRow("SUPPORT", "s-prem", worldStart, nextPeriod),
		subRow("TENANT", "t-pro", worldStart, ""),
	)
}

// A NOW change after a scheduled one moves the change to now: to the plan
// scheduled, or to a third one; the scheduled row is removed either way.
func TestChangePlansNowAfterAScheduledChange(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ plan string }{{"t-max"}, {"t-basic"}} {
		t.Run(tc.plan, func(t *testing.T) {
			t.Parallel()
			l := newLife(t)
			l.clock.Set(lifeNow.Add(-48 * time.Hour))
			l.changePlans(t, l.Managed, "tenantPlanId", l.plan("t-max"), "timing", "START_OF_NEXT_PERIOD")
			since := auditCount(t, l.Client, l.Partner)
			l.clock.Set(lifeNow)
			got := l.changePlans(t, l.Managed, "tenantPlanId", l.plan(tc.plan), "timing", "NOW")
			if code(got.TenantPlan) != tc.plan {
				t.Errorf("tenantPlan = %v, want %s", got.TenantPlan, tc.plan)
			}
			l.requireSubscriptions(t, l.Managed,
				subRow("TENANT", tc.plan, lifeT, ""),
				subRow("SUPPORT", "s-prem", worldStart, ""),
				subRow("TENANT", "t-pro", worldStart, lifeT),
			)
			requireAudit(t, l.Client, l.Partner, since, auditEvent{
				action: "managed_tenant.plans_change", actor: l.PartnerAdmin.ID, target: testkit.ID(l.Managed.ID),
				before: map[string]any{"tenantPlan": l.plan("t-pro")},
				after:  map[string]any{"tenantPlan": l.plan(tc.plan), "from": lifeTJSON},
			})
			l.clock.Set(nextPeriodTime.Add(time.Hour))
			l.requirePlans(t, l.Managed, tc.plan, "s-prem")
		})
	}
}

// Two NOW changes in one second: the first's subscription, which would run
// for no time at all, is removed; at most one subscription of a kind runs
// at any instant.
func TestChangePlansTwiceInOneSecond(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	l.changePlans(t, l.Managed, "tenantPlanId", l.plan("t-max"))
	l.clock.Set(lifeNow.Add(300 * time.Millisecond))
	l.changePlans(t, l.Managed, "tenantPlanId", l.plan("t-basic"))
	l.requireSubscriptions(t, l.Managed,
		subRow("TENANT", "t-basic", lifeT, ""),
		subRow("SUPPORT", "s-prem", worldStart, ""),
		subRow("TENANT", "t-pro", worldStart, lifeT),
	)
	requireAudit(t, l.Client, l.Partner, 0,
		auditEvent{action: "managed_tenant.plans_change", actor: l.PartnerAdmin.ID, target: testkit.ID(l.Managed.ID),
			before: map[string]any{"tenantPlan": l.plan("t-pro")},
			after:  map[string]any{"tenantPlan": l.plan("t-max"), "from": lifeTJSON}},
		auditEvent{action: "managed_tenant.plans_change", actor: l.PartnerAdmin.ID, target: testkit.ID(l.Managed.ID),
			before: map[string]any{"tenantPlan": l.plan("t-max")},
			after:  map[string]any{"tenantPlan": l.plan("t-basic"), "from": lifeTJSON}},
	)
}

func TestChangePlansValidation(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	// A plan of the partner's own catalog in another currency.
	usdPlan, err := l.Client.Plan.Create().SetCatalogID(l.Catalog.ID).SetCode("t-usd").SetName("Dollar").
		SetKind("TENANT").SetMonthlyPrice(100_00).SetCurrency("USD").SetActive(true).Save(sys)
	if err != nil {
		t.Fatal(err)
	}
	usdSupport, err := l.Client.Plan.Create().SetCatalogID(l.Catalog.ID).SetCode("s-usd").SetName("Dollar support").
		SetKind("SUPPORT").SetMonthlyPrice(10_00).SetCurrency("USD").SetActive(true).Save(sys)
	if err != nil {
		t.Fatal(err)
	}
	other := l.OtherCatalog.Plans
	const (
		input = "input:INVALID"
		tplan = "input.tenantPlanId:INVALID"
		splan = "input.supportPlanId:INVALID"
		key   = "input.idempotencyKey:INVALID"
	)
	tests := []struct {
		name string
		kv   []any
		want []string
	}{
		{"no plan id", nil, []string{input}},
		{"no plan id, next period", []any{"timing", "START_OF_NEXT_PERIOD"}, []string{input}},
		{"null plan ids", []any{"tenantPlanId", nil, "supportPlanId", nil}, []string{input}},
		{"other catalog's tenant plan", []any{"tenantPlanId", testkit.ID(other["t-max"].ID)}, []string{tplan}},
		{"support plan as tenant plan", []any{"tenantPlanId", l.plan("s-std")}, []string{tplan}},
		{"inactive tenant plan", []any{"tenantPlanId", l.plan("t-old")}, []string{tplan}},
		{"free tenant plan", []any{"tenantPlanId", l.plan("t-free")}, []string{tplan}},
		{"tenant plan in another currency", []any{"tenantPlanId", testkit.ID(usdPlan.ID)}, []string{tplan}},
		{"garbage tenant plan id", []any{"tenantPlanId", "garbage"}, []string{tplan}},
		{"a tenant's id as tenant plan", []any{"tenantPlanId", testkit.ID(l.Managed.ID)}, []string{tplan}},
		{"other catalog's support plan", []any{"supportPlanId", testkit.ID(other["s-std"].ID)}, []string{splan}},
		{"tenant plan as support plan", []any{"supportPlanId", l.plan("t-max")}, []string{splan}},
		{"inactive support plan", []any{"supportPlanId", l.plan("s-old")}, []string{splan}},
		{"free support plan", []any{"supportPlanId", l.plan("s-free")}, []string{splan}},
		{"support plan in another currency", []any{"supportPlanId", testkit.ID(usdSupport.ID)}, []string{splan}},
		{"one good, one bad", []any{"tenantPlanId", l.plan("t-max"), "supportPlanId", l.plan("s-free")}, []string{splan}},
		{"plans swapped", []any{"tenantPlanId", l.plan("s-std"), "supportPlanId", l.plan("t-max")}, []string{tplan, splan}},
		{"idempotency key with a space", []any{"tenantPlanId", l.plan("t-max"), "idempotencyKey", "has space"}, []string{key}},
		{"empty idempotency key", []any{"tenantPlanId", l.plan("t-max"), "idempotencyKey", ""}, []string{key}},
		{"bad key, no plan", []any{"idempotencyKey", "é"}, []string{key, input}},
	}
	before := testkit.Rows(t, l.Store)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := l.mutate(t, l.Token(l.PartnerAdmin), changePlansMutation, tenantInput(l.Managed, tc.kv...))
			testkit.RequireUserErrors(t, &p, tc.want...)
			testkit.RequireRows(t, l.Store, before)
		})
	}
	// An unknown timing is not a user error: the enum refuses it.
	res := l.api.Do(t, l.Token(l.PartnerAdmin), changePlansMutation,
		map[string]any{"input": tenantInput(l.Managed, "tenantPlanId", l.plan("t-max"), "timing", "TOMORROW")})
	if len(res.Errors) == 0 || !res.DataIsNull("changeManagedTenantPlans") {
		t.Errorf("timing TOMORROW: want a validation error, got %s", res.Raw)
	}
	testkit.RequireRows(t, l.Store, before)
}

// ---------------------------------------------------------------------------
// Idempotency keys of changeManagedTenantPlans

func TestChangePlansIdempotency(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	admin := l.Token(l.PartnerAdmin)
	in := tenantInput(l.Managed, "tenantPlanId", l.plan("t-max"), "idempotencyKey", "change-0001")
	first := l.changePlans(t, l.Managed, "tenantPlanId", l.plan("t-max"), "idempotencyKey", "change-0001")
	after := testkit.Rows(t, l.Store)
	subs := storedState(t, l.Client, l.Managed.ID)
	events := auditCount(t, l.Client, l.Partner)

	t.Run("same key, same input", func(t *testing.T) {
		// Later, when the same change would split the subscription again.
		l.clock.Set(lifeNow.Add(time.Hour))
		for i := range 2 {
			again := l.done(t, admin, changePlansMutation, in)
			if again.ID != first.ID || code(again.TenantPlan) != "t-max" {
				t.Errorf("replay %d answered %+v", i, again)
			}
		}
		testkit.RequireRows(t, l.Store, after)
		if now := storedState(t, l.Client, l.Managed.ID); !slices.Equal(now, subs) {
			t.Errorf("a replay changed the subscriptions:\n  %+v\nwas\n  %+v", now, subs)
		}
		if n := auditCount(t, l.Client, l.Partner); n != events {
			t.Errorf("%d audit events after replays, want %d", n, events)
		}
	})
	t.Run("same key, other input", func(t *testing.T) {
		for _, kv := range [][]any{
			{"tenantPlanId", l.plan("t-basic")},
			{"timing", "START_OF_NEXT_PERIOD"},
			{"supportPlanId", l.plan("s-std")},
			{"tenantPlanId", nil, "supportPlanId", l.plan("s-std")},
			{"tenantId", testkit.ID(l.Sibling.ID)},
		} {
			t.Run(fmt.Sprint(kv...), func(t *testing.T) {
				p := l.mutate(t, admin, changePlansMutation, with(in, kv...))
				testkit.RequireUserErrors(t, &p, "input.idempotencyKey:CONFLICT")
				testkit.RequireRows(t, l.Store, after)
			})
		}
	})
	t.Run("explicit NOW is the default's input", func(t *testing.T) {
		again := l.done(t, admin, changePlansMutation, with(in, "timing", "NOW"))
		if again.ID != first.ID {
			t.Errorf("answered %s", again.ID)
		}
		testkit.RequireRows(t, l.Store, after)
	})
	t.Run("a refused change does not record its key", func(t *testing.T) {
		failed := tenantInput(l.Managed, "tenantPlanId", l.plan("t-free"), "idempotencyKey", "change-0002")
		p := l.mutate(t, admin, changePlansMutation, failed)
		testkit.RequireUserErrors(t, &p, "input.tenantPlanId:INVALID")
		testkit.RequireRows(t, l.Store, after)
		fixed := with(failed, "tenantPlanId", l.plan("t-basic"))
		if got := l.done(t, admin, changePlansMutation, fixed); code(got.TenantPlan) != "t-basic" {
			t.Errorf("retry with the key: tenantPlan %v, want t-basic", got.TenantPlan)
		}
	})
}

// Keys are per partner and per mutation: a key used by createManagedTenant
// is free for changeManagedTenantPlans, and another partner's key is its own.
func TestChangePlansIdempotencyKeysArePerPartnerAndMutation(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	const key = "shared-key-1"
	created := requireCreated(t, l.api, l.Token(l.PartnerAdmin), with(createInput(l.World, "Keyed Shop"), "idempotencyKey", key))
	createdID := entID(t, created.ID)
	createdTenant, err := l.Client.Tenant.Get(sys, createdID)
	if err != nil {
		t.Fatal(err)
	}
	l.clock.Set(lifeNow.Add(time.Minute)) // not in the second the tenant was created in
	got := l.changePlans(t, createdTenant, "tenantPlanId", l.plan("t-max"), "idempotencyKey", key)
	if got.ID != created.ID || code(got.TenantPlan) != "t-max" {
		t.Errorf("plan change with a creation's key = %+v, want the change made", got)
	}
	// Both keys still answer their own request.
	if again := requireCreated(t, l.api, l.Token(l.PartnerAdmin), with(createInput(l.World, "Keyed Shop"), "idempotencyKey", key)); again.ID != created.ID {
		t.Errorf("creation replay = %s, want %s", again.ID, created.ID)
	}
	before := testkit.Rows(t, l.Store)
	again := l.changePlans(t, createdTenant, "tenantPlanId", l.plan("t-max"), "idempotencyKey", key)
	if again.ID != created.ID {
		t.Errorf("plan change replay = %s", again.ID)
	}
	testkit.RequireRows(t, l.Store, before)

	// The other partner uses the same key for its own tenant's change.
	otherManaged := l.Tenant(testkit.TenantSpec{Name: "Lakeside Shop", ManagedBy: l.OtherPartner, CreatedAt: worldStartTime})
	l.Subscribe(otherManaged, l.OtherCatalog.Plans["t-pro"], l.OtherPartner, worldStartTime)
	p := l.mutate(t, l.Token(l.OtherPartnerAdmin), changePlansMutation, tenantInput(otherManaged,
		"tenantPlanId", testkit.ID(l.OtherCatalog.Plans["t-basic"].ID), "idempotencyKey", key))
	if len(p.UserErrors) != 0 || p.ManagedTenant == nil || code(p.ManagedTenant.TenantPlan) != "t-basic" {
		t.Errorf("other partner's change with the same key = %+v", p)
	}
	keys, err := l.Client.IdempotencyKey.Query().All(sys)
	if err != nil {
		t.Fatal(err)
	}
	var got3 []string
	for _, k := range keys {
		got3 = append(got3, fmt.Sprintf("%d/%s/%s", k.PartnerID, k.Mutation, k.Key))
	}
	slices.Sort(got3)
	want := []string{
		fmt.Sprintf("%d/changeManagedTenantPlans/%s", l.Partner.ID, key),
		fmt.Sprintf("%d/createManagedTenant/%s", l.Partner.ID, key),
		fmt.Sprintf("%d/changeManagedTenantPlans/%s", l.OtherPartner.ID, key),
	}
	slices.Sort(want)
	if !slices.Equal(got3, want) {
		t.Errorf("recorded keys = %v, want %v", got3, want)
	}
}

// Concurrent requests with one key have one effect, and each answers the
// tenant.
func TestChangePlansIdempotencyConcurrent(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	before := testkit.Rows(t, l.Store)
	const n = 8
	in := tenantInput(l.Managed, "tenantPlanId", l.plan("t-max"), "supportPlanId", l.plan("s-std"), "idempotencyKey", "concurrent-change")
	token := l.Token(l.PartnerAdmin)
	start := make(chan struct{})
	res := make([]*testkit.Response, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res[i], errs[i] = l.api.Send(token, changePlansMutation, map[string]any{"input": in})
		}()
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		var data struct{ ChangeManagedTenantPlans lifePayload }
		res[i].Decode(t, &data)
		p := data.ChangeManagedTenantPlans
		if len(p.UserErrors) != 0 || p.ManagedTenant == nil || p.ManagedTenant.ID != testkit.ID(l.Managed.ID) ||
			code(p.ManagedTenant.TenantPlan) != "t-max" || code(p.ManagedTenant.SupportPlan) != "s-std" {
			t.Errorf("request %d: %+v", i, p)
		}
	}
	testkit.RequireRows(t, l.Store, before.Plus(testkit.RowCounts{"subscriptions": 2, "audit_events": 1, "idempotency_keys": 1}))
	l.requireSubscriptions(t, l.Managed,
		subRow("SUPPORT", "s-std", lifeT, ""),
		subRow("TENANT", "t-max", lifeT, ""),
		subRow("SUPPORT", "s-prem", worldStart, lifeT),
		subRow("TENANT", "t-pro", worldStart, lifeT),
	)
}

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
