package tenancy_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	entgo "entgo.io/ent"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/hook"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/subscription"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/tenancy"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

// lifeState spells everything a SPEC 10 mutation may write about a tenant:
// its row's name, country and end, and its subscriptions with every column.
func lifeState(t *testing.T, c *ent.Client, tenantID int) []string {
	t.Helper()
	sys := rule.SystemContext(context.Background())
	tn, err := c.Tenant.Get(sys, tenantID)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{fmt.Sprintf("tenant %q %s ends %v", tn.DisplayName, tn.Country, tn.EndsAt)}
	subs, err := c.Subscription.Query().Where(subscription.TenantID(tenantID)).
		Order(ent.Asc(subscription.FieldID)).All(sys)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		out = append(out, fmt.Sprintf("%d %s plan %d %d %s from %s to %v", s.ID, s.Kind, s.PlanID, s.MonthlyPrice,
			s.Currency, s.StartedAt.UTC().Format(time.RFC3339Nano), s.EndedAt))
	}
	return out
}

// failOn makes the writes a failure case names fail while fail is set.
type failOn struct {
	name    string
	install func(c *ent.Client, fail *atomic.Bool)
}

func failSubscriptions(op entgo.Op) func(c *ent.Client, fail *atomic.Bool) {
	return func(c *ent.Client, fail *atomic.Bool) {
		c.Subscription.Use(func(next ent.Mutator) ent.Mutator {
			return hook.SubscriptionFunc(func(ctx context.Context, m *ent.SubscriptionMutation) (ent.Value, error) {
				if fail.Load() && m.Op().Is(op) {
					return nil, errInjected
				}
				return next.Mutate(ctx, m)
			})
		})
	}
}

func failAuditEvents(c *ent.Client, fail *atomic.Bool) {
	c.AuditEvent.Use(func(next ent.Mutator) ent.Mutator {
		return hook.AuditEventFunc(func(ctx context.Context, m *ent.AuditEventMutation) (ent.Value, error) {
			if fail.Load() {
				return nil, errInjected
			}
			return next.Mutate(ctx, m)
		})
	})
}

func failTenantUpdates(c *ent.Client, fail *atomic.Bool) {
	c.Tenant.Use(func(next ent.Mutator) ent.Mutator {
		return hook.TenantFunc(func(ctx context.Context, m *ent.TenantMutation) (ent.Value, error) {
			if fail.Load() && m.Op().Is(entgo.OpUpdateOne|entgo.OpUpdate) {
				return nil, errInjected
			}
			return next.Mutate(ctx, m)
		})
	})
}

// lifeScene is a scene with a managed tenant on t-pro and s-prem since the
// first of the month, and a change to t-max scheduled for the next month:
// each mutation below has rows to end, remove and add.
func lifeScene(t *testing.T) (*scene, *ent.Tenant) {
	t.Helper()
	s := newScene(t)
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	tn := s.f.Tenant(testkit.TenantSpec{Name: "Life Shop", ManagedBy: s.partner, CreatedAt: start})
	s.f.Subscribe(tn, s.catalog.Plans["t-pro"], s.partner, start)
	s.f.Subscribe(tn, s.catalog.Plans["s-prem"], s.partner, start)
	max := s.catalog.Plans["t-max"].ID
	if _, err := s.svc.ChangePlans(s.as(s.admin.ID), tenancy.ChangePlansInput{
		TenantID: tn.ID, TenantPlanID: &max, Timing: tenancy.StartOfNextPeriod,
	}); err != nil {
		t.Fatal(err)
	}
	return s, tn
}

