package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"
	"github.com/redis/go-redis/v9"

	"github.com/phystack/managed-tenants-api/graph"
	"github.com/phystack/managed-tenants-api/internal/bench"
	"github.com/phystack/managed-tenants-api/internal/server"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func query(q string, vars map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	return b
}

func TestBodyOverOneMiBIsRefused(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	big := query("{ viewer { isStaff } }", map[string]any{"pad": strings.Repeat("x", 1<<20)})
	res := api.HTTP(t, testkit.Request{Token: w.Token(w.PartnerAdmin), Body: big})
	if res.Status != http.StatusRequestEntityTooLarge || res.Code() != "BAD_USER_INPUT" {
		t.Fatalf("1 MiB+ body: %d %s", res.Status, res.Raw)
	}
	// The same token is not harmed: the next request works.
	ok := api.HTTP(t, testkit.Request{Token: w.Token(w.PartnerAdmin), Body: query("{ viewer { isStaff } }", nil)})
	if ok.Status != http.StatusOK || len(ok.Errors) != 0 {
		t.Fatalf("after a refused body: %d %s", ok.Status, ok.Raw)
	}
}

func TestOperationShapeLimits(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil, func(s *server.Server) {
		s.Config.Limits.MaxDepth = 4
		s.Config.Limits.MaxAliases = 2
		s.Config.Limits.MaxFields = 6
	})
	tok := w.Token(w.PartnerAdmin)
	for name, tc := range map[string]struct {
		q  string
		ok bool
	}{
		"within":       {"{ viewer { memberships { tenant { id } } } }", true},
		"too deep":     {"{ viewer { memberships { tenant { partner { id } } } } }", false},
		"aliases":      {"{ a: viewer { isStaff } b: viewer { isStaff } c: viewer { isStaff } }", false},
		"fields":       {"{ viewer { isStaff user { id email name isStaff invited } } }", false},
		"via fragment": {"query { viewer { ...V } } fragment V on Viewer { memberships { tenant { partner { id } } } }", false},
	} {
		res := api.HTTP(t, testkit.Request{Token: tok, Body: query(tc.q, nil)})
		if tc.ok != (len(res.Errors) == 0) {
			t.Errorf("%s: %s", name, res.Raw)
		}
		if !tc.ok && res.Code() != "BAD_USER_INPUT" {
			t.Errorf("%s: code %q, want BAD_USER_INPUT", name, res.Code())
		}
	}
}

func TestDefaultLimitsLetTheDashboardThrough(t *testing.T) {
	t.Parallel()
	c := server.DefaultConfig()
	if c.MaxBodyBytes != 1<<20 || c.RatePerSecond != 500 || c.RateBurst != 1000 || !c.Introspection {
		t.Fatalf("defaults = %+v", c)
	}
	// The dashboard and the tree scenario pass every default limit.
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	for name, q := range map[string]string{"dashboard": bench.Dashboard, "tree": bench.Tree} {
		res := api.HTTP(t, testkit.Request{Token: w.Token(w.PartnerAdmin), Body: query(q, map[string]any{"partner": testkit.ID(w.Partner.ID)})})
		if res.Status != http.StatusOK || len(res.Errors) != 0 || !strings.Contains(string(res.Data), "managedTenants") {
			t.Fatalf("%s under the default limits: %d %s", name, res.Status, res.Raw)
		}
	}
}

