// Command phystack-bench is the load harness of `make bench`. It seeds one
// benchmark partner with the server binary, starts that binary as a separate
// process (DEBUG=1, so responses report their SQL statements), drives each
// scenario over HTTP, runs the hand-written SQL floor in the same run, and
// prints one JSON line per scenario, then one for the server's memory.
//
// Environment: DATABASE_URL (unset: a fresh SQLite file), BENCH_TENANTS
// (1000), BENCH_DURATION (10s per scenario), BENCH_CONCURRENCY (16),
// BENCH_SERVER (bin/phystack-api), BENCH_SCENARIOS (unset: all; else the
// comma-separated names of those to run), BENCH_SHAPE (5x4x2: spaces x
// devices x installations per tenant; 1x1x1 measures what the partner's
// size costs, issue 11 point 7). RATE_LIMIT and RATE_BURST, unset, are
// raised for the server it starts to 100,000 (requests/s per token).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/phystack/managed-tenants-api/ent/gid"
	"github.com/phystack/managed-tenants-api/internal/bench"
	"github.com/phystack/managed-tenants-api/internal/store"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "phystack-bench:", err)
		os.Exit(1)
	}
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func run() error {
	tenants, _ := strconv.Atoi(env("BENCH_TENANTS", "1000"))
	conc, _ := strconv.Atoi(env("BENCH_CONCURRENCY", "16"))
	dur, err := time.ParseDuration(env("BENCH_DURATION", "10s"))
	if err != nil {
		return err
	}
	bin, _ := filepath.Abs(env("BENCH_SERVER", "bin/phystack-api"))
	dbURL := os.Getenv("DATABASE_URL")
	if dbURL == "" {
		dir, err := os.MkdirTemp("", "phystack-bench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dbURL = "sqlite:" + filepath.Join(dir, "bench.db")
	}
	childEnv := append(os.Environ(), "DATABASE_URL="+dbURL, "DEBUG=1")
	// The per-token rate limit (500/s by default) stays on, but above what
	// one worker drives: the sequential count scenario alone made ~590
	// requests/s, and its excess came back as 429s counted as answers.
	for _, v := range []string{"RATE_LIMIT", "RATE_BURST"} {
		if os.Getenv(v) == "" {
			childEnv = append(childEnv, v+"=100000")
		}
	}

	shape := strings.Split(env("BENCH_SHAPE", "5x4x2"), "x")
	if len(shape) != 3 {
		return fmt.Errorf("BENCH_SHAPE %q: want spaces x devices x installations, e.g. 5x4x2", os.Getenv("BENCH_SHAPE"))
	}
	// Seed: one partner, N x spaces x devices x installations.
	seedCmd := exec.Command(bin, "seed", "--bench", "--tenants", strconv.Itoa(tenants),
		"--spaces", shape[0], "--devices", shape[1], "--installations", shape[2])
	seedCmd.Env, seedCmd.Stderr = childEnv, os.Stderr
	t0 := time.Now()
	out, err := seedCmd.Output()
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	var seeded struct {
		PartnerID string            `json:"partnerId"`
		Tokens    map[string]string `json:"tokens"`
	}
	if err := json.Unmarshal(out, &seeded); err != nil {
		return fmt.Errorf("seed output %q: %w", out, err)
	}
	fmt.Fprintf(os.Stderr, "seeded %d x %s in %s\n", tenants, strings.Join(shape, " x "), time.Since(t0).Round(time.Millisecond))

	// Serve.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	srv := exec.Command(bin, "serve", "--migrate=false")
	srv.Env = append(childEnv, "ADDR="+addr)
	logs, _ := os.CreateTemp("", "phystack-bench-server-*.log")
	srv.Stdout, srv.Stderr = logs, logs
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
	// /readyz, not /healthz: the server answers health at once but serves
	// /query only once ready (503 until then), and a scenario started early
	// measured those 503s.
	if err := waitReady("http://" + addr + "/readyz"); err != nil {
		return err
	}

	httpc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: 30 * time.Second}
	c := &bench.Client{URL: "http://" + addr + "/query", Token: seeded.Tokens["partnerAdmin"], HTTP: httpc}
	partner := map[string]any{"partner": seeded.PartnerID}
	ctx := context.Background()

	// One token per worker: the workers model console users, each with a
	// token of its own (the server's per-token state: auth cache, limiter).
	who, _, err := c.Do(ctx, `{ viewer { user { email } } }`, nil)
	if err != nil {
		return err
	}
	var me struct {
		Viewer struct{ User struct{ Email string } }
	}
	_ = json.Unmarshal(who.Data, &me)
	clients := make([]*bench.Client, conc)
	for w := range clients {
		mint := exec.Command(bin, "token", "create", "--email", me.Viewer.User.Email, "--ttl", "24h", "--label", "bench")
		mint.Env, mint.Stderr = childEnv, os.Stderr
		tok, err := mint.Output()
		if err != nil {
			return fmt.Errorf("token create: %w", err)
		}
		clients[w] = &bench.Client{URL: c.URL, Token: strings.TrimSpace(string(tok)), HTTP: httpc}
	}

	// Plans for the create scenario.
	var plans struct {
		PlanCatalog []struct{ ID string } `json:"planCatalog"`
	}
	tenantPlans, _, err := c.Do(ctx, `query($p: ID!) { planCatalog(partnerId: $p, kind: TENANT) { id } }`, map[string]any{"p": seeded.PartnerID})
	if err != nil {
		return err
	}
	_ = json.Unmarshal(tenantPlans.Data, &plans)
	tp := plans.PlanCatalog[0].ID
	supportPlans, _, err := c.Do(ctx, `query($p: ID!) { planCatalog(partnerId: $p, kind: SUPPORT) { id } }`, map[string]any{"p": seeded.PartnerID})
	if err != nil {
		return err
	}
	_ = json.Unmarshal(supportPlans.Data, &plans)
	sp := plans.PlanCatalog[0].ID

	// The floor reads the same database through the same driver.
	st, err := store.Open(dbURL)
	if err != nil {
		return err
	}
	defer st.Close()
	floor := &bench.Floor{DB: st.DB, Postgres: st.Dialect == "postgres"}
	partnerID := gid.Decode(seeded.PartnerID)

	// For the plan change scenario: the seeded managed tenants (all on
	// tenant-business) and the plan they move to and back from.
	var codes struct {
		PlanCatalog []struct{ ID, Code string } `json:"planCatalog"`
	}
	byCode, _, err := c.Do(ctx, `query($p: ID!) { planCatalog(partnerId: $p, kind: TENANT) { id code } }`, map[string]any{"p": seeded.PartnerID})
	if err != nil {
		return err
	}
	_ = json.Unmarshal(byCode.Data, &codes)
	var seededPlan, otherPlan string
	for _, p := range codes.PlanCatalog {
		switch p.Code {
		case "tenant-business":
			seededPlan = p.ID
		case "tenant-enterprise":
			otherPlan = p.ID
		}
	}
	if seededPlan == "" || otherPlan == "" {
		return fmt.Errorf("the bench catalog lacks tenant-business or tenant-enterprise: %s", byCode.Data)
	}
	managed, err := managedTenants(ctx, st, partnerID)
	if err != nil {
		return err
	}
	if len(managed) < conc {
		return fmt.Errorf("%d managed tenants for %d workers: each worker needs its own", len(managed), conc)
	}

	// Every dashboard must be the floor's answer, byte for byte (the two
	// write the same JSON: TestFloorWritesTheAPIsAnswer).
	want, err := floor.Fetch(ctx, partnerID)
	if err != nil {
		return err
	}
	dashboard := func(ctx context.Context, w, _ int) (int, error) {
		return clients[w].DoExpect(ctx, bench.Dashboard, partner, want)
	}
	floorOp := func(ctx context.Context, _, _ int) (int, error) {
		_, err := floor.Fetch(ctx, partnerID)
		return 6, err
	}
	cursors := make([]any, conc)
	tree := func(ctx context.Context, w, _ int) (int, error) {
		res, n, err := clients[w].Do(ctx, bench.Tree, map[string]any{"partner": seeded.PartnerID, "after": cursors[w]})
		if err != nil {
			return n, err
		}
		var page struct {
			Tenant struct {
				ManagedTenants struct {
					PageInfo struct {
						HasNextPage bool
						EndCursor   string
					}
				}
			}
		}
		_ = json.Unmarshal(res.Data, &page)
		cursors[w] = nil
		if pi := page.Tenant.ManagedTenants.PageInfo; pi.HasNextPage {
			cursors[w] = pi.EndCursor
		}
		return n, nil
	}
	catalog := func(ctx context.Context, w, _ int) (int, error) {
		_, n, err := clients[w].Do(ctx, bench.Catalog, partner)
		return n, err
	}
	viewerOp := func(ctx context.Context, w, _ int) (int, error) {
		_, n, err := clients[w].Do(ctx, bench.Viewer, nil)
		return n, err
	}
	count := func(ctx context.Context, w, _ int) (int, error) {
		_, n, err := clients[w].Do(ctx, bench.Count, partner)
		return n, err
	}
	small := func(ctx context.Context, w, _ int) (int, error) {
		_, n, err := clients[w].Do(ctx, bench.Small, nil)
		return n, err
	}
	runID := time.Now().UnixNano()
	create := func(ctx context.Context, w, i int) (int, error) {
		res, n, err := clients[w].Do(ctx, bench.Create, map[string]any{"in": map[string]any{
			"partnerId": seeded.PartnerID, "displayName": fmt.Sprintf("Load %d-%d-%d", runID, w, i),
			"country": "FI", "tenantPlanId": tp, "supportPlanId": sp,
		}})
		if err != nil {
			return n, err
		}
		if strings.Contains(string(res.Data), `"code"`) {
			return n, fmt.Errorf("user errors: %s", res.Data)
		}
		return n, nil
	}

	// Worker w changes the tenants w, w+conc, w+2conc, ... in turn, so no
	// two workers wait on one tenant's lock; each round moves its tenants
	// to the other plan, so every request changes something.
	perWorker := len(managed) / conc
	changePlans := func(ctx context.Context, w, i int) (int, error) {
		tenantID := managed[w+conc*(i%perWorker)]
		plan := otherPlan
		if (i/perWorker)%2 == 1 {
			plan = seededPlan
		}
		res, n, err := clients[w].Do(ctx, bench.ChangePlans, map[string]any{"in": map[string]any{
			"tenantId": gid.Encode(tenantID), "tenantPlanId": plan, "timing": "NOW",
		}})
		if err != nil {
			return n, err
		}
		if strings.Contains(string(res.Data), `"code"`) {
			return n, fmt.Errorf("user errors: %s", res.Data)
		}
		return n, nil
	}

	emit := func(r bench.Result) {
		b, _ := json.Marshal(r)
		fmt.Println(string(b))
	}
	// BENCH_SCENARIOS (e.g. "create,plan_change") runs only those, for
	// quick comparisons; the floor's ratio needs the dashboard in the run.
	only := map[string]bool{}
	for _, name := range strings.Split(os.Getenv("BENCH_SCENARIOS"), ",") {
		if name = strings.TrimSpace(name); name != "" {
			only[name] = true
		}
	}
	run := func(name string, conc int, op bench.Op) *bench.Result {
		if len(only) > 0 && !only[name] {
			return nil
		}
		r := bench.Run(name, conc, dur, op)
		return &r
	}
	// The dashboard and its floor run interleaved, in rounds of 2 s each
	// (bench.Interleave), and floor_ratio compares their medians.
	rounds := max(1, int(dur/(2*time.Second)))
	switch {
	case len(only) == 0 || only["dashboard"] && only["floor"]:
		res := bench.Interleave(conc, dur, rounds, []string{"dashboard", "floor"}, []bench.Op{dashboard, floorOp})
		if res[1].P50 > 0 {
			ratio := res[0].P50 / res[1].P50
			res[1].FloorRatio = &ratio
		}
		emit(res[0])
		emit(res[1])
	default:
		for _, s := range []struct {
			name string
			op   bench.Op
		}{{"dashboard", dashboard}, {"floor", floorOp}} {
			if r := run(s.name, conc, s.op); r != nil {
				emit(*r)
			}
		}
	}
	for _, s := range []struct {
		name string
		conc int
		op   bench.Op
	}{
		{"dashboard", 1, dashboard},
		{"tree", conc, tree},
		{"catalog", conc, catalog},
		{"viewer", conc, viewerOp},
		{"small", conc, small},
		{"count", 1, count},
		{"create", conc, create},
		{"plan_change", conc, changePlans},
	} {
		if r := run(s.name, s.conc, s.op); r != nil {
			emit(*r)
		}
	}

	peak, rss := memory(srv.Process.Pid)
	b, _ := json.Marshal(map[string]any{"scenario": "server", "peak_rss_mb": peak, "rss_mb": rss})
	fmt.Println(string(b))
	return nil
}

// managedTenants lists the ids of the partner's managed tenants, in order.
func managedTenants(ctx context.Context, st *store.Store, partnerID int) ([]int, error) {
	// An int inlined, as the floor does: one query text for both stores.
	rows, err := st.DB.QueryContext(ctx, fmt.Sprintf(`SELECT id FROM tenants WHERE partner_id = %d ORDER BY id`, partnerID))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func waitReady(url string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("server not ready at %s", url)
}

// memory reads the server's peak and current resident set size in MB.
func memory(pid int) (peak, rss float64) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(fields[1], 64)
		switch fields[0] {
		case "VmHWM:":
			peak = kb / 1024
		case "VmRSS:":
			rss = kb / 1024
		}
	}
	return peak, rss
}
