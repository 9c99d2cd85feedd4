package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/graph/loaders"
	"github.com/phystack/managed-tenants-api/internal/audit"
)

// prefetchAuditLogs reads the auditEvents a page of tenants selects (each
// alias with its arguments) for the whole page at once (audit.Pages: one
// statement, and one for the actors), so the dashboard's logs cost the
// same for 2 tenants as for 50. Pages with cursors, or whose arguments do
// not decode, are left to each tenant's resolver, and so are mutations:
// the pages are kept for the operation, and a later mutation field of the
// same operation must see the events the earlier ones wrote.
func prefetchAuditLogs(ctx context.Context, client *ent.Client, l *loaders.Loaders, ids []int) {
	fc := graphql.GetFieldContext(ctx)
	oc := graphql.GetOperationContext(ctx)
	if fc == nil || oc == nil || fc.Field.Field == nil || len(ids) == 0 ||
		oc.Operation == nil || oc.Operation.Operation != ast.Query {
		return
	}
	for _, edges := range sub(oc, fc.Field.Selections, "edges", "TenantConnection") {
		for _, nd := range sub(oc, edges.Selections, "node", "TenantEdge") {
			for _, f := range graphql.CollectFields(oc, nd.Selections, []string{"Tenant", "Node"}) {
				if f.Name != "auditEvents" {
					continue
				}
				args := f.ArgumentMap(oc.Variables)
				if args["after"] != nil || args["before"] != nil {
					continue
				}
				first, okF := intArg(args["first"])
				last, okL := intArg(args["last"])
				var where *audit.Filter
				if w := args["where"]; w != nil {
					where = new(audit.Filter)
					if err := graphql.UnmarshalInputFromContext(ctx, w, where); err != nil {
						continue
					}
				}
				if !okF || !okL {
					continue
				}
				actors := false
				for _, e := range sub(oc, f.Selections, "edges", "AuditEventConnection") {
					for _, n := range sub(oc, e.Selections, "node", "AuditEventEdge") {
						for _, af := range graphql.CollectFields(oc, n.Selections, []string{"AuditEvent", "Node"}) {
							actors = actors || af.Name == "actor"
						}
					}
				}
				pages, err := audit.Pages(ctx, client, ids, first, last, where, actors)
				if err != nil || pages == nil {
					continue // each tenant's resolver asks, and reports the error
				}
				l.PrimeAuditPages(audit.Key(first, last, where), pages)
			}
		}
	}
}

// intArg reads an Int argument (nil when absent).
func intArg(v any) (*int, bool) {
	if v == nil {
		return nil, true
	}
	i, err := graphql.UnmarshalInt(v)
	if err != nil {
		return nil, false
	}
	return &i, true
}

// clientOf is the client of ctx's transaction when there is one (a
// mutation's payload), else the resolver's.
func (r *Resolver) clientOf(ctx context.Context) *ent.Client {
	if c := ent.FromContext(ctx); c != nil {
		return c
	}
	return r.Client
}
