package access_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/membership"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/ent/schema/enums"
	"github.com/phystack/managed-tenants-api/internal/access"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/testkit"
	"github.com/phystack/managed-tenants-api/internal/viewer"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// as is a request context of u, whose roles are its memberships in the
// database (read the way authentication reads them: lazily).
func as(client *ent.Client, u *ent.User) context.Context {
	v := viewer.NewLazy(u.ID, u.Email, u.IsStaff, func(ctx context.Context, ids []int) (map[int]enums.Role, error) {
		ms, err := client.Membership.Query().
			Where(membership.UserID(u.ID), membership.TenantIDIn(ids...)).All(rule.SystemContext(ctx))
		roles := map[int]enums.Role{}
		for _, m := range ms {
			roles[m.TenantID] = m.Role
		}
		return roles, err
	})
	return viewer.NewContext(context.Background(), v)
}

// outcome names what Require answered: "ok" or the refusal's code.
func outcome(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return "ok"
	}
	code, ok := apperr.CodeOf(err)
	if !ok {
		t.Fatalf("Require failed instead of refusing: %v", err)
	}
	return string(code)
}

// TestRequire asks the table through Require for every rule kind, each
// allowed case next to its twins: a member of another tenant gets
// NOT_FOUND, a member without the role FORBIDDEN.
func TestRequire(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	missing := w.Standalone.ID + 1_000_000
	cases := []struct {
		action access.Action
		user   *ent.User
		tenant int
		want   string
	}{
		// SPEC 4: the partner's admins; non-members NOT_FOUND (staff too);
		// other members, and tenants that are not partners, FORBIDDEN.
		{access.CreateManagedTenant, w.PartnerAdmin, w.Partner.ID, "ok"},
		{access.CreateManagedTenant, w.PartnerEditor, w.Partner.ID, "FORBIDDEN"},
		{access.CreateManagedTenant, w.OtherPartnerAdmin, w.Partner.ID, "NOT_FOUND"},
		{access.CreateManagedTenant, w.Staff, w.Partner.ID, "NOT_FOUND"},
		{access.CreateManagedTenant, w.StandaloneAdmin, w.Standalone.ID, "FORBIDDEN"},
		{access.CreateManagedTenant, w.PartnerAdmin, w.Managed.ID, "FORBIDDEN"},
		{access.CreateManagedTenant, w.PartnerAdmin, missing, "NOT_FOUND"},
		// SPEC 6, 7: the partner's admins and staff; whoever else can see
		// the tenant FORBIDDEN; anyone else NOT_FOUND; not a partner FORBIDDEN.
		{access.ReadPlanCatalog, w.PartnerAdmin, w.Partner.ID, "ok"},
		{access.ReadPlanCatalog, w.Staff, w.Partner.ID, "ok"},
		{access.ReadPlanCatalog, w.PartnerViewer, w.Partner.ID, "FORBIDDEN"},
		{access.ReadPlanCatalog, w.OtherPartnerAdmin, w.Partner.ID, "NOT_FOUND"},
		{access.ReadPlanCatalog, w.ManagedViewer, w.Partner.ID, "NOT_FOUND"},
		{access.ReadPlanCatalog, w.PartnerAdmin, w.Sibling.ID, "FORBIDDEN"},
		{access.ReadPlanCatalog, w.Staff, w.Standalone.ID, "FORBIDDEN"},
		{access.ReadPlanCatalog, w.Staff, missing, "NOT_FOUND"},
		{access.ReadPartnerInvoice, w.PartnerAdmin, w.Partner.ID, "ok"},
		{access.ReadPartnerInvoice, w.PartnerEditor, w.Partner.ID, "FORBIDDEN"},
		{access.ReadPartnerInvoice, w.StandaloneAdmin, w.Partner.ID, "NOT_FOUND"},
		// SPEC 5: staff only, refused before any lookup.
		{access.SetPartnerFlag, w.Staff, w.Standalone.ID, "ok"},
		{access.SetPartnerFlag, w.StandaloneAdmin, w.Standalone.ID, "FORBIDDEN"},
		{access.SetPartnerFlag, w.Stranger, missing, "FORBIDDEN"},
		{access.SetPartnerFlag, w.Staff, missing, "NOT_FOUND"},
		// SPEC 3: members only; staff who are not members NOT_FOUND; a
		// partner admin who sees a managed tenant's account data but is not
		// a member NOT_FOUND.
		{access.OpenGeneralSettings, w.ManagedViewer, w.Managed.ID, "ok"},
		{access.OpenGeneralSettings, w.Staff, w.Managed.ID, "NOT_FOUND"},
		{access.OpenGeneralSettings, w.PartnerAdmin, w.Sibling.ID, "NOT_FOUND"},
		// SPEC 8: admins invite; admins and editors create; members of
		// other tenants, the partner and staff find nothing.
		{access.InviteMember, w.PartnerAdmin, w.Managed.ID, "ok"},
		{access.InviteMember, w.Both, w.Managed.ID, "FORBIDDEN"},
		{access.InviteMember, w.SiblingAdmin, w.Managed.ID, "NOT_FOUND"},
		{access.InviteMember, w.PartnerAdmin, w.Sibling.ID, "NOT_FOUND"},
		{access.CreateSpace, w.Both, w.Managed.ID, "ok"},
		{access.CreateSpace, w.Both, w.Standalone.ID, "ok"},
		{access.CreateSpace, w.ManagedViewer, w.Managed.ID, "FORBIDDEN"},
		{access.CreateSpace, w.ManagedViewer, w.Standalone.ID, "NOT_FOUND"},
		{access.CreateSpace, w.Staff, w.Managed.ID, "NOT_FOUND"},
		{access.CreateDevice, w.PartnerAdmin, w.Managed.ID, "ok"},
		{access.CreateDevice, w.PartnerViewer, w.Partner.ID, "FORBIDDEN"},
		{access.CreateInstallation, w.StandaloneAdmin, w.Standalone.ID, "ok"},
		{access.CreateInstallation, w.StandaloneAdmin, w.Managed.ID, "NOT_FOUND"},
		// SPEC 10: the admins of the managing partner; a tenant the caller
		// cannot see NOT_FOUND; anyone else who sees it FORBIDDEN (its own
		// admin, the partner's other members, staff).
		{access.ChangeManagedTenantPlans, w.PartnerAdmin, w.Managed.ID, "ok"},
		{access.ChangeManagedTenantPlans, w.PartnerAdmin, w.Sibling.ID, "ok"},
		{access.ChangeManagedTenantPlans, w.PartnerEditor, w.Managed.ID, "FORBIDDEN"},
		{access.ChangeManagedTenantPlans, w.SiblingAdmin, w.Sibling.ID, "FORBIDDEN"},
		{access.ChangeManagedTenantPlans, w.Staff, w.Managed.ID, "FORBIDDEN"},
		{access.ChangeManagedTenantPlans, w.OtherPartnerAdmin, w.Managed.ID, "NOT_FOUND"},
		{access.ChangeManagedTenantPlans, w.SiblingAdmin, w.Managed.ID, "NOT_FOUND"},
		{access.ChangeManagedTenantPlans, w.PartnerAdmin, missing, "NOT_FOUND"},
		{access.UpdateManagedTenant, w.PartnerAdmin, w.Sibling.ID, "ok"},
		{access.UpdateManagedTenant, w.PartnerViewer, w.Sibling.ID, "FORBIDDEN"},
		{access.UpdateManagedTenant, w.Stranger, w.Sibling.ID, "NOT_FOUND"},
		{access.EndManagedTenant, w.PartnerAdmin, w.Managed.ID, "ok"},
		{access.EndManagedTenant, w.ManagedViewer, w.Managed.ID, "FORBIDDEN"},
		{access.EndManagedTenant, w.OtherPartnerAdmin, w.Sibling.ID, "NOT_FOUND"},
		{access.EndManagedTenant, w.PartnerAdmin, w.Sibling.ID, "ok"},
		{access.EndManagedTenant, w.PartnerEditor, w.Managed.ID, "FORBIDDEN"},
		{access.ChangeManagedTenantPlans, w.PartnerViewer, w.Sibling.ID, "FORBIDDEN"},
		{access.UpdateManagedTenant, w.SiblingAdmin, w.Sibling.ID, "FORBIDDEN"},
		{access.UpdateManagedTenant, w.ManagedViewer, w.Managed.ID, "FORBIDDEN"},
		{access.EndManagedTenant, w.Staff, w.Managed.ID, "FORBIDDEN"},
		{access.EndManagedTenant, w.OtherPartnerAdmin, w.Managed.ID, "NOT_FOUND"},
		{access.EndManagedTenant, w.SiblingAdmin, w.Managed.ID, "NOT_FOUND"},
		{access.EndManagedTenant, w.PartnerEditor, w.Standalone.ID, "NOT_FOUND"},
		{access.EndManagedTenant, w.PartnerEditor, missing, "NOT_FOUND"},
		// SPEC 11: the tenant's admins change roles and remove members;
		// other members FORBIDDEN; non-members (its partner's admins, staff)
		// NOT_FOUND.
		{access.ChangeMemberRole, w.PartnerAdmin, w.Managed.ID, "ok"},
		{access.ChangeMemberRole, w.Both, w.Managed.ID, "FORBIDDEN"},
		{access.ChangeMemberRole, w.ManagedViewer, w.Managed.ID, "FORBIDDEN"},
		{access.ChangeMemberRole, w.PartnerAdmin, w.Sibling.ID, "NOT_FOUND"},
		{access.ChangeMemberRole, w.Staff, w.Managed.ID, "NOT_FOUND"},
		{access.ChangeMemberRole, w.SiblingAdmin, missing, "NOT_FOUND"},
		{access.RemoveMember, w.SiblingAdmin, w.Sibling.ID, "ok"},
		{access.RemoveMember, w.PartnerEditor, w.Partner.ID, "FORBIDDEN"},
		{access.RemoveMember, w.SiblingAdmin, w.Managed.ID, "NOT_FOUND"},
		{access.RemoveMember, w.Staff, w.Standalone.ID, "NOT_FOUND"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s by %s in %d", tc.action, tc.user.Email, tc.tenant), func(t *testing.T) {
			got, err := access.Require(as(w.Client, tc.user), w.Client, tc.tenant, tc.action)
			if o := outcome(t, err); o != tc.want {
				t.Fatalf("Require = %s, want %s", o, tc.want)
			}
			if err == nil && got.ID != tc.tenant {
				t.Errorf("Require returned tenant %d, want %d", got.ID, tc.tenant)
			}
			if err != nil && got != nil {
				t.Errorf("a refusal returned tenant %d", got.ID)
			}
			// Permits, the ent layer's re-check of workspace writes, says
			// yes exactly when Require does, for the rules it answers and
			// tenants that exist (it does not read the tenant).
			if r := access.Table[tc.action]; r.Shape == nil && !r.Seen && !r.OfPartner && tc.tenant != missing {
				ok, err := access.Permits(as(w.Client, tc.user), tc.tenant, tc.action)
				if err != nil || ok != (tc.want == "ok") {
					t.Errorf("Permits = %v, %v; want %v", ok, err, tc.want == "ok")
				}
			}
		})
	}
	if _, err := access.Require(context.Background(), w.Client, w.Partner.ID, access.ReadPlanCatalog); !errors.Is(err, apperr.ErrUnauthenticated) {
		t.Errorf("no viewer: %v, want UNAUTHENTICATED", err)
	}
	if _, err := access.Require(as(w.Client, w.Staff), w.Client, w.Partner.ID, "no.such.action"); err == nil || apperr.IsRefusal(err) {
		t.Errorf("an action without a rule: %v, want a failure", err)
	}
	for _, a := range []access.Action{access.ReadPlanCatalog, access.EndManagedTenant} {
		if _, err := access.Permits(as(w.Client, w.Staff), w.Partner.ID, a); err == nil {
			t.Errorf("Permits answered %s, a rule that depends on the tenant's row", a)
		}
	}
	// A rule of the managing partner asked of a tenant that is not managed:
	// not a refusal, the input's broken rule (the caller's NOT_ALLOWED).
	for _, tn := range []*ent.Tenant{w.Partner, w.Standalone} {
		admin := map[int]*ent.User{w.Partner.ID: w.PartnerAdmin, w.Standalone.ID: w.StandaloneAdmin}[tn.ID]
		if _, err := access.Require(as(w.Client, admin), w.Client, tn.ID, access.EndManagedTenant); !errors.Is(err, access.ErrNotManaged) {
			t.Errorf("end %s: %v, want ErrNotManaged", tn.DisplayName, err)
		}
	}
	// Can answers the same rules for a tenant already read.
	for _, tc := range []struct {
		user *ent.User
		want bool
	}{{w.PartnerAdmin, true}, {w.PartnerEditor, false}, {w.Staff, false}, {w.SiblingAdmin, false}} {
		if ok, err := access.Can(as(w.Client, tc.user), w.Sibling, access.ChangeManagedTenantPlans); err != nil || ok != tc.want {
			t.Errorf("Can(%s, change plans of Sibling) = %v, %v; want %v", tc.user.Email, ok, err, tc.want)
		}
	}
}