func TestRateLimitPerToken(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil, func(s *server.Server) {
		s.Config.RatePerSecond = 0.5
		s.Config.RateBurst = 3
	})
	q := query("{ viewer { isStaff } }", nil)
	for i := 0; i < 3; i++ {
		if res := api.HTTP(t, testkit.Request{Token: w.Token(w.PartnerAdmin), Body: q}); res.Status != http.StatusOK {
			t.Fatalf("request %d within the burst: %d %s", i, res.Status, res.Raw)
		}
	}
	res := api.HTTP(t, testkit.Request{Token: w.Token(w.PartnerAdmin), Body: q})
	if res.Status != http.StatusTooManyRequests || res.Code() != "RATE_LIMITED" || res.Header.Get("Retry-After") == "" {
		t.Fatalf("over the burst: %d %v %s", res.Status, res.Header, res.Raw)
	}
	// Another token is not harmed.
	if other := api.HTTP(t, testkit.Request{Token: w.Token(w.Staff), Body: q}); other.Status != http.StatusOK {
		t.Fatalf("another token: %d %s", other.Status, other.Raw)
	}
}

func TestIntrospectionCanBeTurnedOff(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	q := query("{ __schema { queryType { name } } }", nil)
	on := testkit.NewAPI(t, w.Store, nil).HTTP(t, testkit.Request{Body: q})
	if len(on.Errors) != 0 || !strings.Contains(string(on.Data), `"Query"`) {
		t.Fatalf("introspection on by default: %s", on.Raw)
	}
	off := testkit.NewAPI(t, w.Store, nil, func(s *server.Server) { s.Config.Introspection = false }).HTTP(t, testkit.Request{Body: q})
	if len(off.Errors) == 0 {
		t.Fatalf("introspection off still answers: %s", off.Raw)
	}
}

func TestCORSOnlyForConfiguredOrigins(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	preflight := func(api *testkit.API, origin string) *testkit.Response {
		return api.HTTP(t, testkit.Request{Method: http.MethodOptions, Header: map[string]string{
			"Origin":                         origin,
			"Access-Control-Request-Method":  "POST",
			"Access-Control-Request-Headers": "authorization,content-type",
		}})
	}
	def := testkit.NewAPI(t, w.Store, nil)
	if got := preflight(def, "https://console.example").Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Fatalf("default config allows %q", got)
	}
	api := testkit.NewAPI(t, w.Store, nil, func(s *server.Server) { s.Config.CORSOrigins = []string{"https://console.example"} })
	res := preflight(api, "https://console.example")
	if res.Header.Get("Access-Control-Allow-Origin") != "https://console.example" || res.Header.Get("Access-Control-Max-Age") != "600" {
		t.Fatalf("allowed origin: %d %v", res.Status, res.Header)
	}
	if got := preflight(api, "https://evil.example").Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Fatalf("other origin allowed: %q", got)
	}
}

func TestGzipForLargeAnswers(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	q := query("{ __schema { types { name fields { name } } } }", nil)
	gz := api.HTTP(t, testkit.Request{Body: q, Header: map[string]string{"Accept-Encoding": "gzip"}})
	if gz.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("large answer with Accept-Encoding gzip: %v", gz.Header)
	}
	plain := api.HTTP(t, testkit.Request{Body: q})
	if plain.Header.Get("Content-Encoding") != "" || len(plain.Errors) != 0 {
		t.Fatalf("without Accept-Encoding: %v %s", plain.Header, plain.Raw[:100])
	}
	if len(gz.Raw) >= len(plain.Raw) {
		t.Fatalf("gzip body %d bytes, plain %d", len(gz.Raw), len(plain.Raw))
	}
}

func TestAutomaticPersistedQueries(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	q := "{ viewer { isStaff } }"
	sum := sha256.Sum256([]byte(q))
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}
	hashOnly, _ := json.Marshal(map[string]any{"extensions": ext})
	withQuery, _ := json.Marshal(map[string]any{"query": q, "extensions": ext})
	tok := w.Token(w.PartnerAdmin)

	first := api.HTTP(t, testkit.Request{Token: tok, Body: hashOnly})
	if len(first.Errors) == 0 || first.Errors[0].Message != "PersistedQueryNotFound" {
		t.Fatalf("unknown hash: %s", first.Raw)
	}
	if reg := api.HTTP(t, testkit.Request{Token: tok, Body: withQuery}); len(reg.Errors) != 0 {
		t.Fatalf("register: %s", reg.Raw)
	}
	again := api.HTTP(t, testkit.Request{Token: tok, Body: hashOnly})
	if len(again.Errors) != 0 || !strings.Contains(string(again.Data), "isStaff") {
		t.Fatalf("known hash: %s", again.Raw)
	}
}

