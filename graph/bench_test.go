package graph_test

import (
	"context"
	"testing"

	"github.com/phystack/managed-tenants-api/internal/bench"
	"github.com/phystack/managed-tenants-api/internal/seed"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

// BenchmarkDashboard resolves the partner dashboard (50 tenants x 5 x 4 x 2)
// through the HTTP handler (in-process, no TCP), auth, resolvers and SQL.
// Compare runs with benchstat.
func BenchmarkDashboard(b *testing.B) {
	st := testkit.Store(b)
	s, err := seed.LoadBench(context.Background(), st.Client, seed.BenchShape{Tenants: 60, Spaces: 5, Devices: 4, Installations: 2})
	if err != nil {
		b.Fatal(err)
	}
	api := testkit.NewAPI(b, st, nil)
	vars := map[string]any{"partner": s.PartnerID}
	token := s.Tokens["partnerAdmin"]
	if res := api.Do(b, token, bench.Dashboard, vars); len(res.Errors) > 0 {
		b.Fatalf("%s", res.Raw)
	}
	b.ReportAllocs()
	for b.Loop() {
		api.Do(b, token, bench.Dashboard, vars)
	}
}
