package tenancy

import (
	"context"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/plan"
	"github.com/phystack/managed-tenants-api/ent/plancatalog"
	"github.com/phystack/managed-tenants-api/ent/predicate"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/ent/tenant"
	"github.com/phystack/managed-tenants-api/internal/access"
)

// PlanCatalog lists the plans of a kind the partner may sell (SPEC 6): by
// monthly price ascending unless asked otherwise; ties by name (code-point
// order on both stores), then id, always ascending.
func (s *Service) PlanCatalog(ctx context.Context, partnerID int, kind enums.PlanKind, order *ent.PlanOrder) ([]*ent.Plan, error) {
	p, err := access.Require(ctx, s.Client, partnerID, access.ReadPlanCatalog)
	if err != nil {
		return nil, err
	}
	byName, desc := false, false
	if order != nil {
		byName = order.Field != nil && order.Field.String() == "NAME"
		desc = order.Direction == "DESC"
	}
	var opts []plan.OrderOption
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
	// The catalog is a dozen plans: they are read whole and sifted by the
	// one rule of what is sold, the rule creation checks too.
	// The readers of the catalog may read its plans (access checked above):
	// no privacy filter, whose subqueries grow with the viewer's memberships.
	all, err := s.Client.Plan.Query().
		Where(inCatalogOf(p.ID), plan.KindEQ(kind)).
		Order(opts...).
		All(rule.SystemContext(ctx))
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, pl := range all {
		if unsellable(pl, kind, p.Currency) == "" {
			out = append(out, pl)
		}
	}
	return out, nil
}

// inCatalogOf: a plan of the catalog the partner resells (none: no plan).
func inCatalogOf(partnerID int) predicate.Plan {
	return plan.HasCatalogWith(plancatalog.HasTenantsWith(tenant.ID(partnerID)))
}

// unsellable says why a partner billing in currency may not sell p, a plan
// of its catalog (nil: none found there), as a plan of kind (SPEC 4 and 6):
// it must be an active, paid plan of that kind, in the partner's currency.
// "" means it may.
func unsellable(p *ent.Plan, kind enums.PlanKind, currency string) string {
	switch {
	case p == nil:
		return "must be a plan of the partner's catalog"
	case p.Kind != kind:
		return "must be a " + string(kind) + " plan"
	case p.Currency != currency:
		// A catalog in another currency than the partner's bills would
		// never add up on its invoice.
		return "must be a plan in the partner's currency"
	case !p.Active:
		return "must be an active plan"
	case p.MonthlyPrice <= 0:
		return "must be a paid plan"
	}
	return ""
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
