package tenancy_test

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	entgo "entgo.io/ent"
	"entgo.io/ent/dialect/sql/sqlgraph"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/hook"
	"github.com/phystack/managed-tenants-api/ent/plan"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/ent/subscription"
	"github.com/phystack/managed-tenants-api/ent/tenant"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/store"
	"github.com/phystack/managed-tenants-api/internal/tenancy"
	"github.com/phystack/managed-tenants-api/internal/testkit"
	"github.com/phystack/managed-tenants-api/internal/viewer"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// scene is a partner with a catalog and an admin, in a store of its own,
// with a Service on a fixed clock.
type scene struct {
	st      *store.Store
	f       *testkit.Fixture
	partner *ent.Tenant
	catalog *testkit.Catalog
	admin   *ent.User
	svc     *tenancy.Service
	now     time.Time
}

func newStore(t *testing.T) *store.Store {
	t.Helper()
	return testkit.Store(t)
}

func newScene(t *testing.T) *scene {
	t.Helper()
	st := newStore(t)
	f := testkit.NewFixture(t, st.Client)
	s := &scene{st: st, f: f, now: time.Date(2026, 11, 16, 9, 30, 15, 123456000, time.UTC)}
	s.partner, s.catalog = f.Partner("Unit Partner")
	s.admin = f.User("unit-admin@example.com")
	f.Member(s.partner, s.admin, enums.RoleAdmin)
	s.svc = &tenancy.Service{Client: st.Client, Dialect: st.Dialect, Clock: func() time.Time { return s.now }}
	return s
}

// as is a request context of a viewer that is ADMIN of the partner.
func (s *scene) as(userID int) context.Context {
	return viewer.NewContext(context.Background(),
		viewer.New(userID, "unit@example.com", false, map[int]enums.Role{s.partner.ID: enums.RoleAdmin}))
}

func (s *scene) input(name string, key *string) tenancy.CreateInput {
	return tenancy.CreateInput{
		PartnerID:      s.partner.ID,
		DisplayName:    name,
		Country:        "de",
		TenantPlanID:   s.catalog.Plans["t-pro"].ID,
		SupportPlanID:  s.catalog.Plans["s-prem"].ID,
		IdempotencyKey: key,
	}
}

var errInjected = errors.New("injected failure")

// TestCreateManagedTenantIsAllOrNothing makes each write after the tenant
// insert fail in turn and shows that nothing of the creation remains, that
// the failure is not a user error, and that the key is not recorded.
func TestCreateManagedTenantIsAllOrNothing(t *testing.T) {
	t.Parallel()
	failures := []struct {
		name    string
		install func(c *ent.Client, fail *atomic.Bool)
	}{
		{"membership", func(c *ent.Client, fail *atomic.Bool) {
			c.Membership.Use(func(next ent.Mutator) ent.Mutator {
				return hook.MembershipFunc(func(ctx context.Context, m *ent.MembershipMutation) (ent.Value, error) {
					if fail.Load() {
						return nil, errInjected
					}
					return next.Mutate(ctx, m)
				})
			})
		}},
		{"second subscription", func(c *ent.Client, fail *atomic.Bool) {
			c.Subscription.Use(func(next ent.Mutator) ent.Mutator {
				return hook.SubscriptionFunc(func(ctx context.Context, m *ent.SubscriptionMutation) (ent.Value, error) {
					if k, _ := m.Kind(); fail.Load() && k == enums.PlanKindSupport {
						return nil, errInjected
					}
					return next.Mutate(ctx, m)
				})
			})
		}},
		{"audit event", func(c *ent.Client, fail *atomic.Bool) {
			c.AuditEvent.Use(func(next ent.Mutator) ent.Mutator {
				return hook.AuditEventFunc(func(ctx context.Context, m *ent.AuditEventMutation) (ent.Value, error) {
					if fail.Load() {
						return nil, errInjected
					}
					return next.Mutate(ctx, m)
				})
			})
		}},
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
	}
	for _, fc := range failures {
		t.Run(fc.name, func(t *testing.T) {
			t.Parallel()
			s := newScene(t)
			var fail atomic.Bool
			fail.Store(true)
			fc.install(s.st.Client, &fail)
			before := testkit.Rows(t, s.st)
			key := "all-or-nothing"

			got, err := s.svc.CreateManagedTenant(s.as(s.admin.ID), s.input("Atomic Shop", &key))
			if !errors.Is(err, errInjected) || got != nil {
				t.Fatalf("CreateManagedTenant = %v, %v; want the injected failure", got, err)
			}
			if _, ok := apperr.AsUserErrors(err); ok {
				t.Errorf("a system failure came back as user errors: %v", err)
			}
			testkit.RequireRows(t, s.st, before)

			// The key was not recorded: the same request now succeeds,
			// and the tenant it creates has every part.
			fail.Store(false)
			got, err = s.svc.CreateManagedTenant(s.as(s.admin.ID), s.input("Atomic Shop", &key))
			if err != nil || got == nil {
				t.Fatalf("retry: %v, %v", got, err)
			}
			testkit.RequireRows(t, s.st, before.Plus(testkit.RowCounts{
				"tenants": 1, "memberships": 1, "subscriptions": 2, "audit_events": 1, "idempotency_keys": 1,
			}))
		})
	}
}

