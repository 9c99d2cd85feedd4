// Package audit writes the audit log (SPEC 1): one event per change that
// changes something, in the transaction that makes the change, by the
// viewer, at the instant the change takes effect.
package audit

import (
	"context"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/gid"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/internal/viewer"
)

// The actions recorded, as they appear in the log.
const (
	ManagedTenantCreate      = "managed_tenant.create"
	ManagedTenantPlansChange = "managed_tenant.plans_change"
	ManagedTenantUpdate      = "managed_tenant.update"
	ManagedTenantEnd         = "managed_tenant.end"
	TenantPartnerFlag        = "tenant.partner_flag"
	MemberInvite             = "member.invite"
	MemberRoleChange         = "member.role_change"
	MemberRemove             = "member.remove"
	SpaceCreate              = "space.create"
	DeviceCreate             = "device.create"
	InstallationCreate       = "installation.create"
)

// Event is one change: Action on the object Target (an ent id) in the log
// of tenant TenantID, with the values Before and After it (nil: none).
type Event struct {
	TenantID      int
	Action        string
	Target        int
	Before, After map[string]any
}

// Record writes e through tx, with the viewer of ctx as its actor. The log
// is written by the system: no viewer may write it directly.
func Record(ctx context.Context, tx *ent.Tx, at time.Time, e Event) error {
	c := tx.AuditEvent.Create().
		SetTenantID(e.TenantID).
		SetAction(e.Action).
		SetTarget(gid.Encode(e.Target)).
		SetCreatedAt(at)
	if v := viewer.FromContext(ctx); v != nil {
		c.SetActorID(v.UserID)
	}
	if e.Before != nil {
		c.SetBefore(e.Before)
	}
	if e.After != nil {
		c.SetAfter(e.After)
	}
	return c.Exec(rule.SystemContext(ctx))
}
