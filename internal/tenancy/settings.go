package tenancy

import (
	"context"

	"github.com/phystack/managed-tenants-api/internal/access"
)

// Section is a settings section of SPEC 3.
type Section string

const (
	SectionGeneral        Section = "GENERAL"
	SectionUserManagement Section = "USER_MANAGEMENT"
	SectionDeveloper      Section = "DEVELOPER"
	SectionBilling        Section = "BILLING"
	SectionManagedTenants Section = "MANAGED_TENANTS"
)

// Sections are the sections in display order, each with the access action
// that opens it.
var Sections = []struct {
	Section Section
	Action  access.Action
}{
	{SectionGeneral, access.OpenGeneralSettings},
	{SectionUserManagement, access.OpenUserManagement},
	{SectionDeveloper, access.OpenDeveloperSettings},
	{SectionBilling, access.OpenBilling},
	{SectionManagedTenants, access.OpenManagedTenants},
}

// VisibleSettings lists the sections the viewer may open in a tenant, in
// display order. Non-members, staff included, get NOT_FOUND.
func (s *Service) VisibleSettings(ctx context.Context, tenantID int) ([]Section, error) {
	t, err := access.Require(ctx, s.Client, tenantID, access.OpenGeneralSettings)
	if err != nil {
		return nil, err
	}
	var out []Section
	for _, sec := range Sections {
		ok, err := access.Can(ctx, t, sec.Action)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, sec.Section)
		}
	}
	return out, nil
}
