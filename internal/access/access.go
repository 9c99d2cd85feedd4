// Package access is the one table of who may do what in a tenant (SPEC 2
// to 6, 8, 10 and 11). Every decision a domain package takes about the caller
// is a named Action, asked through Require (or Can, for decisions that
// answer yes or no instead of refusing).
//
// What a query returns at all is the ent privacy layer's job (ent/rule):
// Require reads tenants through it, so a tenant the viewer cannot see is
// NOT_FOUND exactly like one that does not exist. ent/rule asks this table
// again (Permits) when a workspace row is written, so a write path that
// forgets Require is still refused.
package access

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/membership"
	"github.com/phystack/managed-tenants-api/ent/privacy"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/viewer"
)

// Action is something a viewer does in (or to) one tenant.
type Action string

const (
	// SPEC 3: the settings sections, in display order.
	OpenGeneralSettings   Action = "settings.general"
	OpenUserManagement    Action = "settings.user_management"
	OpenDeveloperSettings Action = "settings.developer"
	OpenBilling           Action = "settings.billing"
	OpenManagedTenants    Action = "settings.managed_tenants"

	// SPEC 4 to 7: reselling.
	CreateManagedTenant Action = "managed_tenant.create"
	SetPartnerFlag      Action = "tenant.partner_flag"
	ReadPlanCatalog     Action = "partner.plan_catalog"
	ReadPartnerInvoice  Action = "partner.invoice"

	// SPEC 8: building a workspace.
	InviteMember       Action = "member.invite"
	CreateSpace        Action = "space.create"
	CreateDevice       Action = "device.create"
	CreateInstallation Action = "installation.create"

	// SPEC 10: the life of a managed tenant, in its partner's hands.
	ChangeManagedTenantPlans Action = "managed_tenant.plans_change"
	UpdateManagedTenant      Action = "managed_tenant.update"
	EndManagedTenant         Action = "managed_tenant.end"

	// SPEC 11: the members of a tenant, in its admins' hands.
	ChangeMemberRole Action = "member.role_change"
	RemoveMember     Action = "member.remove"
)

// Shape is a condition on the tenant itself (SPEC 1's three shapes).
type Shape func(*ent.Tenant) bool

// IsPartner: flagged as a partner and not itself managed, the only shape
// that resells.
func IsPartner(t *ent.Tenant) bool { return t.IsPartner && !IsManaged(t) }

// IsManaged: managed by a partner (billed through it).
func IsManaged(t *ent.Tenant) bool { return t.PartnerID != nil }

func notManaged(t *ent.Tenant) bool { return !IsManaged(t) }

// HasEnded: the tenant's end has come (SPEC 10): from endsAt on it bills
// nothing and nothing is written into it.
func HasEnded(t *ent.Tenant, now time.Time) bool { return t.EndsAt != nil && !now.Before(*t.EndsAt) }

// ErrNotManaged is Require's answer for a rule of the managing partner
// (Rule.OfPartner) asked of a visible tenant that is not managed: not a
// refusal but a broken rule of the input, which the caller reports as such.
var ErrNotManaged = errors.New("access: the tenant is not a managed tenant")

// Rule says who may take an action in a tenant.
type Rule struct {
	// Role is the least role a member needs. A viewer without a membership
	// in the tenant gets NOT_FOUND (the tenant's workspace does not exist
	// for it), unless Seen.
	Role enums.Role
	// Staff may, member or not.
	Staff bool
	// StaffOnly: nobody else may; refused (FORBIDDEN) before the tenant is
	// even looked up.
	StaffOnly bool
	// Seen: a viewer who may read the tenant's account data (ent privacy)
	// but has no role here gets FORBIDDEN rather than NOT_FOUND.
	Seen bool
	// Shape the tenant must have; FORBIDDEN otherwise.
	Shape Shape
	// OfPartner: Role is asked in the tenant's managing partner, not in the
	// tenant: a tenant the viewer cannot see is NOT_FOUND, one that is not
	// managed ErrNotManaged, and a viewer without the role in its partner
	// (staff included, and the partner's members who cannot see the
	// tenant) FORBIDDEN.
	OfPartner bool
}

