package graph_test

// Concurrent changes of one managed tenant (SPEC 10, issue 9 acceptance 3):
// at every instant at most one subscription of each kind runs, also under
// concurrent requests, because every writer of a tenant's subscriptions
// locks the tenant row first. Through the API, on PostgreSQL (SQLite runs
// one writer at a time anyway): requests released at once end as some
// serial order of them would.

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/auditevent"
	"github.com/phystack/managed-tenants-api/ent/gid"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/ent/subscription"
	"github.com/phystack/managed-tenants-api/internal/audit"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

const raceChangePlans = `mutation($input: ChangeManagedTenantPlansInput!) {
  changeManagedTenantPlans(input: $input) { managedTenant { id } userErrors { field message code } }
}`

const raceEnd = `mutation($input: EndManagedTenantInput!) {
  endManagedTenant(input: $input) { managedTenant { id } userErrors { field message code } }
}`

// racePayload is the payload of either mutation, under its field's name.
type racePayload map[string]struct {
	ManagedTenant *node
	UserErrors    []testkit.UserError
}

// sendAtOnce sends the requests from goroutines released together and
// returns their answers in order.
func sendAtOnce(t *testing.T, api *testkit.API, token string, queries []string, inputs []map[string]any) []racePayload {
	t.Helper()
	start := make(chan struct{})
	res := make([]*testkit.Response, len(queries))
	errs := make([]error, len(queries))
	var wg sync.WaitGroup
	for i := range queries {
		wg.Go(func() {
			<-start
			res[i], errs[i] = api.Send(token, queries[i], map[string]any{"input": inputs[i]})
		})
	}
	close(start)
	wg.Wait()
	out := make([]racePayload, len(queries))
	for i := range queries {
		if errs[i] != nil {
			t.Fatalf("request %d (%v): %v", i, inputs[i], errs[i])
		}
		res[i].Decode(t, &out[i])
	}
	return out
}

// raceClock is the API's clock: fixed, or moving on a second at every
// reading, as time does while requests wait for each other.
func raceClock(moving bool) func() time.Time {
	base := time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC)
	var readings atomic.Int64
	return func() time.Time {
		if !moving {
			return base
		}
		return base.Add(time.Duration(readings.Add(1)) * time.Second)
	}
}

// lifeModel is what SPEC 10 says of one tenant: for each kind, the plan in
// force from each instant on (each until the next, the last until endsAt).
type lifeModel struct {
	plans  map[enums.PlanKind][]planFrom
	endsAt *time.Time
}

type planFrom struct {
	from time.Time
	plan int
}

func (m lifeModel) clone() lifeModel {
	c := lifeModel{plans: map[enums.PlanKind][]planFrom{}, endsAt: m.endsAt}
	for k, segs := range m.plans {
		c.plans[k] = slices.Clone(segs)
	}
	return c
}

// set makes plan the plan of kind k from at on: what was in force before
// at stays, what would have come from at on is replaced. It reports
// whether that changed anything.
func (m lifeModel) set(k enums.PlanKind, plan int, at time.Time) bool {
	old := m.plans[k]
	var segs []planFrom
	for _, s := range old {
		if s.from.Before(at) {
			segs = append(segs, s)
		}
	}
	if len(segs) == 0 || segs[len(segs)-1].plan != plan {
		segs = append(segs, planFrom{at, plan})
	}
	m.plans[k] = segs
	return !samePlans(old, segs)
}

func samePlans(a, b []planFrom) bool {
	return slices.EqualFunc(a, b, func(x, y planFrom) bool { return x.plan == y.plan && x.from.Equal(y.from) })
}

// end ends the tenant at at: nothing is in force from then on.
func (m *lifeModel) end(at time.Time) {
	m.endsAt = &at
	for k, segs := range m.plans {
		m.plans[k] = slices.DeleteFunc(slices.Clone(segs), func(s planFrom) bool { return !s.from.Before(at) })
	}
}

func (m lifeModel) String() string {
	var b strings.Builder
	for _, k := range []enums.PlanKind{enums.PlanKindTenant, enums.PlanKindSupport} {
		fmt.Fprintf(&b, "%s:", k)
		for _, s := range m.plans[k] {
			fmt.Fprintf(&b, " %d from %s;", s.plan, s.from.UTC().Format(time.RFC3339Nano))
		}
		b.WriteString(" ")
	}
	if m.endsAt != nil {
		fmt.Fprintf(&b, "ends %s", m.endsAt.UTC().Format(time.RFC3339Nano))
	}
	return b.String()
}

