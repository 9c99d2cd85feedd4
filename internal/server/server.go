// Package server is the HTTP side: routes, GraphiQL, health, metrics and the
// middleware that gives each request an id, a log line and a viewer.
package server

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/cors"

	"github.com/phystack/managed-tenants-api/ent/gid"
	"github.com/phystack/managed-tenants-api/graph"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/auth"
	"github.com/phystack/managed-tenants-api/internal/clock"
	"github.com/phystack/managed-tenants-api/internal/requestid"
	"github.com/phystack/managed-tenants-api/internal/server/graphiql"
	"github.com/phystack/managed-tenants-api/internal/sqlcount"
	"github.com/phystack/managed-tenants-api/internal/store"
	"github.com/phystack/managed-tenants-api/internal/viewer"
)

// Server serves the API of one store.
type Server struct {
	// Config holds the limits; New sets DefaultConfig.
	Config Config
	// Playground is the GraphiQL page at GET /, served from the binary.
	Playground *graphiql.Page
	// Debug adds each response's SQL statement count to its extensions
	// (sqlStatements); the serve command sets it from DEBUG=1.
	Debug bool

	store    *store.Store
	log      *slog.Logger
	now      func() time.Time
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	sqlStmts prometheus.Histogram
	ops      *prometheus.CounterVec
	opTime   *prometheus.HistogramVec
	errs     *prometheus.CounterVec
	limiter  limiter
	ready    atomic.Bool
}

// SetReady says whether the database has been reached (and migrated) since
// start; until then /readyz and /query answer 503. New starts ready.
func (s *Server) SetReady(ready bool) { s.ready.Store(ready) }

// reqInfo collects, for the request log and metrics, what inner layers
// learn: the viewer and the GraphQL operation.
type reqInfo struct {
	mu        sync.Mutex
	viewerID  int
	operation string
}

type reqInfoKey struct{}

func infoFrom(ctx context.Context) *reqInfo {
	i, _ := ctx.Value(reqInfoKey{}).(*reqInfo)
	if i == nil {
		return &reqInfo{}
	}
	return i
}

// operationLabel bounds the label's values: names clients send are free
// text, so only plain identifiers of modest length are kept.
func operationLabel(name string) string {
	if name == "" {
		return "anonymous"
	}
	if len(name) > 64 {
		return "other"
	}
	for _, c := range name {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "other"
		}
	}
	return name
}

// New returns the server of st. now may be nil (wall clock).
func New(st *store.Store, log *slog.Logger, now func() time.Time) *Server {
	if now == nil {
		now = time.Now
	}
	reg := prometheus.NewRegistry()
	s := &Server{
		Config:     DefaultConfig(),
		Playground: &graphiql.Page{Endpoint: "/query"},
		store:      st, log: log, now: now, registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "phystack_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "phystack_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
	}
	s.sqlStmts = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "phystack_sql_statements_per_request",
		Help:    "SQL statements sent to the database per GraphQL request.",
		Buckets: []float64{0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 50, 100},
	})
	s.ops = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "phystack_graphql_operations_total", Help: "GraphQL operations by operation name.",
	}, []string{"operation"})
	s.opTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "phystack_graphql_operation_duration_seconds", Help: "GraphQL request latency by operation name.",
		Buckets: prometheus.DefBuckets,
	}, []string{"operation"})
	s.errs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "phystack_graphql_errors_total", Help: "GraphQL errors by extensions.code.",
	}, []string{"code"})
	s.ready.Store(true)
	reg.MustRegister(s.requests, s.latency, s.sqlStmts, s.ops, s.opTime, s.errs,
		collectors.NewDBStatsCollector(st.DB, "phystack"),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return s
}

