package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"entgo.io/ent/schema/mixin"
)

// TenantOwned marks an entity that belongs to exactly one tenant: it adds the
// indexed tenant_id column. Each schema declares its own "tenant" edge over
// that column (the back-reference differs per entity) and its own policy,
// built from the rules in ent/rule.
type TenantOwned struct{ mixin.Schema }

func (TenantOwned) Fields() []ent.Field {
	return []ent.Field{
		field.Int("tenant_id").Immutable().Annotations(entgql.Skip()),
	}
}

func (TenantOwned) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id")}
}

// CreateTime adds an immutable created_at in UTC.
type CreateTime struct{ mixin.Schema }

func (CreateTime) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Immutable().Default(func() time.Time { return time.Now().UTC() }),
	}
}
