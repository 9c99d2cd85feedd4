package graph_test

// End-to-end tests of changeManagedTenantPlans (SPEC 10): NOW and
// START_OF_NEXT_PERIOD, one kind or both, scheduled changes replaced,
// cancelled and brought forward, changes that change nothing, bad input,
// and idempotency keys. The helpers (life, its clock, subRow) are in
// lifecycle_test.go.

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/plan"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

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
		at:     lifeNow,
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
		at:     lifeNow, // written when asked; "from" says when it takes effect
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
		// As the code writes it: before and after both t-pro (the plan in
		// force from now), so the event does not say which scheduled plan
		// was cancelled.
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

// A change of one kind leaves the other kind alone, its scheduled change
// included.
func TestChangePlansOfOneKindLeaveTheOther(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	l.changePlans(t, l.Managed, "supportPlanId", l.plan("s-24x7"), "timing", "START_OF_NEXT_PERIOD")
	l.clock.Set(lifeNow.Add(time.Hour))
	l.changePlans(t, l.Managed, "tenantPlanId", l.plan("t-basic"))
	const at = "2026-12-10T11:20:30.000Z"
	l.requireSubscriptions(t, l.Managed,
		subRow("SUPPORT", "s-24x7", nextPeriod, ""),
		subRow("TENANT", "t-basic", at, ""),
		subRow("SUPPORT", "s-prem", worldStart, nextPeriod),
		subRow("TENANT", "t-pro", worldStart, at),
	)
}

// A tenant without a subscription of a kind gets one: nothing ends, and
// the audit event's before is null for that kind.
func TestChangePlansStartsAMissingKind(t *testing.T) {
	t.Parallel()
	l := newLife(t)
	bare := l.Tenant(testkit.TenantSpec{Name: "Bare Shop", ManagedBy: l.Partner, CreatedAt: worldStartTime})
	l.Subscribe(bare, l.Catalog.Plans["t-pro"], l.Partner, worldStartTime)
	since := auditCount(t, l.Client, l.Partner)
	got := l.changePlans(t, bare, "supportPlanId", l.plan("s-std"))
	if code(got.TenantPlan) != "t-pro" || code(got.SupportPlan) != "s-std" {
		t.Errorf("plans = %v, %v", got.TenantPlan, got.SupportPlan)
	}
	l.requireSubscriptions(t, bare,
		subRow("SUPPORT", "s-std", lifeT, ""),
		subRow("TENANT", "t-pro", worldStart, ""),
	)
	requireAudit(t, l.Client, l.Partner, since, auditEvent{
		action: "managed_tenant.plans_change", actor: l.PartnerAdmin.ID, target: testkit.ID(bare.ID),
		before: map[string]any{"supportPlan": nil},
		after:  map[string]any{"supportPlan": l.plan("s-std"), "from": lifeTJSON},
	})
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
	t.Run("same key, same input, after the plan was retired", func(t *testing.T) {
		if err := l.Client.Plan.Update().Where(plan.ID(l.Catalog.Plans["t-max"].ID)).SetActive(false).Exec(sys); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := l.Client.Plan.Update().Where(plan.ID(l.Catalog.Plans["t-max"].ID)).SetActive(true).Exec(sys); err != nil {
				t.Fatal(err)
			}
		}()
		if again := l.done(t, admin, changePlansMutation, in); again.ID != first.ID {
			t.Errorf("replay answered %s", again.ID)
		}
		testkit.RequireRows(t, l.Store, after)
		// Without the key, the same input is now refused.
		p := l.mutate(t, admin, changePlansMutation, tenantInput(l.Managed, "tenantPlanId", l.plan("t-max")))
		testkit.RequireUserErrors(t, &p, "input.tenantPlanId:INVALID")
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
	// A retry of a change that was made answers it, as at creation (SPEC 4:
	// "returns the tenant ... and creates nothing"), also once the tenant's
	// end is scheduled or has come and new changes are refused.
	t.Run("same key, same input, after the tenant's end", func(t *testing.T) {
		fresh := tenantInput(l.Managed, "supportPlanId", l.plan("s-std"), "idempotencyKey", "change-0003")
		for _, timing := range []string{"START_OF_NEXT_PERIOD", "NOW"} {
			l.clock.Set(l.clock.Now().Add(time.Hour))
			l.end(t, l.Managed, timing)
			before := testkit.Rows(t, l.Store)
			state := storedState(t, l.Client, l.Managed.ID)
			p := l.mutate(t, admin, changePlansMutation, in)
			if len(p.UserErrors) != 0 || p.ManagedTenant == nil || p.ManagedTenant.ID != first.ID {
				t.Errorf("end %s: replay = %+v, want the tenant", timing, p)
			}
			testkit.RequireRows(t, l.Store, before)
			if now := storedState(t, l.Client, l.Managed.ID); !slices.Equal(now, state) {
				t.Errorf("end %s: a replay changed the subscriptions", timing)
			}
			// A change never made is refused.
			p = l.mutate(t, admin, changePlansMutation, fresh)
			testkit.RequireUserErrors(t, &p, "input.tenantId:NOT_ALLOWED")
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
