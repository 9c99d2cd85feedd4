package schema_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"testing"

	"entgo.io/ent"

	"github.com/phystack/managed-tenants-api/ent/schema"
)

// A TenantOwned schema must not declare a Policy of its own: the mixin's
// policy closes both ends (reads filtered, writes refused) and runs first,
// so a schema's policy would never be asked, silently.
func TestTenantOwnedSchemasHaveNoPolicyOfTheirOwn(t *testing.T) {
	schemas := map[string]interface {
		ent.Interface
		Policy() ent.Policy
	}{
		"APIToken": schema.APIToken{}, "AuditEvent": schema.AuditEvent{}, "BillingEntity": schema.BillingEntity{},
		"Device": schema.Device{}, "IdempotencyKey": schema.IdempotencyKey{}, "Installation": schema.Installation{},
		"Membership": schema.Membership{}, "Plan": schema.Plan{}, "PlanCatalog": schema.PlanCatalog{},
		"Space": schema.Space{}, "Subscription": schema.Subscription{}, "Tenant": schema.Tenant{}, "User": schema.User{},
	}
	// Every schema of the package is in the list above.
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var declared []string
	for _, f := range pkgs["schema"].Files {
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			if st, ok := ts.Type.(*ast.StructType); ok && len(st.Fields.List) == 1 {
				if sel, ok := st.Fields.List[0].Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "Schema" {
					if x, ok := sel.X.(*ast.Ident); ok && x.Name == "ent" {
						declared = append(declared, ts.Name.Name)
					}
				}
			}
			return true
		})
	}
	if len(declared) != len(schemas) {
		t.Fatalf("schemas declared %v, listed %d: add the new one to this test", declared, len(schemas))
	}
	owned := 0
	for _, name := range declared {
		s, ok := schemas[name]
		if !ok {
			t.Fatalf("schema %s is not listed in this test", name)
		}
		if !slices.ContainsFunc(s.Mixin(), func(m ent.Mixin) bool { _, ok := m.(schema.TenantOwned); return ok }) {
			continue
		}
		owned++
		if s.Policy() != nil {
			t.Errorf("%s is TenantOwned and declares its own Policy: it would never run", name)
		}
	}
	if owned != 6 {
		t.Errorf("%d TenantOwned schemas, want the 6 of memberships, spaces, devices, installations, subscriptions and audit events", owned)
	}
}
