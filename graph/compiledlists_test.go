package graph_test

import (
	"context"
	"testing"

	"github.com/phystack/managed-tenants-api/graph"
	"github.com/phystack/managed-tenants-api/internal/seed"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

// A list whose elements select resolvers that batch through a loader
// (viewerRole, tenantPlan: graph/loaders, a 1 ms wait) is written with its
// elements concurrently, as gqlgen's executor writes every list: one after
// the other, each Load would wait for a batch of its own, one statement and
// one wait per element (100 memberships: 356 ms against gqlgen's 27 ms when
// first measured).
func TestCompiledListsKeepLoaderBatches(t *testing.T) {
	st := testkit.Store(t)
	s, err := seed.LoadBench(context.Background(), st.Client, seed.BenchShape{Tenants: 100, Spaces: 1, Devices: 1, Installations: 1})
	if err != nil {
		t.Fatal(err)
	}
	const q = `{ viewer { memberships { tenant { displayName viewerRole tenantPlan { name } supportPlan { name } } } } }`
	api := testkit.NewAPI(t, st, nil, testkit.Debug, testkit.Executor(graph.ExecutorCompiled))
	token := s.Tokens["partnerAdmin"]
	api.Do(t, token, `{ viewer { isStaff } }`, nil) // the token's look-up, out of the count
	res := api.Do(t, token, q, nil)
	if len(res.Errors) > 0 {
		t.Fatalf("%s", res.Raw)
	}
	// The memberships, then the roles and the plans in a few batches (a
	// batch may split under a loaded machine), not one per tenant.
	if n := res.Extensions["sqlStatements"].(float64); n > 12 {
		t.Fatalf("%v statements for 101 memberships: the loaders' batches were not kept", n)
	}
}
