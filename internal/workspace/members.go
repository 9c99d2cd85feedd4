package workspace

import (
	"context"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/gid"
	"github.com/phystack/managed-tenants-api/ent/membership"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/internal/access"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/audit"
	"github.com/phystack/managed-tenants-api/internal/store"
	"github.com/phystack/managed-tenants-api/internal/viewer"
)

// The members of a tenant (SPEC 11): its admins change roles and remove
// members, and a tenant always keeps an ADMIN. Refusals come in this order:
// NOT_FOUND (a membership the caller cannot see, or a tenant it is not a
// member of), FORBIDDEN (a member who is not ADMIN), NOT_ALLOWED (the
// tenant has ended: nothing is written into it), NOT_ALLOWED (the last
// ADMIN would go). An admin may demote or remove itself while another
// ADMIN remains.
//
// Two admins demoting or removing each other at once must not both
// succeed: each change locks the tenant row first and only then reads the
// caller's role, the target and the number of admins again, so the second
// change sees the first one's outcome (and a caller who lost its role while
// waiting is NOT_FOUND or FORBIDDEN).

// lastAdmin is the refusal of a change that would leave the tenant without
// an ADMIN.
var lastAdmin = apperr.UserErrors{apperr.Field("membershipId", apperr.NotAllowed, "the tenant's last ADMIN cannot be demoted or removed")}

// ChangeMemberRole gives a membership another role. The same role changes
// nothing and records nothing.
func (s *Service) ChangeMemberRole(ctx context.Context, membershipID int, role enums.Role) (*ent.Membership, error) {
	var changed *ent.Membership
	err := s.memberChange(ctx, membershipID, access.ChangeMemberRole, func(tx *ent.Tx, m *ent.Membership, email string) error {
		changed = m
		if m.Role == role {
			return nil
		}
		if err := s.keepsAnAdmin(ctx, tx, m, role); err != nil {
			return err
		}
		sys := rule.SystemContext(ctx)
		var err error
		if changed, err = tx.Membership.UpdateOneID(m.ID).SetRole(role).Save(sys); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.Clock.Now(), audit.Event{
			TenantID: m.TenantID, Action: audit.MemberRoleChange, Target: m.ID,
			Before: memberValues(m, email, m.Role),
			After:  memberValues(m, email, role),
		})
	})
	if changed != nil {
		// Whoever's role it was, this request's own roles in the tenant are
		// read again if asked (the viewer may have demoted itself).
		viewer.FromContext(ctx).Forget(changed.TenantID)
	}
	if err != nil {
		return nil, err
	}
	return changed.Unwrap(), nil
}

// RemoveMember deletes a membership (and nothing else: the user, its
// tokens and what it created stay) and returns its id. The removed user
// loses access with its next request: roles are read from the database per
// request, never remembered with a token.
func (s *Service) RemoveMember(ctx context.Context, membershipID int) (int, error) {
	tenantID := 0
	err := s.memberChange(ctx, membershipID, access.RemoveMember, func(tx *ent.Tx, m *ent.Membership, email string) error {
		tenantID = m.TenantID
		if err := s.keepsAnAdmin(ctx, tx, m, ""); err != nil {
			return err
		}
		if err := tx.Membership.DeleteOneID(m.ID).Exec(rule.SystemContext(ctx)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.Clock.Now(), audit.Event{
			TenantID: m.TenantID, Action: audit.MemberRemove, Target: m.ID,
			Before: memberValues(m, email, m.Role),
		})
	})
	if tenantID != 0 {
		viewer.FromContext(ctx).Forget(tenantID) // as in ChangeMemberRole
	}
	if err != nil {
		return 0, err
	}
	return membershipID, nil
}

// memberChange decides whether the viewer may take a on the membership
// and, in one transaction under the tenant's lock, decides again and runs
// change on the membership as it is then (with its user's email, for the
// audit log).
func (s *Service) memberChange(ctx context.Context, membershipID int, a access.Action,
	change func(tx *ent.Tx, m *ent.Membership, email string) error,
) error {
	// Read through the privacy filter: a membership of a tenant the viewer
	// does not belong to does not exist for it.
	m, err := s.Client.Membership.Get(ctx, membershipID)
	if ent.IsNotFound(err) {
		return apperr.ErrNotFound
	}
	if err != nil {
		return err
	}
	t, err := access.Require(ctx, s.Client, m.TenantID, a)
	if err != nil {
		return err
	}
	if err := s.writable(t, "membershipId"); err != nil {
		return err
	}
	return store.WithTx(ctx, s.Client, func(tx *ent.Tx) error {
		sys := rule.SystemContext(ctx)
		t, err := store.LockTenant(tx, s.Dialect, m.TenantID, store.Exclusive).Only(sys)
		if err != nil {
			return err
		}
		// What Require decided may have changed while this change waited
		// for the lock: decide again on the committed rows (the request's
		// viewer remembers the roles it read before).
		if err := access.Recheck(ctx, tx.Client(), t.ID, a); err != nil {
			return err
		}
		if err := s.writable(t, "membershipId"); err != nil {
			return err
		}
		m, err := tx.Membership.Query().Where(membership.ID(membershipID)).WithUser().Only(sys)
		if ent.IsNotFound(err) {
			return apperr.ErrNotFound
		}
		if err != nil {
			return err
		}
		return change(tx, m, m.Edges.User.Email)
	})
}

// keepsAnAdmin refuses giving m the role to (removing it, for "") when m is
// its tenant's last ADMIN. Under the tenant's lock the count cannot change
// before the transaction ends.
func (s *Service) keepsAnAdmin(ctx context.Context, tx *ent.Tx, m *ent.Membership, to enums.Role) error {
	if m.Role != enums.RoleAdmin || to == enums.RoleAdmin {
		return nil
	}
	admins, err := tx.Membership.Query().
		Where(membership.TenantID(m.TenantID), membership.RoleEQ(enums.RoleAdmin)).
		Count(rule.SystemContext(ctx))
	if err != nil {
		return err
	}
	if admins <= 1 {
		return lastAdmin
	}
	return nil
}

// memberValues are a membership's values in the audit log: who and which
// role (never anything of the user's tokens).
func memberValues(m *ent.Membership, email string, role enums.Role) map[string]any {
	return map[string]any{"userId": gid.Encode(m.UserID), "email": email, "role": string(role)}
}