// Handler returns the routes.
func (s *Server) Handler() http.Handler {
	gql := graph.NewHandler(graph.NewResolver(s.store.Client, s.store.Dialect, clock.Clock(s.now)), s.log, graph.Options{
		Limits:          s.Config.Limits,
		Introspection:   s.Config.Introspection,
		APQCacheSize:    s.Config.APQCacheSize,
		HeavyOperations: s.Config.HeavyOperations,
	})
	switch {
	case s.Config.RatePerSecond <= 0:
	case s.Config.Redis != nil:
		s.limiter = newRedisLimiter(s.Config.Redis, s.Config.RatePerSecond, s.Config.RateBurst)
	default:
		s.limiter = memoryLimiter{newRateLimiter(s.Config.RatePerSecond, s.Config.RateBurst)}
	}
	gql.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		res := next(ctx)
		// Requests that fail before parsing (bad JSON) have no operation.
		if graphql.HasOperationContext(ctx) {
			oc := graphql.GetOperationContext(ctx)
			info := infoFrom(ctx)
			info.mu.Lock()
			info.operation = oc.OperationName
			info.mu.Unlock()
		}
		if res == nil {
			return res
		}
		for _, e := range res.Errors {
			code, _ := e.Extensions["code"].(string)
			if code == "" {
				code = "OTHER"
			}
			s.errs.WithLabelValues(code).Inc()
		}
		if c := sqlcount.FromContext(ctx); s.Debug && c != nil {
			if res.Extensions == nil {
				res.Extensions = map[string]any{}
			}
			res.Extensions["sqlStatements"] = c.Load()
		}
		return res
	})

	mux := http.NewServeMux()
	mux.Handle("GET /{$}", s.Playground)
	mux.Handle("GET "+graphiql.AssetsPath, gzhttp.GzipHandler(graphiql.Assets()))
	// One verifier per handler: its remembered tokens are this handler's.
	verifier := auth.NewVerifier(s.store.Client, 10_000, s.Config.AuthCacheTTL)
	var query http.Handler = s.authenticate(verifier, requestErrors(gql))
	if len(s.Config.CORSOrigins) > 0 {
		// Without origins no CORS headers at all: only the server's own
		// origin may call from a browser (rs/cors would allow "*").
		query = cors.New(cors.Options{
			AllowedOrigins: s.Config.CORSOrigins,
			AllowedMethods: []string{http.MethodGet, http.MethodPost},
			AllowedHeaders: []string{"Authorization", "Content-Type"},
			MaxAge:         600,
		}).Handler(query)
	}
	mux.Handle("/query", gzipFast(s.whenReady(s.limitBody(query))))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !s.ready.Load() {
			http.Error(w, "starting: database not reached yet", http.StatusServiceUnavailable)
			return
		}
		if err := s.store.Ping(r.Context(), 2*time.Second); err != nil {
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
	if s.Debug {
		// Profiles for load tests; never on without DEBUG=1.
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	return s.observe(mux)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe gives each request an id, logs it and records metrics.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := requestid.New()
		w.Header().Set("X-Request-Id", id)
		ctx := requestid.NewContext(r.Context(), id)
		ctx, stmts := sqlcount.NewContext(ctx)
		info := &reqInfo{}
		ctx = context.WithValue(ctx, reqInfoKey{}, info)
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r.WithContext(ctx))
		route := r.URL.Path
		switch route {
		case "/", "/query", "/healthz", "/readyz", "/metrics":
		default:
			route = "other"
		}
		d := time.Since(start)
		s.requests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
		s.latency.WithLabelValues(route).Observe(d.Seconds())
		info.mu.Lock()
		op, viewerID := info.operation, info.viewerID
		info.mu.Unlock()
		attrs := []slog.Attr{
			slog.String("request_id", id), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Int("status", sw.status),
			slog.Float64("duration_ms", float64(d.Microseconds())/1000),
		}
		if route == "/query" {
			s.sqlStmts.Observe(float64(stmts.Load()))
			label := operationLabel(op)
			s.ops.WithLabelValues(label).Inc()
			s.opTime.WithLabelValues(label).Observe(d.Seconds())
			attrs = append(attrs, slog.String("operation", op), slog.Int64("sql_statements", stmts.Load()))
			if viewerID != 0 {
				attrs = append(attrs, slog.String("viewer_id", gid.Encode(viewerID)))
			}
		}
		s.log.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
	})
}

