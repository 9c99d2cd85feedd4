package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/phystack/managed-tenants-api/internal/config"
	"github.com/phystack/managed-tenants-api/internal/server"
	"github.com/phystack/managed-tenants-api/internal/store"
)

// serve runs the HTTP server until ctx ends or SIGINT/SIGTERM: migrate
// (unless false) and demo are its flags.
func serve(ctx context.Context, log *slog.Logger, migrate, demo bool) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	st, err := store.Open(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	api := server.New(st, log, nil)
	api.Config, api.Debug = cfg.Server, cfg.Debug
	if cfg.RedisURL != "" {
		opts, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			return fmt.Errorf("REDIS_URL: %w", err)
		}
		api.Config.Redis = redis.NewClient(opts)
		defer api.Config.Redis.Close()
	}
	tuneGC(api.Config.HeavyOperations)
	srv := &http.Server{Handler: api.Handler(), ReadHeaderTimeout: 10 * time.Second}

	// Serve at once (healthz answers, readyz says 503) and reach the
	// database in the background, however long it is down.
	api.SetReady(false)
	startCtx, cancelStart := context.WithCancel(ctx)
	defer cancelStart()
	go startup(startCtx, log, st, api, ln.Addr(), migrate, demo)

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving", "addr", ln.Addr().String(), "store", st.Dialect)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Stop accepting, let in-flight requests finish (up to 10 s).
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// tuneGC sets the garbage collector for serving, unless GOGC or GOMEMLIMIT
// say otherwise. A dashboard allocates ~4 MB through the compiled read path
// (~25 MB through gqlgen's executor) that is garbage once answered, while
// the live heap is small (heavy operations run a few at a time): a sparse
// collector (GOGC=400) under a soft memory limit served ~40% more dashboards
// per second than Go's defaults in `make bench` on 2 cores. The limit grows
// with the heavy operations allowed at once (14 MiB each and 14 more, at
// least 56 MiB), so that more cores do not turn it into continuous
// collection; without a bound on heavy operations there is no limit.
// Measured on 2 cores (issue 11, 3 heavy operations): 56 MiB kept the peak
// RSS at 83-87 MB where 84 MiB reached 112 MB, for the same dashboards per
// second within the run-to-run noise.
func tuneGC(heavy int) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" && heavy > 0 {
		debug.SetMemoryLimit(int64(max(4, heavy+1)) * 14 << 20)
	}
}
