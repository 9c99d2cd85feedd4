package tenancy

import (
	"context"
	"errors"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/subscription"
	"github.com/phystack/managed-tenants-api/internal/access"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/billing"
	"github.com/phystack/managed-tenants-api/internal/store"
)

// The life of a managed tenant (SPEC 10): its partner's admins change its
// plans (plans.go), update it (update.go) and end it (end.go).

// Timing is when a change takes effect.
type Timing string

const (
	Now               Timing = "NOW"
	StartOfNextPeriod Timing = "START_OF_NEXT_PERIOD" // the first instant of the next UTC month
)

// at is the instant a change asked at now takes effect: a whole second,
// since invoices count whole seconds, so that a line's from and to are the
// instants its subscription started and ended.
func (t Timing) at(now time.Time) time.Time {
	if t == StartOfNextPeriod {
		return billing.PeriodOf(now).End
	}
	return now.Truncate(time.Second)
}

// Status is a tenant's state on the clock.
type Status string

const (
	Active Status = "ACTIVE"
	Ended  Status = "ENDED" // its end has passed
)

// Status is t's status now.
func (s *Service) Status(t *ent.Tenant) Status {
	if access.HasEnded(t, s.Clock.Now()) {
		return Ended
	}
	return Active
}

// notAllowed is a NOT_ALLOWED user error on the tenant of the input.
func notAllowed(msg string) apperr.UserErrors {
	return apperr.UserErrors{apperr.Field("tenantId", apperr.NotAllowed, msg)}
}

// managedTenant checks that the viewer may take a on the tenant (one of
// SPEC 10's actions) and that it is a managed tenant that has not ended;
// with endScheduledOK false, also that its end is not scheduled.
func (s *Service) managedTenant(ctx context.Context, tenantID int, a access.Action, endScheduledOK bool) (*ent.Tenant, error) {
	t, err := s.requireManaged(ctx, tenantID, a)
	if err != nil {
		return nil, err
	}
	return t, stillRunning(t, s.Clock.Now(), endScheduledOK)
}

// requireManaged checks that the viewer may take a on the tenant (one of
// SPEC 10's actions) and that it is a managed tenant, running or not.
func (s *Service) requireManaged(ctx context.Context, tenantID int, a access.Action) (*ent.Tenant, error) {
	t, err := access.Require(ctx, s.Client, tenantID, a)
	if errors.Is(err, access.ErrNotManaged) {
		return nil, notAllowed("not a managed tenant")
	}
	return t, err
}

// stillRunning: a managed tenant that has ended is read-only, and one whose
// end is scheduled takes no more plan changes or updates.
func stillRunning(t *ent.Tenant, now time.Time, endScheduledOK bool) error {
	switch {
	case access.HasEnded(t, now):
		return notAllowed("the tenant has ended")
	case t.EndsAt != nil && !endScheduledOK:
		return notAllowed("the tenant's end is scheduled")
	}
	return nil
}

// lockedLife starts a change of a tenant's life inside tx: it locks the
// tenant row (every writer of a tenant's subscriptions takes this lock
// first, so their changes happen one after the other), reads the clock
// (after the lock: a change that waited for another takes effect after it,
// never at an instant read before it committed), checks again that the
// tenant is still running, and returns it with its subscriptions that have
// not ended by now (the running ones, and those scheduled to start).
func (s *Service) lockedLife(ctx context.Context, tx *ent.Tx, tenantID int, endScheduledOK bool) (*ent.Tenant, []*ent.Subscription, time.Time, error) {
	sys := rule.SystemContext(ctx)
	t, err := store.LockTenant(tx, s.Dialect, tenantID, store.Exclusive).Only(sys)
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	now := s.Clock.Now()
	if err := stillRunning(t, now, endScheduledOK); err != nil {
		return nil, nil, now, err
	}
	subs, err := tx.Subscription.Query().
		Where(subscription.TenantID(tenantID),
			subscription.Or(subscription.EndedAtIsNil(), subscription.EndedAtGT(now))).
		Order(subscription.ByStartedAt(), subscription.ByID()).
		All(sys)
	return t, subs, now, err
}
