package tenancy

import (
	"context"
	"fmt"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/tenant"
	"github.com/phystack/managed-tenants-api/internal/access"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/audit"
	"github.com/phystack/managed-tenants-api/internal/store"
)

// SetPartnerFlag flips a tenant's partner flag (SPEC 5): a managed tenant
// cannot be flagged and a partner with managed tenants that have not ended
// cannot be unflagged (NOT_ALLOWED); setting the current value changes and
// writes nothing.
func (s *Service) SetPartnerFlag(ctx context.Context, tenantID int, isPartner bool) (*ent.Tenant, error) {
	if _, err := access.Require(ctx, s.Client, tenantID, access.SetPartnerFlag); err != nil {
		return nil, err
	}
	err := store.WithTx(ctx, s.Client, func(tx *ent.Tx) error {
		// Exclusive: a creation under this partner holds it shared, so
		// unflagging waits for creations in flight and sees their tenants.
		t, err := store.LockTenant(tx, s.Dialect, tenantID, store.Exclusive).Only(ctx)
		if err != nil {
			return err
		}
		if t.IsPartner == isPartner {
			return nil
		}
		sys := rule.SystemContext(ctx)
		if isPartner && access.IsManaged(t) {
			return apperr.UserErrors{apperr.Field("isPartner", apperr.NotAllowed, "a managed tenant cannot be a partner")}
		}
		if !isPartner {
			// Ended managed tenants no longer keep it a partner.
			n, err := tx.Tenant.Query().
				Where(tenant.PartnerID(t.ID), runningAt(s.Clock.Now())).
				Count(sys)
			if err != nil {
				return err
			}
			if n > 0 {
				return apperr.UserErrors{apperr.Field("isPartner", apperr.NotAllowed,
					fmt.Sprintf("the partner still manages %d tenants", n))}
			}
		}
		if err := tx.Tenant.UpdateOneID(t.ID).SetIsPartner(isPartner).Exec(sys); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.Clock.Now(), audit.Event{
			TenantID: t.ID, Action: audit.TenantPartnerFlag, Target: t.ID,
			Before: map[string]any{"isPartner": t.IsPartner},
			After:  map[string]any{"isPartner": isPartner},
		})
	})
	if err != nil {
		return nil, err
	}
	return s.Client.Tenant.Get(ctx, tenantID)
}
