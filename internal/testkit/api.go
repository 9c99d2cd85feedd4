package testkit

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"

	"github.com/phystack/managed-tenants-api/ent/gid"
	"github.com/phystack/managed-tenants-api/graph"
	"github.com/phystack/managed-tenants-api/internal/server"
	"github.com/phystack/managed-tenants-api/internal/store"
)

// API is the server under test: server.New and its Handler, every
// middleware included. GraphQL requests (Query, Do, Send) reach the handler
// in-process through gqlgen's test client, as entgql's todo tests do;
// protocol tests (HTTP) reach it over a real TCP listener, where status
// codes, headers, gzip and the client's address are what a client sees.
// Its methods take the test per call, so one API serves a test and all its
// subtests.
type API struct {
	URL string     // the TCP listener, e.g. http://127.0.0.1:41234
	Log *LogBuffer // the server's JSON log, for tests of what gets logged

	handler   http.Handler
	transport *http.Transport
}

// NewAPI serves st for the test. now may be nil (wall clock).
func NewAPI(t testing.TB, st *store.Store, now func() time.Time, opts ...func(*server.Server)) *API {
	t.Helper()
	logs := &LogBuffer{}
	s := server.New(st, slog.New(slog.NewJSONHandler(logs, nil)), now)
	// Every query of the suite runs through the compiled read path and
	// gqlgen's executor, compared (issue 11), unless EXECUTOR says otherwise.
	s.Config.Executor = graph.ExecutorVerify
	if v := os.Getenv("EXECUTOR"); v != "" {
		if err := s.Config.Executor.UnmarshalText([]byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	for _, o := range opts {
		o(s)
	}
	h := s.Handler()
	t.Cleanup(func() {
		// A difference is also an error in its response; this catches the
		// tests that do not look at errors.
		if strings.Contains(logs.String(), mismatchLog) {
			t.Errorf("the compiled read path and gqlgen's executor answered differently:\n%s", logs)
		}
	})
	srv := httptest.NewServer(h)
	// Not decompressing, so that gzip stays visible to protocol tests.
	tr := &http.Transport{DisableCompression: true}
	t.Cleanup(func() { tr.CloseIdleConnections(); srv.Close() })
	return &API{URL: srv.URL, Log: logs, handler: h, transport: tr}
}

// Handler is the server's handler, for a test that must hand it a request
// of its own (a context it cancels).
func (a *API) Handler() http.Handler { return a.handler }

// Debug is a NewAPI option: responses carry extensions.sqlStatements.
func Debug(s *server.Server) { s.Debug = true }

// mismatchLog is the log message of a difference between the executors.
const mismatchLog = "compiled read path differs from gqlgen"

// Executor is a NewAPI option that chooses the executor (default
// graph.ExecutorVerify, or EXECUTOR's).
func Executor(e graph.Executor) func(*server.Server) {
	return func(s *server.Server) { s.Config.Executor = e }
}

// Unlimited is a NewAPI option for tests that send as fast as they can
// (fuzzing): no per-token rate limit.
func Unlimited(s *server.Server) { s.Config.RatePerSecond = 0 }

// Query sends a GraphQL request with a bearer token ("" for none) and
// decodes its data into out, strictly (see decoderConfig). A GraphQL error,
// an HTTP failure or a decoding failure fails the test. opts are gqlgen
// client options (client.AddHeader, client.Operation...).
func (a *API) Query(t testing.TB, token, query string, out any, vars map[string]any, opts ...client.Option) {
	t.Helper()
	var ex exchange
	if err := a.client().Post(query, out, a.options(&ex, token, vars, opts)...); err != nil {
		t.Fatalf("%v\nquery: %s\nHTTP %d: %s", err, query, ex.status, ex.body)
	}
}

// Do sends a GraphQL request with a bearer token ("" for none) and returns
// the whole response, errors, status and headers included, whatever they
// are: for tests about errors. Only a response that is not a GraphQL
// response fails the test.
func (a *API) Do(t testing.TB, token, query string, vars map[string]any, opts ...client.Option) *Response {
	t.Helper()
	res, err := a.Send(token, query, vars, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Send is Do for goroutines a test starts (t.Fatal may only be called from
// the test's own goroutine): it returns what Do would fail the test with.
func (a *API) Send(token, query string, vars map[string]any, opts ...client.Option) (*Response, error) {
	var ex exchange
	// RawPost refuses HTTP >= 400 and keeps neither status nor headers; the
	// exchange has them, and the body, whatever the status.
	_, err := a.client().RawPost(query, a.options(&ex, token, vars, opts)...)
	if ex.status == 0 {
		return nil, fmt.Errorf("POST /query: no response: %v", err)
	}
	res := &Response{Status: ex.status, Header: ex.header, Raw: ex.body}
	if err := json.Unmarshal(ex.body, res); err != nil {
		return nil, fmt.Errorf("POST /query: HTTP %d, not a GraphQL response: %s", ex.status, ex.body)
	}
	return res, nil
}

// Request is one request of a protocol test. Zero fields: POST /query
// without a token; a Body is sent as application/json.
type Request struct {
	Method string // default POST
	Path   string // default /query
	Token  string // bearer token, "" for none
	Header map[string]string
	Body   []byte
}

// HTTP sends one request over TCP, as a client would, for tests of the
// protocol itself: status codes, headers, gzip (bodies are not
// decompressed), GET and OPTIONS, bodies that are not JSON, 413 and 429.
// When the answer is uncompressed JSON, its GraphQL fields are decoded too.
func (a *API) HTTP(t testing.TB, r Request) *Response {
	t.Helper()
	method, path := cmp.Or(r.Method, http.MethodPost), cmp.Or(r.Path, "/query")
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequest(method, a.URL+path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if r.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	res, err := a.transport.RoundTrip(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read the answer: %v", method, path, err)
	}
	out := &Response{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if res.Header.Get("Content-Encoding") == "" {
		// Not every answer is a GraphQL response (/metrics, a refused
		// batch...): what does not decode stays empty.
		_ = json.Unmarshal(raw, out)
	}
	return out
}

// client is gqlgen's test client on the handler. A new one per request:
// Post writes its result into the decoder config it was given, so one
// config cannot serve two requests at once (Send runs in goroutines).
func (a *API) client() *client.Client {
	c := client.New(http.HandlerFunc(a.serve))
	c.SetCustomTarget("/query")
	c.SetCustomDecodeConfig(decoderConfig(nil))
	return c
}

// exchange is the HTTP side of one in-process request, which gqlgen's
// client does not keep.
type exchange struct {
	status int
	header http.Header
	body   []byte
}

type exchangeKey struct{}

func (a *API) options(ex *exchange, token string, vars map[string]any, extra []client.Option) []client.Option {
	opts := []client.Option{func(r *client.Request) {
		r.HTTP = r.HTTP.WithContext(context.WithValue(r.HTTP.Context(), exchangeKey{}, ex))
	}}
	if token != "" {
		opts = append(opts, client.AddHeader("Authorization", "Bearer "+token))
	}
	for k, v := range vars {
		opts = append(opts, client.Var(k, v))
	}
	return append(opts, extra...)
}

// serve runs a request of gqlgen's client through the real handler as the
// HTTP server would: with its Content-Length, which the client leaves out
// and the body limit reads. It keeps status, headers and body in the
// request's exchange.
func (a *API) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	r.ContentLength = int64(len(body))
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, r)
	res := rec.Result()
	if ex, ok := r.Context().Value(exchangeKey{}).(*exchange); ok {
		ex.status, ex.header, ex.body = res.StatusCode, res.Header, rec.Body.Bytes()
	}
	maps.Copy(w.Header(), res.Header)
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(rec.Body.Bytes())
}

// ID is the global id of an ent id.
func ID(id int) string { return gid.Encode(id) }

// LogBuffer holds the server's log; tests read it while the server writes.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is the log so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Records are the log's JSON records so far, in order.
func (b *LogBuffer) Records() []map[string]any {
	var out []map[string]any
	for line := range bytes.SplitSeq([]byte(b.String()), []byte("\n")) {
		var rec map[string]any
		if json.Unmarshal(line, &rec) == nil {
			out = append(out, rec)
		}
	}
	return out
}
