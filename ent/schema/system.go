package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/phystack/managed-tenants-api/ent/rule"
)

// AuditEvent records who changed what in a tenant, with before/after values.
type AuditEvent struct{ ent.Schema }

func (AuditEvent) Mixin() []ent.Mixin {
	return []ent.Mixin{TenantOwned{Read: rule.Admins}, CreateTime{}}
}

func (AuditEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Int("actor_id").Optional().Nillable().Immutable(),
		field.String("action").NotEmpty().Immutable(),
		field.String("target").NotEmpty().Immutable(),
		field.JSON("before", map[string]any{}).Optional().Immutable(),
		field.JSON("after", map[string]any{}).Optional().Immutable(),
	}
}

func (AuditEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("tenant", Tenant.Type).Ref("audit_events").Field("tenant_id").
			Unique().Required().Immutable(),
		edge.To("actor", User.Type).Field("actor_id").Unique().Immutable(),
	}
}

func (AuditEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip()}
}

// APIToken is a bearer token; only its SHA-256 is stored.
type APIToken struct{ ent.Schema }

func (APIToken) Mixin() []ent.Mixin { return []ent.Mixin{CreateTime{}} }

func (APIToken) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id").Immutable(),
		field.Bytes("token_hash").Unique().Immutable().Sensitive(),
		field.String("label").Default(""),
		field.Time("expires_at"),
		field.Time("last_used_at").Optional().Nillable(),
	}
}

func (APIToken) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("tokens").Field("user_id").
			Unique().Required().Immutable(),
	}
}

func (APIToken) Policy() ent.Policy { return rule.SystemOnlyPolicy() }

func (APIToken) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip()}
}

// IdempotencyKey remembers which tenant a partner's key produced for a
// mutation (createManagedTenant, changeManagedTenantPlans), and a digest of
// the normalised input, so a retry returns the same tenant and a reuse with
// other input is refused.
type IdempotencyKey struct{ ent.Schema }

func (IdempotencyKey) Mixin() []ent.Mixin { return []ent.Mixin{CreateTime{}} }

func (IdempotencyKey) Fields() []ent.Field {
	return []ent.Field{
		field.Int("partner_id").Immutable(),
		// The mutation the key was sent with: keys are per partner and
		// mutation (SPEC 10).
		field.String("mutation").NotEmpty().Immutable().Default("createManagedTenant"),
		field.String("key").NotEmpty().Immutable(),
		field.String("request_digest").NotEmpty().Immutable(),
		// Written with the key, in the transaction that created the tenant.
		// Kept forever (SPEC asks for at least 7 days): nothing purges keys.
		field.Int("tenant_id").Optional().Nillable(),
	}
}

func (IdempotencyKey) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("partner_id", "mutation", "key").Unique(),
		index.Fields("created_at"),
	}
}

func (IdempotencyKey) Policy() ent.Policy { return rule.SystemOnlyPolicy() }

func (IdempotencyKey) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip()}
}