// Table is every rule, by action. It is the only place that says who may.
var Table = map[Action]Rule{
	OpenGeneralSettings:   {Role: enums.RoleViewer},
	OpenUserManagement:    {Role: enums.RoleAdmin},
	OpenDeveloperSettings: {Role: enums.RoleEditor},
	OpenBilling:           {Role: enums.RoleAdmin, Shape: notManaged},
	OpenManagedTenants:    {Role: enums.RoleAdmin, Shape: IsPartner},

	CreateManagedTenant: {Role: enums.RoleAdmin, Shape: IsPartner},
	SetPartnerFlag:      {StaffOnly: true},
	ReadPlanCatalog:     {Role: enums.RoleAdmin, Staff: true, Seen: true, Shape: IsPartner},
	ReadPartnerInvoice:  {Role: enums.RoleAdmin, Staff: true, Seen: true, Shape: IsPartner},

	InviteMember:       {Role: enums.RoleAdmin},
	CreateSpace:        {Role: enums.RoleEditor},
	CreateDevice:       {Role: enums.RoleEditor},
	CreateInstallation: {Role: enums.RoleEditor},

	ChangeManagedTenantPlans: {Role: enums.RoleAdmin, OfPartner: true},
	UpdateManagedTenant:      {Role: enums.RoleAdmin, OfPartner: true},
	EndManagedTenant:         {Role: enums.RoleAdmin, OfPartner: true},

	ChangeMemberRole: {Role: enums.RoleAdmin},
	RemoveMember:     {Role: enums.RoleAdmin},
}

func ruleOf(a Action) (Rule, error) {
	r, ok := Table[a]
	if !ok {
		return Rule{}, fmt.Errorf("access: no rule for action %q", a)
	}
	return r, nil
}

// who is the part of a decision that needs only the viewer: allowed, or
// the error a refusal answers when the tenant is visible (nil: decided by
// the tenant's visibility and shape); member says the viewer belongs to the
// tenant (and so may read it).
func who(ctx context.Context, r Rule, tenantID int) (allowed, member bool, refusal error, err error) {
	v := viewer.FromContext(ctx)
	switch {
	case v == nil:
		return false, false, nil, apperr.ErrUnauthenticated
	case r.StaffOnly:
		if !v.Staff {
			return false, false, nil, apperr.ErrForbidden
		}
		return true, false, nil, nil
	case r.Staff && v.Staff:
		return true, false, nil, nil
	}
	role, member, err := v.Role(ctx, tenantID)
	switch {
	case err != nil:
		return false, false, nil, err
	case !member && !r.Seen:
		return false, false, nil, apperr.ErrNotFound
	case !member || !role.AtLeast(r.Role):
		return false, member, apperr.ErrForbidden, nil
	}
	return true, true, nil, nil
}

// read reads a tenant for the viewer: NOT_FOUND when it may not see it. A
// member sees its tenant (SPEC 2), so its read skips the privacy filter,
// whose membership subqueries grow with the viewer's memberships (a partner
// admin of 1,000 tenants); anyone else reads through the filter.
func read(ctx context.Context, client *ent.Client, tenantID int, member bool) (*ent.Tenant, error) {
	if member {
		ctx = privacy.DecisionContext(ctx, privacy.Allow)
	}
	t, err := client.Tenant.Get(ctx, tenantID)
	if ent.IsNotFound(err) {
		return nil, apperr.ErrNotFound
	}
	return t, err
}

// Require checks that the viewer may take action a in the tenant and
// returns the tenant, read under the viewer's privacy rules. Refusals are
// *apperr.Error: UNAUTHENTICATED without a viewer, NOT_FOUND for a tenant
// the viewer may not know about, FORBIDDEN for one it may see but not act
// on, or of the wrong shape.
func Require(ctx context.Context, client *ent.Client, tenantID int, a Action) (*ent.Tenant, error) {
	r, err := ruleOf(a)
	if err != nil {
		return nil, err
	}
	if r.OfPartner {
		return requireOfPartner(ctx, client, tenantID, r)
	}
	allowed, member, refusal, err := who(ctx, r, tenantID)
	if err != nil {
		return nil, err
	}
	t, err := read(ctx, client, tenantID, member)
	switch {
	case err != nil:
		return nil, err
	case !allowed:
		return nil, refusal
	case r.Shape != nil && !r.Shape(t):
		return nil, apperr.ErrForbidden
	}
	return t, nil
}

