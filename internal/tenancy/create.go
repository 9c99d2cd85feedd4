package tenancy

import (
	"context"
	"strconv"
	"time"

	"entgo.io/ent/dialect/sql/sqlgraph"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/gid"
	"github.com/phystack/managed-tenants-api/ent/plan"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/ent/tenant"
	"github.com/phystack/managed-tenants-api/internal/access"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/audit"
	"github.com/phystack/managed-tenants-api/internal/store"
	"github.com/phystack/managed-tenants-api/internal/validate"
	"github.com/phystack/managed-tenants-api/internal/viewer"
)

// MaxDisplayName is the longest display name, in code points.
const MaxDisplayName = 100

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

// creation is a request once normalised: what is written if it is valid.
type creation struct {
	in      CreateInput
	name    string // trimmed, NFC; "" when invalid
	country string // upper case; "" when invalid
	idem    idempotent
	errs    apperr.UserErrors
	plans   []*ent.Plan // tenant plan, support plan
}

// CreateManagedTenant creates a managed tenant under a partner (SPEC 4):
// access, then validation and one transaction, which run at most once per
// idempotency key (idempotency.go). Broken input rules are
// apperr.UserErrors; refusals are *apperr.Error.
func (s *Service) CreateManagedTenant(ctx context.Context, in CreateInput) (*ent.Tenant, error) {
	partner, err := access.Require(ctx, s.Client, in.PartnerID, access.CreateManagedTenant)
	if err != nil {
		return nil, err
	}
	c := normalise(in)
	id, err := s.once(ctx, c.idem, func() (int, error) {
		if err := s.validate(ctx, partner, &c); err != nil {
			return 0, err
		}
		return s.create(ctx, partner.ID, &c)
	})
	if err != nil {
		return nil, err
	}
	// The creator's new ADMIN membership is read like any other role (lazily,
	// from the database): nothing is granted in memory, so a replay by
	// another admin of the partner gains nothing (SPEC 2.3).
	return s.readManaged(ctx, id)
}

// normalise validates the fields that need no database.
func normalise(in CreateInput) creation {
	c := creation{in: in}
	var err error
	c.idem.key = idempotencyKey(in.IdempotencyKey, &c.errs)
	if c.name, err = validate.Name(in.DisplayName, MaxDisplayName); err != nil {
		c.errs = append(c.errs, apperr.Field("displayName", apperr.Invalid, err.Error()))
	}
	if c.country, err = validate.Country(in.Country); err != nil {
		c.errs = append(c.errs, apperr.Field("country", apperr.Invalid, err.Error()))
	}
	// "Equal after normalising name and country"; invalid fields go in raw.
	name, country := c.name, c.country
	if name == "" {
		name = "\x00raw:" + in.DisplayName
	}
	if country == "" {
		country = "\x00raw:" + in.Country
	}
	c.idem.partnerID, c.idem.mutation = in.PartnerID, keyCreate
	c.idem.digest = digest(strconv.Itoa(in.PartnerID), name, country,
		strconv.Itoa(in.TenantPlanID), strconv.Itoa(in.SupportPlanID))
	return c
}