func TestRequestTimeoutIsAClearError(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil, func(s *server.Server) { s.Config.RequestTimeout = time.Nanosecond })
	res := api.HTTP(t, testkit.Request{Token: w.Token(w.PartnerAdmin), Body: query("{ viewer { isStaff } }", nil)})
	if res.Code() != "INTERNAL" {
		t.Fatalf("timed-out request: %d %s", res.Status, res.Raw)
	}
	for _, leak := range []string{"context", "deadline", "sql", "pq:"} {
		if strings.Contains(strings.ToLower(string(res.Raw)), leak) {
			t.Fatalf("timed-out request leaks %q: %s", leak, res.Raw)
		}
	}
}

func TestMetricsAndRequestLog(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	tok := w.Token(w.PartnerAdmin)
	api.HTTP(t, testkit.Request{Token: tok, Body: []byte(`{"query":"query Dashboard { viewer { isStaff } }","operationName":"Dashboard"}`)})
	api.HTTP(t, testkit.Request{Token: tok, Body: query(`{ tenant(id: "nope") { id } }`, nil)}) // NOT_FOUND

	body := api.HTTP(t, testkit.Request{Method: http.MethodGet, Path: "/metrics"}).Raw
	for _, want := range []string{
		`phystack_graphql_operations_total{operation="Dashboard"} 1`,
		`phystack_graphql_operations_total{operation="anonymous"} 1`,
		`phystack_graphql_operation_duration_seconds_count{operation="Dashboard"} 1`,
		`phystack_graphql_errors_total{code="NOT_FOUND"} 1`,
		// viewer by its plan; the hidden tenant's error sends tenant to gqlgen.
		`phystack_graphql_root_fields_total{path="compiled"} 1`,
		`phystack_graphql_root_fields_total{path="fallback"} 1`,
		`phystack_sql_statements_per_request_count 2`,
		`go_sql_max_open_connections{db_name="phystack"}`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	var found bool
	for _, line := range strings.Split(api.Log.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil || rec["operation"] != "Dashboard" {
			continue
		}
		found = true
		if rec["viewer_id"] != testkit.ID(w.PartnerAdmin.ID) || rec["request_id"] == "" || rec["duration_ms"] == nil {
			t.Errorf("request log line = %v", rec)
		}
	}
	if !found {
		t.Fatalf("no request log line for the Dashboard operation in:\n%s", api.Log.String())
	}
}

// With Redis, the per-token limit is shared between instances: two servers
// together let through one burst, not two. TEST_REDIS_URL points at Redis.
func TestRateLimitSharedThroughRedis(t *testing.T) {
	t.Parallel()
	raw := os.Getenv("TEST_REDIS_URL")
	if raw == "" {
		t.Skip("set TEST_REDIS_URL (CI does) to test the shared rate limit")
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	w := testkit.NewWorld(t)
	shared := func(s *server.Server) {
		s.Config.Redis = rdb
		s.Config.RatePerSecond = 0.2
		s.Config.RateBurst = 4
	}
	a, b := testkit.NewAPI(t, w.Store, nil, shared), testkit.NewAPI(t, w.Store, nil, shared)
	q := query("{ viewer { isStaff } }", nil)
	tok := w.Token(w.PartnerAdmin) // a fresh random token: its own bucket in Redis
	allowed, limited := 0, 0
	for i := 0; i < 8; i++ {
		api := a
		if i%2 == 1 {
			api = b
		}
		switch res := api.HTTP(t, testkit.Request{Token: tok, Body: q}); res.Status {
		case http.StatusOK:
			allowed++
		case http.StatusTooManyRequests:
			limited++
		default:
			t.Fatalf("request %d: %d %s", i, res.Status, res.Raw)
		}
	}
	if allowed != 4 || limited != 4 {
		t.Fatalf("8 requests over two instances: %d allowed, %d limited; want one shared burst of 4", allowed, limited)
	}
	// Another token has its own bucket.
	if res := b.HTTP(t, testkit.Request{Token: w.Token(w.Staff), Body: q}); res.Status != http.StatusOK {
		t.Fatalf("another token: %d", res.Status)
	}
}

// A Redis that cannot be reached does not stop the API.
func TestRateLimiterDownFailsOpen(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })
	api := testkit.NewAPI(t, w.Store, nil, func(s *server.Server) { s.Config.Redis = rdb })
	if res := api.HTTP(t, testkit.Request{Token: w.Token(w.PartnerAdmin), Body: query("{ viewer { isStaff } }", nil)}); res.Status != http.StatusOK {
		t.Fatalf("with Redis down: %d %s", res.Status, res.Raw)
	}
	if !strings.Contains(api.Log.String(), "rate limiter unavailable") {
		t.Fatalf("not logged:\n%s", api.Log.String())
	}
}