// startOf is a new model of a tenant whose plans started at start.
func startOf(start time.Time, tenantPlan, supportPlan int) lifeModel {
	return lifeModel{plans: map[enums.PlanKind][]planFrom{
		enums.PlanKindTenant:  {{start, tenantPlan}},
		enums.PlanKindSupport: {{start, supportPlan}},
	}}
}

// readLife reads a tenant's subscriptions as a model, after checking that
// at every instant at most one of each kind runs (no two intervals of a
// kind overlap), that none is empty, that each kind leaves no gap and that
// nothing runs after the tenant's end.
func readLife(t *testing.T, client *ent.Client, tn *ent.Tenant) lifeModel {
	t.Helper()
	row, err := client.Tenant.Get(sys, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	subs, err := client.Subscription.Query().Where(subscription.TenantID(tn.ID)).
		Order(subscription.ByStartedAt(), subscription.ByID()).All(sys)
	if err != nil {
		t.Fatal(err)
	}
	m := lifeModel{plans: map[enums.PlanKind][]planFrom{}, endsAt: row.EndsAt}
	byKind := map[enums.PlanKind][]*ent.Subscription{}
	for _, s := range subs {
		byKind[s.Kind] = append(byKind[s.Kind], s)
	}
	never := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	until := func(s *ent.Subscription) time.Time {
		if s.EndedAt == nil {
			return never
		}
		return *s.EndedAt
	}
	for k, ss := range byKind {
		for i, a := range ss {
			if !a.StartedAt.Before(until(a)) {
				t.Errorf("%s subscription %d runs for no time: [%s, %v)", k, a.ID, a.StartedAt, a.EndedAt)
			}
			if row.EndsAt != nil && until(a).After(*row.EndsAt) {
				t.Errorf("%s subscription %d [%s, %v) runs after the tenant's end %s", k, a.ID, a.StartedAt, a.EndedAt, row.EndsAt)
			}
			for _, b := range ss[i+1:] {
				if a.StartedAt.Before(until(b)) && b.StartedAt.Before(until(a)) {
					t.Errorf("%s subscriptions %d [%s, %v) and %d [%s, %v) run at once", k, a.ID, a.StartedAt, a.EndedAt, b.ID, b.StartedAt, b.EndedAt)
				}
			}
			if i > 0 && !until(ss[i-1]).Equal(a.StartedAt) {
				t.Errorf("%s subscriptions %d and %d leave a gap: [.., %v) then [%s, ..)", k, ss[i-1].ID, a.ID, ss[i-1].EndedAt, a.StartedAt)
			}
			if n := len(m.plans[k]); n > 0 && m.plans[k][n-1].plan == a.PlanID {
				continue
			}
			m.plans[k] = append(m.plans[k], planFrom{a.StartedAt, a.PlanID})
		}
	}
	return m
}

// lifeEvents are the tenant's audit events of an action, in the order
// they were written (the order of their transactions, which the tenant's
// lock serialises).
func lifeEvents(t *testing.T, client *ent.Client, tn *ent.Tenant, actions ...string) []*ent.AuditEvent {
	t.Helper()
	events, err := client.AuditEvent.Query().
		Where(auditevent.Target(gid.Encode(tn.ID)), auditevent.ActionIn(actions...)).
		Order(auditevent.ByID()).All(sys)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(events); i++ {
		if events[i].CreatedAt.Before(events[i-1].CreatedAt) {
			t.Errorf("audit event %d (%s) was written after %d but is dated %s, before its %s: a change took effect before one it waited for",
				events[i].ID, events[i].Action, events[i-1].ID, events[i].CreatedAt, events[i-1].CreatedAt)
		}
	}
	return events
}

// afterTime reads an instant from an audit event's after values.
func afterTime(t *testing.T, e *ent.AuditEvent, key string) time.Time {
	t.Helper()
	s, _ := e.After[key].(string)
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("audit event %d: %s = %v: %v", e.ID, key, e.After[key], err)
	}
	return at
}

// planRequest is one changeManagedTenantPlans request: plan codes by kind.
type planRequest struct {
	tenantPlan, supportPlan string // "" when not given
	timing                  string
}