// validate checks the rules that read the database: the plans and the
// name's uniqueness. It returns every broken rule at once.
func (s *Service) validate(ctx context.Context, partner *ent.Tenant, c *creation) error {
	errs := c.errs
	plans, planErrs, err := s.checkPlans(ctx, partner.ID, partner.Currency, []wantPlan{
		{&c.in.TenantPlanID, enums.PlanKindTenant, "tenantPlanId"},
		{&c.in.SupportPlanID, enums.PlanKindSupport, "supportPlanId"},
	})
	if err != nil {
		return err
	}
	c.plans, errs = plans, append(errs, planErrs...)
	if c.name != "" {
		taken, err := s.nameTaken(ctx, partner.ID, c.name, 0)
		if err != nil {
			return err
		}
		if taken {
			errs = append(errs, takenName())
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// create writes the tenant, its creator's ADMIN membership, its two
// subscriptions, the audit event and the idempotency key in one
// transaction, and returns the tenant's id.
func (s *Service) create(ctx context.Context, partnerID int, c *creation) (int, error) {
	var id int
	err := store.WithTx(ctx, s.Client, func(tx *ent.Tx) error {
		sys := rule.SystemContext(ctx)
		// Shared: creations under one partner go on together, while
		// unflagging it (exclusive) waits for them.
		p, err := store.LockTenant(tx, s.Dialect, partnerID, store.Shared).Only(sys)
		if err != nil {
			return err
		}
		// Checked again under the lock: it may have been unflagged since.
		if !access.IsPartner(p) {
			return apperr.ErrForbidden
		}
		// A whole second, as every change of a tenant's life (Timing.at):
		// invoices count whole seconds, so its lines start where its
		// subscriptions do.
		now := s.Clock.Now().Truncate(time.Second)
		t, err := tx.Tenant.Create().
			SetDisplayName(c.name).
			SetCountry(c.country).
			SetCurrency(p.Currency).
			SetBillingEntityID(p.BillingEntityID).
			SetBillingType(enums.BillingTypePartnerInvoice).
			SetPartnerID(p.ID).
			SetCreatedByID(viewer.FromContext(ctx).UserID).
			SetCreatedAt(now).
			Save(sys)
		if sqlgraph.IsUniqueConstraintError(err) {
			// A concurrent creation took the name since validate.
			return apperr.UserErrors{takenName()}
		}
		if err != nil {
			return err
		}
		if err := tx.Membership.Create().
			SetTenantID(t.ID).SetUserID(viewer.FromContext(ctx).UserID).SetRole(enums.RoleAdmin).SetCreatedAt(now).
			Exec(sys); err != nil {
			return err
		}
		for _, pl := range c.plans {
			if err := tx.Subscription.Create().
				SetTenantID(t.ID).SetPlanID(pl.ID).SetBilledToID(p.ID).SetKind(pl.Kind).
				SetMonthlyPrice(pl.MonthlyPrice).SetCurrency(pl.Currency).SetStartedAt(now).
				Exec(sys); err != nil {
				return err
			}
		}
		if err := audit.Record(ctx, tx, now, audit.Event{
			TenantID: p.ID, Action: audit.ManagedTenantCreate, Target: t.ID,
			After: map[string]any{
				"displayName":   c.name,
				"country":       c.country,
				"currency":      p.Currency,
				"billingEntity": gid.Encode(p.BillingEntityID),
				"tenantPlan":    gid.Encode(c.in.TenantPlanID),
				"supportPlan":   gid.Encode(c.in.SupportPlanID),
			},
		}); err != nil {
			return err
		}
		if err := recordKey(ctx, tx, c.idem, t.ID, now); err != nil {
			return err
		}
		id = t.ID
		return nil
	})
	return id, err
}

func takenName() apperr.UserError {
	return apperr.Field("displayName", apperr.Taken, "this partner already manages a tenant with this name")
}

// nameTaken reports whether another managed tenant of the partner (not
// except) holds name: one that has not ended, or whose end is still to come.
func (s *Service) nameTaken(ctx context.Context, partnerID int, name string, except int) (bool, error) {
	return s.Client.Tenant.Query().
		Where(tenant.PartnerID(partnerID), tenant.NameKey(validate.Key(name)), tenant.IDNEQ(except),
			runningAt(s.Clock.Now())).
		Exist(rule.SystemContext(ctx))
}

// wantPlan is a plan id of the input (nil: not given), of a kind, on a field.
type wantPlan struct {
	id    *int
	kind  enums.PlanKind
	field string
}

// checkPlans loads the plans asked for, in the order of wants (those not
// given skipped); each must be one the partner may sell (unsellable).
func (s *Service) checkPlans(ctx context.Context, partnerID int, currency string, wants []wantPlan) ([]*ent.Plan, apperr.UserErrors, error) {
	var ids []int
	for _, w := range wants {
		if w.id != nil {
			ids = append(ids, *w.id)
		}
	}
	// The partner's admin may read its catalog (checked by the caller).
	found, err := s.Client.Plan.Query().
		Where(plan.IDIn(ids...), inCatalogOf(partnerID)).
		All(rule.SystemContext(ctx))
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[int]*ent.Plan, len(found))
	for _, p := range found {
		byID[p.ID] = p
	}
	var plans []*ent.Plan
	var errs apperr.UserErrors
	for _, want := range wants {
		if want.id == nil {
			continue
		}
		p := byID[*want.id]
		if why := unsellable(p, want.kind, currency); why != "" {
			errs = append(errs, apperr.Field(want.field, apperr.Invalid, why))
		} else {
			plans = append(plans, p)
		}
	}
	return plans, errs, nil
}
