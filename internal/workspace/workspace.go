// Package workspace holds the rules for building a tenant's workspace through
// the API (SPEC 8): admins invite members; admins and editors create spaces,
// devices and installations; viewers only read. Nothing links across tenants.
package workspace

import (
	"context"
	"errors"
	"time"

	"entgo.io/ent/dialect/sql/sqlgraph"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/gid"
	"github.com/phystack/managed-tenants-api/ent/membership"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/ent/user"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/store"
	"github.com/phystack/managed-tenants-api/internal/validate"
	"github.com/phystack/managed-tenants-api/internal/viewer"
)

var errUserCreated = errors.New("workspace: the invited user was created concurrently")

// MaxName is the longest space, device, installation or app name.
const MaxName = 100

// Service applies the workspace rules against one database.
type Service struct {
	Client *ent.Client
	Now    func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

// requireRole: non-members get NOT_FOUND (the tenant does not exist for
// them), members below min FORBIDDEN.
func requireRole(ctx context.Context, tenantID int, min enums.Role) (*viewer.Viewer, error) {
	v := viewer.FromContext(ctx)
	if v == nil {
		return nil, apperr.ErrUnauthenticated
	}
	role, ok, err := v.Role(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apperr.ErrNotFound
	}
	if !role.AtLeast(min) {
		return nil, apperr.ErrForbidden
	}
	return v, nil
}

// InviteMember gives email a role in the tenant, creating an invited user
// when the email is new. An existing member is TAKEN.
func (s *Service) InviteMember(ctx context.Context, tenantID int, email string, role enums.Role) (*ent.Membership, error) {
	v, err := requireRole(ctx, tenantID, enums.RoleAdmin)
	if err != nil {
		return nil, err
	}
	addr, err := validate.Email(email)
	if err != nil {
		return nil, apperr.UserErrors{apperr.Field("email", apperr.Invalid, err.Error())}
	}
	var id int
	invite := func(tx *ent.Tx) error {
		sys := rule.SystemContext(ctx)
		u, err := tx.User.Query().Where(user.Email(addr)).Only(sys)
		if ent.IsNotFound(err) {
			u, err = tx.User.Create().SetEmail(addr).SetInvited(true).SetCreatedAt(s.now()).Save(sys)
			if sqlgraph.IsUniqueConstraintError(err) {
				return errUserCreated
			}
		}
		if err != nil {
			return err
		}
		exists, err := tx.Membership.Query().
			Where(membership.TenantID(tenantID), membership.UserID(u.ID)).Exist(ctx)
		if err != nil {
			return err
		}
		if exists {
			return apperr.UserErrors{apperr.Field("email", apperr.Taken, "already a member of this tenant")}
		}
		// Created in the viewer's context: the privacy rule checks the
		// admin role a second time.
		m, err := tx.Membership.Create().
			SetTenantID(tenantID).SetUserID(u.ID).SetRole(role).SetCreatedAt(s.now()).
			Save(ctx)
		if err != nil {
			if sqlgraph.IsUniqueConstraintError(err) {
				return apperr.UserErrors{apperr.Field("email", apperr.Taken, "already a member of this tenant")}
			}
			return err
		}
		id = m.ID
		return tx.AuditEvent.Create().
			SetTenantID(tenantID).SetActorID(v.UserID).
			SetAction("member.invite").SetTarget(gid.Encode(m.ID)).
			SetAfter(map[string]any{"email": addr, "role": string(role)}).
			SetCreatedAt(s.now()).
			Exec(sys)
	}
	err = store.WithTx(ctx, s.Client, invite)
	if errors.Is(err, errUserCreated) {
		// A concurrent invitation created the user first: now it exists.
		err = store.WithTx(ctx, s.Client, invite)
	}
	if err != nil {
		return nil, err
	}
	return s.Client.Membership.Get(ctx, id)
}

// CreateSpace adds a space to a tenant.
func (s *Service) CreateSpace(ctx context.Context, tenantID int, name string) (*ent.Space, error) {
	if _, err := requireRole(ctx, tenantID, enums.RoleEditor); err != nil {
		return nil, err
	}
	var uerrs apperr.UserErrors
	n := validName(&uerrs, "name", name)
	if len(uerrs) > 0 {
		return nil, uerrs
	}
	return s.Client.Space.Create().SetTenantID(tenantID).SetName(n).SetCreatedAt(s.now()).Save(ctx)
}

// space loads a space the viewer can see (NOT_FOUND otherwise) and checks the
// viewer may create in its tenant.
func (s *Service) space(ctx context.Context, spaceID int) (*ent.Space, error) {
	sp, err := s.Client.Space.Get(ctx, spaceID)
	if err != nil {
		return nil, err
	}
	if _, err := requireRole(ctx, sp.TenantID, enums.RoleEditor); err != nil {
		return nil, err
	}
	return sp, nil
}

// CreateDevice adds a device to a space; serials are unique per tenant,
// ignoring case.
func (s *Service) CreateDevice(ctx context.Context, spaceID int, name, serial string) (*ent.Device, error) {
	sp, err := s.space(ctx, spaceID)
	if err != nil {
		return nil, err
	}
	var uerrs apperr.UserErrors
	n := validName(&uerrs, "name", name)
	sn := validName(&uerrs, "serialNumber", serial)
	if len(uerrs) > 0 {
		return nil, uerrs
	}
	d, err := s.Client.Device.Create().
		SetTenantID(sp.TenantID).SetSpaceID(sp.ID).SetName(n).
		SetSerialNumber(sn).SetSerialKey(validate.Key(sn)).SetCreatedAt(s.now()).
		Save(ctx)
	if sqlgraph.IsUniqueConstraintError(err) {
		return nil, apperr.UserErrors{apperr.Field("serialNumber", apperr.Taken, "a device of this tenant already has this serial number")}
	}
	return d, err
}

// CreateInstallation installs an app in a space, optionally pinned to a
// device of that same space. A device the viewer can see elsewhere is
// NOT_ALLOWED; one it cannot see is NOT_FOUND.
func (s *Service) CreateInstallation(ctx context.Context, spaceID int, name, app string, deviceID *int) (*ent.Installation, error) {
	sp, err := s.space(ctx, spaceID)
	if err != nil {
		return nil, err
	}
	var uerrs apperr.UserErrors
	n := validName(&uerrs, "name", name)
	a := validName(&uerrs, "app", app)
	if deviceID != nil {
		d, err := s.Client.Device.Get(ctx, *deviceID)
		if err != nil {
			return nil, err
		}
		if d.SpaceID != sp.ID {
			uerrs = append(uerrs, apperr.Field("deviceId", apperr.NotAllowed, "the device must be in the installation's space"))
		}
	}
	if len(uerrs) > 0 {
		return nil, uerrs
	}
	return s.Client.Installation.Create().
		SetTenantID(sp.TenantID).SetSpaceID(sp.ID).SetNillableDeviceID(deviceID).
		SetName(n).SetApp(a).SetCreatedAt(s.now()).
		Save(ctx)
}

// validName validates a name input, adding an INVALID user error on its
// field when it breaks the rules.
func validName(uerrs *apperr.UserErrors, field, value string) string {
	n, err := validate.Name(value, MaxName)
	if err != nil {
		*uerrs = append(*uerrs, apperr.Field(field, apperr.Invalid, err.Error()))
	}
	return n
}
