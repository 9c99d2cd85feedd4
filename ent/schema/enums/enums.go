// Package enums holds the enum types shared by several ent schemas and by the
// GraphQL layer, so one Go type backs each GraphQL enum.
package enums

import (
	"fmt"
	"io"
	"strconv"
)

// Role is a member's role in one tenant.
type Role string

const (
	RoleAdmin  Role = "ADMIN"
	RoleEditor Role = "EDITOR"
	RoleViewer Role = "VIEWER"
)

// Values lists the roles for ent's enum column.
func (Role) Values() []string { return []string{"ADMIN", "EDITOR", "VIEWER"} }

// rank orders roles so that "at least editor" is one comparison.
func (r Role) rank() int {
	switch r {
	case RoleAdmin:
		return 3
	case RoleEditor:
		return 2
	case RoleViewer:
		return 1
	}
	return 0
}

// AtLeast reports whether r grants everything min grants.
func (r Role) AtLeast(min Role) bool { return r.rank() >= min.rank() && r.rank() > 0 }

func (r Role) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(r))) }

func (r *Role) UnmarshalGQL(v any) error { return unmarshalEnum(v, Role("").Values(), (*string)(r), "Role") }

// PlanKind tells tenant plans from support plans.
type PlanKind string

const (
	PlanKindTenant  PlanKind = "TENANT"
	PlanKindSupport PlanKind = "SUPPORT"
)

func (PlanKind) Values() []string { return []string{"TENANT", "SUPPORT"} }

func (k PlanKind) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(k))) }

func (k *PlanKind) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, PlanKind("").Values(), (*string)(k), "PlanKind")
}

// BillingType says who invoices a tenant.
type BillingType string

const (
	BillingTypePartnerInvoice BillingType = "PARTNER_INVOICE"
	BillingTypeDirect         BillingType = "DIRECT"
)

func (BillingType) Values() []string { return []string{"PARTNER_INVOICE", "DIRECT"} }

func (b BillingType) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(b))) }

func (b *BillingType) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, BillingType("").Values(), (*string)(b), "BillingType")
}

func unmarshalEnum(v any, values []string, dst *string, name string) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("%s must be a string", name)
	}
	for _, allowed := range values {
		if s == allowed {
			*dst = s
			return nil
		}
	}
	return fmt.Errorf("%q is not a valid %s", s, name)
}