// TestSettingsSections is SPEC 3's table through Can: which sections each
// role opens in each tenant shape.
func TestSettingsSections(t *testing.T) {
	t.Parallel()
	partnerID := 1
	shapes := map[string]*ent.Tenant{
		"standalone": {ID: 10},
		"partner":    {ID: 11, IsPartner: true},
		"managed":    {ID: 12, PartnerID: &partnerID},
		// Not a shape the rules allow, but the table still decides it: a
		// managed tenant is billed through its partner and manages nothing.
		"flagged and managed": {ID: 13, IsPartner: true, PartnerID: &partnerID},
	}
	sections := []access.Action{access.OpenGeneralSettings, access.OpenUserManagement,
		access.OpenDeveloperSettings, access.OpenBilling, access.OpenManagedTenants}
	const (
		g  = access.OpenGeneralSettings
		um = access.OpenUserManagement
		d  = access.OpenDeveloperSettings
		b  = access.OpenBilling
		mt = access.OpenManagedTenants
	)
	cases := []struct {
		shape string
		role  enums.Role
		want  []access.Action
	}{
		{"standalone", enums.RoleAdmin, []access.Action{g, um, d, b}},
		{"standalone", enums.RoleEditor, []access.Action{g, d}},
		{"standalone", enums.RoleViewer, []access.Action{g}},
		{"partner", enums.RoleAdmin, []access.Action{g, um, d, b, mt}},
		{"partner", enums.RoleEditor, []access.Action{g, d}},
		{"partner", enums.RoleViewer, []access.Action{g}},
		{"managed", enums.RoleAdmin, []access.Action{g, um, d}},
		{"managed", enums.RoleEditor, []access.Action{g, d}},
		{"managed", enums.RoleViewer, []access.Action{g}},
		{"flagged and managed", enums.RoleAdmin, []access.Action{g, um, d}},
		{"partner", "", nil}, // not a member: nothing
	}
	for _, tc := range cases {
		tn := shapes[tc.shape]
		roles := map[int]enums.Role{}
		if tc.role != "" {
			roles[tn.ID] = tc.role
		}
		ctx := viewer.NewContext(context.Background(), viewer.New(7, "u@example.com", true, roles))
		var got []access.Action
		for _, a := range sections {
			ok, err := access.Can(ctx, tn, a)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				got = append(got, a)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s %s: sections %v, want %v", tc.shape, tc.role, got, tc.want)
		}
	}
}