// GraphQL over HTTP: request errors are 200 under application/json, 400
// without a data entry under application/graphql-response+json; a body that
// is not JSON is 400 (BAD_USER_INPUT), never a panic.
func TestGraphQLOverHTTPRequestErrors(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	for name, tc := range map[string]struct {
		body, accept string
		status       int
		data         bool // a "data" key is present
	}{
		"parse, json":              {`{"query":"{"}`, "application/json", 200, true},
		"validation, json":         {`{"query":"{ nope }"}`, "application/json", 200, true},
		"parse, graphql-response":  {`{"query":"{"}`, "application/graphql-response+json", 400, false},
		"validation, graphql-resp": {`{"query":"{ nope }"}`, "application/graphql-response+json", 400, false},
		"not json":                 {`{"query":`, "application/json", 400, true},
		"success, graphql-resp":    {`{"query":"{ __typename }"}`, "application/graphql-response+json", 200, true},
	} {
		res := api.HTTP(t, testkit.Request{Body: []byte(tc.body), Header: map[string]string{"Accept": tc.accept}})
		var raw map[string]json.RawMessage
		_ = json.Unmarshal(res.Raw, &raw)
		_, hasData := raw["data"]
		if res.Status != tc.status || hasData != tc.data {
			t.Errorf("%s: status %d, data key %v; want %d, %v: %s", name, res.Status, hasData, tc.status, tc.data, res.Raw)
		}
	}
	if strings.Contains(api.Log.String(), "panic") {
		t.Fatalf("a request error panicked:\n%s", api.Log.String())
	}
}

// Complexity: a connection costs its page size times its selection; an
// operation over the limit is BAD_USER_INPUT before anything runs. One
// operation per request: a JSON array (a batch) is refused.
func TestComplexityAndBatches(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	tok := w.Token(w.PartnerAdmin)
	vars := map[string]any{"p": testkit.ID(w.Partner.ID)}
	nested := func(n int) string {
		return fmt.Sprintf(`query($p: ID!) { tenant(id: $p) { managedTenants(first: %[1]d) { edges { node {
			spaces(first: %[1]d) { edges { node { devices(first: %[1]d) { edges { node {
			installations(first: %[1]d) { edges { node { id name app } } } } } } } } } } } } } }`, n)
	}
	if res := api.HTTP(t, testkit.Request{Token: tok, Body: query(nested(10), vars)}); len(res.Errors) != 0 {
		t.Fatalf("pages of 10 at four levels: %s", res.Raw)
	}
	res := api.HTTP(t, testkit.Request{Token: tok, Body: query(nested(100), vars)})
	if res.Code() != "BAD_USER_INPUT" || !strings.Contains(res.Errors[0].Message, "complexity") {
		t.Fatalf("pages of 100 at four levels: %s", res.Raw)
	}
	batch := api.HTTP(t, testkit.Request{Token: tok, Body: []byte(`[{"query":"{ viewer { isStaff } }"},{"query":"{ viewer { isStaff } }"}]`)})
	if batch.Status != http.StatusBadRequest || len(batch.Errors) == 0 || strings.Contains(string(batch.Raw), "isStaff\":") {
		t.Fatalf("a batch: %d %s", batch.Status, batch.Raw)
	}
}