// TestCreateManagedTenantUnknownCreatorLeavesNothing: a creator whose user
// row is gone by the time the tenant is written (here: a hook points
// created_by at a user that does not exist) fails the insert on a foreign
// key; nothing may remain, and the failure is not a user error.
func TestCreateManagedTenantUnknownCreatorLeavesNothing(t *testing.T) {
	t.Parallel()
	s := newScene(t)
	ghost := s.admin.ID + 1_000_000
	s.st.Client.Tenant.Use(func(next ent.Mutator) ent.Mutator {
		return hook.TenantFunc(func(ctx context.Context, m *ent.TenantMutation) (ent.Value, error) {
			if m.Op().Is(entgo.OpCreate) {
				m.SetCreatedByID(ghost)
			}
			return next.Mutate(ctx, m)
		})
	})
	before := testkit.Rows(t, s.st)
	got, err := s.svc.CreateManagedTenant(s.as(s.admin.ID), s.input("Ghost Shop", nil))
	if !sqlgraph.IsForeignKeyConstraintError(err) || got != nil {
		t.Fatalf("CreateManagedTenant by a missing user = %v, %v; want a foreign-key failure", got, err)
	}
	testkit.RequireRows(t, s.st, before)
	// A foreign-key failure is a system failure (SPEC 8: INTERNAL), not a
	// taken name: the name "Ghost Shop" is free.
	if u, ok := apperr.AsUserErrors(err); ok {
		t.Errorf("a foreign-key failure of the tenant insert must not be a user error (TAKEN): got %v", u)
	}
}

// TestCreateManagedTenantTimes: the tenant, its subscriptions and the audit
// event share the creation instant: the service clock's second (the clock
// reads 09:30:15.123456, the creation takes effect at 09:30:15, as every
// change of a tenant's life does, since invoices count whole seconds).
func TestCreateManagedTenantTimes(t *testing.T) {
	t.Parallel()
	s := newScene(t)
	created := s.now.Truncate(time.Second)
	got, err := s.svc.CreateManagedTenant(s.as(s.admin.ID), s.input("  Timed Shop ", nil))
	if err != nil {
		t.Fatal(err)
	}
	sys := rule.SystemContext(context.Background())
	row, err := s.st.Client.Tenant.Get(sys, got.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !row.CreatedAt.Equal(created) || row.DisplayName != "Timed Shop" || row.Country != "DE" {
		t.Errorf("tenant = %+v, want created at %s", row, created)
	}
	subs, err := s.st.Client.Subscription.Query().Where(subscription.TenantID(got.ID)).All(sys)
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 2 {
		t.Fatalf("subscriptions = %+v", subs)
	}
	for _, sub := range subs {
		if !sub.StartedAt.Equal(created) || sub.BilledToID != s.partner.ID {
			t.Errorf("subscription %+v: want started at %s, billed to %d", sub, created, s.partner.ID)
		}
	}
	events, err := s.st.Client.AuditEvent.Query().All(sys)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || !events[0].CreatedAt.Equal(created) || events[0].TenantID != s.partner.ID ||
		events[0].ActorID == nil || *events[0].ActorID != s.admin.ID {
		t.Errorf("audit events = %+v", events)
	}
}

// TestCreateManagedTenantReplayOutlivesPlanChanges: a retry with a recorded
// key answers the first tenant even after its plan was retired, while the
// same input without the key is now refused.
func TestCreateManagedTenantReplayOutlivesPlanChanges(t *testing.T) {
	t.Parallel()
	s := newScene(t)
	key := "retire-later"
	first, err := s.svc.CreateManagedTenant(s.as(s.admin.ID), s.input("Early Bird", &key))
	if err != nil {
		t.Fatal(err)
	}
	sys := rule.SystemContext(context.Background())
	if err := s.st.Client.Plan.Update().Where(plan.ID(s.catalog.Plans["t-pro"].ID)).SetActive(false).Exec(sys); err != nil {
		t.Fatal(err)
	}
	before := testkit.Rows(t, s.st)
	again, err := s.svc.CreateManagedTenant(s.as(s.admin.ID), s.input("Early Bird", &key))
	if err != nil || again == nil || again.ID != first.ID {
		t.Fatalf("replay = %v, %v; want tenant %d", again, err, first.ID)
	}
	testkit.RequireRows(t, s.st, before)
	_, err = s.svc.CreateManagedTenant(s.as(s.admin.ID), s.input("Late Bird", nil))
	u, ok := apperr.AsUserErrors(err)
	if !ok || len(u) != 1 || !slices.Equal(u[0].Field, []string{"input", "tenantPlanId"}) || u[0].Code != apperr.Invalid {
		t.Errorf("retired plan without key: %v, want INVALID on input.tenantPlanId", err)
	}
}

// TestCreateManagedTenantRechecksPartner: the partner is checked again
// inside the transaction, so a partner unflagged by staff after the access
// check (while the plans are being checked) gets nothing created.
func TestCreateManagedTenantRechecksPartner(t *testing.T) {
	t.Parallel()
	s := newScene(t)
	sys := rule.SystemContext(context.Background())
	var unflagged atomic.Bool
	s.st.Client.Plan.Intercept(ent.InterceptFunc(func(next ent.Querier) ent.Querier {
		return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
			if unflagged.CompareAndSwap(false, true) {
				if err := s.st.Client.Tenant.UpdateOneID(s.partner.ID).SetIsPartner(false).Exec(sys); err != nil {
					return nil, err
				}
			}
			return next.Query(ctx, q)
		})
	}))
	before := testkit.Rows(t, s.st)
	_, err := s.svc.CreateManagedTenant(s.as(s.admin.ID), s.input("Too Late", nil))
	if !unflagged.Load() {
		t.Fatal("the plans were never queried: the test did not interleave")
	}
	if code, _ := apperr.CodeOf(err); code != apperr.Forbidden {
		t.Errorf("creation under a partner unflagged meanwhile: %v, want FORBIDDEN", err)
	}
	testkit.RequireRows(t, s.st, before)
	n, err := s.st.Client.Tenant.Query().Where(tenant.PartnerID(s.partner.ID)).Count(sys)
	if err != nil || n != 0 {
		t.Errorf("managed tenants of the unflagged partner: %d (%v)", n, err)
	}
}

