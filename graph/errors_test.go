package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"entgo.io/ent/privacy"
	gqlgraphql "github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/graph"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/requestid"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

// leaks are texts that must never reach a caller: SQL, driver and
// database names, stack traces.
var leaks = []string{"sql", "SQL", "database", "driver", "sqlite", "pq:", "goroutine", ".go:"}

// requireNoLeak fails if body holds any of leaks or of extra.
func requireNoLeak(t *testing.T, body []byte, extra ...string) {
	t.Helper()
	for _, s := range slices.Concat(leaks, extra) { // never append to the shared leaks
		if bytes.Contains(body, []byte(s)) {
			t.Fatalf("response leaks %q: %s", s, body)
		}
	}
}

// requireRequestIDs checks every error carries the response's request id.
func requireRequestIDs(t *testing.T, res *testkit.Response) string {
	t.Helper()
	id := res.Header.Get("X-Request-Id")
	if id == "" {
		t.Fatalf("no X-Request-Id header")
	}
	if len(res.Errors) == 0 {
		t.Fatalf("no errors in %s", res.Raw)
	}
	for _, e := range res.Errors {
		if got, _ := e.Extensions["requestId"].(string); got != id {
			t.Fatalf("error %q has requestId %q, header says %q", e.Message, got, id)
		}
	}
	return id
}

// errorLogOf is the server's ERROR log record of a request. The
// request's errors are logged while it is served, before Do returns.
func errorLogOf(t *testing.T, api *testkit.API, id string) map[string]any {
	t.Helper()
	for _, rec := range api.Log.Records() {
		if rec["level"] == "ERROR" && rec["request_id"] == id {
			return rec
		}
	}
	t.Fatalf("no ERROR log record with request_id %s in:\n%s", id, api.Log.String())
	return nil
}

// TestInternalErrorWhenTheDatabaseIsGone: the token was minted, then the
// database went away; the request fails as INTERNAL, says nothing about why,
// and is logged under its request id.
func TestInternalErrorWhenTheDatabaseIsGone(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	token := w.Token(w.PartnerAdmin)
	if err := w.Store.DB.Close(); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`{ viewer { user { email } } }`,
		fmt.Sprintf(`{ partnerInvoice(partnerId: %q, period: "2026-11") { period } }`, testkit.ID(w.Partner.ID)),
	} {
		res := api.Do(t, token, q, nil)
		if res.Status != http.StatusOK && res.Status < 500 {
			t.Fatalf("HTTP %d, want 200 with a GraphQL error or a 5xx", res.Status)
		}
		res.RequireCode(t, "INTERNAL")
		if msg := res.Errors[0].Message; msg != "internal error" {
			t.Fatalf("message %q, want \"internal error\"", msg)
		}
		if len(res.Data) != 0 && string(res.Data) != "null" {
			t.Fatalf("data = %s", res.Data)
		}
		requireNoLeak(t, res.Raw, "closed", "auth:", "look up")
		id := requireRequestIDs(t, res)
		rec := errorLogOf(t, api, id)
		if msg := fmt.Sprint(rec["error"]); !strings.Contains(msg, "closed") {
			t.Errorf("the log should keep the cause for operators, got %v", rec)
		}
	}

	// Liveness does not need the database; readiness does.
	for path, want := range map[string]int{"/healthz": http.StatusOK, "/readyz": http.StatusServiceUnavailable} {
		res := api.HTTP(t, testkit.Request{Method: http.MethodGet, Path: path})
		if res.Status != want {
			t.Errorf("GET %s = %d, want %d", path, res.Status, want)
		}
		for _, leak := range []string{"sql:", "closed", "goroutine", ".go:"} {
			if bytes.Contains(res.Raw, []byte(leak)) {
				t.Errorf("GET %s leaks %q: %s", path, leak, res.Raw)
			}
		}
	}
}

