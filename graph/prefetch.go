package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/graph/loaders"
)

// prefetchPlans is a field middleware: when a page of tenants has been
// resolved and its nodes select tenantPlan or supportPlan, the plans of the
// whole page are loaded in one query before the nodes resolve.
func prefetchPlans(ctx context.Context, next graphql.Resolver) (any, error) {
	res, err := next(ctx)
	conn, ok := res.(*ent.TenantConnection)
	if err != nil || !ok || conn == nil || len(conn.Edges) == 0 {
		return res, err
	}
	l := loaders.For(ctx)
	if l == nil || !nodesSelect(ctx, "tenantPlan", "supportPlan") {
		return res, err
	}
	ids := make([]int, 0, len(conn.Edges))
	for _, e := range conn.Edges {
		if e != nil && e.Node != nil {
			ids = append(ids, e.Node.ID)
		}
	}
	l.PrimeCurrentPlans(ctx, ids)
	return res, err
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