// Fragments spreading each other twice, 40 deep, expand to 2^40 fields: the
// limits measure each fragment once and refuse it at once.
func TestNestedFragmentsAreRefusedQuickly(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	var b strings.Builder
	b.WriteString("query { ...F0 }\n")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
	}
	b.WriteString("fragment F40 on Query { __typename }\n")
	start := time.Now()
	res := api.HTTP(t, testkit.Request{Body: query(b.String(), nil)})
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("took %s", took)
	}
	if res.Code() != "BAD_USER_INPUT" {
		t.Fatalf("nested fragments: %d %s", res.Status, res.Raw)
	}
}

// Made-up tokens do not get buckets of their own: they are charged to the
// client's address like requests without a token.
func TestMadeUpTokensShareTheAddressBucket(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil, func(s *server.Server) {
		s.Config.RatePerSecond = 0.5
		s.Config.RateBurst = 3
	})
	q := query("{ __typename }", nil)
	var limited int
	for i := 0; i < 6; i++ {
		if res := api.HTTP(t, testkit.Request{Token: fmt.Sprintf("phy_made_up_%d", i), Body: q}); res.Status == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited != 3 {
		t.Fatalf("6 requests with 6 made-up tokens: %d limited, want 3 (one address bucket of 3)", limited)
	}
	// A real token still has its own bucket.
	if res := api.HTTP(t, testkit.Request{Token: w.Token(w.Staff), Body: q}); res.Status != http.StatusOK {
		t.Fatalf("a real token: %d", res.Status)
	}
}

// A client that disconnects (issue 11) is one request log line at info
// level, counted as canceled, not an error. With the token remembered
// (AUTH_CACHE_TTL) the request passes authentication without the database;
// without, it fails in the token lookup, which must not log an error
// either. (Fields failing mid-flight: graph's TestCanceledFieldsAreNotLogged.)
func TestCanceledRequestIsOneInfoLine(t *testing.T) {
	t.Parallel()
	for _, cacheTTL := range []time.Duration{time.Hour, 0} {
		t.Run(fmt.Sprintf("auth cache %s", cacheTTL), func(t *testing.T) {
			t.Parallel()
			w := testkit.NewWorld(t)
			api := testkit.NewAPI(t, w.Store, nil, func(s *server.Server) { s.Config.AuthCacheTTL = cacheTTL })
			tok := w.Token(w.PartnerAdmin)
			var warm struct{ Viewer struct{ IsStaff bool } }
			api.Query(t, tok, `{ viewer { isStaff } }`, &warm, nil)

			// Three root fields that each read the database.
			q := `query Dropped($p: ID!) {
			  a: tenant(id: $p) { displayName }
			  b: tenant(id: $p) { managedTenants(first: 5) { totalCount } }
			  c: viewer { memberships { role } }
			}`
			cancelNow := func(r *client.Request) {
				ctx, cancel := context.WithCancel(r.HTTP.Context())
				cancel()
				r.HTTP = r.HTTP.WithContext(ctx)
			}
			if _, err := api.Send(tok, q, map[string]any{"p": testkit.ID(w.Partner.ID)}, cancelNow); err != nil {
				t.Logf("the canceled request's answer: %v", err) // nobody reads it
			}
			// The invoice export, dropped the same way.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			req := httptest.NewRequestWithContext(ctx, http.MethodGet,
				"/invoices.csv?partnerId="+testkit.ID(w.Partner.ID)+"&period=2026-11", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			api.Handler().ServeHTTP(httptest.NewRecorder(), req)

			var lines []map[string]any
			for _, rec := range api.Log.Records() {
				if rec["level"] != "INFO" || rec["msg"] != "request" {
					lines = append(lines, rec) // anything but a request line
					continue
				}
				if rec["canceled"] == true {
					lines = append(lines, rec)
				}
			}
			if len(lines) != 2 {
				t.Fatalf("log lines besides the plain request lines = %v, want one info line canceled=true per request", lines)
			}
			for _, l := range lines {
				if l["canceled"] != true || l["level"] != "INFO" {
					t.Errorf("log line %v, want an info request line with canceled=true", l)
				}
			}
			metrics := string(api.HTTP(t, testkit.Request{Method: http.MethodGet, Path: "/metrics"}).Raw)
			if !strings.Contains(metrics, `phystack_http_requests_total{route="/query",status="canceled"} 1`) ||
				!strings.Contains(metrics, `phystack_http_requests_total{route="/invoices.csv",status="canceled"} 1`) {
				t.Error("/metrics does not count the canceled request apart")
			}
			if strings.Contains(metrics, `phystack_graphql_errors_total{code="INTERNAL"}`) {
				t.Error("/metrics counts the canceled request's fields as INTERNAL errors")
			}
		})
	}
}

