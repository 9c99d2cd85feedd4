// Package workspace holds the rules for building a tenant's workspace through
// the API (SPEC 8): admins invite members, change their roles and remove
// them (members.go, SPEC 11); admins and editors create spaces, devices and
// installations; viewers only read. Each change records one audit event.
// Who may is asked of the access table; nothing links across tenants.
package workspace

import (
	"context"
	"errors"

	"entgo.io/ent/dialect/sql/sqlgraph"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/gid"
	"github.com/phystack/managed-tenants-api/ent/membership"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/ent/user"
	"github.com/phystack/managed-tenants-api/internal/access"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/audit"
	"github.com/phystack/managed-tenants-api/internal/clock"
	"github.com/phystack/managed-tenants-api/internal/store"
	"github.com/phystack/managed-tenants-api/internal/validate"
)

var errUserCreated = errors.New("workspace: the invited user was created concurrently")

// MaxName is the longest space, device, installation or app name.
const MaxName = 100

// Service applies the workspace rules against one database.
type Service struct {
	Client  *ent.Client
	Dialect string // ent's dialect name: how the tenant row is locked
	Clock   clock.Clock
}

// InviteMember gives email a role in the tenant, creating an invited user
// when the email is new. An existing member is TAKEN.
func (s *Service) InviteMember(ctx context.Context, tenantID int, email string, role enums.Role) (*ent.Membership, error) {
	t, err := access.Require(ctx, s.Client, tenantID, access.InviteMember)
	if err != nil {
		return nil, err
	}
	if err := s.writable(t, "tenantId"); err != nil {
		return nil, err
	}
	addr, err := validate.Email(email)
	if err != nil {
		return nil, apperr.UserErrors{apperr.Field("email", apperr.Invalid, err.Error())}
	}
	taken := apperr.UserErrors{apperr.Field("email", apperr.Taken, "already a member of this tenant")}
	var id int
	invite := func(tx *ent.Tx) error {
		sys := rule.SystemContext(ctx)
		now := s.Clock.Now()
		u, err := tx.User.Query().Where(user.Email(addr)).Only(sys)
		if ent.IsNotFound(err) {
			u, err = tx.User.Create().SetEmail(addr).SetInvited(true).SetCreatedAt(now).Save(sys)
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
			return taken
		}
		// In the viewer's context: the privacy rule asks the access table
		// a second time.
		m, err := tx.Membership.Create().
			SetTenantID(tenantID).SetUserID(u.ID).SetRole(role).SetCreatedAt(now).
			Save(ctx)
		if sqlgraph.IsUniqueConstraintError(err) {
			return taken
		}
		if err != nil {
			return err
		}
		id = m.ID
		return audit.Record(ctx, tx, now, audit.Event{
			TenantID: tenantID, Action: audit.MemberInvite, Target: m.ID,
			After: map[string]any{"email": addr, "role": string(role)},
		})
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
	t, err := access.Require(ctx, s.Client, tenantID, access.CreateSpace)
	if err != nil {
		return nil, err
	}
	if err := s.writable(t, "tenantId"); err != nil {
		return nil, err
	}
	var errs apperr.UserErrors
	n := validName(&errs, "name", name)
	if len(errs) > 0 {
		return nil, errs
	}
	var sp *ent.Space
	err = store.WithTx(ctx, s.Client, func(tx *ent.Tx) error {
		now := s.Clock.Now()
		// In the viewer's context: the privacy rule asks the access table
		// a second time.
		sp, err = tx.Space.Create().SetTenantID(tenantID).SetName(n).SetCreatedAt(now).Save(ctx)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{
			TenantID: tenantID, Action: audit.SpaceCreate, Target: sp.ID,
			After: map[string]any{"name": n},
		})
	})
	if err != nil {
		return nil, err
	}
	return sp.Unwrap(), nil
}

// space loads a space the viewer can see (NOT_FOUND otherwise) and checks
// that the viewer may take action in its tenant, and that it may be written.
func (s *Service) space(ctx context.Context, spaceID int, a access.Action) (*ent.Space, error) {
	sp, err := s.Client.Space.Get(ctx, spaceID)
	if err != nil {
		return nil, err
	}
	t, err := access.Require(ctx, s.Client, sp.TenantID, a)
	if err != nil {
		return nil, err
	}
	return sp, s.writable(t, "spaceId")
}

