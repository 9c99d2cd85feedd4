package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/phystack/managed-tenants-api/internal/bench"
	"github.com/phystack/managed-tenants-api/internal/server"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

type result struct {
	status int
	header http.Header
	body   []byte
	resp   struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
}

func (r *result) code() string {
	if len(r.resp.Errors) == 0 {
		return ""
	}
	c, _ := r.resp.Errors[0].Extensions["code"].(string)
	return c
}

func post(t *testing.T, api *testkit.API, token string, body []byte, header map[string]string) *result {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, api.URL+"/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	// A transport that does not decompress, so gzip is visible.
	res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := &result{status: res.StatusCode, header: res.Header}
	out.body, _ = io.ReadAll(res.Body)
	if res.Header.Get("Content-Encoding") == "" {
		_ = json.Unmarshal(out.body, &out.resp)
	}
	return out
}

func query(q string, vars map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	return b
}

func TestBodyOverOneMiBIsRefused(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	big := query("{ viewer { isStaff } }", map[string]any{"pad": strings.Repeat("x", 1<<20)})
	res := post(t, api, w.Token(w.PartnerAdmin), big, nil)
	if res.status != http.StatusRequestEntityTooLarge || res.code() != "BAD_USER_INPUT" {
		t.Fatalf("1 MiB+ body: %d %s", res.status, res.body)
	}
	// The same token is not harmed: the next request works.
	ok := post(t, api, w.Token(w.PartnerAdmin), query("{ viewer { isStaff } }", nil), nil)
	if ok.status != http.StatusOK || len(ok.resp.Errors) != 0 {
		t.Fatalf("after a refused body: %d %s", ok.status, ok.body)
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
		res := post(t, api, tok, query(tc.q, nil), nil)
		if tc.ok != (len(res.resp.Errors) == 0) {
			t.Errorf("%s: %s", name, res.body)
		}
		if !tc.ok && res.code() != "BAD_USER_INPUT" {
			t.Errorf("%s: code %q, want BAD_USER_INPUT", name, res.code())
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
		res := post(t, api, w.Token(w.PartnerAdmin), query(q, map[string]any{"partner": testkit.ID(w.Partner.ID)}), nil)
		if res.status != http.StatusOK || len(res.resp.Errors) != 0 || !strings.Contains(string(res.resp.Data), "managedTenants") {
			t.Fatalf("%s under the default limits: %d %s", name, res.status, res.body)
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
		if res := post(t, api, w.Token(w.PartnerAdmin), q, nil); res.status != http.StatusOK {
			t.Fatalf("request %d within the burst: %d %s", i, res.status, res.body)
		}
	}
	res := post(t, api, w.Token(w.PartnerAdmin), q, nil)
	if res.status != http.StatusTooManyRequests || res.code() != "RATE_LIMITED" || res.header.Get("Retry-After") == "" {
		t.Fatalf("over the burst: %d %v %s", res.status, res.header, res.body)
	}
	// Another token is not harmed.
	if other := post(t, api, w.Token(w.Staff), q, nil); other.status != http.StatusOK {
		t.Fatalf("another token: %d %s", other.status, other.body)
	}
}

func TestIntrospectionCanBeTurnedOff(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	q := query("{ __schema { queryType { name } } }", nil)
	on := post(t, testkit.NewAPI(t, w.Store, nil), "", q, nil)
	if len(on.resp.Errors) != 0 || !strings.Contains(string(on.resp.Data), `"Query"`) {
		t.Fatalf("introspection on by default: %s", on.body)
	}
	off := post(t, testkit.NewAPI(t, w.Store, nil, func(s *server.Server) { s.Config.Introspection = false }), "", q, nil)
	if len(off.resp.Errors) == 0 {
		t.Fatalf("introspection off still answers: %s", off.body)
	}
}

func TestCORSOnlyForConfiguredOrigins(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	preflight := func(api *testkit.API, origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, api.URL+"/query", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	def := testkit.NewAPI(t, w.Store, nil)
	if got := preflight(def, "https://console.example").Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Fatalf("default config allows %q", got)
	}
	api := testkit.NewAPI(t, w.Store, nil, func(s *server.Server) { s.Config.CORSOrigins = []string{"https://console.example"} })
	res := preflight(api, "https://console.example")
	if res.Header.Get("Access-Control-Allow-Origin") != "https://console.example" || res.Header.Get("Access-Control-Max-Age") != "600" {
		t.Fatalf("allowed origin: %d %v", res.StatusCode, res.Header)
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
	gz := post(t, api, "", q, map[string]string{"Accept-Encoding": "gzip"})
	if gz.header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("large answer with Accept-Encoding gzip: %v", gz.header)
	}
	plain := post(t, api, "", q, nil)
	if plain.header.Get("Content-Encoding") != "" || len(plain.resp.Errors) != 0 {
		t.Fatalf("without Accept-Encoding: %v %s", plain.header, plain.body[:100])
	}
	if len(gz.body) >= len(plain.body) {
		t.Fatalf("gzip body %d bytes, plain %d", len(gz.body), len(plain.body))
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

	first := post(t, api, tok, hashOnly, nil)
	if len(first.resp.Errors) == 0 || first.resp.Errors[0].Message != "PersistedQueryNotFound" {
		t.Fatalf("unknown hash: %s", first.body)
	}
	if reg := post(t, api, tok, withQuery, nil); len(reg.resp.Errors) != 0 {
		t.Fatalf("register: %s", reg.body)
	}
	again := post(t, api, tok, hashOnly, nil)
	if len(again.resp.Errors) != 0 || !strings.Contains(string(again.resp.Data), "isStaff") {
		t.Fatalf("known hash: %s", again.body)
	}
}

func TestRequestTimeoutIsAClearError(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil, func(s *server.Server) { s.Config.RequestTimeout = time.Nanosecond })
	res := post(t, api, w.Token(w.PartnerAdmin), query("{ viewer { isStaff } }", nil), nil)
	if res.code() != "INTERNAL" {
		t.Fatalf("timed-out request: %d %s", res.status, res.body)
	}
	for _, leak := range []string{"context", "deadline", "sql", "pq:"} {
		if strings.Contains(strings.ToLower(string(res.body)), leak) {
			t.Fatalf("timed-out request leaks %q: %s", leak, res.body)
		}
	}
}

func TestMetricsAndRequestLog(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	tok := w.Token(w.PartnerAdmin)
	post(t, api, tok, []byte(`{"query":"query Dashboard { viewer { isStaff } }","operationName":"Dashboard"}`), nil)
	post(t, api, tok, query(`{ tenant(id: "nope") { id } }`, nil), nil) // NOT_FOUND

	res, err := http.Get(api.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{
		`phystack_graphql_operations_total{operation="Dashboard"} 1`,
		`phystack_graphql_operations_total{operation="anonymous"} 1`,
		`phystack_graphql_operation_duration_seconds_count{operation="Dashboard"} 1`,
		`phystack_graphql_errors_total{code="NOT_FOUND"} 1`,
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
		switch res := post(t, api, tok, q, nil); res.status {
		case http.StatusOK:
			allowed++
		case http.StatusTooManyRequests:
			limited++
		default:
			t.Fatalf("request %d: %d %s", i, res.status, res.body)
		}
	}
	if allowed != 4 || limited != 4 {
		t.Fatalf("8 requests over two instances: %d allowed, %d limited; want one shared burst of 4", allowed, limited)
	}
	// Another token has its own bucket.
	if res := post(t, b, w.Token(w.Staff), q, nil); res.status != http.StatusOK {
		t.Fatalf("another token: %d", res.status)
	}
}

// A Redis that cannot be reached does not stop the API.
func TestRateLimiterDownFailsOpen(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })
	api := testkit.NewAPI(t, w.Store, nil, func(s *server.Server) { s.Config.Redis = rdb })
	if res := post(t, api, w.Token(w.PartnerAdmin), query("{ viewer { isStaff } }", nil), nil); res.status != http.StatusOK {
		t.Fatalf("with Redis down: %d %s", res.status, res.body)
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
		res := post(t, api, "", []byte(tc.body), map[string]string{"Accept": tc.accept})
		var raw map[string]json.RawMessage
		_ = json.Unmarshal(res.body, &raw)
		_, hasData := raw["data"]
		if res.status != tc.status || hasData != tc.data {
			t.Errorf("%s: status %d, data key %v; want %d, %v: %s", name, res.status, hasData, tc.status, tc.data, res.body)
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
	if res := post(t, api, tok, query(nested(10), vars), nil); len(res.resp.Errors) != 0 {
		t.Fatalf("pages of 10 at four levels: %s", res.body)
	}
	res := post(t, api, tok, query(nested(100), vars), nil)
	if res.code() != "BAD_USER_INPUT" || !strings.Contains(res.resp.Errors[0].Message, "complexity") {
		t.Fatalf("pages of 100 at four levels: %s", res.body)
	}
	batch := post(t, api, tok, []byte(`[{"query":"{ viewer { isStaff } }"},{"query":"{ viewer { isStaff } }"}]`), nil)
	if batch.status != http.StatusBadRequest || len(batch.resp.Errors) == 0 || strings.Contains(string(batch.body), "isStaff\":") {
		t.Fatalf("a batch: %d %s", batch.status, batch.body)
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
	res := post(t, api, "", query(b.String(), nil), nil)
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("took %s", took)
	}
	if res.code() != "BAD_USER_INPUT" {
		t.Fatalf("nested fragments: %d %s", res.status, res.body)
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
		if res := post(t, api, fmt.Sprintf("phy_made_up_%d", i), q, nil); res.status == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited != 3 {
		t.Fatalf("6 requests with 6 made-up tokens: %d limited, want 3 (one address bucket of 3)", limited)
	}
	// A real token still has its own bucket.
	if res := post(t, api, w.Token(w.Staff), q, nil); res.status != http.StatusOK {
		t.Fatalf("a real token: %d", res.status)
	}
}
