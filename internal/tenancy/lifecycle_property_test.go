package tenancy_test

// A property test of the life of managed tenants (SPEC 10) and of what it
// bills (SPEC 7): random sequences of creations, plan changes and ends over
// a year, through the Service on a clock that steps forward at random. After
// every step the rows must hold the invariants below and match a small model
// of the spec; at the end every line of every month's invoice must be its
// subscription's price x its own seconds / the month's seconds, rounded
// half-up once, computed here with math/big from the rows.
//
// Seconds: creations, changes and ends take effect on whole seconds (the
// clock's second), which invoices count; the clock itself steps by whole
// seconds and by fractions of one. The checks see that every instant
// written is a whole second, and count seconds exactly as SPEC 7 does.

import (
	"context"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/auditevent"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/ent/subscription"
	"github.com/phystack/managed-tenants-api/ent/tenant"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/audit"
	"github.com/phystack/managed-tenants-api/internal/billing"
	"github.com/phystack/managed-tenants-api/internal/tenancy"
	"github.com/phystack/managed-tenants-api/internal/testkit"
	"github.com/phystack/managed-tenants-api/internal/viewer"
)

// TestLifecycleProperty runs random steps through a year (some 400, at most
// 1,000) for each of a few seeds. LIFECYCLE_SEEDS=n runs n other seeds,
// LIFECYCLE_SEED=s only seed s, LIFECYCLE_STEPS=n at most n steps each.
func TestLifecycleProperty(t *testing.T) {
	t.Parallel()
	seeds := []uint64{1, 2, 3}
	if n, err := strconv.Atoi(os.Getenv("LIFECYCLE_SEEDS")); err == nil && n > 0 {
		seeds = seeds[:0]
		base := uint64(time.Now().UnixNano())
		for i := range n {
			seeds = append(seeds, base+uint64(i))
		}
	}
	if s, err := strconv.ParseUint(os.Getenv("LIFECYCLE_SEED"), 10, 64); err == nil {
		seeds = []uint64{s}
	}
	steps := 1000
	if n, err := strconv.Atoi(os.Getenv("LIFECYCLE_STEPS")); err == nil && n > 0 {
		steps = n
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			t.Logf("seed %d (rerun with LIFECYCLE_SEED=%d)", seed, seed)
			newLife(t, seed).run(t, steps)
		})
	}
}

// Where the year runs: the test lives through 2026 and checks the
// invoices of every month from 2025-12 to 2027-01.
var (
	yearStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	yearEnd   = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
)

var kinds = []enums.PlanKind{enums.PlanKindTenant, enums.PlanKindSupport}

// life is one random run: a partner, its plans, a Service on a stepping
// clock, and the model of every tenant created so far.
type life struct {
	rng      *rand.Rand
	seed     uint64
	f        *testkit.Fixture
	client   *ent.Client
	svc      *tenancy.Service
	bill     *billing.Service
	now      time.Time
	partner  *ent.Tenant
	admin    *ent.User
	plans    map[enums.PlanKind][]*ent.Plan // three paid plans of each kind
	planByID map[int]*ent.Plan
	tenants  []*modelTenant
	audits   map[string]int // audit events expected, by action
	log      []string       // the steps so far, for the failure message
	outcomes map[string]int // how the steps went, to show what a run covered
}

// modelTenant is what SPEC 10 says of a tenant: for each kind, the plan in
// force from each instant on (segments, in order, each running until the
// next and the last until endsAt), and endsAt.
type modelTenant struct {
	id      int
	name    string
	created time.Time
	endsAt  *time.Time
	plans   map[enums.PlanKind][]segment
}

type segment struct {
	from time.Time
	plan int
}

func (s segment) String() string {
	return fmt.Sprintf("%d from %s", s.plan, s.from.UTC().Format(time.RFC3339Nano))
}

func sameSegments(a, b []segment) bool {
	return slices.EqualFunc(a, b, func(x, y segment) bool { return x.plan == y.plan && x.from.Equal(y.from) })
}