func (r planRequest) input(tn *ent.Tenant, cat *testkit.Catalog) map[string]any {
	in := map[string]any{"tenantId": testkit.ID(tn.ID), "timing": r.timing}
	if r.tenantPlan != "" {
		in["tenantPlanId"] = testkit.ID(cat.Plans[r.tenantPlan].ID)
	}
	if r.supportPlan != "" {
		in["supportPlanId"] = testkit.ID(cat.Plans[r.supportPlan].ID)
	}
	return in
}

// apply applies the request to m asked at now; it reports whether anything
// changed (an audit event is written then).
func (r planRequest) apply(m lifeModel, cat *testkit.Catalog, now time.Time) bool {
	at := now.Truncate(time.Second)
	if r.timing == "START_OF_NEXT_PERIOD" {
		at = time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	}
	changed := false
	if r.tenantPlan != "" && m.set(enums.PlanKindTenant, cat.Plans[r.tenantPlan].ID, at) {
		changed = true
	}
	if r.supportPlan != "" && m.set(enums.PlanKindSupport, cat.Plans[r.supportPlan].ID, at) {
		changed = true
	}
	return changed
}

// permutations calls f with every order of 0..n-1 (Heap's algorithm).
func permutations(n int, f func([]int)) {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	var gen func(k int)
	gen = func(k int) {
		if k == 1 {
			f(p)
			return
		}
		for i := 0; i < k; i++ {
			gen(k - 1)
			if k%2 == 0 {
				p[i], p[k-1] = p[k-1], p[i]
			} else {
				p[0], p[k-1] = p[k-1], p[0]
			}
		}
	}
	gen(n)
}

func requirePostgres(t *testing.T) {
	t.Helper()
	if testkit.PostgresURL() == "" {
		t.Skip("TEST_DATABASE_URL is not set: concurrency is tested on PostgreSQL")
	}
}

// TestConcurrentPlanChangesEndAsASerialOrder: 8 plan changes of one tenant
// released at once (other plans, one kind or both, NOW and
// START_OF_NEXT_PERIOD, one re-asking the running plan), three rounds on
// three tenants. Every request is answered without error, and the
// subscriptions are exactly those of the audit events replayed in the
// order they were written, each at its own instant; on a fixed clock
// that result is also the one of some serial order of the 8 requests, with
// as many audit events as that order has changes that change something.
func TestConcurrentPlanChangesEndAsASerialOrder(t *testing.T) {
	t.Parallel()
	requirePostgres(t)
	requests := []planRequest{
		{tenantPlan: "t-basic", timing: "NOW"},
		{tenantPlan: "t-max", timing: "START_OF_NEXT_PERIOD"},
		{supportPlan: "s-std", timing: "NOW"},
		{supportPlan: "s-24x7", timing: "START_OF_NEXT_PERIOD"},
		{tenantPlan: "t-pro", supportPlan: "s-std", timing: "START_OF_NEXT_PERIOD"},
		{tenantPlan: "t-max", supportPlan: "s-prem", timing: "NOW"},
		{tenantPlan: "t-basic", timing: "START_OF_NEXT_PERIOD"},
		{tenantPlan: "t-pro", supportPlan: "s-24x7", timing: "NOW"},
	}
	for _, moving := range []bool{false, true} {
		t.Run(fmt.Sprintf("clock moving %v", moving), func(t *testing.T) {
			t.Parallel()
			w := testkit.NewWorld(t)
			clock := raceClock(moving)
			api := testkit.NewAPI(t, w.Store, clock)
			start := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
			tenants := []*ent.Tenant{w.Managed, w.Sibling, w.Fixture.Managed(w.Partner, "Third Round")}
			w.Subscribe(tenants[2], w.Catalog.Plans["t-pro"], w.Partner, start)
			w.Subscribe(tenants[2], w.Catalog.Plans["s-prem"], w.Partner, start)
			queries := make([]string, len(requests))
			for i := range queries {
				queries[i] = raceChangePlans
			}

			// On the fixed clock, the outcome of every serial order.
			serial := map[string]map[int]bool{} // final state -> how many changes changed something
			now := raceClock(false)()
			if !moving {
				permutations(len(requests), func(order []int) {
					m := startOf(start, w.Catalog.Plans["t-pro"].ID, w.Catalog.Plans["s-prem"].ID)
					changes := 0
					for _, i := range order {
						if requests[i].apply(m, w.Catalog, now) {
							changes++
						}
					}
					if serial[m.String()] == nil {
						serial[m.String()] = map[int]bool{}
					}
					serial[m.String()][changes] = true
				})
			}

			for _, tn := range tenants {
				inputs := make([]map[string]any, len(requests))
				for i, r := range requests {
					inputs[i] = r.input(tn, w.Catalog)
				}
				for i, p := range sendAtOnce(t, api, w.Token(w.PartnerAdmin), queries, inputs) {
					if pl := p["changeManagedTenantPlans"]; len(pl.UserErrors) != 0 || pl.ManagedTenant == nil || pl.ManagedTenant.ID != testkit.ID(tn.ID) {
						t.Errorf("%s: request %+v answered %+v", tn.DisplayName, requests[i], pl)
					}
				}
				got := readLife(t, w.Client, tn)

				// Replayed in the order they were written, each change at its
				// instant, the audit events give the rows; each changed
				// something, and each is one of the requests.
				replay := startOf(start, w.Catalog.Plans["t-pro"].ID, w.Catalog.Plans["s-prem"].ID)
				used := make([]bool, len(requests))
				events := lifeEvents(t, w.Client, tn, audit.ManagedTenantPlansChange)
				for _, e := range events {
					from := afterTime(t, e, "from")
					match := -1
					for i, r := range requests {
						if used[i] {
							continue
						}
						m := replay.clone()
						if r.apply(m, w.Catalog, e.CreatedAt) && eventOf(e, r, w.Catalog, m, replay, from) {
							match = i
							break
						}
					}
					if match < 0 {
						for _, e := range events {
							t.Logf("event %d at %s: %v -> %v", e.ID, e.CreatedAt, codes(w.Catalog, e.Before), codes(w.Catalog, e.After))
						}
						t.Fatalf("%s: audit event %d %v -> %v is none of the requests not yet matched, or changes nothing after the events before it",
							tn.DisplayName, e.ID, e.Before, e.After)
					}
					used[match] = true
					requests[match].apply(replay, w.Catalog, e.CreatedAt)
				}
				if got.String() != replay.String() {
					t.Errorf("%s: subscriptions\n  %s\nare not the audit events replayed in order:\n  %s", tn.DisplayName, got, replay)
				}
				if !moving {
					if !serial[got.String()][len(events)] {
						t.Errorf("%s: subscriptions %s with %d audit events: no serial order of the requests gives that (%d serial outcomes)",
							tn.DisplayName, got, len(events), len(serial))
					}
				}
			}
		})
	}
}

