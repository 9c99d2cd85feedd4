package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/phystack/managed-tenants-api/ent/gid"
	"github.com/phystack/managed-tenants-api/internal/auth"
	"github.com/phystack/managed-tenants-api/internal/seed"
	"github.com/phystack/managed-tenants-api/internal/server"
	"github.com/phystack/managed-tenants-api/internal/server/graphiql"
	"github.com/phystack/managed-tenants-api/internal/store"
)

// startup is serve's way to the database, run in the background while the
// server already answers: it tries until the database answers, then
// migrates (if migrate), loads the demo world (if demo) and marks api
// ready. It gives up only when ctx ends.
func startup(ctx context.Context, log *slog.Logger, st *store.Store, api *server.Server, addr net.Addr, migrate, demo bool) {
	attempt := func() (*seed.Demo, error) {
		if err := st.Ping(ctx, 3*time.Second); err != nil {
			return nil, err
		}
		if migrate {
			if err := st.Migrate(ctx); err != nil {
				return nil, err
			}
		}
		if !demo {
			return nil, nil
		}
		return seed.LoadDemo(ctx, st.Client, auth.DefaultTTL)
	}
	d, err := backoff.Retry(ctx, attempt,
		// 100 ms doubling to 5 s, without jitter, as the README says.
		backoff.WithBackOff(&backoff.ExponentialBackOff{
			InitialInterval: 100 * time.Millisecond,
			Multiplier:      2,
			MaxInterval:     5 * time.Second,
		}),
		// v5 stops after 15 minutes by default; a server that gave up would
		// stay up and never ready.
		backoff.WithMaxElapsedTime(0),
		backoff.WithNotify(func(err error, wait time.Duration) {
			log.Warn("database not ready; retrying", "error", err.Error(), "in", wait.String())
		}),
	)
	if err != nil {
		return // ctx ended: serve is stopping
	}
	if d != nil {
		printDemo(addr, d)
		// partnerAdmin first: it is the one in the Headers tab.
		offered := []graphiql.Token{{Name: "partnerAdmin", Token: d.Tokens["partnerAdmin"]}}
		for _, p := range seed.Personas {
			if p.Key != "partnerAdmin" {
				offered = append(offered, graphiql.Token{Name: p.Key, Token: d.Tokens[p.Key]})
			}
		}
		api.Playground.SetDemoTokens(offered)
		api.Playground.SetDemoPartner(gid.Encode(d.PartnerID))
	}
	api.SetReady(true)
	log.Info("ready", "store", st.Dialect)
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
