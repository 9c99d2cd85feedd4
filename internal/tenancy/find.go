package tenancy

import (
	"strings"
	"time"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/predicate"
	"github.com/phystack/managed-tenants-api/ent/tenant"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/validate"
)

// Finding managed tenants (SPEC 11): each field of managedTenants' filter
// becomes a predicate on the where-input entgql applies to the connection,
// inside the one query that loads the level (no statement of its own).

// Search narrows w to the tenants whose display name holds search, compared
// as name uniqueness compares names: on the stored name_key, with search
// folded by the same validate.Key (so "strasse" finds "Straße" and "É"
// finds "é", but "e" does not find "é"). A blank search does not filter.
// LIKE's wildcards in search match themselves.
func Search(w *ent.TenantWhereInput, search *string) {
	if search == nil {
		return
	}
	s := strings.TrimSpace(*search)
	if s == "" {
		return
	}
	w.AddPredicates(tenant.NameKeyContains(validate.Key(s)))
}

// Country narrows w to the tenants of a country given in any case; one that
// is not an ISO 3166-1 alpha-2 country is the caller's error.
func Country(w *ent.TenantWhereInput, country *string) error {
	if country == nil {
		return nil
	}
	code, err := validate.Country(*country)
	if err != nil {
		return apperr.New(apperr.BadUserInput, "country %s", err)
	}
	w.AddPredicates(tenant.Country(code))
	return nil
}

// FilterStatus narrows w to the tenants of a status now, on the boundary
// access.HasEnded draws: ended from ends_at on, active before it or
// without one.
func (s *Service) FilterStatus(w *ent.TenantWhereInput, status *Status) error {
	if status == nil {
		return nil
	}
	p, err := statusAt(*status, s.Clock.Now())
	if err != nil {
		return err
	}
	w.AddPredicates(p)
	return nil
}

// runningAt: the tenants that have not ended at now (no end, or one still
// to come); the boundary of access.HasEnded. They keep their names and
// their partner a partner.
func runningAt(now time.Time) predicate.Tenant {
	return tenant.Or(tenant.EndsAtIsNil(), tenant.EndsAtGT(now))
}

// statusAt is the predicate of the tenants of a status at now.
func statusAt(status Status, now time.Time) (predicate.Tenant, error) {
	switch status {
	case Ended:
		return tenant.EndsAtLTE(now), nil
	case Active:
		return runningAt(now), nil
	}
	return nil, apperr.New(apperr.BadUserInput, "status %q is not a tenant status", status)
}
