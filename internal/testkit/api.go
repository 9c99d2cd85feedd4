package testkit

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/ent/gid"
	"github.com/phystack/managed-tenants-api/internal/server"
	"github.com/phystack/managed-tenants-api/internal/store"
)

// API is the real HTTP handler of a store, served by httptest.
type API struct {
	T   testing.TB
	URL string
	Log *bytes.Buffer // the server's JSON log, for tests of what gets logged
}

// NewAPI serves st over HTTP for the test. now may be nil (wall clock).
func NewAPI(t testing.TB, st *store.Store, now func() time.Time, opts ...func(*server.Server)) *API {
	t.Helper()
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, nil))
	api := server.New(st, log, now)
	for _, o := range opts {
		o(api)
	}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	return &API{T: t, URL: srv.URL, Log: logs}
}

// Debug is a NewAPI option: responses carry extensions.sqlStatements.
func Debug(s *server.Server) { s.Debug = true }

// Unlimited is a NewAPI option for tests that send as fast as they can
// (fuzzing): no per-token rate limit.
func Unlimited(s *server.Server) { s.Config.RatePerSecond = 0 }

// Response is a decoded GraphQL response.
type Response struct {
	Status     int
	Header     http.Header
	Raw        []byte
	Data       json.RawMessage `json:"data"`
	Errors     []Error         `json:"errors"`
	Extensions map[string]any  `json:"extensions"`
}

// Error is one GraphQL error.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code is the extensions.code of the error.
func (e Error) Code() string { c, _ := e.Extensions["code"].(string); return c }

// Do posts a GraphQL request with a bearer token ("" for none).
func (a *API) Do(token, query string, vars map[string]any) *Response {
	a.T.Helper()
	var headers map[string]string
	if token != "" {
		headers = map[string]string{"Authorization": "Bearer " + token}
	}
	return a.DoHeaders(headers, query, vars)
}

// DoHeaders posts a GraphQL request with exactly these extra headers.
func (a *API) DoHeaders(headers map[string]string, query string, vars map[string]any) *Response {
	a.T.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, a.URL+"/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.T.Fatalf("POST /query: %v", err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := &Response{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if err := json.Unmarshal(raw, out); err != nil {
		a.T.Fatalf("response is not JSON (%d): %s", res.StatusCode, raw)
	}
	return out
}

// Decode unmarshals data into v, failing the test on GraphQL errors.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("unexpected errors: %s", r.Raw)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode data: %v in %s", err, r.Raw)
	}
}

// Codes lists the extensions.code of every error.
func (r *Response) Codes() []string {
	out := make([]string, len(r.Errors))
	for i, e := range r.Errors {
		out[i] = e.Code()
	}
	return out
}

// RequireCode fails unless the response has exactly one error, of code.
func (r *Response) RequireCode(t testing.TB, code string) {
	t.Helper()
	if len(r.Errors) != 1 || r.Errors[0].Code() != code {
		t.Fatalf("want one %s error, got %s", code, r.Raw)
	}
}

// DataIsNull reports whether field of data is JSON null (or data is null).
func (r *Response) DataIsNull(field string) bool {
	if len(r.Data) == 0 || string(r.Data) == "null" {
		return true
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(r.Data, &m); err != nil {
		return false
	}
	v, ok := m[field]
	return !ok || strings.TrimSpace(string(v)) == "null"
}

// ID is the global id of an ent id.
func ID(id int) string { return gid.Encode(id) }

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
