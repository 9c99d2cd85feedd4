package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/phystack/managed-tenants-api/graph"
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
	vars := map[string]any{"partner": s.PartnerID}
	token := s.Tokens["partnerAdmin"]
	for _, ex := range []graph.Executor{graph.ExecutorCompiled, graph.ExecutorGQLGen} {
		b.Run(string(ex), func(b *testing.B) {
			loopDashboard(b, testkit.NewAPI(b, st, nil, testkit.Executor(ex)), token, vars, 100_000)
		})
	}
}

// loopDashboard measures the server's work for the Dashboard: the handler
// called in-process, the answer's bytes (at least min) discarded rather
// than decoded.
func loopDashboard(b *testing.B, api *testkit.API, token string, vars map[string]any, min int) {
	b.Helper()
	if res := api.Do(b, token, bench.Dashboard, vars); len(res.Errors) > 0 {
		b.Fatalf("%s", res.Raw)
	}
	body, err := json.Marshal(map[string]any{"query": bench.Dashboard, "variables": vars})
	if err != nil {
		b.Fatal(err)
	}
	h := api.Handler()
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/query", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		w := discard{header: http.Header{}}
		h.ServeHTTP(&w, req)
		if w.status != http.StatusOK || w.n < min {
			b.Fatalf("HTTP %d, %d bytes", w.status, w.n)
		}
	}
}

// discard is a ResponseWriter that counts the answer's bytes and keeps none.
type discard struct {
	header http.Header
	status int
	n      int
}

func (d *discard) Header() http.Header { return d.header }

func (d *discard) WriteHeader(status int) {
	if d.status == 0 {
		d.status = status
	}
}

func (d *discard) Write(p []byte) (int, error) {
	d.WriteHeader(http.StatusOK)
	d.n += len(p)
	return len(p), nil
}
