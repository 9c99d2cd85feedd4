package tenancy

import (
	"context"

	"entgo.io/ent/dialect/sql/sqlgraph"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/internal/access"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/audit"
	"github.com/phystack/managed-tenants-api/internal/store"
	"github.com/phystack/managed-tenants-api/internal/validate"
)

// UpdateInput is updateManagedTenant's input; nil fields stay as they are.
type UpdateInput struct {
	TenantID    int
	DisplayName *string
	Country     *string
}

// Update changes the fields given of a managed tenant (SPEC 10), validated
// as at creation. Currency, billing entity and partner never change.
func (s *Service) Update(ctx context.Context, in UpdateInput) (*ent.Tenant, error) {
	t, err := s.managedTenant(ctx, in.TenantID, access.UpdateManagedTenant, false)
	if err != nil {
		return nil, err
	}
	var name, country string
	var errs apperr.UserErrors
	if in.DisplayName != nil {
		if name, err = validate.Name(*in.DisplayName, MaxDisplayName); err != nil {
			errs = append(errs, apperr.Field("displayName", apperr.Invalid, err.Error()))
		}
	}
	if in.Country != nil {
		if country, err = validate.Country(*in.Country); err != nil {
			errs = append(errs, apperr.Field("country", apperr.Invalid, err.Error()))
		}
	}
	if name != "" {
		taken, err := s.nameTaken(ctx, *t.PartnerID, name, t.ID)
		if err != nil {
			return nil, err
		}
		if taken {
			errs = append(errs, takenName())
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	err = store.WithTx(ctx, s.Client, func(tx *ent.Tx) error {
		sys := rule.SystemContext(ctx)
		// The tenant's lock: an end in flight finishes first, and the
		// clock is read after it.
		locked, err := store.LockTenant(tx, s.Dialect, t.ID, store.Exclusive).Only(sys)
		if err != nil {
			return err
		}
		now := s.Clock.Now()
		if err := stillRunning(locked, now, false); err != nil {
			return err
		}
		upd := tx.Tenant.UpdateOne(locked)
		before, after := map[string]any{}, map[string]any{}
		if name != "" && name != locked.DisplayName {
			upd.SetDisplayName(name)
			before["displayName"], after["displayName"] = locked.DisplayName, name
		}
		if country != "" && country != locked.Country {
			upd.SetCountry(country)
			before["country"], after["country"] = locked.Country, country
		}
		if len(after) == 0 {
			return nil
		}
		if err := upd.Exec(sys); err != nil {
			if sqlgraph.IsUniqueConstraintError(err) {
				// A concurrent creation or rename took the name since.
				return apperr.UserErrors{takenName()}
			}
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{
			TenantID: *locked.PartnerID, Action: audit.ManagedTenantUpdate, Target: locked.ID,
			Before: before, After: after,
		})
	})
	if err != nil {
		return nil, err
	}
	return s.readManaged(ctx, t.ID)
}
