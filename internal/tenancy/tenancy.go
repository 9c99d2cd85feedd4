// Package tenancy holds the rules of managed tenants (SPEC 3 to 6): who may
// create one and how, the partner flag, the settings sections a viewer sees,
// and who may read a partner's catalog and invoice. Resolvers call it and map
// its errors; they decide nothing themselves.
package tenancy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/sqlgraph"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/gid"
	"github.com/phystack/managed-tenants-api/ent/idempotencykey"
	"github.com/phystack/managed-tenants-api/ent/plan"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/ent/tenant"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/store"
	"github.com/phystack/managed-tenants-api/internal/validate"
	"github.com/phystack/managed-tenants-api/internal/viewer"
)

// MaxDisplayName is the longest display name, in code points.
const MaxDisplayName = 100

// Service applies the rules against one database.
type Service struct {
	Client  *ent.Client
	Dialect string
	Now     func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

// CreateInput is createManagedTenant's input. Currency and billing entity
// are deliberately absent: they are copied from the partner.
type CreateInput struct {
	PartnerID      int
	DisplayName    string
	Country        string
	TenantPlanID   int
	SupportPlanID  int
	IdempotencyKey *string
}

// CreateManagedTenant creates a managed tenant under a partner (SPEC 4). It
// returns apperr.UserErrors for broken input rules, *apperr.Error for access.
func (s *Service) CreateManagedTenant(ctx context.Context, in CreateInput) (*ent.Tenant, error) {
	v := viewer.FromContext(ctx)
	if v == nil {
		return nil, apperr.ErrUnauthenticated
	}
	partner, err := s.requireAdminOfPartner(ctx, v, in.PartnerID)
	if err != nil {
		return nil, err
	}

	var key string
	var uerrs apperr.UserErrors
	if in.IdempotencyKey != nil {
		if key, err = validate.IdempotencyKey(*in.IdempotencyKey); err != nil {
			uerrs = append(uerrs, apperr.Field("idempotencyKey", apperr.Invalid, err.Error()))
		}
	}
	name, nameErr := validate.Name(in.DisplayName, MaxDisplayName)
	country, countryErr := validate.Country(in.Country)
	digest := requestDigest(in, name, country)

	// A retry with a known key is answered before anything else is checked:
	// the first request's input was valid, and the plans may since have
	// been retired.
	if key != "" {
		if t, err := s.replay(ctx, in.PartnerID, key, digest); t != nil || err != nil {
			return t, err
		}
	}

	if nameErr != nil {
		uerrs = append(uerrs, apperr.Field("displayName", apperr.Invalid, nameErr.Error()))
	}
	if countryErr != nil {
		uerrs = append(uerrs, apperr.Field("country", apperr.Invalid, countryErr.Error()))
	}
	plans, planErrs, err := s.checkPlans(ctx, partner, in)
	if err != nil {
		return nil, err
	}
	uerrs = append(uerrs, planErrs...)
	if nameErr == nil {
		taken, err := s.Client.Tenant.Query().
			Where(tenant.PartnerID(partner.ID), tenant.NameKey(validate.Key(name))).
			Exist(rule.SystemContext(ctx))
		if err != nil {
			return nil, err
		}
		if taken {
			// A concurrent request with this key may have committed
			// between our first look at the key and now.
			if key != "" {
				if t, err := s.replay(ctx, in.PartnerID, key, digest); t != nil || err != nil {
					return t, err
				}
			}
			uerrs = append(uerrs, takenName())
		}
	}
	if len(uerrs) > 0 {
		return nil, uerrs
	}

	var created int
	err = store.WithTx(ctx, s.Client, func(tx *ent.Tx) error {
		sys := rule.SystemContext(ctx)
		// A shared lock on the partner: unflagging it (FOR UPDATE) waits
		// for this creation, while creations under one partner do not wait
		// for each other. SQLite serialises write transactions already.
		q := tx.Tenant.Query().Where(tenant.ID(partner.ID))
		if s.Dialect == dialect.Postgres {
			q = q.ForShare()
		}
		p, err := q.Only(sys)
		if err != nil {
			return err
		}
		if !p.IsPartner || p.PartnerID != nil {
			return apperr.ErrForbidden
		}
		var keyRow *ent.IdempotencyKey
		if key != "" {
			// Claiming the key first makes concurrent requests with it
			// wait here, then fail the unique index and replay.
			keyRow, err = tx.IdempotencyKey.Create().
				SetPartnerID(p.ID).SetKey(key).SetRequestDigest(digest).SetCreatedAt(s.now()).
				Save(sys)
			if err != nil {
				if sqlgraph.IsUniqueConstraintError(err) {
					return errKeyClaimed
				}
				return err
			}
		}
		now := s.now()
		t, err := tx.Tenant.Create().
			SetDisplayName(name).
			SetNameKey(validate.Key(name)).
			SetCountry(country).
			SetCurrency(p.Currency).
			SetBillingEntityID(p.BillingEntityID).
			SetBillingType(enums.BillingTypePartnerInvoice).
			SetPartnerID(p.ID).
			SetCreatedByID(v.UserID).
			SetCreatedAt(now).
			Save(sys)
		if err != nil {
			if sqlgraph.IsUniqueConstraintError(err) {
				return errNameTaken
			}
			return err
		}
		if err := tx.Membership.Create().
			SetTenantID(t.ID).SetUserID(v.UserID).SetRole(enums.RoleAdmin).SetCreatedAt(now).
			Exec(sys); err != nil {
			return err
		}
		for _, pl := range plans {
			if err := tx.Subscription.Create().
				SetTenantID(t.ID).
				SetPlanID(pl.ID).
				SetBilledToID(p.ID).
				SetKind(pl.Kind).
				SetMonthlyPrice(pl.MonthlyPrice).
				SetCurrency(pl.Currency).
				SetStartedAt(now).
				Exec(sys); err != nil {
				return err
			}
		}
		if err := tx.AuditEvent.Create().
			SetTenantID(p.ID).
			SetActorID(v.UserID).
			SetAction("managed_tenant.create").
			SetTarget(gid.Encode(t.ID)).
			SetAfter(map[string]any{
				"displayName":   name,
				"country":       country,
				"currency":      p.Currency,
				"billingEntity": gid.Encode(p.BillingEntityID),
				"tenantPlan":    gid.Encode(in.TenantPlanID),
				"supportPlan":   gid.Encode(in.SupportPlanID),
			}).
			SetCreatedAt(now).
			Exec(sys); err != nil {
			return err
		}
		if keyRow != nil {
			if err := tx.IdempotencyKey.UpdateOne(keyRow).SetTenantID(t.ID).Exec(sys); err != nil {
				return err
			}
		}
		created = t.ID
		return nil
	})
	if errors.Is(err, errNameTaken) {
		// Lost a race on the name: to a request with our key (answer its
		// tenant) or to another creation (TAKEN).
		if key != "" {
			if t, err := s.replay(ctx, in.PartnerID, key, digest); t != nil || err != nil {
				return t, err
			}
		}
		return nil, apperr.UserErrors{takenName()}
	}
	if errors.Is(err, errKeyClaimed) {
		t, err := s.replay(ctx, in.PartnerID, key, digest)
		if t == nil && err == nil {
			err = fmt.Errorf("tenancy: idempotency key claimed but not found")
		}
		return t, err
	}
	if err != nil {
		return nil, err
	}
	// The creator is now an admin of the new tenant; this request may read
	// its workspace at once.
	v.Grant(created, enums.RoleAdmin)
	return s.Client.Tenant.Get(ctx, created)
}

var (
	errKeyClaimed = errors.New("tenancy: idempotency key claimed by a concurrent request")
	errNameTaken  = errors.New("tenancy: display name taken by a concurrent creation")
)

func takenName() apperr.UserError {
	return apperr.Field("displayName", apperr.Taken, "this partner already manages a tenant with this name")
}

// requestDigest fingerprints the normalised input that an idempotency key
// is bound to. Invalid fields go in raw, so they never match a valid one.
func requestDigest(in CreateInput, name, country string) string {
	if name == "" {
		name = "\x00raw:" + in.DisplayName
	}
	if country == "" {
		country = "\x00raw:" + in.Country
	}
	h := sha256.New()
	for _, part := range []string{"v1", strconv.Itoa(in.PartnerID), name, country,
		strconv.Itoa(in.TenantPlanID), strconv.Itoa(in.SupportPlanID)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// replay answers a request whose key was recorded by an earlier success: the
// same tenant for the same input, CONFLICT for another. (nil, nil) means the
// key is unused.
func (s *Service) replay(ctx context.Context, partnerID int, key, digest string) (*ent.Tenant, error) {
	k, err := s.Client.IdempotencyKey.Query().
		Where(idempotencykey.PartnerID(partnerID), idempotencykey.Key(key)).
		Only(rule.SystemContext(ctx))
	switch {
	case ent.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, err
	case k.RequestDigest != digest:
		return nil, apperr.UserErrors{apperr.Field("idempotencyKey", apperr.Conflict,
			"this idempotency key was used with different input")}
	case k.TenantID == nil:
		return nil, fmt.Errorf("tenancy: idempotency key %d has no tenant", k.ID)
	}
	return s.Client.Tenant.Get(ctx, *k.TenantID)
}

// checkPlans loads the two plans; each must be an active, paid plan of the
// right kind in the partner's catalog.
func (s *Service) checkPlans(ctx context.Context, partner *ent.Tenant, in CreateInput) ([]*ent.Plan, apperr.UserErrors, error) {
	found, err := s.Client.Plan.Query().Where(plan.IDIn(in.TenantPlanID, in.SupportPlanID)).All(ctx)
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[int]*ent.Plan, len(found))
	for _, p := range found {
		byID[p.ID] = p
	}
	var plans []*ent.Plan
	var uerrs apperr.UserErrors
	for _, want := range []struct {
		id    int
		kind  enums.PlanKind
		field string
	}{
		{in.TenantPlanID, enums.PlanKindTenant, "tenantPlanId"},
		{in.SupportPlanID, enums.PlanKindSupport, "supportPlanId"},
	} {
		p := byID[want.id]
		switch {
		case p == nil || partner.PlanCatalogID == nil || p.CatalogID != *partner.PlanCatalogID:
			uerrs = append(uerrs, apperr.Field(want.field, apperr.Invalid, "must be a plan of the partner's catalog"))
		case p.Kind != want.kind:
			uerrs = append(uerrs, apperr.Field(want.field, apperr.Invalid, "must be a "+string(want.kind)+" plan"))
		case p.Currency != partner.Currency:
			// A catalog in another currency than the partner's bills would
			// never add up on its invoice.
			uerrs = append(uerrs, apperr.Field(want.field, apperr.Invalid, "must be a plan in the partner's currency"))
		case !p.Active:
			uerrs = append(uerrs, apperr.Field(want.field, apperr.Invalid, "must be an active plan"))
		case p.MonthlyPrice <= 0:
			uerrs = append(uerrs, apperr.Field(want.field, apperr.Invalid, "must be a paid plan"))
		default:
			plans = append(plans, p)
		}
	}
	return plans, uerrs, nil
}

// requireAdminOfPartner: non-members get NOT_FOUND; members who are not
// admin, and tenants that are not (unmanaged) partners, FORBIDDEN.
func (s *Service) requireAdminOfPartner(ctx context.Context, v *viewer.Viewer, partnerID int) (*ent.Tenant, error) {
	role, ok, err := v.Role(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apperr.ErrNotFound
	}
	t, err := s.Client.Tenant.Get(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	if role != enums.RoleAdmin || !t.IsPartner || t.PartnerID != nil {
		return nil, apperr.ErrForbidden
	}
	return t, nil
}

// RequirePartnerReader returns the partner whose catalog or invoice the
// viewer asks for (SPEC 6, 7): its admins and staff may read; other members
// and viewers who can see it otherwise get FORBIDDEN, anyone else NOT_FOUND;
// a tenant that is not an unmanaged partner is FORBIDDEN.
func (s *Service) RequirePartnerReader(ctx context.Context, partnerID int) (*ent.Tenant, error) {
	v := viewer.FromContext(ctx)
	if v == nil {
		return nil, apperr.ErrUnauthenticated
	}
	t, err := s.Client.Tenant.Get(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	if !v.Staff {
		admin, err := v.Has(ctx, partnerID, enums.RoleAdmin)
		if err != nil {
			return nil, err
		}
		if !admin {
			return nil, apperr.ErrForbidden
		}
	}
	if !t.IsPartner || t.PartnerID != nil {
		return nil, apperr.ErrForbidden
	}
	return t, nil
}

// PlanCatalog lists the active, paid plans of a kind in the partner's
// catalog: by monthly price ascending unless asked otherwise; ties by name
// (code-point order on both stores), then id, always ascending.
func (s *Service) PlanCatalog(ctx context.Context, partnerID int, kind enums.PlanKind, order *ent.PlanOrder) ([]*ent.Plan, error) {
	p, err := s.RequirePartnerReader(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	if p.PlanCatalogID == nil {
		return []*ent.Plan{}, nil
	}
	byName := false
	desc := false
	if order != nil {
		byName = order.Field != nil && order.Field.String() == "NAME"
		desc = order.Direction == "DESC"
	}
	opts := []plan.OrderOption{}
	if byName {
		opts = append(opts, codePointName(desc))
	} else {
		dir := sql.OrderAsc()
		if desc {
			dir = sql.OrderDesc()
		}
		opts = append(opts, plan.ByMonthlyPrice(dir), codePointName(false))
	}
	opts = append(opts, plan.ByID())
	return s.Client.Plan.Query().
		Where(plan.CatalogID(*p.PlanCatalogID), plan.KindEQ(kind), plan.Active(true), plan.MonthlyPriceGT(0)).
		Order(opts...).
		All(ctx)
}

// codePointName orders by name in code-point order: SQLite's BINARY
// collation already is; PostgreSQL needs COLLATE "C".
func codePointName(desc bool) plan.OrderOption {
	return func(s *sql.Selector) {
		expr := s.C(plan.FieldName)
		if s.Dialect() == dialect.Postgres {
			expr += ` COLLATE "C"`
		}
		if desc {
			expr += " DESC"
		}
		s.OrderBy(expr)
	}
}

// Section is a settings section of SPEC 3.
type Section string

const (
	SectionGeneral        Section = "GENERAL"
	SectionUserManagement Section = "USER_MANAGEMENT"
	SectionDeveloper      Section = "DEVELOPER"
	SectionBilling        Section = "BILLING"
	SectionManagedTenants Section = "MANAGED_TENANTS"
)

// VisibleSettings lists the sections the viewer may open in a tenant, in
// display order. Non-members, staff included, get NOT_FOUND.
func (s *Service) VisibleSettings(ctx context.Context, tenantID int) ([]Section, error) {
	v := viewer.FromContext(ctx)
	role, ok, err := v.Role(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apperr.ErrNotFound
	}
	t, err := s.Client.Tenant.Get(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return Sections(role, t.IsPartner, t.PartnerID != nil), nil
}

// Sections is the table of SPEC 3.
func Sections(role enums.Role, isPartner, managed bool) []Section {
	out := []Section{SectionGeneral}
	if role == enums.RoleAdmin {
		out = append(out, SectionUserManagement)
	}
	if role.AtLeast(enums.RoleEditor) {
		out = append(out, SectionDeveloper)
	}
	if role == enums.RoleAdmin && !managed {
		out = append(out, SectionBilling)
	}
	if role == enums.RoleAdmin && isPartner && !managed {
		out = append(out, SectionManagedTenants)
	}
	return out
}

// SetPartnerFlag flips a tenant's partner flag (SPEC 5). Staff only; a
// managed tenant cannot be flagged and a partner with managed tenants cannot
// be unflagged (NOT_ALLOWED); the current value changes and writes nothing.
func (s *Service) SetPartnerFlag(ctx context.Context, tenantID int, isPartner bool) (*ent.Tenant, error) {
	v := viewer.FromContext(ctx)
	if v == nil {
		return nil, apperr.ErrUnauthenticated
	}
	if !v.Staff {
		return nil, apperr.ErrForbidden
	}
	err := store.WithTx(ctx, s.Client, func(tx *ent.Tx) error {
		q := tx.Tenant.Query().Where(tenant.ID(tenantID))
		if s.Dialect == dialect.Postgres {
			q = q.ForUpdate()
		}
		t, err := q.Only(ctx)
		if err != nil {
			return err
		}
		if t.IsPartner == isPartner {
			return nil
		}
		sys := rule.SystemContext(ctx)
		if isPartner && t.PartnerID != nil {
			return apperr.UserErrors{apperr.Field("isPartner", apperr.NotAllowed, "a managed tenant cannot be a partner")}
		}
		if !isPartner {
			n, err := tx.Tenant.Query().Where(tenant.PartnerID(t.ID)).Count(sys)
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
		return tx.AuditEvent.Create().
			SetTenantID(t.ID).
			SetActorID(v.UserID).
			SetAction("tenant.partner_flag").
			SetTarget(gid.Encode(t.ID)).
			SetBefore(map[string]any{"isPartner": t.IsPartner}).
			SetAfter(map[string]any{"isPartner": isPartner}).
			SetCreatedAt(s.now()).
			Exec(sys)
	})
	if err != nil {
		return nil, err
	}
	return s.Client.Tenant.Get(ctx, tenantID)
}