// writable: nothing is written into a tenant whose end has come (SPEC 10);
// its members keep reading it.
func (s *Service) writable(t *ent.Tenant, field string) error {
	if access.HasEnded(t, s.Clock.Now()) {
		return apperr.UserErrors{apperr.Field(field, apperr.NotAllowed, "the tenant has ended: it is read-only")}
	}
	return nil
}

// CreateDevice adds a device to a space; serials are unique per tenant,
// ignoring case.
func (s *Service) CreateDevice(ctx context.Context, spaceID int, name, serial string) (*ent.Device, error) {
	sp, err := s.space(ctx, spaceID, access.CreateDevice)
	if err != nil {
		return nil, err
	}
	var errs apperr.UserErrors
	n := validName(&errs, "name", name)
	sn := validName(&errs, "serialNumber", serial)
	if len(errs) > 0 {
		return nil, errs
	}
	var d *ent.Device
	err = store.WithTx(ctx, s.Client, func(tx *ent.Tx) error {
		now := s.Clock.Now()
		d, err = tx.Device.Create().
			SetTenantID(sp.TenantID).SetSpaceID(sp.ID).SetName(n).SetSerialNumber(sn).SetCreatedAt(now).
			Save(ctx)
		if sqlgraph.IsUniqueConstraintError(err) {
			return apperr.UserErrors{apperr.Field("serialNumber", apperr.Taken, "a device of this tenant already has this serial number")}
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{
			TenantID: sp.TenantID, Action: audit.DeviceCreate, Target: d.ID,
			After: map[string]any{"name": n, "serialNumber": sn, "spaceId": gid.Encode(sp.ID)},
		})
	})
	if err != nil {
		return nil, err
	}
	return d.Unwrap(), nil
}

// CreateInstallation installs an app in a space, optionally pinned to a
// device of that same space. A device the viewer can see elsewhere is
// NOT_ALLOWED; one it cannot see is NOT_FOUND.
func (s *Service) CreateInstallation(ctx context.Context, spaceID int, name, app string, deviceID *int) (*ent.Installation, error) {
	sp, err := s.space(ctx, spaceID, access.CreateInstallation)
	if err != nil {
		return nil, err
	}
	var errs apperr.UserErrors
	n := validName(&errs, "name", name)
	a := validName(&errs, "app", app)
	if deviceID != nil {
		d, err := s.Client.Device.Get(ctx, *deviceID)
		if err != nil {
			return nil, err
		}
		if d.SpaceID != sp.ID {
			errs = append(errs, apperr.Field("deviceId", apperr.NotAllowed, "the device must be in the installation's space"))
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	var in *ent.Installation
	err = store.WithTx(ctx, s.Client, func(tx *ent.Tx) error {
		now := s.Clock.Now()
		in, err = tx.Installation.Create().
			SetTenantID(sp.TenantID).SetSpaceID(sp.ID).SetNillableDeviceID(deviceID).
			SetName(n).SetApp(a).SetCreatedAt(now).
			Save(ctx)
		if err != nil {
			return err
		}
		after := map[string]any{"name": n, "app": a, "spaceId": gid.Encode(sp.ID), "deviceId": nil}
		if deviceID != nil {
			after["deviceId"] = gid.Encode(*deviceID)
		}
		return audit.Record(ctx, tx, now, audit.Event{
			TenantID: sp.TenantID, Action: audit.InstallationCreate, Target: in.ID, After: after,
		})
	})
	if err != nil {
		return nil, err
	}
	return in.Unwrap(), nil
}

// validName validates a name input, adding an INVALID user error on its
// field when it breaks the rules.
func validName(errs *apperr.UserErrors, field, value string) string {
	n, err := validate.Name(value, MaxName)
	if err != nil {
		*errs = append(*errs, apperr.Field(field, apperr.Invalid, err.Error()))
	}
	return n
}