func newLife(t *testing.T, seed uint64) *life {
	st := testkit.Store(t)
	l := &life{
		rng: rand.New(rand.NewPCG(seed, 0x5eed)), seed: seed,
		f: testkit.NewFixture(t, st.Client), client: st.Client,
		plans: map[enums.PlanKind][]*ent.Plan{}, planByID: map[int]*ent.Plan{}, audits: map[string]int{}, outcomes: map[string]int{},
	}
	clock := func() time.Time { return l.now }
	l.svc = &tenancy.Service{Client: st.Client, Dialect: st.Dialect, Clock: clock}
	l.bill = &billing.Service{Client: st.Client, Clock: clock}
	// A currency of each number of decimals, by seed; prices at random, so
	// that lines round every way.
	currency := []string{"EUR", "JPY", "KWD"}[seed%3]
	var specs []testkit.PlanSpec
	for _, k := range kinds {
		for i := range 3 {
			specs = append(specs, testkit.PlanSpec{Code: fmt.Sprintf("%s-%d", k, i), Name: fmt.Sprintf("%s %d", k, i),
				Kind: k, Price: 1 + l.rng.Int64N(5_000_000), Active: true})
		}
	}
	cat := l.f.Catalog(currency, specs...)
	for _, s := range specs {
		p := cat.Plans[s.Code]
		l.plans[p.Kind] = append(l.plans[p.Kind], p)
		l.planByID[p.ID] = p
	}
	l.partner = l.f.Tenant(testkit.TenantSpec{Name: "Property Partner", Currency: currency, Partner: true, Catalog: cat})
	l.admin = l.f.User("property-admin@example.com")
	l.f.Member(l.partner, l.admin, enums.RoleAdmin)
	l.now = yearStart.Add(time.Duration(l.rng.Int64N(int64(30 * 24 * time.Hour))))
	return l
}

// ctx is a request of the partner's admin.
func (l *life) ctx() context.Context {
	return viewer.NewContext(context.Background(),
		viewer.New(l.admin.ID, l.admin.Email, false, map[int]enums.Role{l.partner.ID: enums.RoleAdmin}))
}

func (l *life) logf(format string, args ...any) {
	l.log = append(l.log, l.now.Format(time.RFC3339Nano)+" "+fmt.Sprintf(format, args...))
}

// fatalf fails the run with the seed and its last steps.
func (l *life) fatalf(t *testing.T, format string, args ...any) {
	t.Helper()
	tail := l.log[max(0, len(l.log)-12):]
	t.Fatalf("seed %d, step %d: %s\nlast steps:\n  %s", l.seed, len(l.log), fmt.Sprintf(format, args...), joinLines(tail))
}

func joinLines(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += "\n  "
		}
		out += x
	}
	return out
}

func (l *life) run(t *testing.T, steps int) {
	defer func() {
		t.Logf("%d steps until %s: %v", len(l.log), l.now.Format(time.RFC3339Nano), l.outcomes)
	}()
	for i := 0; i < steps && l.now.Before(yearEnd); i++ {
		l.tick()
		live := 0
		for _, m := range l.tenants {
			if m.endsAt == nil {
				live++
			}
		}
		switch x := l.rng.IntN(100); {
		case live == 0 || x < 8 || x < 30 && live < 3:
			l.create(t)
		case x < 85:
			l.change(t)
		default:
			l.end(t)
		}
		l.checkRows(t)
	}
	l.checkInvoices(t)
}

// tick moves the clock forward: often by whole seconds (up to three days),
// often by less than a second (several steps in one second), near the end
// of a month to its last moments or exactly onto the next month's first
// instant, now and then by up to ten days, and sometimes not at all. About
// 0.9 days a step: a year is some 400 steps.
func (l *life) tick() {
	next := billing.PeriodOf(l.now).End
	nearEnd := next.Sub(l.now) < 5*24*time.Hour
	switch x := l.rng.IntN(100); {
	case x < 15:
	case x < 55:
		l.now = l.now.Add(time.Duration(1+l.rng.Int64N(3*86400)) * time.Second)
	case x < 82:
		l.now = l.now.Add(time.Duration(1 + l.rng.Int64N(int64(time.Second))))
	case x < 88 && nearEnd:
		if last := next.Add(-time.Duration(1 + l.rng.Int64N(int64(2*time.Second)))); last.After(l.now) {
			l.now = last
		}
	case x < 95 && nearEnd:
		l.now = next
	case x >= 95:
		l.now = l.now.Add(time.Duration(1+l.rng.Int64N(10*86400)) * time.Second)
	}
	// The Service's clock keeps microseconds, as both stores do.
	l.now = l.now.Truncate(time.Microsecond)
}

