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

// Tenant is a customer workspace: standalone, a partner, or managed by one.
type Tenant struct{ ent.Schema }

func (Tenant) Mixin() []ent.Mixin {
	return []ent.Mixin{CreateTime{FieldAnnotations: []schema.Annotation{entgql.OrderField("CREATED_AT")}}}
}

func (Tenant) Fields() []ent.Field {
	return []ent.Field{
		field.String("display_name").NotEmpty().
			Annotations(entgql.OrderField("DISPLAY_NAME")),
		// name_key is the display name after NFC and case folding (kept by
		// the hook); the unique index (partner_id, name_key) makes "unique
		// per partner" race-free.
		field.String("name_key").NotEmpty().Annotations(entgql.Skip()),
		field.String("country").MinLen(2).MaxLen(2).
			Annotations(entgql.OrderField("COUNTRY")),
		field.String("currency").MinLen(3).MaxLen(3),
		field.Int("billing_entity_id").Annotations(entgql.Skip()),
		field.Enum("billing_type").GoType(enums.BillingType("")).Annotations(entgql.Type("BillingType")),
		field.Bool("is_partner").Default(false),
		field.Int("partner_id").Optional().Nillable().Immutable().Annotations(entgql.Skip()),
		// The catalog a partner resells from; several partners may share one.
		field.Int("plan_catalog_id").Optional().Nillable().Annotations(entgql.Skip()),
		field.Int("created_by_id").Optional().Nillable().Immutable().Annotations(entgql.Skip()),
		// The end of a managed tenant, past or scheduled (SPEC 10); from it
		// on the tenant bills nothing and is read-only.
		field.Time("ends_at").Optional().Nillable(),
	}
}

func (Tenant) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("managed_tenants", Tenant.Type).
			Annotations(entgql.RelayConnection()).
			From("partner").Field("partner_id").Unique().Immutable(),
		edge.From("billing_entity", BillingEntity.Type).Ref("tenants").
			Field("billing_entity_id").Unique().Required(),
		edge.From("plan_catalog", PlanCatalog.Type).Ref("tenants").
			Field("plan_catalog_id").Unique().Annotations(entgql.Skip()),
		edge.To("created_by", User.Type).Field("created_by_id").Unique().Immutable(),
		edge.To("spaces", Space.Type).Annotations(entgql.RelayConnection()),
		edge.To("members", Membership.Type).Annotations(entgql.RelayConnection()),
		edge.To("devices", Device.Type).Annotations(entgql.Skip()),
		edge.To("installations", Installation.Type).Annotations(entgql.Skip()),
		edge.To("subscriptions", Subscription.Type).Annotations(entgql.RelayConnection()),
		edge.To("billed_subscriptions", Subscription.Type).Annotations(entgql.Skip()),
		edge.To("audit_events", AuditEvent.Type).Annotations(entgql.Skip()),
	}
}

func (Tenant) Indexes() []ent.Index {
	return []ent.Index{
		// A name is the partner's until its tenant has ended: tenants
		// without an end hold theirs here; one whose end is scheduled holds
		// it until then (checked by internal/tenancy; it cannot be renamed).
		index.Fields("partner_id", "name_key").Unique().
			StorageKey("tenant_partner_id_name_key_running").
			Annotations(entsql.IndexWhere("ends_at IS NULL")),
		// managedTenants(where: {country | status}) (SPEC 11): the partner's
		// tenants of a country, and those ended or running at an instant.
		// The first also serves every "the partner's tenants" read: a
		// separate (partner_id) index is not kept, since PostgreSQL's
		// planner preferred it to these two and filtered row by row.
		index.Fields("partner_id", "country"),
		index.Fields("partner_id", "ends_at"),
		// A partner's managed tenants in id order (managedTenants, first
		// page): an index scan that stops at the page, and the count an
		// index-only scan (issue 11).
		index.Fields("partner_id", "id"),
	}
}

func (Tenant) Policy() ent.Policy { return rule.TenantPolicy() }

func (Tenant) Hooks() []ent.Hook { return []ent.Hook{foldedKey("display_name", "name_key")} }

func (Tenant) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
