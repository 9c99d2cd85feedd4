package tenancy

import (
	"context"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/internal/access"
	"github.com/phystack/managed-tenants-api/internal/audit"
	"github.com/phystack/managed-tenants-api/internal/store"
)

// EndInput is endManagedTenant's input.
type EndInput struct {
	TenantID int
	Timing   Timing
}

// End ends a managed tenant at the timing's instant T (SPEC 10): every
// subscription running at T ends at T, those starting later are removed,
// and endsAt is T. From T on the tenant bills nothing and is read-only; its
// name is free and it no longer keeps its partner from being unflagged. NOW
// on a tenant whose end is scheduled moves the end to now; an end asked for
// at or after the scheduled one changes nothing.
func (s *Service) End(ctx context.Context, in EndInput) (*ent.Tenant, error) {
	t, err := s.managedTenant(ctx, in.TenantID, access.EndManagedTenant, true)
	if err != nil {
		return nil, err
	}
	if in.Timing == "" {
		in.Timing = Now
	}
	err = store.WithTx(ctx, s.Client, func(tx *ent.Tx) error {
		sys := rule.SystemContext(ctx)
		locked, subs, now, err := s.lockedLife(ctx, tx, t.ID, true)
		if err != nil {
			return err
		}
		at := in.Timing.at(now)
		if locked.EndsAt != nil && !at.Before(*locked.EndsAt) {
			return nil
		}
		for _, sub := range subs {
			if sub.EndedAt != nil && !sub.EndedAt.After(at) {
				continue // ends by at anyway
			}
			if err := endAt(sys, tx, sub, at); err != nil {
				return err
			}
		}
		if err := tx.Tenant.UpdateOne(locked).SetEndsAt(at).Exec(sys); err != nil {
			return err
		}
		before := map[string]any{"endsAt": nil}
		if locked.EndsAt != nil {
			before["endsAt"] = *locked.EndsAt
		}
		return audit.Record(ctx, tx, now, audit.Event{
			TenantID: *locked.PartnerID, Action: audit.ManagedTenantEnd, Target: locked.ID,
			Before: before, After: map[string]any{"endsAt": at},
		})
	})
	if err != nil {
		return nil, err
	}
	return s.readManaged(ctx, t.ID)
}
