// Package viewer says who is calling: the user, the staff flag and, on
// demand, the user's roles. The privacy rules in ent/rule read the user from
// the context (they filter by the memberships in the database); the access
// table (internal/access) reads roles through Role, which asks the database
// only for the tenants a request actually checks (a partner admin may belong
// to 1,000 tenants; a request checks one or a page of them).
package viewer

import (
	"context"
	"slices"
	"sync"

	"github.com/phystack/managed-tenants-api/ent/schema/enums"
)

// RoleLookup returns the viewer's roles in the given tenants; tenants it is
// not a member of are absent from the map.
type RoleLookup func(ctx context.Context, tenantIDs []int) (map[int]enums.Role, error)

// Viewer is the authenticated caller of one request. Roles are looked up
// once per tenant and request, and remembered (membership checks of one
// request agree with each other).
type Viewer struct {
	UserID int
	Email  string
	Staff  bool

	lookup RoleLookup // nil: roles holds every membership
	mu     sync.Mutex
	roles  map[int]enums.Role
	known  map[int]bool // tenants whose role (or its absence) is in roles
}

// New builds a viewer whose memberships are all given (tenant id -> role).
func New(userID int, email string, staff bool, roles map[int]enums.Role) *Viewer {
	r := make(map[int]enums.Role, len(roles))
	for k, v := range roles {
		r[k] = v
	}
	return &Viewer{UserID: userID, Email: email, Staff: staff, roles: r}
}

// NewLazy builds a viewer whose roles are read through lookup when needed.
func NewLazy(userID int, email string, staff bool, lookup RoleLookup) *Viewer {
	return &Viewer{UserID: userID, Email: email, Staff: staff, lookup: lookup,
		roles: map[int]enums.Role{}, known: map[int]bool{}}
}

// Roles returns the viewer's roles in tenantIDs (absent: not a member),
// asking the database once for all those not yet known.
func (v *Viewer) Roles(ctx context.Context, tenantIDs []int) (map[int]enums.Role, error) {
	if v == nil {
		return map[int]enums.Role{}, nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.lookup != nil {
		var missing []int
		for _, id := range tenantIDs {
			if !v.known[id] {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			found, err := v.lookup(ctx, missing)
			if err != nil {
				return nil, err
			}
			for _, id := range missing {
				v.known[id] = true
				if r, ok := found[id]; ok {
					v.roles[id] = r
				}
			}
		}
	}
	out := make(map[int]enums.Role, len(tenantIDs))
	for _, id := range tenantIDs {
		if r, ok := v.roles[id]; ok {
			out[id] = r
		}
	}
	return out, nil
}

// Known returns, without asking the database, the tenants this request has
// already read the viewer to be a member of, and of those the ones it
// administers (ascending). The privacy filters put them in their SQL as
// literals ahead of the membership subqueries (ent/rule): roles are read per
// request, never remembered across requests, so a literal never outlives
// the membership it came from by more than the request that read it.
func (v *Viewer) Known() (members, admins []int) {
	if v == nil {
		return nil, nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	for id, r := range v.roles {
		members = append(members, id)
		if r == enums.RoleAdmin {
			admins = append(admins, id)
		}
	}
	slices.Sort(members)
	slices.Sort(admins)
	return members, admins
}

// Forget drops what the viewer knows of its roles in tenantIDs, so that they
// are read again when asked: a request that changes memberships (its own
// included) must not go on deciding, or admitting rows (Known), by the roles
// it read before the change.
func (v *Viewer) Forget(tenantIDs ...int) {
	if v == nil {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, id := range tenantIDs {
		delete(v.roles, id)
		if v.known != nil {
			delete(v.known, id)
		}
	}
}

// Role is the viewer's role in a tenant, if it is a member.
func (v *Viewer) Role(ctx context.Context, tenantID int) (enums.Role, bool, error) {
	roles, err := v.Roles(ctx, []int{tenantID})
	if err != nil {
		return "", false, err
	}
	r, ok := roles[tenantID]
	return r, ok, nil
}

type ctxKey struct{}

// NewContext returns ctx carrying v.
func NewContext(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, ctxKey{}, v)
}

// FromContext returns the viewer of ctx, or nil when there is none.
func FromContext(ctx context.Context) *Viewer {
	v, _ := ctx.Value(ctxKey{}).(*Viewer)
	return v
}
