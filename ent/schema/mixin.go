package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"entgo.io/ent/schema/mixin"

	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/internal/access"
	"github.com/phystack/managed-tenants-api/internal/clock"
)

// TenantOwned makes a table belong to exactly one tenant (SPEC 2.6): the
// indexed tenant_id column and the isolation policy that comes with it.
// Read says who reads the rows (the tenant's members unless set); Create
// names the access action a viewer needs in the row's tenant to create one
// (empty: only the system context writes). Each schema declares its own
// "tenant" edge over tenant_id (the back-reference differs per entity), and
// no Policy of its own: the mixin's closes both ends, so it would never run.
type TenantOwned struct {
	mixin.Schema
	Read   rule.Readers
	Create access.Action
}

func (TenantOwned) Fields() []ent.Field {
	return []ent.Field{
		field.Int("tenant_id").Immutable().Annotations(entgql.Skip()),
	}
}

func (TenantOwned) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id")}
}

func (m TenantOwned) Policy() ent.Policy { return rule.TenantOwnedPolicy(m.Read, m.Create) }

// CreateTime adds an immutable created_at in UTC. FieldAnnotations go on
// the field (e.g. an entgql order field), so a schema that orders by it
// does not declare the field twice.
type CreateTime struct {
	mixin.Schema
	FieldAnnotations []schema.Annotation
}

func (m CreateTime) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Immutable().Default(clock.Wall).Annotations(m.FieldAnnotations...),
	}
}