// eventOf reports whether audit event e records request r, asked at the
// event's instant, changing the model from before to after: the kinds it
// names are those r changed, with r's plans, from r's instant.
func eventOf(e *ent.AuditEvent, r planRequest, cat *testkit.Catalog, after, before lifeModel, from time.Time) bool {
	at := e.CreatedAt.Truncate(time.Second)
	if r.timing == "START_OF_NEXT_PERIOD" {
		at = time.Date(e.CreatedAt.Year(), e.CreatedAt.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	}
	if !at.Equal(from) {
		return false
	}
	for _, k := range []struct {
		kind enums.PlanKind
		key  string
		plan string
	}{{enums.PlanKindTenant, "tenantPlan", r.tenantPlan}, {enums.PlanKindSupport, "supportPlan", r.supportPlan}} {
		changed := !samePlans(after.plans[k.kind], before.plans[k.kind])
		v, named := e.After[k.key]
		if named != changed || changed && v != gid.Encode(cat.Plans[k.plan].ID) {
			return false
		}
	}
	return true
}

// TestPlanChangeRacingAnEndIsASerialOrder: a plan change and an end of one
// tenant released at once, twenty times on twenty tenants (NOW and
// START_OF_NEXT_PERIOD for each, on a clock that moves on). Either the
// change went first and succeeded, and the end then stopped its
// subscription; or the end went first and the change is NOT_ALLOWED on
// input.tenantId, with nothing changed after the end.
func TestPlanChangeRacingAnEndIsASerialOrder(t *testing.T) {
	t.Parallel()
	requirePostgres(t)
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, raceClock(true))
	start := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	tp, sp := w.Catalog.Plans["t-pro"].ID, w.Catalog.Plans["s-prem"].ID
	timings := []string{"NOW", "START_OF_NEXT_PERIOD"}
	orders := map[string]int{}
	for i := range 20 {
		tn := w.Fixture.Managed(w.Partner, fmt.Sprintf("Racer %d", i))
		w.Subscribe(tn, w.Catalog.Plans["t-pro"], w.Partner, start)
		w.Subscribe(tn, w.Catalog.Plans["s-prem"], w.Partner, start)
		change := planRequest{tenantPlan: "t-max", supportPlan: "s-std", timing: timings[i%2]}
		endTiming := timings[i/2%2]
		answers := sendAtOnce(t, api, w.Token(w.PartnerAdmin), []string{raceChangePlans, raceEnd},
			[]map[string]any{change.input(tn, w.Catalog), {"tenantId": testkit.ID(tn.ID), "timing": endTiming}})
		name := fmt.Sprintf("%s: change %s, end %s", tn.DisplayName, change.timing, endTiming)
		if e := answers[1]["endManagedTenant"]; len(e.UserErrors) != 0 || e.ManagedTenant == nil {
			t.Errorf("%s: the end answered %+v", name, e)
		}
		events := lifeEvents(t, w.Client, tn, audit.ManagedTenantPlansChange, audit.ManagedTenantEnd)
		want := startOf(start, tp, sp)
		c := answers[0]["changeManagedTenantPlans"]
		switch {
		case len(c.UserErrors) == 0 && c.ManagedTenant != nil:
			// The change, then the end.
			orders["change, end"]++
			if len(events) != 2 || events[0].Action != audit.ManagedTenantPlansChange || events[1].Action != audit.ManagedTenantEnd {
				t.Errorf("%s: the change succeeded, audit events %v", name, actions(events))
				continue
			}
			change.apply(want, w.Catalog, events[0].CreatedAt)
			want.end(afterTime(t, events[1], "endsAt"))
		case len(c.UserErrors) == 1 && c.UserErrors[0].String() == "input.tenantId:NOT_ALLOWED" && c.ManagedTenant == nil:
			// The end, then the change, refused.
			orders["end, change refused"]++
			if len(events) != 1 || events[0].Action != audit.ManagedTenantEnd {
				t.Errorf("%s: the change was refused, audit events %v", name, actions(events))
				continue
			}
			want.end(afterTime(t, events[0], "endsAt"))
		default:
			t.Errorf("%s: the change answered %+v", name, c)
			continue
		}
		if got := readLife(t, w.Client, tn); got.String() != want.String() {
			t.Errorf("%s (%v):\n  got  %s\n  want %s", name, actions(events), got, want)
		}
	}
	t.Logf("orders seen: %v", orders)
}

