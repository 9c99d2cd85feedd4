//go:build ignore

// Code generation for ent and entgql; run from the repository root with
// `go run -mod=mod ./ent/entc.go` (make generate).
package main

import (
	"fmt"
	"log"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
	"github.com/vektah/gqlparser/v2/ast"
)

// authenticateNodeQueries puts @authenticated (declared in schema.graphqls)
// on the generated node and nodes queries, so every root field is gated.
func authenticateNodeQueries(_ *gen.Graph, s *ast.Schema) error {
	q := s.Types["Query"]
	if q == nil {
		return fmt.Errorf("no Query type in the generated schema")
	}
	for _, f := range q.Fields {
		if f.Name == "node" || f.Name == "nodes" {
			f.Directives = append(f.Directives, &ast.Directive{Name: "authenticated"})
		}
	}
	return nil
}

// subscriptionsNewestFirst makes Tenant.subscriptions list the newest start
// first when no orderBy is given (SPEC 10). A default of the argument, not
// of a resolver, so entgql's eager loading (which reads the arguments,
// defaults included) orders the same way.
func subscriptionsNewestFirst(_ *gen.Graph, s *ast.Schema) error {
	t := s.Types["Tenant"]
	if t == nil || t.Fields.ForName("subscriptions") == nil {
		return fmt.Errorf("no Tenant.subscriptions in the generated schema")
	}
	arg := t.Fields.ForName("subscriptions").Arguments.ForName("orderBy")
	if arg == nil {
		return fmt.Errorf("no orderBy argument on Tenant.subscriptions")
	}
	arg.DefaultValue = &ast.Value{Kind: ast.ObjectValue, Children: ast.ChildValueList{
		{Name: "direction", Value: &ast.Value{Kind: ast.EnumValue, Raw: "DESC"}},
		{Name: "field", Value: &ast.Value{Kind: ast.EnumValue, Raw: "STARTED_AT"}},
	}}
	return nil
}

// nullableBilledTo: a reference to an object the viewer may not see is null
// (SPEC 2.5), so PlanSubscription.billedTo is nullable (SPEC 10) although
// every subscription is billed to a tenant.
func nullableBilledTo(_ *gen.Graph, s *ast.Schema) error {
	t := s.Types["PlanSubscription"]
	if t == nil || t.Fields.ForName("billedTo") == nil {
		return fmt.Errorf("no PlanSubscription.billedTo in the generated schema")
	}
	t.Fields.ForName("billedTo").Type.NonNull = false
	return nil
}

func main() {
	ex, err := entgql.NewExtension(
		entgql.WithSchemaGenerator(),
		entgql.WithSchemaPath("./graph/ent.graphqls"),
		entgql.WithConfigPath("./gqlgen.yml"),
		// Where-inputs across edges bypass privacy (ent issue 2957): none.
		entgql.WithWhereInputs(false),
		entgql.WithRelaySpec(true),
		entgql.WithSchemaHook(authenticateNodeQueries, subscriptionsNewestFirst, nullableBilledTo),
	)
	if err != nil {
		log.Fatalf("entgql extension: %v", err)
	}
	err = entc.Generate("./ent/schema", &gen.Config{
		Target:  "./ent",
		Package: "github.com/phystack/managed-tenants-api/ent",
		Features: []gen.Feature{
			gen.FeaturePrivacy,
			gen.FeatureEntQL,
			gen.FeatureGlobalID,
			gen.FeatureVersionedMigration,
			gen.FeatureLock,
			gen.FeatureUpsert,
			gen.FeatureIntercept,
			gen.FeatureModifier,
			gen.FeatureExecQuery,
		},
	},
		entc.Extensions(ex),
		// After entgql's templates: ours override its totalCount helper.
		entc.TemplateFiles("./ent/template/gql_total.tmpl"),
	)
	if err != nil {
		log.Fatalf("ent codegen: %v", err)
	}
}
