package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/schema/jsontext"
	"github.com/phystack/managed-tenants-api/internal/clock"
)

// AuditEvent records who changed what in a tenant, with before/after values.
// GraphQL reads it through Tenant.auditEvents (newest first, filtered by an
// AuditEventFilter: internal/audit), so entgql generates its type, node and
// connection but neither an order input nor a where-input.
type AuditEvent struct{ ent.Schema }

func (AuditEvent) Mixin() []ent.Mixin {
	return []ent.Mixin{TenantOwned{Read: rule.Admins}}
}

func (AuditEvent) Fields() []ent.Field {
	return []ent.Field{
		// CreateTime's column, declared here to name it "at" in GraphQL and
		// order the log by it (the order field is internal: no orderBy).
		field.Time("created_at").Immutable().Default(clock.Wall).
			Annotations(entgql.MapsTo("at"), entgql.OrderField("AT")),
		field.Int("actor_id").Optional().Nillable().Immutable().Annotations(entgql.Skip()),
		field.String("action").NotEmpty().Immutable(),
		// A global id; exposed as targetId: ID by a resolver.
		field.String("target").NotEmpty().Immutable().Annotations(entgql.Skip()),
		// Not field.JSON: its values reach lib/pq as []byte, which binary
		// parameters send as binary jsonb (refused). Same column types.
		field.Other("before", jsontext.Object{}).SchemaType(jsonColumn).
			Optional().Immutable().Annotations(entgql.Type("JSON")),
		field.Other("after", jsontext.Object{}).SchemaType(jsonColumn).
			Optional().Immutable().Annotations(entgql.Type("JSON")),
	}
}

func (AuditEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("tenant", Tenant.Type).Ref("audit_events").Field("tenant_id").
			Unique().Required().Immutable().Annotations(entgql.Skip()),
		// Null in GraphQL when the viewer may not see the user (SPEC 2.5).
		edge.To("actor", User.Type).Field("actor_id").Unique().Immutable(),
	}
}

func (AuditEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.Skip(entgql.SkipOrderField | entgql.SkipWhereInput),
	}
}

// jsonColumn is the column type field.JSON gives each dialect.
var jsonColumn = map[string]string{dialect.Postgres: "jsonb", dialect.SQLite: "json"}

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
