// Package graph holds the GraphQL resolvers. They are thin: authorise through
// the directives and the domain packages, call them or ent, map errors.
package graph

import (
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/graph/model"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/billing"
	"github.com/phystack/managed-tenants-api/internal/tenancy"
	"github.com/phystack/managed-tenants-api/internal/workspace"
)

// Resolver holds the dependencies of every resolver.
type Resolver struct {
	Client    *ent.Client
	Now       func() time.Time // the clock of "current" plans; nil = wall clock
	Tenancy   *tenancy.Service
	Workspace *workspace.Service
}

// userErrors splits a domain error into the payload's userErrors (for
// apperr.UserErrors) or a top-level error (for anything else).
func userErrors(err error) ([]*model.UserError, error) {
	if err == nil {
		return []*model.UserError{}, nil
	}
	u, ok := apperr.AsUserErrors(err)
	if !ok {
		return nil, err
	}
	out := make([]*model.UserError, len(u))
	for i, e := range u {
		out[i] = &model.UserError{Field: e.Field, Message: e.Message, Code: model.UserErrorCode(e.Code)}
	}
	return out, nil
}

// money renders minor units as the Money type.
func money(amount int64, currency string) (*model.Money, error) {
	s, err := billing.Money{Amount: amount, Currency: currency}.Format()
	if err != nil {
		return nil, err
	}
	return &model.Money{Amount: s, Currency: currency}, nil
}