// The console's and dashboards' queries are answered by the compiled read
// path, not silently by gqlgen's executor: a writer that stopped supporting
// one of their fields would send them back to the slow path unnoticed.
func TestConsoleQueriesAreCompiled(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil, testkit.Executor(graph.ExecutorCompiled))
	tok := w.Token(w.PartnerAdmin)
	partner := testkit.ID(w.Partner.ID)
	queries := []string{
		bench.Small,
		bench.Viewer,
		`{ viewer { isStaff user { id email name } memberships { role tenant { id displayName isPartner currency } } } }`,
		`query ($p: ID!) { tenant(id: $p) { id displayName billingEntity { code legalName }
			managedTenants(first: 20, orderBy: {field: DISPLAY_NAME}, where: {status: ACTIVE}) { totalCount
				pageInfo { hasNextPage endCursor } edges { cursor node { id displayName country createdAt status viewerRole
					tenantPlan { name monthlyPrice { amount currency } } supportPlan { name }
					spaces(first: 5) { totalCount edges { node { id name devices(first: 4) { edges { node { serialNumber
						installations(first: 2) { edges { node { app } } } } } } } } }
					auditEvents(first: 5) { edges { node { action at actor { email } } } } } } } } }`,
		`query ($p: ID!) { planCatalog(partnerId: $p, kind: TENANT) { id name monthlyPrice { amount currency } } }`,
		`query ($p: ID!) { partnerInvoice(partnerId: $p, period: "2026-11") { total { amount currency } lines { tenant { displayName } amount { amount } } } }`,
		`query ($p: ID!) { visibleSettings(tenantId: $p) }`,
	}
	for _, q := range queries {
		res := api.HTTP(t, testkit.Request{Token: tok, Body: query(q, map[string]any{"p": partner})})
		if len(res.Errors) != 0 {
			t.Fatalf("%s\n%s", q, res.Raw)
		}
	}
	body := string(api.HTTP(t, testkit.Request{Method: http.MethodGet, Path: "/metrics"}).Raw)
	want := fmt.Sprintf(`phystack_graphql_root_fields_total{path="compiled"} %d`, len(queries))
	if !strings.Contains(body, want) || strings.Contains(body, `path="fallback"`) || strings.Contains(body, `path="unsupported"`) {
		var lines []string
		for _, l := range strings.Split(body, "\n") {
			if strings.HasPrefix(l, "phystack_graphql_root_fields_total") {
				lines = append(lines, l)
			}
		}
		t.Fatalf("want %s only, got %v", want, lines)
	}
}
