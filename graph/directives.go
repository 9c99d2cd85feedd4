package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/phystack/managed-tenants-api/graph/generated"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/viewer"
)

// Directives: @authenticated refuses callers without a valid token before a
// resolver runs. Who may do what once authenticated is the access table's
// (internal/access), asked by the domain packages; rows are filtered by the
// ent privacy rules.
func Directives() generated.DirectiveRoot {
	return generated.DirectiveRoot{
		Authenticated: func(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
			if viewer.FromContext(ctx) == nil {
				return nil, apperr.ErrUnauthenticated
			}
			return next(ctx)
		},
	}
}
