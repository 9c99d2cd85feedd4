package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/graph/loaders"
)

// prefetchPlans: when a page of tenants has been resolved and its nodes
// select tenantPlan or supportPlan, the plans of the whole page are loaded in
// one query before the nodes resolve. Called by the resolver of the page
// (not a field middleware, which would run for every field of the answer).
func prefetchPlans(ctx context.Context, conn *ent.TenantConnection) {
	if conn == nil || len(conn.Edges) == 0 {
		return
	}
	l := loaders.For(ctx)
	if l == nil || !nodesSelect(ctx, "tenantPlan", "supportPlan") {
		return
	}
	ids := make([]int, 0, len(conn.Edges))
	for _, e := range conn.Edges {
		if e != nil && e.Node != nil {
			ids = append(ids, e.Node.ID)
		}
	}
	l.PrimeCurrentPlans(ctx, ids)
}

// nodesSelect reports whether the current connection field selects any of
// names on edges.node (fragments included).
func nodesSelect(ctx context.Context, names ...string) bool {
	fc := graphql.GetFieldContext(ctx)
	oc := graphql.GetOperationContext(ctx)
	if fc == nil || oc == nil || fc.Field.Field == nil {
		return false
	}
	for _, edges := range sub(oc, fc.Field.Selections, "edges", "TenantConnection") {
		for _, node := range sub(oc, edges.Selections, "node", "TenantEdge") {
			for _, f := range graphql.CollectFields(oc, node.Selections, []string{"Tenant", "Node"}) {
				for _, n := range names {
					if f.Name == n {
						return true
					}
				}
			}
		}
	}
	return false
}

func sub(oc *graphql.OperationContext, set ast.SelectionSet, name, typ string) []graphql.CollectedField {
	var out []graphql.CollectedField
	for _, f := range graphql.CollectFields(oc, set, []string{typ}) {
		if f.Name == name {
			out = append(out, f)
		}
	}
	return out
}
