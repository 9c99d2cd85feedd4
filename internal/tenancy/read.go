package tenancy

import (
	"context"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/tenant"
	"github.com/phystack/managed-tenants-api/internal/viewer"
)

// Tenant reads a tenant by id with what the operation selects below it (the
// root field tenant(id:)), filtered by the privacy rules as any read.
//
// The viewer's role in the tenant is read first (one statement by the
// unique index of memberships), so that the filters of this read and of the
// levels below it admit the tenant, and for an admin of a partner its
// managed tenants and the plans they run, by literal (ent/rule) instead of
// hashing all of the viewer's memberships at every level: what a partner
// admin's dashboard costs PostgreSQL does not grow with the partner
// (issue 11). Staff pass the filters without it.
//
// The read is entgql's node read, which loads a tenant's own paginated
// edges (managedTenants(first: 50)) as one page, ORDER BY and LIMIT with
// the total as one count, instead of windows over every row per parent.
func (s *Service) Tenant(ctx context.Context, id int) (*ent.Tenant, error) {
	if v := viewer.FromContext(ctx); v != nil && !v.Staff {
		if _, err := v.Roles(ctx, []int{id}); err != nil {
			return nil, err
		}
	}
	n, err := s.Client.Noder(ctx, id, ent.WithFixedNodeType(tenant.Table))
	if err != nil {
		return nil, err
	}
	return n.(*ent.Tenant), nil
}