// at is when a change asked now takes effect (SPEC 10): the request's
// instant (on the second it falls in), or the first instant of the next
// UTC month.
func (l *life) at(timing tenancy.Timing) time.Time {
	if timing == tenancy.StartOfNextPeriod {
		y, m, _ := l.now.Date()
		return time.Date(y, m+1, 1, 0, 0, 0, 0, time.UTC)
	}
	return l.now.Truncate(time.Second)
}

func (l *life) create(t *testing.T) {
	t.Helper()
	tp, sp := l.pick(enums.PlanKindTenant), l.pick(enums.PlanKindSupport)
	name := fmt.Sprintf("Shop %d", len(l.tenants)+1)
	l.logf("create %q on %d, %d", name, tp.ID, sp.ID)
	got, err := l.svc.CreateManagedTenant(l.ctx(), tenancy.CreateInput{
		PartnerID: l.partner.ID, DisplayName: name, Country: "SE", TenantPlanID: tp.ID, SupportPlanID: sp.ID,
	})
	if err != nil {
		l.fatalf(t, "create: %v", err)
	}
	start := l.now.Truncate(time.Second)
	l.tenants = append(l.tenants, &modelTenant{id: got.ID, name: name, created: start, plans: map[enums.PlanKind][]segment{
		enums.PlanKindTenant: {{start, tp.ID}}, enums.PlanKindSupport: {{start, sp.ID}},
	}})
	l.audits[audit.ManagedTenantCreate]++
	l.outcomes["create"]++
}

// target is the tenant of a change or an end: mostly one whose end is not
// scheduled, sometimes any (an ended one is refused).
func (l *life) target() *modelTenant {
	var live []*modelTenant
	for _, m := range l.tenants {
		if m.endsAt == nil {
			live = append(live, m)
		}
	}
	if len(live) == 0 || l.rng.IntN(100) < 15 {
		return l.tenants[l.rng.IntN(len(l.tenants))]
	}
	return live[l.rng.IntN(len(live))]
}

func (l *life) pick(k enums.PlanKind) *ent.Plan { return l.plans[k][l.rng.IntN(len(l.plans[k]))] }

func (l *life) timing() tenancy.Timing {
	if l.rng.IntN(2) == 0 {
		return tenancy.Now
	}
	return tenancy.StartOfNextPeriod
}

// change asks for one kind or both, each a random plan, or on purpose the
// plan running now or the one in force from the next month (re-asking).
func (l *life) change(t *testing.T) {
	t.Helper()
	m := l.target()
	timing := l.timing()
	in := tenancy.ChangePlansInput{TenantID: m.id, Timing: timing}
	want := map[enums.PlanKind]int{}
	which := l.rng.IntN(3)
	for i, k := range kinds {
		if which != 2 && which != i {
			continue
		}
		id := l.pick(k).ID
		switch l.rng.IntN(4) {
		case 0:
			if p := m.planAt(k, l.now); p != 0 {
				id = p
			}
		case 1:
			if p := m.planAt(k, l.at(tenancy.StartOfNextPeriod)); p != 0 {
				id = p
			}
		}
		want[k] = id
		if k == enums.PlanKindTenant {
			in.TenantPlanID = &id
		} else {
			in.SupportPlanID = &id
		}
	}
	l.logf("change %q %v %s", m.name, want, timing)
	_, err := l.svc.ChangePlans(l.ctx(), in)
	if m.endsAt != nil {
		l.requireNotAllowed(t, err, "a change of a tenant that has ended or whose end is scheduled")
		l.outcomes["change refused"]++
		return
	}
	if err != nil {
		l.fatalf(t, "change: %v", err)
	}
	changed := false
	for _, k := range kinds {
		if id, ok := want[k]; ok && m.set(k, id, l.at(timing)) {
			changed = true
		}
	}
	if changed {
		l.audits[audit.ManagedTenantPlansChange]++
		l.outcomes["change "+string(timing)]++
	} else {
		l.outcomes["change of nothing"]++
	}
}