// TestLifeMutationsAreAllOrNothing makes each write of each SPEC 10 mutation
// fail in turn, after the writes before it succeeded, and shows that nothing
// of the change remains, that the failure is not a user error, and that the
// same request then succeeds (for a plan change: its key was not recorded).
func TestLifeMutationsAreAllOrNothing(t *testing.T) {
	t.Parallel()
	key := "all-or-nothing"
	tests := []struct {
		mutation string
		run      func(s *scene, tn *ent.Tenant) error
		changes  testkit.RowCounts // what the mutation writes once it succeeds
		failures []failOn
	}{
		{
			mutation: "ChangePlans NOW",
			run: func(s *scene, tn *ent.Tenant) error {
				basic, std := s.catalog.Plans["t-basic"].ID, s.catalog.Plans["s-std"].ID
				_, err := s.svc.ChangePlans(s.as(s.admin.ID), tenancy.ChangePlansInput{
					TenantID: tn.ID, TenantPlanID: &basic, SupportPlanID: &std, Timing: tenancy.Now, IdempotencyKey: &key,
				})
				return err
			},
			// t-max (scheduled) removed; t-basic and s-std added.
			changes: testkit.RowCounts{"subscriptions": 1, "audit_events": 1, "idempotency_keys": 1},
			failures: []failOn{
				{"removing the scheduled subscription", failSubscriptions(entgo.OpDeleteOne | entgo.OpDelete)},
				{"ending the running one", failSubscriptions(entgo.OpUpdateOne | entgo.OpUpdate)},
				{"creating the new one", failSubscriptions(entgo.OpCreate)},
				{"the audit event", failAuditEvents},
				{"recording the key", func(c *ent.Client, fail *atomic.Bool) {
					c.IdempotencyKey.Use(func(next ent.Mutator) ent.Mutator {
						return hook.IdempotencyKeyFunc(func(ctx context.Context, m *ent.IdempotencyKeyMutation) (ent.Value, error) {
							if fail.Load() && m.Op().Is(entgo.OpCreate) {
								return nil, errInjected
							}
							return next.Mutate(ctx, m)
						})
					})
				}},
			},
		},
		{
			mutation: "Update",
			run: func(s *scene, tn *ent.Tenant) error {
				name, country := "Renamed Shop", "fi"
				_, err := s.svc.Update(s.as(s.admin.ID), tenancy.UpdateInput{TenantID: tn.ID, DisplayName: &name, Country: &country})
				return err
			},
			changes: testkit.RowCounts{"audit_events": 1},
			failures: []failOn{
				{"the audit event", failAuditEvents},
			},
		},
		{
			mutation: "End NOW",
			run: func(s *scene, tn *ent.Tenant) error {
				_, err := s.svc.End(s.as(s.admin.ID), tenancy.EndInput{TenantID: tn.ID, Timing: tenancy.Now})
				return err
			},
			changes: testkit.RowCounts{"subscriptions": -1, "audit_events": 1},
			failures: []failOn{
				{"ending the subscriptions", failSubscriptions(entgo.OpUpdateOne | entgo.OpUpdate)},
				{"removing the scheduled subscription", failSubscriptions(entgo.OpDeleteOne | entgo.OpDelete)},
				{"setting the end", failTenantUpdates},
				{"the audit event", failAuditEvents},
			},
		},
	}
	for _, tc := range tests {
		for _, fc := range tc.failures {
			t.Run(tc.mutation+"/"+fc.name, func(t *testing.T) {
				t.Parallel()
				s, tn := lifeScene(t)
				var fail atomic.Bool
				fc.install(s.st.Client, &fail)
				before := testkit.Rows(t, s.st)
				state := lifeState(t, s.st.Client, tn.ID)

				fail.Store(true)
				err := tc.run(s, tn)
				if !errors.Is(err, errInjected) {
					t.Fatalf("%s = %v; want the injected failure", tc.mutation, err)
				}
				if _, ok := apperr.AsUserErrors(err); ok {
					t.Errorf("a system failure came back as user errors: %v", err)
				}
				testkit.RequireRows(t, s.st, before)
				if now := lifeState(t, s.st.Client, tn.ID); !slices.Equal(now, state) {
					t.Errorf("after the failure:\n  %v\nwant\n  %v", now, state)
				}

				fail.Store(false)
				if err := tc.run(s, tn); err != nil {
					t.Fatalf("retry: %v", err)
				}
				testkit.RequireRows(t, s.st, before.Plus(tc.changes))
				if now := lifeState(t, s.st.Client, tn.ID); slices.Equal(now, state) {
					t.Errorf("the retry changed nothing: %v", now)
				}
			})
		}
	}
}
