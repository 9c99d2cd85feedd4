// Package server is the HTTP side: routes, GraphiQL, health, metrics and the
// middleware that gives each request an id, a log line and a viewer.
package server

import (
	"log/slog"
	"net/http"
	"net/http/pprof"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/gzhttp"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/cors"

	"github.com/phystack/managed-tenants-api/graph"
	"github.com/phystack/managed-tenants-api/internal/auth"
	"github.com/phystack/managed-tenants-api/internal/clock"
	"github.com/phystack/managed-tenants-api/internal/server/graphiql"
	"github.com/phystack/managed-tenants-api/internal/store"
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

	store   *store.Store
	log     *slog.Logger
	now     func() time.Time
	metrics *metrics
	limiter Limiter
	ready   atomic.Bool
}

// SetReady says whether the database has been reached (and migrated) since
// start; until then /readyz and /query answer 503. New starts ready.
func (s *Server) SetReady(ready bool) { s.ready.Store(ready) }

// New returns the server of st. now may be nil (wall clock).
func New(st *store.Store, log *slog.Logger, now func() time.Time) *Server {
	if now == nil {
		now = time.Now
	}
	s := &Server{
		Config:     DefaultConfig(),
		Playground: &graphiql.Page{Endpoint: "/query"},
		store:      st, log: log, now: now, metrics: newMetrics(st.DB),
	}
	s.ready.Store(true)
	return s
}

// Handler returns the routes.
func (s *Server) Handler() http.Handler {
	resolver := graph.NewResolver(s.store.Client, s.store.Dialect, clock.Clock(s.now))
	gql := graph.NewHandler(resolver, s.log, graph.Options{
		Limits:          graph.Limits(s.Config.Limits),
		Introspection:   s.Config.Introspection,
		APQCacheSize:    s.Config.APQCacheSize,
		HeavyOperations: s.Config.HeavyOperations,
		Executor:        s.Config.Executor,
		RootFields:      func(path string) { s.metrics.roots.WithLabelValues(path).Inc() },
	})
	s.limiter = NewLimiter(s.Config)
	gql.AroundResponses(s.observeResponse)

	mux := http.NewServeMux()
	mux.Handle("GET /{$}", s.Playground)
	mux.Handle("GET "+graphiql.AssetsPath, gzhttp.GzipHandler(graphiql.Assets()))
	// One verifier per handler: its remembered tokens are this handler's.
	verifier := auth.NewVerifier(s.store.Client, 10_000, s.Config.AuthCacheTTL)
	var query http.Handler = s.authenticate(verifier, requestErrors(gql))
	// The invoice export (SPEC 11) goes through the same layers as /query:
	// readiness, body limit and timeout, CORS, token and rate limit, gzip.
	var invoices http.Handler = s.authenticate(verifier, s.invoiceCSV(resolver.Billing))
	if len(s.Config.CORSOrigins) > 0 {
		// Without origins no CORS headers at all: only the server's own
		// origin may call from a browser (rs/cors would allow "*").
		opts := cors.Options{
			AllowedOrigins: s.Config.CORSOrigins,
			AllowedMethods: []string{http.MethodGet, http.MethodPost},
			AllowedHeaders: []string{"Authorization", "Content-Type"},
			MaxAge:         600,
		}
		query = cors.New(opts).Handler(query)
		// A download's file name is in Content-Disposition.
		opts.AllowedMethods = []string{http.MethodGet}
		opts.ExposedHeaders = []string{"Content-Disposition"}
		invoices = cors.New(opts).Handler(invoices)
	}
	mux.Handle("/query", gzipFast(s.whenReady(s.limitBody(query))))
	mux.Handle(InvoiceCSVPath, restErrors(gzipFast(s.whenReady(s.limitBody(invoices)))))
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
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}))
	if s.Debug {
		// Profiles for load tests; never on without DEBUG=1.
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	return s.observe(mux)
}
