// Package tenancy holds the rules of managed tenants (SPEC 3 to 6): how one
// is created (create.go, with idempotency.go), the partner flag
// (partnerflag.go), the settings sections a viewer sees (settings.go) and
// the plan catalog (catalog.go). Who may do each is asked of the access
// table; resolvers call this package and map its errors.
package tenancy

import (
	"entgo.io/ent/dialect"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/tenant"
	"github.com/phystack/managed-tenants-api/internal/clock"
)

// Service applies the rules against one database.
type Service struct {
	Client  *ent.Client
	Dialect string
	Clock   clock.Clock
}

// lockTenant reads a tenant row for the rest of tx, locked on PostgreSQL:
// shared (other shared lockers go on, an exclusive one waits) or exclusive.
// SQLite serialises write transactions already.
func (s *Service) lockTenant(tx *ent.Tx, id int, exclusive bool) *ent.TenantQuery {
	q := tx.Tenant.Query().Where(tenant.ID(id))
	switch {
	case s.Dialect != dialect.Postgres:
	case exclusive:
		q = q.ForUpdate()
	default:
		q = q.ForShare()
	}
	return q
}
