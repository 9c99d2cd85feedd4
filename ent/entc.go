//go:build ignore

// Code generation for ent and entgql; run from the repository root with
// `go run -mod=mod ./ent/entc.go` (make generate).
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"strings"

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

// Finding managed tenants (SPEC 11): Tenant is the one type with an entgql
// where-input, and managed_tenants the one edge. Its Go type (ent.TenantWhereInput) is what entgql's eager
// loading applies to managedTenants inside the level's one query; in
// GraphQL the argument is ManagedTenantFilter (schema.graphqls), which
// gqlgen binds to that Go type through input-field resolvers (gqlgen.yml),
// so only search, country and status reach it. Where-inputs across edges
// bypass privacy (ent issue 2957), so no other type or edge gets one,
// whatever types and edges are added later (the Go type keeps a
// HasManagedTenantsWith that no GraphQL input reaches).
const filteredType = "Tenant"

// whereInputOfTenantOnly skips the where-input of every type but Tenant,
// and of every edge but Tenant.managed_tenants, before entgql's templates and schema read them.
func whereInputOfTenantOnly(next gen.Generator) gen.Generator {
	return gen.GenerateFunc(func(g *gen.Graph) error {
		skip := func(ants *gen.Annotations) error {
			ant := &entgql.Annotation{}
			if *ants == nil {
				*ants = gen.Annotations{}
			}
			if v := (*ants)[ant.Name()]; v != nil {
				if err := ant.Decode(v); err != nil {
					return err
				}
			}
			ant.Skip |= entgql.SkipWhereInput
			// Stored as loaded from the schema (JSON): the templates read
			// Skip as a float64.
			buf, err := json.Marshal(ant)
			if err != nil {
				return err
			}
			var raw map[string]any
			if err := json.Unmarshal(buf, &raw); err != nil {
				return err
			}
			(*ants)[ant.Name()] = raw
			return nil
		}
		for _, n := range g.Nodes {
			if n.Name != filteredType {
				if err := skip(&n.Annotations); err != nil {
					return err
				}
			}
			for _, e := range n.Edges {
				if n.Name == filteredType && e.Name == "managed_tenants" {
					continue // the edge whose connection takes the filter
				}
				if err := skip(&e.Annotations); err != nil {
					return err
				}
			}
		}
		return next.Generate(g)
	})
}

// managedTenantFilter gives Tenant.managedTenants the where argument
// ManagedTenantFilter and drops every generated *WhereInput type and every
// other where argument from the schema: none may reach a client.
func managedTenantFilter(_ *gen.Graph, s *ast.Schema) error {
	t := s.Types[filteredType]
	if t == nil || t.Fields.ForName("managedTenants") == nil {
		return fmt.Errorf("no Tenant.managedTenants in the generated schema")
	}
	where := t.Fields.ForName("managedTenants").Arguments.ForName("where")
	if where == nil {
		return fmt.Errorf("no where argument on Tenant.managedTenants")
	}
	where.Type = ast.NamedType("ManagedTenantFilter", nil)
	for name, def := range s.Types {
		if strings.HasSuffix(name, "WhereInput") {
			delete(s.Types, name)
			continue
		}
		for _, f := range def.Fields {
			if f.Name == "managedTenants" && def.Name == filteredType {
				continue
			}
			for i := 0; i < len(f.Arguments); i++ {
				if n := f.Arguments[i].Type.Name(); strings.HasSuffix(n, "WhereInput") {
					f.Arguments = append(f.Arguments[:i], f.Arguments[i+1:]...)
					i--
				}
			}
		}
	}
	return nil
}

// templateFiles is entc.TemplateFiles with entgql's template functions as
// well: our overrides of entgql's templates call them.
func templateFiles(files ...string) entc.Option {
	return func(cfg *gen.Config) error {
		t, err := gen.NewTemplate("external").Funcs(entgql.TemplateFuncs).ParseFiles(files...)
		if err != nil {
			return err
		}
		cfg.Templates = append(cfg.Templates, t)
		return nil
	}
}

func main() {
	ex, err := entgql.NewExtension(
		entgql.WithSchemaGenerator(),
		entgql.WithSchemaPath("./graph/ent.graphqls"),
		entgql.WithConfigPath("./gqlgen.yml"),
		// Tenant's only, for managedTenants(where:): see filteredType.
		entgql.WithWhereInputs(true),
		entgql.WithRelaySpec(true),
		entgql.WithSchemaHook(authenticateNodeQueries, subscriptionsNewestFirst, nullableBilledTo, managedTenantFilter),
	)
	if err != nil {
		log.Fatalf("entgql extension: %v", err)
	}
	err = entc.Generate("./ent/schema", &gen.Config{
		Target:  "./ent",
		Package: "github.com/phystack/managed-tenants-api/ent",
		Hooks:   []gen.Hook{whereInputOfTenantOnly},
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
		// After entgql's templates: ours override its totalCount helper
		// and edge resolvers, and ent's named edges and query builders.
		templateFiles("./ent/template/gql_total.tmpl", "./ent/template/named_edges.tmpl", "./ent/template/sql_query.tmpl"),
	)
	if err != nil {
		log.Fatalf("ent codegen: %v", err)
	}
}
