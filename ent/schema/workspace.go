package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/internal/access"
)

// User is a person; email is stored lower-cased and unique.
type User struct{ ent.Schema }

func (User) Mixin() []ent.Mixin { return []ent.Mixin{CreateTime{}} }

func (User) Fields() []ent.Field {
	return []ent.Field{
		field.String("email").NotEmpty().Unique(),
		field.String("name").Default(""),
		field.Bool("is_staff").Default(false),
		// Invited users were created by an invitation and have not signed in.
		field.Bool("invited").Default(false),
	}
}

func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("memberships", Membership.Type).Annotations(entgql.Skip()),
		edge.To("tokens", APIToken.Type).Annotations(entgql.Skip()),
	}
}

func (User) Policy() ent.Policy { return rule.UserPolicy() }

// Membership gives a user a role in one tenant.
type Membership struct{ ent.Schema }

func (Membership) Mixin() []ent.Mixin {
	return []ent.Mixin{TenantOwned{Create: access.InviteMember}, CreateTime{}}
}

func (Membership) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id").Immutable().Annotations(entgql.Skip()),
		field.Enum("role").GoType(enums.Role("")).
			Annotations(entgql.OrderField("ROLE"), entgql.Type("Role")),
	}
}

func (Membership) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("tenant", Tenant.Type).Ref("members").Field("tenant_id").
			Unique().Required().Immutable(),
		edge.From("user", User.Type).Ref("memberships").Field("user_id").
			Unique().Required().Immutable(),
	}
}

func (Membership) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "user_id").Unique(),
		index.Fields("user_id"),
	}
}

func (Membership) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}

// Space is a place (a store, an office) in a tenant.
type Space struct{ ent.Schema }

func (Space) Mixin() []ent.Mixin {
	return []ent.Mixin{TenantOwned{Create: access.CreateSpace}, CreateTime{}}
}

func (Space) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().Annotations(entgql.OrderField("NAME")),
	}
}

func (Space) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("tenant", Tenant.Type).Ref("spaces").Field("tenant_id").
			Unique().Required().Immutable(),
		edge.To("devices", Device.Type).Annotations(entgql.RelayConnection()),
		edge.To("installations", Installation.Type).Annotations(entgql.RelayConnection()),
	}
}

func (Space) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}

// Device is a screen or sensor in a space. Its serial is unique per tenant,
// ignoring case (serial_key holds the folded form under a unique index).
type Device struct{ ent.Schema }

func (Device) Mixin() []ent.Mixin {
	return []ent.Mixin{TenantOwned{Create: access.CreateDevice}, CreateTime{}}
}

func (Device) Fields() []ent.Field {
	return []ent.Field{
		field.Int("space_id").Immutable().Annotations(entgql.Skip()),
		field.String("name").NotEmpty().Annotations(entgql.OrderField("NAME")),
		field.String("serial_number").NotEmpty(),
		field.String("serial_key").NotEmpty().Annotations(entgql.Skip()),
	}
}

func (Device) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("tenant", Tenant.Type).Ref("devices").Field("tenant_id").
			Unique().Required().Immutable(),
		edge.From("space", Space.Type).Ref("devices").Field("space_id").
			Unique().Required().Immutable(),
		edge.To("installations", Installation.Type).Annotations(entgql.RelayConnection()),
	}
}

func (Device) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "serial_key").Unique(),
		index.Fields("space_id"),
	}
}

// serial_key is serial_number folded, kept by the hook.
func (Device) Hooks() []ent.Hook { return []ent.Hook{foldedKey("serial_number", "serial_key")} }

func (Device) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}

// Installation is an app installed in a space, optionally pinned to a device
// of the same space.
type Installation struct{ ent.Schema }

func (Installation) Mixin() []ent.Mixin {
	return []ent.Mixin{TenantOwned{Create: access.CreateInstallation}, CreateTime{}}
}

func (Installation) Fields() []ent.Field {
	return []ent.Field{
		field.Int("space_id").Immutable().Annotations(entgql.Skip()),
		field.Int("device_id").Optional().Nillable().Annotations(entgql.Skip()),
		field.String("name").NotEmpty().Annotations(entgql.OrderField("NAME")),
		field.String("app").NotEmpty(),
	}
}

func (Installation) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("tenant", Tenant.Type).Ref("installations").Field("tenant_id").
			Unique().Required().Immutable(),
		edge.From("space", Space.Type).Ref("installations").Field("space_id").
			Unique().Required().Immutable(),
		edge.From("device", Device.Type).Ref("installations").Field("device_id").Unique(),
	}
}

func (Installation) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("space_id"),
		index.Fields("device_id"),
	}
}

func (Installation) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