func (l *life) end(t *testing.T) {
	t.Helper()
	m := l.target()
	timing := l.timing()
	l.logf("end %q %s", m.name, timing)
	_, err := l.svc.End(l.ctx(), tenancy.EndInput{TenantID: m.id, Timing: timing})
	if m.endsAt != nil && !l.now.Before(*m.endsAt) {
		l.requireNotAllowed(t, err, "ending a tenant that has ended")
		l.outcomes["end refused"]++
		return
	}
	if err != nil {
		l.fatalf(t, "end: %v", err)
	}
	scheduled := m.endsAt != nil
	if m.end(l.at(timing)) {
		l.audits[audit.ManagedTenantEnd]++
		l.outcomes["end "+string(timing)]++
		if scheduled {
			l.outcomes["end moved"]++
		}
	} else {
		l.outcomes["end of nothing"]++
	}
}

func (l *life) requireNotAllowed(t *testing.T, err error, what string) {
	t.Helper()
	u, ok := apperr.AsUserErrors(err)
	if !ok || len(u) != 1 || u[0].Code != apperr.NotAllowed || !slices.Equal(u[0].Field, []string{"input", "tenantId"}) {
		l.fatalf(t, "%s: %v, want NOT_ALLOWED on input.tenantId", what, err)
	}
}

// planAt is the plan of a kind in force at instant at (0: none).
func (m *modelTenant) planAt(k enums.PlanKind, at time.Time) int {
	if m.endsAt != nil && !at.Before(*m.endsAt) {
		return 0
	}
	plan := 0
	for _, s := range m.plans[k] {
		if !s.from.After(at) {
			plan = s.plan
		}
	}
	return plan
}

// set makes plan the plan of kind k from at on, and reports whether that
// changed anything: what was in force before at stays, what would have come
// from at on is replaced.
func (m *modelTenant) set(k enums.PlanKind, plan int, at time.Time) bool {
	old := m.plans[k]
	var segs []segment
	for _, s := range old {
		if s.from.Before(at) {
			segs = append(segs, s)
		}
	}
	if len(segs) == 0 || segs[len(segs)-1].plan != plan {
		segs = append(segs, segment{at, plan})
	}
	m.plans[k] = segs
	return !sameSegments(old, segs)
}

// end makes at the tenant's end, unless an earlier or equal end is already
// scheduled; nothing is in force from at on.
func (m *modelTenant) end(at time.Time) bool {
	if m.endsAt != nil && !at.Before(*m.endsAt) {
		return false
	}
	m.endsAt = &at
	for _, k := range kinds {
		var segs []segment
		for _, s := range m.plans[k] {
			if s.from.Before(at) {
				segs = append(segs, s)
			}
		}
		m.plans[k] = segs
	}
	return true
}

// rows reads every subscription and managed tenant of the partner, past
// any privacy rule.
func (l *life) rows(t *testing.T) (map[int]*ent.Tenant, []*ent.Subscription) {
	t.Helper()
	sys := rule.SystemContext(context.Background())
	ts, err := l.client.Tenant.Query().Where(tenant.PartnerID(l.partner.ID)).All(sys)
	if err != nil {
		l.fatalf(t, "read tenants: %v", err)
	}
	subs, err := l.client.Subscription.Query().Order(subscription.ByStartedAt(), subscription.ByID()).All(sys)
	if err != nil {
		l.fatalf(t, "read subscriptions: %v", err)
	}
	byID := map[int]*ent.Tenant{}
	for _, tn := range ts {
		byID[tn.ID] = tn
	}
	return byID, subs
}

