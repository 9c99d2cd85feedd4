// Package graph holds the GraphQL resolvers. They are thin: call a domain
// package (which asks the access table) or ent (whose privacy rules filter
// rows), and map the results and errors.
package graph

import (
	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/graph/model"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/billing"
	"github.com/phystack/managed-tenants-api/internal/clock"
	"github.com/phystack/managed-tenants-api/internal/tenancy"
	"github.com/phystack/managed-tenants-api/internal/workspace"
)

// Resolver holds the dependencies of every resolver.
type Resolver struct {
	Client    *ent.Client
	Tenancy   *tenancy.Service
	Workspace *workspace.Service
	Billing   *billing.Service
}

// NewResolver builds the domain services over one database (dialect is
// ent's dialect name) and one clock: the only place they are wired.
func NewResolver(client *ent.Client, dialect string, clk clock.Clock) *Resolver {
	return &Resolver{
		Client:    client,
		Tenancy:   &tenancy.Service{Client: client, Dialect: dialect, Clock: clk},
		Workspace: &workspace.Service{Client: client, Dialect: dialect, Clock: clk},
		Billing:   &billing.Service{Client: client, Clock: clk},
	}
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

// timing is an input's ChangeTiming; null (given explicitly) means its
// default, NOW.
func timing(t *tenancy.Timing) tenancy.Timing {
	if t == nil {
		return tenancy.Now
	}
	return *t
}

// money renders minor units as the Money type.
func money(amount int64, currency string) (*model.Money, error) {
	s, err := billing.Money{Amount: amount, Currency: currency}.Format()
	if err != nil {
		return nil, err
	}
	return &model.Money{Amount: s, Currency: currency}, nil
}
