package tenancy

import (
	"context"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/plan"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/internal/access"
)

// PlanCatalog lists the active, paid plans of a kind in the partner's
// catalog (SPEC 6): by monthly price ascending unless asked otherwise; ties
// by name (code-point order on both stores), then id, always ascending.
func (s *Service) PlanCatalog(ctx context.Context, partnerID int, kind enums.PlanKind, order *ent.PlanOrder) ([]*ent.Plan, error) {
	p, err := access.Require(ctx, s.Client, partnerID, access.ReadPlanCatalog)
	if err != nil {
		return nil, err
	}
	if p.PlanCatalogID == nil {
		return []*ent.Plan{}, nil
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