func wholeSecond(t time.Time) bool { return t.Equal(t.Truncate(time.Second)) }

func endOr(end *time.Time, inf time.Time) time.Time {
	if end == nil {
		return inf
	}
	return *end
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// checkRows checks, straight from the database, what must hold at every
// step, then that the rows say what the model says.
func (l *life) checkRows(t *testing.T) {
	t.Helper()
	tenants, subs := l.rows(t)
	if len(tenants) != len(l.tenants) {
		l.fatalf(t, "%d managed tenants in the database, %d created", len(tenants), len(l.tenants))
	}
	inf := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	byTenantKind := map[int]map[enums.PlanKind][]*ent.Subscription{}
	for _, s := range subs {
		tn := tenants[s.TenantID]
		p := l.planByID[s.PlanID]
		switch {
		case tn == nil:
			l.fatalf(t, "subscription %d of tenant %d, not a tenant of the partner", s.ID, s.TenantID)
		case p == nil || s.Kind != p.Kind || s.MonthlyPrice != p.MonthlyPrice || s.Currency != p.Currency:
			l.fatalf(t, "subscription %+v does not copy its plan %+v", s, p)
		case s.BilledToID != l.partner.ID || s.Currency != l.partner.Currency:
			l.fatalf(t, "subscription %+v is not billed to the partner in its currency", s)
		// A subscription that runs for no time at all is removed, never kept.
		case s.EndedAt != nil && !s.StartedAt.Before(*s.EndedAt):
			l.fatalf(t, "subscription %d runs for no time: [%s, %s)", s.ID, s.StartedAt, s.EndedAt)
		// Creations, changes and ends take effect on whole seconds.
		case !wholeSecond(s.StartedAt) || !wholeSecond(tn.CreatedAt):
			l.fatalf(t, "subscription %d starts at %s (its tenant created at %s), inside a second", s.ID, s.StartedAt, tn.CreatedAt)
		case s.EndedAt != nil && !wholeSecond(*s.EndedAt):
			l.fatalf(t, "subscription %d ends inside a second, at %s", s.ID, s.EndedAt)
		// Nothing starts before its tenant was created.
		case s.StartedAt.Before(tn.CreatedAt):
			l.fatalf(t, "subscription %d starts at %s, before its tenant was created at %s", s.ID, s.StartedAt, tn.CreatedAt)
		// A change scheduled for later starts at the next month's first
		// instant, the only later instant a change can ask for.
		case s.StartedAt.After(l.now) && !s.StartedAt.Equal(billing.PeriodOf(l.now).End):
			l.fatalf(t, "subscription %d starts at %s, later than now and not at the next month", s.ID, s.StartedAt)
		}
		// Nothing runs after the tenant's end.
		if tn.EndsAt != nil && (s.EndedAt == nil || s.EndedAt.After(*tn.EndsAt) || !s.StartedAt.Before(*tn.EndsAt)) {
			l.fatalf(t, "subscription %d [%s, %v) runs after its tenant's end %s", s.ID, s.StartedAt, s.EndedAt, tn.EndsAt)
		}
		if byTenantKind[s.TenantID] == nil {
			byTenantKind[s.TenantID] = map[enums.PlanKind][]*ent.Subscription{}
		}
		byTenantKind[s.TenantID][s.Kind] = append(byTenantKind[s.TenantID][s.Kind], s)
	}
	for id, byKind := range byTenantKind {
		for k, ss := range byKind {
			// At every instant at most one subscription of a kind runs:
			// no two intervals [startedAt, endedAt) of a kind overlap.
			for i, a := range ss {
				for _, b := range ss[i+1:] {
					if a.StartedAt.Before(endOr(b.EndedAt, inf)) && b.StartedAt.Before(endOr(a.EndedAt, inf)) {
						l.fatalf(t, "tenant %d: %s subscriptions %d [%s, %v) and %d [%s, %v) overlap",
							id, k, a.ID, a.StartedAt, a.EndedAt, b.ID, b.StartedAt, b.EndedAt)
					}
				}
			}
		}
	}
	for _, m := range l.tenants {
		tn := tenants[m.id]
		if tn.EndsAt != nil && !wholeSecond(*tn.EndsAt) {
			l.fatalf(t, "%s ends inside a second: %s", m.name, tn.EndsAt)
		}
		if !sameTime(tn.EndsAt, m.endsAt) {
			l.fatalf(t, "%s: endsAt %v, want %v", m.name, tn.EndsAt, m.endsAt)
		}
		for _, k := range kinds {
			ss := byTenantKind[m.id][k]
			// No gaps either: from its creation to its end (or forever),
			// each subscription of a kind starts where the one before ended.
			for i := 1; i < len(ss); i++ {
				if ss[i-1].EndedAt == nil || !ss[i-1].EndedAt.Equal(ss[i].StartedAt) {
					l.fatalf(t, "%s: %s subscriptions %d and %d leave a gap or overlap: [.., %v) then [%s, ..)",
						m.name, k, ss[i-1].ID, ss[i].ID, ss[i-1].EndedAt, ss[i].StartedAt)
				}
			}
			if n := len(ss); n > 0 && !sameTime(ss[n-1].EndedAt, tn.EndsAt) {
				l.fatalf(t, "%s: the last %s subscription ends at %v, the tenant at %v", m.name, k, ss[n-1].EndedAt, tn.EndsAt)
			}
			var got []segment
			for _, s := range ss {
				if n := len(got); n > 0 && got[n-1].plan == s.PlanID {
					continue // the same plan again: one segment
				}
				got = append(got, segment{s.StartedAt, s.PlanID})
			}
			if !sameSegments(got, m.plans[k]) {
				l.fatalf(t, "%s: %s plans in force %v, the spec says %v", m.name, k, got, m.plans[k])
			}
		}
	}
	l.checkAudit(t)
	l.checkCurrentPlans(t)
}

// checkAudit: one event for each change that changed something, none
// otherwise.
func (l *life) checkAudit(t *testing.T) {
	t.Helper()
	events, err := l.client.AuditEvent.Query().Where(auditevent.TenantID(l.partner.ID)).
		Select(auditevent.FieldAction).Strings(rule.SystemContext(context.Background()))
	if err != nil {
		l.fatalf(t, "read audit events: %v", err)
	}
	got := map[string]int{}
	for _, a := range events {
		got[a]++
	}
	for _, action := range []string{audit.ManagedTenantCreate, audit.ManagedTenantPlansChange, audit.ManagedTenantEnd} {
		if got[action] != l.audits[action] {
			l.fatalf(t, "%d %s audit events, want %d", got[action], action, l.audits[action])
		}
	}
	if len(events) != l.audits[audit.ManagedTenantCreate]+l.audits[audit.ManagedTenantPlansChange]+l.audits[audit.ManagedTenantEnd] {
		l.fatalf(t, "audit events %v, want %v", got, l.audits)
	}
}

// checkCurrentPlans: tenantPlan and supportPlan (billing.CurrentPlans) are
// the plans in force now.
func (l *life) checkCurrentPlans(t *testing.T) {
	t.Helper()
	ids := make([]int, len(l.tenants))
	for i, m := range l.tenants {
		ids[i] = m.id
	}
	cps, err := l.bill.CurrentPlans(l.ctx(), ids)
	if err != nil {
		l.fatalf(t, "current plans: %v", err)
	}
	for i, m := range l.tenants {
		for _, k := range kinds {
			p := cps[i].Tenant
			if k == enums.PlanKindSupport {
				p = cps[i].Support
			}
			got := 0
			if p != nil {
				got = p.ID
			}
			if want := m.planAt(k, l.now); got != want {
				l.fatalf(t, "%s: current %s plan %d, want %d", m.name, k, got, want)
			}
		}
	}
}

// checkInvoices builds the partner's invoice of every month around the
// year and checks each line against its subscription row, computed here
// with math/big: price x seconds / seconds in the month, rounded half-up.
func (l *life) checkInvoices(t *testing.T) {
	t.Helper()
	_, subs := l.rows(t)
	byID := map[int]*ent.Subscription{}
	for _, s := range subs {
		byID[s.ID] = s
	}
	for month := yearStart.AddDate(0, -1, 0); !month.After(yearEnd); month = month.AddDate(0, 1, 0) {
		period := month.Format("2006-01")
		inv, err := l.bill.PartnerInvoice(l.ctx(), l.partner.ID, period)
		if err != nil {
			l.fatalf(t, "%s invoice: %v", period, err)
		}
		// The month's length from the calendar: day 0 of the next month is
		// the last day of this one.
		next := time.Date(month.Year(), month.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		monthSeconds := int64(next.AddDate(0, 0, -1).Day()) * 86400

		want := map[int]billing.Line{}
		for _, s := range subs {
			// SPEC 7: from the later of its start and the month's, to the
			// earlier of its end and the next month's start.
			from, to := s.StartedAt, next
			if from.Before(month) {
				from = month
			}
			if s.EndedAt != nil && s.EndedAt.Before(next) {
				to = *s.EndedAt
			}
			if !from.Before(to) {
				continue
			}
			span := to.Sub(from)
			if span%time.Second != 0 {
				l.fatalf(t, "%s: subscription %d runs %s in the month, not whole seconds", period, s.ID, span)
			}
			seconds := int64(span / time.Second)
			want[s.ID] = billing.Line{SubscriptionID: s.ID, TenantID: s.TenantID, PlanID: s.PlanID, Kind: string(s.Kind),
				From: from, To: to, Amount: halfUp(s.MonthlyPrice, seconds, monthSeconds)}
		}
		total := new(big.Int)
		seconds := map[string]int64{} // by tenant and kind
		for _, ln := range inv.Lines {
			w, ok := want[ln.SubscriptionID]
			if !ok {
				l.fatalf(t, "%s: a line of subscription %d, which does not run in the month: %+v", period, ln.SubscriptionID, ln)
			}
			if ln.TenantID != w.TenantID || ln.PlanID != w.PlanID || ln.Kind != w.Kind ||
				!ln.From.Equal(w.From) || !ln.To.Equal(w.To) || ln.Amount != w.Amount {
				l.fatalf(t, "%s: line %+v, want %+v (subscription %+v)", period, ln, w, byID[ln.SubscriptionID])
			}
			delete(want, ln.SubscriptionID)
			total.Add(total, big.NewInt(ln.Amount))
			seconds[fmt.Sprint(ln.TenantID, ln.Kind)] += ln.To.Unix() - ln.From.Unix()
		}
		if len(want) > 0 {
			l.fatalf(t, "%s: no line for subscriptions %v", period, want)
		}
		if !total.IsInt64() || total.Int64() != inv.Total || inv.Currency != l.partner.Currency {
			l.fatalf(t, "%s: total %d %s, the lines add up to %s %s", period, inv.Total, inv.Currency, total, l.partner.Currency)
		}
		// Every second a tenant has a plan of a kind is billed once: from
		// its creation to its end, within the month.
		for _, m := range l.tenants {
			from := max(m.created.Unix(), month.Unix())
			to := min(endOr(m.endsAt, next).Unix(), next.Unix())
			for _, k := range kinds {
				if got, want := seconds[fmt.Sprint(m.id, k)], max(to-from, 0); got != want {
					l.fatalf(t, "%s: %s billed for %d seconds of %s, it had one for %d", period, m.name, got, k, want)
				}
			}
		}
	}
}

// halfUp is price x seconds / monthSeconds rounded half-up, in exact
// integers: floor((2 x price x seconds + monthSeconds) / (2 x monthSeconds)).
func halfUp(price, seconds, monthSeconds int64) int64 {
	num := new(big.Int).Mul(big.NewInt(price), big.NewInt(seconds))
	num.Mul(num, big.NewInt(2))
	num.Add(num, big.NewInt(monthSeconds))
	den := new(big.Int).Mul(big.NewInt(2), big.NewInt(monthSeconds))
	q := new(big.Int).Quo(num, den) // non-negative: truncation is floor
	return q.Int64()
}