// TestInternalErrorInAResolver: a database failure below a resolver (here a
// dropped table) is an INTERNAL GraphQL error on that field, without
// detail, logged with the request id; a failing write changes nothing.
func TestInternalErrorInAResolver(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		drop  string
		field string
		query func(w *testkit.World) (string, map[string]any)
		token func(w *testkit.World) string
	}{
		{
			name: "createManagedTenant with an idempotency key", drop: "idempotency_keys", field: "createManagedTenant",
			query: func(w *testkit.World) (string, map[string]any) {
				return `mutation($p: ID!, $tp: ID!, $sp: ID!) { createManagedTenant(input: {partnerId: $p, displayName: "Broken Co",
					country: "SE", tenantPlanId: $tp, supportPlanId: $sp, idempotencyKey: "k-1"}) { managedTenant { id } userErrors { code } } }`,
					map[string]any{"p": testkit.ID(w.Partner.ID), "tp": testkit.ID(w.Catalog.Plans["t-pro"].ID), "sp": testkit.ID(w.Catalog.Plans["s-prem"].ID)}
			},
			token: func(w *testkit.World) string { return w.Token(w.PartnerAdmin) },
		},
		{
			name: "inviteMember whose audit event cannot be written", drop: "audit_events", field: "inviteMember",
			query: func(w *testkit.World) (string, map[string]any) {
				return `mutation($t: ID!) { inviteMember(input: {tenantId: $t, email: "broken@example.com", role: VIEWER}) { membership { id } userErrors { code } } }`,
					map[string]any{"t": testkit.ID(w.Managed.ID)}
			},
			token: func(w *testkit.World) string { return w.Token(w.PartnerAdmin) },
		},
		{
			name: "partnerInvoice without subscriptions table", drop: "subscriptions", field: "partnerInvoice",
			query: func(w *testkit.World) (string, map[string]any) {
				return `query($p: ID!) { partnerInvoice(partnerId: $p, period: "2026-11") { total { amount } } }`,
					map[string]any{"p": testkit.ID(w.Partner.ID)}
			},
			token: func(w *testkit.World) string { return w.Token(w.Staff) },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := testkit.NewWorld(t)
			api := testkit.NewAPI(t, w.Store, nil)
			before := testkit.Rows(t, w.Store, tc.drop)
			if _, err := w.Store.DB.Exec(`DROP TABLE ` + tc.drop); err != nil {
				t.Fatal(err)
			}
			q, vars := tc.query(w)
			res := api.Do(t, tc.token(w), q, vars)
			if res.Status != http.StatusOK {
				t.Errorf("HTTP %d, want 200", res.Status)
			}
			if msg := res.RequireError(t, "INTERNAL", tc.field); msg != "internal error" {
				t.Fatalf("message %q, want \"internal error\"", msg)
			}
			requireNoLeak(t, res.Raw, tc.drop, "no such table", "does not exist", "relation", "Broken Co")
			for k := range res.Errors[0].Extensions {
				if k != "code" && k != "requestId" {
					t.Errorf("extra extension %q: %s", k, res.Raw)
				}
			}
			id := requireRequestIDs(t, res)
			rec := errorLogOf(t, api, id)
			if msg := fmt.Sprint(rec["error"]); !strings.Contains(msg, tc.drop) {
				t.Errorf("the log should name the failure for operators, got %v", rec)
			}
			// Nothing was written: a failed write is all or nothing.
			testkit.RequireRows(t, w.Store, before)
		})
	}
}

// TestEveryErrorCarriesTheRequestID: whatever the failure (authentication,
// access, input, GraphQL parsing or validation), each error's
// extensions.requestId is the X-Request-Id of its response.
func TestEveryErrorCarriesTheRequestID(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	partner := testkit.ID(w.Partner.ID)
	tests := []struct {
		name, token, query string
		codes              []string // "" = any code gqlgen gives
	}{
		{"unauthenticated", "", `{ viewer { isStaff } }`, []string{"UNAUTHENTICATED"}},
		{"not found", w.Token(w.Stranger), fmt.Sprintf(`{ node(id: %q) { id } }`, partner), []string{"NOT_FOUND"}},
		{"forbidden", w.Token(w.PartnerEditor), fmt.Sprintf(`{ partnerInvoice(partnerId: %q, period: "2026-11") { period } }`, partner), []string{"FORBIDDEN"}},
		{"bad user input", w.Token(w.PartnerAdmin), fmt.Sprintf(`{ partnerInvoice(partnerId: %q, period: "2026-13") { period } }`, partner), []string{"BAD_USER_INPUT"}},
		{"two errors", w.Token(w.PartnerAdmin), fmt.Sprintf(`{ a: node(id: %q) { id } b: visibleSettings(tenantId: %q) }`,
			testkit.ID(w.StandaloneSpace.ID), testkit.ID(w.Sibling.ID)), []string{"NOT_FOUND", "NOT_FOUND"}},
		{"parse error", w.Token(w.PartnerAdmin), `{ viewer { `, []string{""}},
		{"unknown field", w.Token(w.PartnerAdmin), `{ viewer { password } }`, []string{""}},
		{"bad enum", w.Token(w.PartnerAdmin), fmt.Sprintf(`{ planCatalog(partnerId: %q, kind: GOLD) { id } }`, partner), []string{""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := api.Do(t, tc.token, tc.query, nil)
			if len(res.Errors) != len(tc.codes) {
				t.Fatalf("want %d errors, got %s", len(tc.codes), res.Raw)
			}
			for i, want := range tc.codes {
				if got := res.Errors[i].Code(); (want != "" && got != want) || got == "" {
					t.Errorf("error %d has code %q, want %q", i, got, want)
				}
			}
			requireRequestIDs(t, res)
			requireNoLeak(t, res.Raw)
		})
	}
}

