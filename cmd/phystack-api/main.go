// Command phystack-api serves the managed tenants API and runs its chores:
//
//	phystack-api serve [--demo] [--migrate=true]
//	phystack-api migrate
//	phystack-api seed --demo
//	phystack-api seed --bench [--tenants N --spaces S --devices D --installations I]
//	phystack-api token create --email E [--ttl 720h]
//
// DATABASE_URL chooses the store (postgres://... or unset for the embedded
// SQLite file phystack.db); ADDR the listen address (default :8080); DEBUG=1
// adds each response's SQL statement count to its extensions.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
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

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/rule"
	_ "github.com/phystack/managed-tenants-api/ent/runtime" // privacy policies
	"github.com/phystack/managed-tenants-api/ent/user"
	"github.com/phystack/managed-tenants-api/internal/auth"
	"github.com/phystack/managed-tenants-api/internal/config"
	"github.com/phystack/managed-tenants-api/internal/seed"
	"github.com/phystack/managed-tenants-api/internal/server"
	"github.com/phystack/managed-tenants-api/internal/server/graphiql"
	"github.com/phystack/managed-tenants-api/internal/store"
)

const usage = `usage: phystack-api <command> [flags]

commands:
  serve [--demo] [--migrate=true]     run the HTTP server (migrates first by default;
                                      --demo also loads the demo world and prints tokens)
  migrate                             bring the database to the current schema
  seed --demo                         load the demo world; prints {"tokens": {...}}
  seed --bench [--tenants N --spaces S --devices D --installations I]
                                      one partner with a large tree; prints {"partnerId", "tokens"}
  token create --email E [--ttl D]    mint a bearer token for a user

environment: DATABASE_URL (postgres://... ; unset = SQLite file phystack.db), ADDR (default :8080)
`

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(context.Background(), os.Args[1:], log); err != nil {
		fmt.Fprintln(os.Stderr, "phystack-api:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, log *slog.Logger) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return errors.New("no command")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], log)
	case "migrate":
		st, err := openMigrated(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		fmt.Fprintln(os.Stderr, "migrated")
		return nil
	case "seed":
		fs := flag.NewFlagSet("seed", flag.ContinueOnError)
		demo := fs.Bool("demo", false, "load the demo world")
		bench := fs.Bool("bench", false, "build one partner with a large tree, for load tests")
		var shape seed.BenchShape
		fs.IntVar(&shape.Tenants, "tenants", 1000, "with --bench: managed tenants")
		fs.IntVar(&shape.Spaces, "spaces", 5, "with --bench: spaces per tenant")
		fs.IntVar(&shape.Devices, "devices", 4, "with --bench: devices per space")
		fs.IntVar(&shape.Installations, "installations", 2, "with --bench: installations per device")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *demo == *bench {
			return errors.New("seed: say what to load: --demo or --bench")
		}
		st, err := openMigrated(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		if *bench {
			b, err := seed.LoadBench(ctx, st.Client, shape)
			if err != nil {
				return err
			}
			return json.NewEncoder(os.Stdout).Encode(b)
		}
		d, err := seed.LoadDemo(ctx, st.Client, auth.DefaultTTL)
		if err != nil {
			return err
		}
		return json.NewEncoder(os.Stdout).Encode(d)
	case "token":
		return token(ctx, args[1:])
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	}
	fmt.Fprint(os.Stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func openMigrated(ctx context.Context) (*store.Store, error) {
	cfg, err := config.Load()
	if err != nil {
		return nil, err
	}
	st, err := store.Open(cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

func serve(ctx context.Context, args []string, log *slog.Logger) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	demo := fs.Bool("demo", false, "load the demo world and print its tokens")
	migrate := fs.Bool("migrate", true, "migrate the database before serving")
	if err := fs.Parse(args); err != nil {
		return err
	}
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
			if err == nil && *migrate {
				err = st.Migrate(startCtx)
			}
			if err == nil && *demo {
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

func token(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: token create --email E [--ttl D]")
	}
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	email := fs.String("email", "", "the user's email")
	ttl := fs.Duration("ttl", auth.DefaultTTL, "lifetime of the token")
	label := fs.String("label", "ops", "a note stored with the token")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *email == "" {
		return errors.New("token create: --email is required")
	}
	st, err := openMigrated(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.Client.User.Query().Where(user.Email(strings.ToLower(strings.TrimSpace(*email)))).
		Only(rule.SystemContext(ctx))
	if ent.IsNotFound(err) {
		return fmt.Errorf("token create: no user with email %q", *email)
	}
	if err != nil {
		return err
	}
	tok, err := auth.Issue(ctx, st.Client, u.ID, *label, *ttl, time.Now())
	if err != nil {
		return err
	}
	fmt.Println(tok)
	return nil
}
