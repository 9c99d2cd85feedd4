package tenancy

import (
	"context"
	"strconv"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/gid"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/ent/subscription"
	"github.com/phystack/managed-tenants-api/internal/access"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/audit"
	"github.com/phystack/managed-tenants-api/internal/store"
)

// ChangePlansInput is changeManagedTenantPlans' input.
type ChangePlansInput struct {
	TenantID       int
	TenantPlanID   *int // nil: the tenant plan stays
	SupportPlanID  *int // nil: the support plan stays
	Timing         Timing
	IdempotencyKey *string
}

// ChangePlans changes a managed tenant's plans (SPEC 10), at most once per
// idempotency key. For each kind given, the plan asked for runs from the
// change's instant on (switchPlan); the invoice follows, since every
// subscription is a line of its own. As at creation, a recorded key is
// answered before the rules of the input are checked: a retry of a change
// that succeeded answers the tenant even once its end is scheduled.
func (s *Service) ChangePlans(ctx context.Context, in ChangePlansInput) (*ent.Tenant, error) {
	t, err := s.requireManaged(ctx, in.TenantID, access.ChangeManagedTenantPlans)
	if err != nil {
		return nil, err
	}
	if in.Timing == "" {
		in.Timing = Now
	}
	var errs apperr.UserErrors
	idem := idempotent{partnerID: *t.PartnerID, mutation: keyChangePlans,
		key: idempotencyKey(in.IdempotencyKey, &errs)}
	idem.digest = digest(strconv.Itoa(in.TenantID), optionalID(in.TenantPlanID), optionalID(in.SupportPlanID), string(in.Timing))
	// A change writes subscriptions, never the tenant's row: the row read
	// under the lock is the answer (no read after the commit).
	var answer *ent.Tenant
	id, err := s.once(ctx, idem, func() (int, error) {
		// After a replay: a retry of a change that was made answers it (as
		// at creation), even once the tenant's end is scheduled or has come.
		if err := stillRunning(t, s.Clock.Now(), false); err != nil {
			return 0, err
		}
		if in.TenantPlanID == nil && in.SupportPlanID == nil {
			errs = append(errs, apperr.UserError{Field: []string{"input"}, Code: apperr.Invalid,
				Message: "give a tenant plan, a support plan or both"})
		}
		// The partner's currency is the tenant's: copied at its creation,
		// it never changes (SPEC 10).
		plans, planErrs, err := s.checkPlans(ctx, *t.PartnerID, t.Currency, []wantPlan{
			{in.TenantPlanID, enums.PlanKindTenant, "tenantPlanId"},
			{in.SupportPlanID, enums.PlanKindSupport, "supportPlanId"},
		})
		if err != nil {
			return 0, err
		}
		if errs = append(errs, planErrs...); len(errs) > 0 {
			return 0, errs
		}
		var locked *ent.Tenant
		err = store.WithTx(ctx, s.Client, func(tx *ent.Tx) error {
			var subs []*ent.Subscription
			var now time.Time
			var err error
			locked, subs, now, err = s.lockedLife(ctx, tx, t.ID, false)
			if err != nil {
				return err
			}
			at := in.Timing.at(now)
			before, after := map[string]any{}, map[string]any{}
			for _, p := range plans {
				changed, was, err := switchPlan(ctx, tx, locked, subs, p, now, at)
				if err != nil {
					return err
				}
				if changed {
					before[planKey(p.Kind)], after[planKey(p.Kind)] = optionalGID(was), gid.Encode(p.ID)
				}
			}
			if len(after) > 0 {
				after["from"] = at
				if err := audit.Record(ctx, tx, now, audit.Event{
					TenantID: *locked.PartnerID, Action: audit.ManagedTenantPlansChange, Target: locked.ID,
					Before: before, After: after,
				}); err != nil {
					return err
				}
			}
			return recordKey(ctx, tx, idem, locked.ID, now)
		})
		if err == nil {
			answer = locked.Unwrap() // later reads go through the client, not the closed tx
		}
		return t.ID, err
	})
	switch {
	case err != nil:
		return nil, err
	case answer != nil:
		return answer, nil
	}
	return s.readManaged(ctx, id) // a retry answered by its key
}

// switchPlan makes p the tenant's plan of its kind from at on, given the
// subscriptions that have not ended by now (at is now or later). The
// subscription running at at ends then, one scheduled to start later is
// removed, and p starts at at; but asking for the plan already in force
// from at on changes nothing, and asking for the running plan keeps it
// running and cancels a scheduled change. It reports whether anything
// changed and the plan in force from at before (0: none).
func switchPlan(ctx context.Context, tx *ent.Tx, t *ent.Tenant, subs []*ent.Subscription, p *ent.Plan, now, at time.Time) (bool, int, error) {
	var running, scheduled *ent.Subscription
	for _, sub := range subs {
		switch {
		case sub.Kind != p.Kind:
		case sub.StartedAt.After(now):
			scheduled = sub
		default:
			running = sub
		}
	}
	was := 0
	switch {
	case scheduled != nil && !at.Before(scheduled.StartedAt):
		was = scheduled.PlanID
	case running != nil:
		was = running.PlanID
	}
	sys := rule.SystemContext(ctx)
	switch {
	case running != nil && running.PlanID == p.ID:
		if scheduled == nil && running.EndedAt == nil {
			return false, was, nil
		}
		if err := remove(sys, tx, scheduled); err != nil {
			return false, was, err
		}
		return true, was, tx.Subscription.Update().Where(subscription.ID(running.ID)).ClearEndedAt().Exec(sys)
	case scheduled != nil && scheduled.PlanID == p.ID && scheduled.StartedAt.Equal(at):
		return false, was, nil
	}
	if err := remove(sys, tx, scheduled); err != nil {
		return false, was, err
	}
	if running != nil {
		if err := endAt(sys, tx, running, at); err != nil {
			return false, was, err
		}
	}
	return true, was, tx.Subscription.Create().
		SetTenantID(t.ID).SetPlanID(p.ID).SetBilledToID(*t.PartnerID).SetKind(p.Kind).
		SetMonthlyPrice(p.MonthlyPrice).SetCurrency(p.Currency).SetStartedAt(at).
		Exec(sys)
}

// endAt ends a running subscription at at; one that would then have run
// for no time at all is removed instead. (Subscriptions are updated by id
// with Update, not UpdateOne, which reads the row back after the UPDATE:
// nobody reads it.)
func endAt(sys context.Context, tx *ent.Tx, sub *ent.Subscription, at time.Time) error {
	if !sub.StartedAt.Before(at) {
		return remove(sys, tx, sub)
	}
	return tx.Subscription.Update().Where(subscription.ID(sub.ID)).SetEndedAt(at).Exec(sys)
}

// remove deletes a subscription that has not started (nil: none).
func remove(sys context.Context, tx *ent.Tx, sub *ent.Subscription) error {
	if sub == nil {
		return nil
	}
	return tx.Subscription.DeleteOne(sub).Exec(sys)
}

func planKey(k enums.PlanKind) string {
	if k == enums.PlanKindSupport {
		return "supportPlan"
	}
	return "tenantPlan"
}

func optionalID(id *int) string {
	if id == nil {
		return "-"
	}
	return strconv.Itoa(*id)
}

func optionalGID(id int) any {
	if id == 0 {
		return nil
	}
	return gid.Encode(id)
}