// TestCreateManagedTenantKeyRaceAnswersTheTenant replays, deterministically,
// the interleaving of two concurrent requests with one idempotency key: B
// finds no recorded key, then A commits (here: while B checks its plans),
// then B goes on. SPEC 4: "Concurrent requests with one key create exactly
// one tenant, and every one of them answers it."
func TestCreateManagedTenantKeyRaceAnswersTheTenant(t *testing.T) {
	t.Parallel()
	s := newScene(t)
	key := "one-key-two-requests"
	var fired atomic.Bool
	var first *ent.Tenant
	var firstErr error
	s.st.Client.Plan.Intercept(ent.InterceptFunc(func(next ent.Querier) ent.Querier {
		return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
			if fired.CompareAndSwap(false, true) {
				// Request A, complete and committed, in B's window.
				first, firstErr = s.svc.CreateManagedTenant(s.as(s.admin.ID), s.input("Same Key Shop", &key))
			}
			return next.Query(ctx, q)
		})
	}))
	second, err := s.svc.CreateManagedTenant(s.as(s.admin.ID), s.input("Same Key Shop", &key))
	if firstErr != nil || first == nil {
		t.Fatalf("request A: %v, %v", first, firstErr)
	}
	n, cerr := s.st.Client.Tenant.Query().Where(tenant.PartnerID(s.partner.ID)).Count(rule.SystemContext(context.Background()))
	if cerr != nil || n != 1 {
		t.Errorf("managed tenants = %d (%v), want exactly 1", n, cerr)
	}
	if err != nil || second == nil || second.ID != first.ID {
		t.Errorf("request B = %v, %v; want tenant %d", second, err, first.ID)
	}
}

// TestSetPartnerFlagNeedsStaffBeforeLookup: the service itself refuses
// non-staff before reading the tenant (an unknown id is FORBIDDEN too).
func TestSetPartnerFlagNeedsStaffBeforeLookup(t *testing.T) {
	t.Parallel()
	s := newScene(t)
	standalone := s.f.Tenant(testkit.TenantSpec{Name: "Alone"})
	for _, id := range []int{standalone.ID, standalone.ID + 1_000_000, -1} {
		_, err := s.svc.SetPartnerFlag(s.as(s.admin.ID), id, true)
		if code, _ := apperr.CodeOf(err); code != apperr.Forbidden {
			t.Errorf("id %d: %v, want FORBIDDEN", id, err)
		}
	}
	if _, err := s.svc.SetPartnerFlag(context.Background(), standalone.ID, true); !errors.Is(err, apperr.ErrUnauthenticated) {
		t.Errorf("no viewer: %v, want UNAUTHENTICATED", err)
	}
	staff := s.f.Staff("unit-staff@phystack.example")
	ctx := viewer.NewContext(context.Background(), viewer.New(staff.ID, staff.Email, true, nil))
	if _, err := s.svc.SetPartnerFlag(ctx, standalone.ID+1_000_000, true); !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("staff, unknown id: %v, want NOT_FOUND", err)
	}
	got, err := s.svc.SetPartnerFlag(ctx, standalone.ID, true)
	if err != nil || !got.IsPartner {
		t.Errorf("staff flags standalone: %v, %v", got, err)
	}
}
