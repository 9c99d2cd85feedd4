package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/phystack/managed-tenants-api/ent/gid"
	"github.com/phystack/managed-tenants-api/internal/bench"
	"github.com/phystack/managed-tenants-api/internal/seed"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

// The floor answers the Dashboard with the bytes of the API's data: what
// floor_ratio compares is the same answer.
func TestFloorWritesTheAPIsAnswer(t *testing.T) {
	st := testkit.Store(t)
	ctx := context.Background()
	// 60 tenants: a next page; 6 spaces x 5 devices x 3 installations: every
	// level cut by its page and counted beyond it.
	s, err := seed.LoadBench(ctx, st.Client, seed.BenchShape{Tenants: 60, Spaces: 6, Devices: 5, Installations: 3})
	if err != nil {
		t.Fatal(err)
	}
	api := testkit.NewAPI(t, st, nil)
	res := api.Do(t, s.Tokens["partnerAdmin"], bench.Dashboard, map[string]any{"partner": s.PartnerID})
	if len(res.Errors) > 0 {
		t.Fatalf("%s", res.Raw)
	}
	var raw struct{ Data json.RawMessage }
	if err := json.Unmarshal(res.Raw, &raw); err != nil {
		t.Fatal(err)
	}
	floor := &bench.Floor{DB: st.DB, Postgres: st.Dialect == "postgres"}
	got, err := floor.Fetch(ctx, gid.Decode(s.PartnerID))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, raw.Data) {
		t.Fatalf("the floor's answer differs from the API's:\nfloor: %.600s\napi:   %.600s", got, raw.Data)
	}
	if len(got) < 100_000 {
		t.Fatalf("a dashboard of %d bytes: the world is not what the test meant", len(got))
	}
	// A partner that does not exist: null, as the API says for a hidden one.
	if got, err := floor.Fetch(ctx, 1<<40); err != nil || string(got) != `{"tenant":null}` {
		t.Fatalf("no partner: %s %v", got, err)
	}
}
