package server

import (
	"runtime"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/phystack/managed-tenants-api/graph"
)

// Config holds the server's limits; DefaultConfig's values are ones a busy
// console user and the load benchmarks never reach (the harness's fastest
// scenario drives about 140 requests/s per token on this machine; a console
// user makes a few).
type Config struct {
	MaxBodyBytes   int64         // request body; more is 413
	RequestTimeout time.Duration // per request, database included
	Limits         graph.Limits  // operation depth, aliases, fields
	RatePerSecond  float64       // per token (or per client address without one); 0 = off
	RateBurst      int
	Redis          *redis.Client // set: the rate limit is shared between instances
	Introspection  bool          // a public API: on by default
	CORSOrigins    []string      // browser origins allowed besides the server's own
	APQCacheSize   int           // automatic persisted queries kept
	// HeavyOperations bounds the heavy GraphQL operations (tenant trees)
	// executing at once; more wait within RequestTimeout. 0 = no bound.
	HeavyOperations int
	// AuthCacheTTL is how long a verified token is remembered (0: checked
	// in the database on every request); see auth.Verifier.
	AuthCacheTTL time.Duration
}

// DefaultConfig is the configuration without any environment.
func DefaultConfig() Config {
	return Config{
		MaxBodyBytes:   1 << 20,
		RequestTimeout: 15 * time.Second,
		Limits:         graph.Limits{MaxDepth: 20, MaxAliases: 50, MaxFields: 1000, MaxComplexity: graph.DefaultMaxComplexity},
		RatePerSecond:  500,
		RateBurst:      1000,
		Introspection:  true,
		APQCacheSize:   1000,
		// One tree per core: measured on 2 cores, 2 at once serve as many
		// dashboards per second as 4 or 8, in half the memory.
		HeavyOperations: runtime.GOMAXPROCS(0),
		AuthCacheTTL:    10 * time.Second,
	}
}
