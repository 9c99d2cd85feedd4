package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/phystack/managed-tenants-api/internal/auth"
	"github.com/phystack/managed-tenants-api/internal/config"
	"github.com/phystack/managed-tenants-api/internal/seed"
	"github.com/phystack/managed-tenants-api/internal/server"
	"github.com/phystack/managed-tenants-api/internal/server/graphiql"
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
	// database in the background, with backoff, however long it is down.
	api.SetReady(false)
	startCtx, cancelStart := context.WithCancel(ctx)
	defer cancelStart()
	go func() {
		backoff := 100 * time.Millisecond
		for {
			err := st.Ping(startCtx, 3*time.Second)
			if err == nil && migrate {
				err = st.Migrate(startCtx)
			}
			if err == nil && demo {
				var d *seed.Demo
				if d, err = seed.LoadDemo(startCtx, st.Client, auth.DefaultTTL); err == nil {
					printDemo(ln.Addr(), d)
					// partnerAdmin first: it is the one in the Headers tab.
					offered := []graphiql.Token{{Name: "partnerAdmin", Token: d.Tokens["partnerAdmin"]}}
					for _, p := range seed.Personas {
						if p.Key != "partnerAdmin" {
							offered = append(offered, graphiql.Token{Name: p.Key, Token: d.Tokens[p.Key]})
						}
					}
					api.Playground.SetDemoTokens(offered)
				}
			}
			if err == nil {
				api.SetReady(true)
				log.Info("ready", "store", st.Dialect)
				return
			}
			log.Warn("database not ready; retrying", "error", err.Error(), "in", backoff.String())
			select {
			case <-startCtx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 5*time.Second)
		}
	}()

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
// say otherwise. A dashboard allocates ~30 MB that is garbage once answered,
// while the live heap is small (heavy operations run a few at a time): a
// sparse collector (GOGC=400) under a soft memory limit served ~40% more
// dashboards per second than Go's defaults in `make bench` on 2 cores, with
// a peak RSS of 120-140 MB. The limit grows with the heavy operations
// allowed at once (40 MiB each, at least 80 MiB), so that more cores do not
// turn it into continuous collection; without a bound on heavy operations
// there is no limit.
func tuneGC(heavy int) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" && heavy > 0 {
		debug.SetMemoryLimit(int64(max(2, heavy)) * 40 << 20)
	}
}

func printDemo(addr net.Addr, d *seed.Demo) {
	host := addr.String()
	if tcp, ok := addr.(*net.TCPAddr); ok && (tcp.IP.IsUnspecified() || tcp.IP == nil) {
		host = fmt.Sprintf("localhost:%d", tcp.Port)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nGraphiQL: http://%s/   (GraphQL endpoint: http://%s/query)\n", host, host)
	fmt.Fprintf(&b, "Demo tokens (send as  Authorization: Bearer <token>):\n")
	for _, p := range seed.Personas {
		fmt.Fprintf(&b, "  %-18s %s   (%s)\n", p.Key, d.Tokens[p.Key], p.Email)
	}
	fmt.Fprint(os.Stderr, b.String()+"\n")
	_ = json.NewEncoder(os.Stdout).Encode(d)
}