// TestRequestIDsDiffer: each request gets its own id.
func TestRequestIDsDiffer(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	seen := map[string]bool{}
	for i := 0; i < 10; i++ {
		res := api.Do(t, "", `{ viewer { isStaff } }`, nil)
		id := requireRequestIDs(t, res)
		if seen[id] {
			t.Fatalf("request id %s reused", id)
		}
		seen[id] = true
	}
}

// jsonText is s as it appears inside a JSON string.
func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// fakePQError looks like a lib/pq error: text a caller must never see.
type fakePQError struct{}

func (fakePQError) Error() string { return `pq: relation "x" does not exist` }

func TestErrorPresenter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		err     error
		code    string
		message string
		logged  bool
		// canceled: the request's context is canceled (its client left).
		canceled bool
	}{
		{"driver error", fmt.Errorf("billing: load: %w", fakePQError{}), "INTERNAL", "internal error", true, false},
		// What gqlgen hands the presenter for a raw resolver error: it wraps
		// it in a *gqlerror.Error with Err set (ErrorOnPath,
		// AddFieldLocationToError), message = the raw text.
		{"driver error as gqlgen passes it", gqlerror.WrapPath(ast.Path{ast.PathName("partnerInvoice")}, fakePQError{}), "INTERNAL", "internal error", true, false},
		{"wrapped driver error as gqlgen passes it", gqlerror.WrapPath(nil, fmt.Errorf("load: %w", fakePQError{})), "INTERNAL", "internal error", true, false},
		{"typed error as gqlgen passes it", gqlerror.WrapPath(nil, apperr.ErrForbidden), "FORBIDDEN", "forbidden", false, false},
		{"not found as gqlgen passes it", gqlerror.WrapPath(nil, &ent.NotFoundError{}), "NOT_FOUND", "not found", false, false},
		// gqlgen's own input coercion error: no cause, a message for the caller.
		{"input coercion", &gqlerror.Error{Message: "cannot use String as Int"}, "BAD_USER_INPUT", "cannot use String as Int", false, false},
		{"plain error", errors.New("sql: database is closed"), "INTERNAL", "internal error", true, false},
		// A client that left is not logged per field (issue 11: 100 lines
		// for one dropped dashboard); the request log says it once.
		{"context canceled", fmt.Errorf("query: %w", context.Canceled), "INTERNAL", "internal error", false, false},
		{"driver error of a canceled request", gqlerror.WrapPath(nil, fakePQError{}), "INTERNAL", "internal error", false, true},
		{"deadline is still logged", fmt.Errorf("query: %w", context.DeadlineExceeded), "INTERNAL", "the request took too long and was stopped", true, false},
		{"privacy deny", privacy.Denyf("rule: tenant 7 is hidden"), "NOT_FOUND", "not found", false, false},
		{"wrapped privacy deny", fmt.Errorf("load: %w", privacy.Deny), "NOT_FOUND", "not found", false, false},
		{"ent not found", &ent.NotFoundError{}, "NOT_FOUND", "not found", false, false},
		{"wrapped ent not found", fmt.Errorf("get: %w", &ent.NotFoundError{}), "NOT_FOUND", "not found", false, false},
		{"no viewer", privacy.Denyf("%w", rule.ErrNoViewer), "UNAUTHENTICATED", apperr.ErrUnauthenticated.Message, false, false},
		{"forbidden", apperr.ErrForbidden, "FORBIDDEN", "forbidden", false, false},
		{"not found", apperr.ErrNotFound, "NOT_FOUND", "not found", false, false},
		{"unauthenticated", apperr.ErrUnauthenticated, "UNAUTHENTICATED", apperr.ErrUnauthenticated.Message, false, false},
		{"bad input keeps its message", apperr.New(apperr.BadUserInput, "period must be %s", "YYYY-MM"), "BAD_USER_INPUT", "period must be YYYY-MM", false, false},
		{"wrapped typed error", fmt.Errorf("x: %w", apperr.ErrForbidden), "FORBIDDEN", "forbidden", false, false},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			present := graph.ErrorPresenter(slog.New(slog.NewJSONHandler(&logs, nil)))
			ctx := requestid.NewContext(context.Background(), fmt.Sprintf("req-%d", i))
			if tc.canceled {
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				cancel()
			}
			got := present(ctx, tc.err)
			if got == nil {
				t.Fatal("nil error")
			}
			if got.Message != tc.message || got.Extensions["code"] != tc.code {
				t.Fatalf("presented %q %v, want %q %s", got.Message, got.Extensions, tc.message, tc.code)
			}
			if got.Extensions["requestId"] != requestid.FromContext(ctx) {
				t.Fatalf("requestId = %v", got.Extensions["requestId"])
			}
			wire, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			if tc.code == "INTERNAL" {
				requireNoLeak(t, wire, "relation", "does not exist")
				if bytes.Contains(wire, []byte("canceled")) || bytes.Contains(wire, []byte("billing")) || bytes.Contains(wire, []byte("load")) {
					t.Fatalf("wire form leaks: %s", wire)
				}
			}
			if tc.logged {
				if !strings.Contains(logs.String(), requestid.FromContext(ctx)) || !strings.Contains(logs.String(), jsonText(tc.err.Error())) {
					t.Fatalf("internal error not logged with its cause and request id: %s", logs.String())
				}
			} else if logs.Len() != 0 {
				t.Fatalf("an expected error was logged as internal: %s", logs.String())
			}
		})
	}
}