func actions(events []*ent.AuditEvent) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.Action
	}
	return out
}

// TestConcurrentPlanChangesWithOneKeyChangeOnce: 8 identical
// changeManagedTenantPlans with one idempotency key, released at once:
// every one answers the tenant without error, and one change is made (one
// audit event, one recorded key, one new subscription).
func TestConcurrentPlanChangesWithOneKeyChangeOnce(t *testing.T) {
	t.Parallel()
	requirePostgres(t)
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, raceClock(true))
	before := testkit.Rows(t, w.Store)
	in := planRequest{tenantPlan: "t-max", timing: "NOW"}.input(w.Managed, w.Catalog)
	in["idempotencyKey"] = "upgrade-2026-11-20"
	queries, inputs := make([]string, 8), make([]map[string]any, 8)
	for i := range queries {
		queries[i], inputs[i] = raceChangePlans, in
	}
	for i, p := range sendAtOnce(t, api, w.Token(w.PartnerAdmin), queries, inputs) {
		if pl := p["changeManagedTenantPlans"]; len(pl.UserErrors) != 0 || pl.ManagedTenant == nil || pl.ManagedTenant.ID != testkit.ID(w.Managed.ID) {
			t.Errorf("request %d answered %+v", i, pl)
		}
	}
	// t-pro ends, t-max starts: one row more, one event, one key.
	testkit.RequireRows(t, w.Store, before.Plus(testkit.RowCounts{"subscriptions": 1, "audit_events": 1, "idempotency_keys": 1}))
	if n := len(lifeEvents(t, w.Client, w.Managed, audit.ManagedTenantPlansChange)); n != 1 {
		t.Errorf("%d plan change audit events, want 1", n)
	}
}

func codes(cat *testkit.Catalog, m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
		for code, p := range cat.Plans {
			if v == gid.Encode(p.ID) {
				out[k] = code
			}
		}
	}
	return out
}
