package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
)

// BillingEntity is the Phystack legal entity that issues a tenant's invoices.
type BillingEntity struct{ ent.Schema }

func (BillingEntity) Fields() []ent.Field {
	return []ent.Field{
		field.String("code").NotEmpty().Unique(),
		field.String("legal_name").NotEmpty(),
		field.String("country").MinLen(2).MaxLen(2),
	}
}

func (BillingEntity) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("tenants", Tenant.Type).Annotations(entgql.Skip()),
	}
}

func (BillingEntity) Policy() ent.Policy { return rule.ReferencePolicy() }

// PlanCatalog is a priced list of plans in one currency, assigned to partners.
type PlanCatalog struct{ ent.Schema }

func (PlanCatalog) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().Unique(),
		field.String("currency").MinLen(3).MaxLen(3).Immutable(),
	}
}

func (PlanCatalog) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("plans", Plan.Type),
		edge.To("tenants", Tenant.Type),
	}
}

func (PlanCatalog) Policy() ent.Policy { return rule.PlanCatalogPolicy() }

func (PlanCatalog) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip()}
}

// Plan is a tenant or support tier with a monthly price in minor units of its
// catalog's currency.
type Plan struct{ ent.Schema }

func (Plan) Fields() []ent.Field {
	return []ent.Field{
		field.Int("catalog_id").Immutable().Annotations(entgql.Skip()),
		field.Enum("kind").GoType(enums.PlanKind("")).Annotations(entgql.Type("PlanKind")),
		field.String("code").NotEmpty(),
		field.String("name").NotEmpty().Annotations(entgql.OrderField("NAME")),
		// Exposed as Money by a resolver; the raw integer only orders.
		field.Int64("monthly_price").NonNegative().
			Annotations(entgql.Skip(entgql.SkipType), entgql.OrderField("MONTHLY_PRICE")),
		// Copied from the catalog, whose currency never changes, so that a
		// price can be shown without loading the catalog.
		field.String("currency").MinLen(3).MaxLen(3).Immutable().Annotations(entgql.Skip()),
		field.Bool("active").Default(true),
	}
}

func (Plan) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("catalog", PlanCatalog.Type).Ref("plans").Field("catalog_id").
			Unique().Required().Immutable().Annotations(entgql.Skip()),
		edge.To("subscriptions", Subscription.Type).Annotations(entgql.Skip()),
	}
}

func (Plan) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("catalog_id", "code").Unique(),
		index.Fields("catalog_id", "kind", "active", "monthly_price"),
	}
}

func (Plan) Policy() ent.Policy { return rule.PlanPolicy() }

func (Plan) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}

// Subscription is a tenant's purchase of a plan, running from started_at
// (included) to ended_at (excluded; null: until changed). Price and currency
// are copied at purchase: later catalog changes do not reprice it. GraphQL
// calls it PlanSubscription ("Subscription" is GraphQL's root).
type Subscription struct{ ent.Schema }

func (Subscription) Mixin() []ent.Mixin { return []ent.Mixin{TenantOwned{Read: rule.BilledAdmins}} }

func (Subscription) Fields() []ent.Field {
	return []ent.Field{
		field.Int("plan_id").Immutable().Annotations(entgql.Skip()),
		field.Int("billed_to_id").Immutable().Annotations(entgql.Skip()),
		field.Enum("kind").GoType(enums.PlanKind("")).Immutable().Annotations(entgql.Type("PlanKind")),
		// Exposed with the currency as Money by a resolver.
		field.Int64("monthly_price").NonNegative().Immutable().Annotations(entgql.Skip()),
		field.String("currency").MinLen(3).MaxLen(3).Immutable().Annotations(entgql.Skip()),
		field.Time("started_at").Immutable().Annotations(entgql.OrderField("STARTED_AT")),
		field.Time("ended_at").Optional().Nillable(),
	}
}

func (Subscription) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("tenant", Tenant.Type).Ref("subscriptions").Field("tenant_id").
			Unique().Required().Immutable().Annotations(entgql.Skip()),
		edge.From("plan", Plan.Type).Ref("subscriptions").Field("plan_id").
			Unique().Required().Immutable(),
		edge.From("billed_to", Tenant.Type).Ref("billed_subscriptions").Field("billed_to_id").
			Unique().Required().Immutable(),
	}
}

func (Subscription) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("billed_to_id", "started_at"),
		// At most one subscription of a kind without an end per tenant: a
		// backstop under the tenant lock every writer takes (SPEC 10).
		index.Fields("tenant_id", "kind").Unique().
			Annotations(entsql.IndexWhere("ended_at IS NULL")),
	}
}

func (Subscription) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Type("PlanSubscription"), entgql.RelayConnection()}
}
