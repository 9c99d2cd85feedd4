// Package viewer says who is calling: the user, the staff flag and the
// user's memberships. The privacy rules in ent/rule read the user from the
// context (they filter by the memberships in the database); the domain
// packages check roles against the memberships held here.
package viewer

import (
	"context"
	"slices"

	"github.com/phystack/managed-tenants-api/ent/schema/enums"
)

// Viewer is the authenticated caller of one request. Its memberships are read
// once at authentication; Grant records memberships the request itself made.
type Viewer struct {
	UserID int
	Email  string
	Staff  bool
	roles  map[int]enums.Role
}

// New builds a viewer from its memberships (tenant id -> role).
func New(userID int, email string, staff bool, roles map[int]enums.Role) *Viewer {
	r := make(map[int]enums.Role, len(roles))
	for k, v := range roles {
		r[k] = v
	}
	return &Viewer{UserID: userID, Email: email, Staff: staff, roles: r}
}

// Role is the viewer's role in a tenant, if it is a member.
func (v *Viewer) Role(tenantID int) (enums.Role, bool) {
	if v == nil {
		return "", false
	}
	r, ok := v.roles[tenantID]
	return r, ok
}

// Has reports whether the viewer holds at least min in the tenant.
func (v *Viewer) Has(tenantID int, min enums.Role) bool {
	r, ok := v.Role(tenantID)
	return ok && r.AtLeast(min)
}

// MemberTenantIDs lists the tenants the viewer belongs to, sorted.
func (v *Viewer) MemberTenantIDs() []int {
	if v == nil {
		return nil
	}
	ids := make([]int, 0, len(v.roles))
	for id := range v.roles {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Grant records a membership created during this request (the creator of a
// managed tenant becomes its admin and may read its workspace at once).
func (v *Viewer) Grant(tenantID int, role enums.Role) {
	if v.roles == nil {
		v.roles = map[int]enums.Role{}
	}
	v.roles[tenantID] = role
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