// whenReady answers 503 at once while the database has not been reached.
func (s *Server) whenReady(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.ready.Load() {
			w.Header().Set("Retry-After", "1")
			writeError(r.Context(), w, http.StatusServiceUnavailable, apperr.Internal, "the service is starting; try again shortly")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// limitBody refuses bodies over MaxBodyBytes (413) and bounds the request's
// time, database included.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.Config.MaxBodyBytes {
			writeError(r.Context(), w, http.StatusRequestEntityTooLarge, apperr.BadUserInput,
				fmt.Sprintf("the request body is over %d bytes", s.Config.MaxBodyBytes))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.Config.MaxBodyBytes)
		if s.Config.RequestTimeout > 0 {
			ctx, cancel := context.WithTimeout(r.Context(), s.Config.RequestTimeout)
			defer cancel()
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
	})
}

// rateLimited answers 429 when key has used up its bucket.
func (s *Server) rateLimited(w http.ResponseWriter, r *http.Request, key string) bool {
	if s.limiter == nil {
		return false
	}
	ok, wait, err := s.limiter.allow(r.Context(), key, time.Now())
	if err != nil {
		// A limiter that cannot answer must not stop the API: allow, and say so.
		s.log.WarnContext(r.Context(), "rate limiter unavailable", "request_id", requestid.FromContext(r.Context()), "error", err.Error())
	}
	if ok {
		return false
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
	writeError(r.Context(), w, http.StatusTooManyRequests, "RATE_LIMITED", "too many requests: slow down")
	return true
}

// authenticate puts the viewer of a valid bearer token in the context. A
// missing or bad token leaves none: @authenticated answers UNAUTHENTICATED.
func (s *Server) authenticate(verifier *auth.Verifier, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limited := func(key string) bool {
			return r.Method != http.MethodOptions && s.rateLimited(w, r, key)
		}
		// Only a verified token gets a bucket of its own; anything else
		// (no token, or one made up to dodge the limit) is charged to the
		// client's address.
		byAddr := "addr:" + clientAddr(r)
		token, present := auth.BearerToken(r.Header.Get("Authorization"))
		if !present {
			if !limited(byAddr) {
				next.ServeHTTP(w, r)
			}
			return
		}
		v, err := verifier.Verify(r.Context(), token, s.now())
		switch {
		case errors.Is(err, apperr.ErrUnauthenticated):
			if !limited(byAddr) {
				next.ServeHTTP(w, r)
			}
		case err != nil:
			s.log.ErrorContext(r.Context(), "authenticate", "request_id", requestid.FromContext(r.Context()), "error", err.Error())
			writeError(r.Context(), w, http.StatusServiceUnavailable, apperr.Internal, "internal error")
		case limited("token:" + hex.EncodeToString(auth.Hash(token))):
		default:
			info := infoFrom(r.Context())
			info.mu.Lock()
			info.viewerID = v.UserID
			info.mu.Unlock()
			next.ServeHTTP(w, r.WithContext(viewer.NewContext(r.Context(), v)))
		}
	})
}

func writeError(ctx context.Context, w http.ResponseWriter, status int, code apperr.Code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{
		"message":    msg,
		"extensions": map[string]any{"code": string(code), "requestId": requestid.FromContext(ctx)},
	}}})
}

// clientAddr is the peer's IP, for callers without a token.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// gzipFast compresses GraphQL responses at the fastest level: a dashboard's
// JSON (~350 kB, very repetitive) still shrinks about 40x, at a fraction of
// the CPU of the default level (measured: ~18 ms less per dashboard).
var gzipFast = func() func(http.Handler) http.HandlerFunc {
	w, err := gzhttp.NewWrapper(gzhttp.CompressionLevel(gzip.BestSpeed))
	if err != nil {
		panic(err) // only for invalid options
	}
	return w
}()
