package graph

import (
	"context"
	"reflect"

	"github.com/99designs/gqlgen/graphql"

	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/graph/generated"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/viewer"
)

// Directives are the first gate, declared in schema.graphqls. The domain
// packages and the ent privacy rules check again below them.
func Directives() generated.DirectiveRoot {
	return generated.DirectiveRoot{
		Authenticated: func(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
			if viewer.FromContext(ctx) == nil {
				return nil, apperr.ErrUnauthenticated
			}
			return next(ctx)
		},
		Staff: func(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
			v := viewer.FromContext(ctx)
			if v == nil {
				return nil, apperr.ErrUnauthenticated
			}
			if !v.Staff {
				return nil, apperr.ErrForbidden
			}
			return next(ctx)
		},
		PartnerAdmin: func(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
			v := viewer.FromContext(ctx)
			if v == nil {
				return nil, apperr.ErrUnauthenticated
			}
			partnerID, ok := inputPartnerID(ctx)
			if !ok {
				return nil, apperr.New(apperr.Internal, "internal error")
			}
			role, member, err := v.Role(ctx, partnerID)
			switch {
			case err != nil:
				return nil, err
			case !member:
				return nil, apperr.ErrNotFound
			case role != enums.RoleAdmin:
				return nil, apperr.ErrForbidden
			}
			return next(ctx)
		},
	}
}

// inputPartnerID reads input.partnerId of the field being resolved.
func inputPartnerID(ctx context.Context) (int, bool) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return 0, false
	}
	in := reflect.ValueOf(fc.Args["input"])
	if in.Kind() == reflect.Pointer {
		in = in.Elem()
	}
	if in.Kind() != reflect.Struct {
		return 0, false
	}
	f := in.FieldByName("PartnerID")
	if !f.IsValid() || f.Kind() != reflect.Int {
		return 0, false
	}
	return int(f.Int()), true
}
