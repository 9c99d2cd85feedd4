package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/graph/loaders"
	"github.com/phystack/managed-tenants-api/internal/viewer"
)

// primedPlans are the node fields whose values prefetchPage puts in the
// loader for the whole page: their loads return at once, and nothing below
// them (a Plan) waits for a batch. The compiled read path writes such a
// page's nodes in order (compiled.Options.Primed).
var primedPlans = []string{"tenantPlan", "supportPlan"}

// primedByPage names, per connection field whose resolver calls
// prefetchPage, the node fields it primes.
var primedByPage = map[string][]string{"Tenant.managedTenants": primedPlans}

// prefetchPage: when a page of tenants has been resolved, what its nodes
// select through loaders is fetched for the whole page at once, before the
// nodes resolve: the plans (tenantPlan, supportPlan) in one query, the
// viewer's roles (viewerRole) in another. A wait-based batch splits when the
// page's resolvers reach their loader over more than the wait; priming does
// not depend on timing. Called by the resolver of the page (not a field
// middleware, which would run for every field of the answer).
func prefetchPage(ctx context.Context, client *ent.Client, conn *ent.TenantConnection) {
	if conn == nil || len(conn.Edges) == 0 {
		return
	}
	l := loaders.For(ctx)
	if l == nil {
		return
	}
	ids := make([]int, 0, len(conn.Edges))
	for _, e := range conn.Edges {
		if e != nil && e.Node != nil {
			ids = append(ids, e.Node.ID)
		}
	}
	prefetchAuditLogs(ctx, client, l, ids)
	plans, roles := nodesSelect(ctx, primedPlans...), nodesSelect(ctx, "viewerRole")
	if !plans && !roles {
		return
	}
	if plans {
		l.PrimeCurrentPlans(ctx, ids)
	}
	if roles {
		// The viewer remembers them: the loader's batches then cost nothing.
		// On error each Load asks again and reports it.
		_, _ = viewer.FromContext(ctx).Roles(ctx, ids)
	}
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
