// Package tenancy holds the rules of managed tenants (SPEC 3 to 6 and 10):
// how one is created (create.go, with idempotency.go), its life (plans.go,
// update.go, end.go, lifecycle.go), the partner flag (partnerflag.go), the
// settings sections a viewer sees (settings.go) and the plan catalog
// (catalog.go). Who may do each is asked of the access table; resolvers
// call this package and map its errors.
package tenancy

import (
	"context"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/internal/clock"
)

// Service applies the rules against one database.
type Service struct {
	Client  *ent.Client
	Dialect string
	Clock   clock.Clock
}

// readManaged reads a managed tenant for an admin of its partner, whom
// access.Require has let act on it and who may read it (SPEC 2.2): without
// the privacy filter, whose membership subqueries grow with the admin's
// memberships (a partner of 1,000 tenants).
func (s *Service) readManaged(ctx context.Context, id int) (*ent.Tenant, error) {
	return s.Client.Tenant.Get(rule.SystemContext(ctx), id)
}