// Self reads the viewer's own user. A viewer always sees itself (SPEC 2),
// so the read skips the user filter, whose membership subqueries cost
// PostgreSQL more to plan (0.34 ms for a partner admin of 1,000 tenants)
// than the whole read without them (0.04 ms): the console asks it on every
// page.
func Self(ctx context.Context, client *ent.Client) (*ent.User, error) {
	v := viewer.FromContext(ctx)
	if v == nil {
		return nil, apperr.ErrUnauthenticated
	}
	return client.User.Get(privacy.DecisionContext(ctx, privacy.Allow), v.UserID)
}

// Recheck decides a again on the rows client sees now (a transaction's,
// after the tenant's lock), with the viewer's roles read anew through
// client: what Require decided may have changed while the change waited
// for the lock, and the request's viewer remembers the roles it read
// before. Its answers are Require's.
func Recheck(ctx context.Context, client *ent.Client, tenantID int, a Action) error {
	v := viewer.FromContext(ctx)
	if v == nil {
		return apperr.ErrUnauthenticated
	}
	fresh := viewer.NewLazy(v.UserID, v.Email, v.Staff, func(ctx context.Context, ids []int) (map[int]enums.Role, error) {
		ms, err := client.Membership.Query().
			Where(membership.UserID(v.UserID), membership.TenantIDIn(ids...)).
			Select(membership.FieldTenantID, membership.FieldRole).
			All(privacy.DecisionContext(ctx, privacy.Allow))
		if err != nil {
			return nil, err
		}
		roles := make(map[int]enums.Role, len(ms))
		for _, m := range ms {
			roles[m.TenantID] = m.Role
		}
		return roles, nil
	})
	_, err := Require(viewer.NewContext(ctx, fresh), client, tenantID, a)
	return err
}

// requireOfPartner is Require for the rules of a tenant's managing partner
// (SPEC 10): the partner's members learn that the tenant exists (the role
// decides: allowed or FORBIDDEN, although a partner's editor cannot read
// its managed tenants); anyone else only if it may read the tenant
// (FORBIDDEN, or ErrNotManaged for a tenant that is not managed), and
// otherwise gets NOT_FOUND.
func requireOfPartner(ctx context.Context, client *ent.Client, tenantID int, r Rule) (*ent.Tenant, error) {
	v := viewer.FromContext(ctx)
	if v == nil {
		return nil, apperr.ErrUnauthenticated
	}
	// Read past privacy only to find the tenant's partner: a caller who is
	// not a member of that partner is told nothing of it below.
	t, err := read(ctx, client, tenantID, true)
	if err != nil {
		return nil, err
	}
	if IsManaged(t) {
		role, member, err := v.Role(ctx, *t.PartnerID)
		switch {
		case err != nil:
			return nil, err
		case member && role.AtLeast(r.Role):
			return t, nil
		case member:
			return nil, apperr.ErrForbidden
		}
	}
	if _, err := read(ctx, client, tenantID, false); err != nil {
		return nil, err
	}
	if !IsManaged(t) {
		return nil, ErrNotManaged
	}
	return nil, apperr.ErrForbidden
}

// Can reports whether the viewer may take action a in t, a tenant it has
// already read: for decisions that show or hide something rather than
// refuse (the settings sections).
func Can(ctx context.Context, t *ent.Tenant, a Action) (bool, error) {
	r, err := ruleOf(a)
	if err != nil {
		return false, err
	}
	id := t.ID
	if r.OfPartner {
		if !IsManaged(t) {
			return false, nil
		}
		r, id = Rule{Role: r.Role, Seen: true}, *t.PartnerID
	}
	allowed, _, _, err := who(ctx, r, id)
	switch {
	case apperr.IsRefusal(err):
		return false, nil
	case err != nil:
		return false, err
	}
	return allowed && (r.Shape == nil || r.Shape(t)), nil
}

// Permits is the viewer's part of the rule of a, without reading the
// tenant: ent/rule asks it when a row of the tenant is written.
func Permits(ctx context.Context, tenantID int, a Action) (bool, error) {
	r, err := ruleOf(a)
	if err != nil {
		return false, err
	}
	if r.Shape != nil || r.Seen || r.OfPartner {
		return false, fmt.Errorf("access: %q depends on the tenant's row: use Require", a)
	}
	allowed, _, _, err := who(ctx, r, tenantID)
	if apperr.IsRefusal(err) {
		return false, nil
	}
	return allowed, err
}