func TestErrorPresenterKeepsGraphQLRequestErrors(t *testing.T) {
	t.Parallel()
	present := graph.ErrorPresenter(slog.New(slog.NewJSONHandler(io.Discard, nil)))
	ctx := requestid.NewContext(context.Background(), "req-gql")
	in := &gqlerror.Error{Message: "Cannot query field \"password\" on type \"User\".",
		Extensions: map[string]any{"code": "GRAPHQL_VALIDATION_FAILED"}}
	got := present(ctx, in)
	if got.Message != in.Message || got.Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" || got.Extensions["requestId"] != "req-gql" {
		t.Fatalf("presented %+v", got)
	}
	// Without a request id in the context there is no requestId key.
	got = present(context.Background(), apperr.ErrForbidden)
	if _, has := got.Extensions["requestId"]; has || got.Extensions["code"] != "FORBIDDEN" {
		t.Fatalf("presented %+v", got.Extensions)
	}
}

func TestRecover(t *testing.T) {
	t.Parallel()
	for _, p := range []any{"boom", errors.New(`boom: pq: relation "secret_table" does not exist`), 42} {
		t.Run(fmt.Sprint(p), func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&logs, nil))
			ctx := requestid.NewContext(context.Background(), "req-panic")
			err := graph.Recover(log)(ctx, p)
			if err == nil {
				t.Fatal("Recover returned nil")
			}
			if code, ok := apperr.CodeOf(err); !ok || code != apperr.Internal {
				t.Fatalf("code = %v, %v; want INTERNAL", code, ok)
			}
			if s := err.Error(); strings.Contains(s, fmt.Sprint(p)) || strings.Contains(s, "boom") || strings.Contains(s, "secret") {
				t.Fatalf("message %q repeats the panic", s)
			}
			text := logs.String()
			for _, want := range []string{"req-panic", jsonText(fmt.Sprint(p)), "goroutine", "errors_test.go"} {
				if !strings.Contains(text, want) {
					t.Errorf("log lacks %q: %s", want, text)
				}
			}
			// What the caller finally sees.
			var plogs bytes.Buffer
			got := graph.ErrorPresenter(slog.New(slog.NewJSONHandler(&plogs, nil)))(ctx, err)
			wire, _ := json.Marshal(got)
			if got.Extensions["code"] != "INTERNAL" || got.Message != "internal error" {
				t.Fatalf("presented %s", wire)
			}
			requireNoLeak(t, wire)
			if bytes.Contains(wire, []byte("boom")) || bytes.Contains(wire, []byte("secret")) {
				t.Fatalf("presented %s", wire)
			}
		})
	}
}

// A null where the schema promises a value is the server's fault.
func TestErrorPresenterInvalidNullIsInternal(t *testing.T) {
	var buf bytes.Buffer
	present := graph.ErrorPresenter(slog.New(slog.NewJSONHandler(&buf, nil)))
	got := present(context.Background(), &gqlgraphql.InvalidNullError{DeclaredType: "Tenant!"})
	if got.Extensions["code"] != "INTERNAL" || got.Message != "internal error" {
		t.Fatalf("invalid null presented as %v %q", got.Extensions, got.Message)
	}
	if !strings.Contains(buf.String(), "internal error") {
		t.Fatalf("not logged: %s", buf.String())
	}
}
