package tenancy_test

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/privacy"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/auditevent"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/ent/subscription"
	"github.com/phystack/managed-tenants-api/internal/tenancy"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

// TestLifeChangesTakeTheirInstantUnderTheLock replays, deterministically,
// a change (or an end) A that waits for the tenant's lock while a plan
// change B commits, on a clock that moves on as time does (a second per
// reading). Changes are serialised by the tenant lock, so A must take
// effect after B, at an instant read once it holds the lock: the outcome is
// the serial order B then A. An instant read before waiting would be
// earlier than B's: A would then take B's new subscription for a change
// scheduled for later and remove it, while B was answered, audited and
// billed for nothing (and an end would stop the tenant before a change
// that succeeded).
//
// PostgreSQL only: SQLite's write transactions take the database's lock as
// they begin (immediate), before anything is read.
func TestLifeChangesTakeTheirInstantUnderTheLock(t *testing.T) {
	t.Parallel()
	if testkit.PostgresURL() == "" {
		t.Skip("TEST_DATABASE_URL is not set: row locks are PostgreSQL's")
	}
	for _, a := range []string{"change", "end"} {
		t.Run(a, func(t *testing.T) {
			t.Parallel()
			s := newScene(t)
			base := time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC)
			var readings atomic.Int64
			s.svc.Clock = func() time.Time { return base.Add(time.Duration(readings.Add(1)) * time.Second) }
			sys := rule.SystemContext(context.Background())
			tn := s.f.Tenant(testkit.TenantSpec{Name: "Raced", ManagedBy: s.partner})
			running := s.f.Subscribe(tn, s.catalog.Plans["t-pro"], s.partner, base.AddDate(0, 0, -10))
			s.f.Subscribe(tn, s.catalog.Plans["s-prem"], s.partner, base.AddDate(0, 0, -10))
			basic, max := s.catalog.Plans["t-basic"].ID, s.catalog.Plans["t-max"].ID

			// B runs in A's window: when A first reads the tenant as the
			// system, which it does to lock it.
			var fired atomic.Bool
			var errB error
			s.st.Client.Tenant.Intercept(ent.InterceptFunc(func(next ent.Querier) ent.Querier {
				return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
					if d, ok := privacy.DecisionFromContext(ctx); ok && d == nil && fired.CompareAndSwap(false, true) {
						_, errB = s.svc.ChangePlans(s.as(s.admin.ID), tenancy.ChangePlansInput{TenantID: tn.ID, TenantPlanID: &basic})
					}
					return next.Query(ctx, q)
				})
			}))
			var err error
			if a == "change" {
				_, err = s.svc.ChangePlans(s.as(s.admin.ID), tenancy.ChangePlansInput{TenantID: tn.ID, TenantPlanID: &max})
			} else {
				_, err = s.svc.End(s.as(s.admin.ID), tenancy.EndInput{TenantID: tn.ID})
			}
			if !fired.Load() || errB != nil || err != nil {
				t.Fatalf("B fired %v: %v; A: %v", fired.Load(), errB, err)
			}

			events, err := s.st.Client.AuditEvent.Query().Where(auditevent.TenantID(s.partner.ID)).Order(auditevent.ByID()).All(sys)
			if err != nil || len(events) != 2 {
				t.Fatalf("audit events %v (%v), want B's and A's", events, err)
			}
			tB, tA := events[0].CreatedAt, events[1].CreatedAt
			if !tB.Before(tA) {
				t.Errorf("A committed after B but took effect at %s, before B's %s", tA, tB)
			}
			subs, err := s.st.Client.Subscription.Query().
				Where(subscription.TenantID(tn.ID), subscription.KindEQ(enums.PlanKindTenant)).
				Order(subscription.ByStartedAt(), subscription.ByID()).All(sys)
			if err != nil {
				t.Fatal(err)
			}
			// B then A: t-pro until B, t-basic from B until A, then A's
			// plan (or the end). A zero time is no end.
			want := []span{{running.PlanID, running.StartedAt, tB}, {basic, tB, tA}}
			if a == "change" {
				want = append(want, span{max, tA, time.Time{}})
			}
			var got []span
			for _, sub := range subs {
				sp := span{plan: sub.PlanID, from: sub.StartedAt.UTC()}
				if sub.EndedAt != nil {
					sp.to = sub.EndedAt.UTC()
				}
				got = append(got, sp)
			}
			if !slices.EqualFunc(got, want, func(g, w span) bool {
				return g.plan == w.plan && g.from.Equal(w.from) && g.to.Equal(w.to)
			}) {
				t.Errorf("TENANT subscriptions\n  %v\nare not those of B then A:\n  %v", got, want)
			}
		})
	}
}

// span is a subscription's plan and interval [from, to), to zero when none.
type span struct {
	plan     int
	from, to time.Time
}

func (s span) String() string {
	to := "..."
	if !s.to.IsZero() {
		to = s.to.Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("plan %d [%s, %s)", s.plan, s.from.Format(time.RFC3339Nano), to)
}
