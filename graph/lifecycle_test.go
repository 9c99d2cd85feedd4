package graph_test

// End-to-end tests of the life of a managed tenant (SPEC 10) through the real
// HTTP handler, on a clock each test sets. This file holds what they share
// (life: the World, its clock, tokens valid on it; the three mutations;
// subscription rows; audit events) and who may change, update and end a
// managed tenant. The rules of each mutation are in planchange_test.go,
// tenantupdate_test.go and tenantend_test.go; Tenant.subscriptions in
// subscriptions_test.go.

import (
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
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
	at            time.Time // when it was written; zero: not checked
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
			!reflect.DeepEqual(map[string]any(e.Before), w.before) || !reflect.DeepEqual(map[string]any(e.After), w.after) {
			t.Errorf("audit event %d = %s by %d on %s, before %#v, after %#v;\nwant %s by %d on %s, before %#v, after %#v",
				i, e.Action, actor, e.Target, e.Before, e.After, w.action, w.actor, w.target, w.before, w.after)
		}
		if !w.at.IsZero() && !e.CreatedAt.Equal(w.at) {
			t.Errorf("audit event %d written at %s, want %s", i, e.CreatedAt, w.at)
		}
	}
}

// auditCount is the number of audit events on the partner.
func auditCount(t *testing.T, c *ent.Client, partner *ent.Tenant) int {
	t.Helper()
	return len(auditEventsOf(t, c, partner.ID))
}

// update updates tn as the partner's admin and fails unless it succeeds.
func (l *life) update(t *testing.T, tn *ent.Tenant, kv ...any) *lifeTenant {
	t.Helper()
	return l.done(t, l.Token(l.PartnerAdmin), updateManagedTenantMutation, tenantInput(tn, kv...))
}

// end ends tn as the partner's admin and fails unless it succeeds.
func (l *life) end(t *testing.T, tn *ent.Tenant, timing string) *lifeTenant {
	t.Helper()
	return l.done(t, l.Token(l.PartnerAdmin), endManagedTenantMutation, tenantInput(tn, "timing", timing))
}

// stored is tn's row as it is now.
func (l *life) stored(t *testing.T, tn *ent.Tenant) *ent.Tenant {
	t.Helper()
	row, err := l.Client.Tenant.Get(sys, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	return row
}

func str(s string) *string { return &s }

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// managedTenant creates a managed tenant of the partner on t-pro and s-prem since
// worldStart.
func (l *life) managedTenant(t *testing.T, name string) *ent.Tenant {
	t.Helper()
	tn := l.Tenant(testkit.TenantSpec{Name: name, ManagedBy: l.Partner, CreatedBy: l.PartnerAdmin, CreatedAt: worldStartTime})
	l.Subscribe(tn, l.Catalog.Plans["t-pro"], l.Partner, worldStartTime)
	l.Subscribe(tn, l.Catalog.Plans["s-prem"], l.Partner, worldStartTime)
	return tn
}

// ---------------------------------------------------------------------------
// Who may: the partner's admins (SPEC 10).

// lifeMutation is one of SPEC 10's three mutations with an input that
// changes something: of the tenant of that id, to a tenant plan of that id
// (for a plan change).
type lifeMutation struct {
	field, doc string
	input      func(tenantID, tenantPlanID string) map[string]any
}

var lifeMutations = []lifeMutation{
	{"changeManagedTenantPlans", changePlansMutation, func(id, planID string) map[string]any {
		return map[string]any{"tenantId": id, "tenantPlanId": planID}
	}},
	{"updateManagedTenant", updateManagedTenantMutation, func(id, _ string) map[string]any {
		return map[string]any{"tenantId": id, "displayName": "Renamed " + id, "country": "NO"}
	}},
	{"endManagedTenant", endManagedTenantMutation, func(id, _ string) map[string]any {
		return map[string]any{"tenantId": id, "timing": "START_OF_NEXT_PERIOD"}
	}},
}

func TestLifeMutationsRefuseWhoMayNot(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	lakeside := l.Tenant(testkit.TenantSpec{Name: "Lakeside Shop", ManagedBy: l.OtherPartner, CreatedAt: worldStartTime})
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
		{"partner editor, on the other partner's managed tenant", l.PartnerEditor, testkit.ID(lakeside.ID), "NOT_FOUND"},
		{"partner editor, on a standalone tenant", l.PartnerEditor, testkit.ID(l.Standalone.ID), "NOT_FOUND"},
		{"partner editor, unknown id", l.PartnerEditor, testkit.ID(l.Managed.ID + 100000), "NOT_FOUND"},
		{"partner admin, on the other partner's managed tenant", l.PartnerAdmin, testkit.ID(lakeside.ID), "NOT_FOUND"},
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
				res := l.api.Do(t, token, m.doc, map[string]any{"input": m.input(tc.tenant, l.plan("t-max"))})
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
				plan    *ent.Plan
			}{
				{l.PartnerAdmin, l.Partner, l.Managed, l.Catalog.Plans["t-max"]},
				{l.PartnerAdmin, l.Partner, l.Sibling, l.Catalog.Plans["t-max"]},
				{l.OtherPartnerAdmin, l.OtherPartner, otherManaged, l.OtherCatalog.Plans["t-max"]},
			}
			for _, c := range cases {
				since := auditCount(t, l.Client, c.partner)
				got := l.done(t, l.Token(c.user), m.doc, m.input(testkit.ID(c.tenant.ID), testkit.ID(c.plan.ID)))
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
				p := l.mutate(t, l.Token(tc.user), m.doc, m.input(testkit.ID(tc.tenant.ID), l.plan("t-max")))
				testkit.RequireUserErrors(t, &p, "input.tenantId:NOT_ALLOWED")
				testkit.RequireRows(t, l.Store, before)
			})
		}
	}
}
