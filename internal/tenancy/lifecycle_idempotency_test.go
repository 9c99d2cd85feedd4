package tenancy_test

import (
	"slices"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/tenancy"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

// TestChangePlansKeysWorkAsAtCreation: idempotency keys of plan changes
// are scoped to the partner and the mutation (a key used at creation is
// free for a change), and a recorded key answers before anything else is
// checked, as at creation (SPEC 4, 10): a retry of a change that succeeded
// answers the tenant and changes nothing, even once the tenant's end is
// scheduled or has come; other input under the key is a CONFLICT; without
// the key the same change is NOT_ALLOWED.
func TestChangePlansKeysWorkAsAtCreation(t *testing.T) {
	t.Parallel()
	s := newScene(t)
	key := "shared-key"
	tn, err := s.svc.CreateManagedTenant(s.as(s.admin.ID), s.input("Retried Shop", &key))
	if err != nil {
		t.Fatal(err)
	}
	max, basic := s.catalog.Plans["t-max"].ID, s.catalog.Plans["t-basic"].ID
	change := tenancy.ChangePlansInput{TenantID: tn.ID, TenantPlanID: &max, IdempotencyKey: &key}
	s.now = s.now.Add(time.Hour)
	before := testkit.Rows(t, s.st)
	if _, err := s.svc.ChangePlans(s.as(s.admin.ID), change); err != nil {
		t.Fatalf("a change under a key used at creation: %v", err)
	}
	testkit.RequireRows(t, s.st, before.Plus(testkit.RowCounts{"subscriptions": 1, "audit_events": 1, "idempotency_keys": 1}))

	if _, err := s.svc.End(s.as(s.admin.ID), tenancy.EndInput{TenantID: tn.ID, Timing: tenancy.StartOfNextPeriod}); err != nil {
		t.Fatal(err)
	}
	ended := s.now.AddDate(0, 1, 0) // past the end, at the start of next month
	for _, at := range []time.Time{s.now.Add(time.Minute), ended} {
		s.now = at
		rows := testkit.Rows(t, s.st)
		got, err := s.svc.ChangePlans(s.as(s.admin.ID), change)
		if err != nil || got == nil || got.ID != tn.ID {
			t.Errorf("%s: the retry = %v, %v; want the tenant, as the first answer", at, got, err)
		}
		other := change
		other.TenantPlanID = &basic
		_, err = s.svc.ChangePlans(s.as(s.admin.ID), other)
		if u, ok := apperr.AsUserErrors(err); !ok || len(u) != 1 || u[0].Code != apperr.Conflict ||
			!slices.Equal(u[0].Field, []string{"input", "idempotencyKey"}) {
			t.Errorf("%s: other input under the key: %v, want CONFLICT on input.idempotencyKey", at, err)
		}
		fresh := change
		fresh.IdempotencyKey = nil
		_, err = s.svc.ChangePlans(s.as(s.admin.ID), fresh)
		if u, ok := apperr.AsUserErrors(err); !ok || len(u) != 1 || u[0].Code != apperr.NotAllowed {
			t.Errorf("%s: the change without its key: %v, want NOT_ALLOWED", at, err)
		}
		testkit.RequireRows(t, s.st, rows)
	}
}
