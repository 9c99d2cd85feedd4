package server

import (
	"runtime"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/phystack/managed-tenants-api/graph"
)

// Config holds the server's limits; DefaultConfig's values are ones a busy
// console user and the load benchmarks never reach (the harness's fastest
// scenario drives about 140 requests/s per token on this machine; a console
// user makes a few). The env tags name the variables that set each field
// (internal/config reads them).
type Config struct {
	MaxBodyBytes   int64         `env:"MAX_BODY_BYTES"`  // request body; more is 413
	RequestTimeout time.Duration `env:"REQUEST_TIMEOUT"` // per request, database included
	Limits         Limits        // operation depth, aliases, fields, cost
	RatePerSecond  float64       `env:"RATE_LIMIT"` // per token (or per client address without one); 0 = off
	RateBurst      int           `env:"RATE_BURST"`
	Redis          *redis.Client // set: the rate limit is shared between instances (serve: REDIS_URL)
	Introspection  bool          `env:"INTROSPECTION"`  // a public API: on by default
	CORSOrigins    Origins       `env:"CORS_ORIGINS"`   // browser origins allowed besides the server's own
	APQCacheSize   int           `env:"APQ_CACHE_SIZE"` // automatic persisted queries kept
	// HeavyOperations bounds the heavy GraphQL operations (tenant trees)
	// executing at once; more wait within RequestTimeout. 0 = no bound.
	HeavyOperations int `env:"MAX_HEAVY_OPERATIONS"`
	// AuthCacheTTL is how long a verified token is remembered (0: checked
	// in the database on every request); see auth.Verifier.
	AuthCacheTTL time.Duration `env:"AUTH_CACHE_TTL"`
	// Executor: compiled (default: the compiled read path, see
	// graph/compiled), gqlgen (gqlgen's executor only) or verify (both,
	// compared; the tests).
	Executor graph.Executor `env:"EXECUTOR"`
}

// Limits is graph.Limits with the variables that set its fields: graph
// stays free of configuration, and the conversion in Handler stops
// compiling if the two drift apart.
type Limits struct {
	MaxDepth      int `env:"MAX_DEPTH"`
	MaxAliases    int `env:"MAX_ALIASES"`
	MaxFields     int `env:"MAX_FIELDS"`
	MaxComplexity int `env:"MAX_COMPLEXITY"`
}

// Origins are browser origins, read from a comma-separated list: each is
// trimmed and empty ones are dropped (the library's own slices keep both).
type Origins []string

// UnmarshalText reads a comma-separated list.
func (o *Origins) UnmarshalText(text []byte) error {
	*o = nil
	for _, s := range strings.Split(string(text), ",") {
		if s = strings.TrimSpace(s); s != "" {
			*o = append(*o, s)
		}
	}
	return nil
}

// DefaultConfig is the configuration without any environment.
func DefaultConfig() Config {
	return Config{
		MaxBodyBytes:   1 << 20,
		RequestTimeout: 15 * time.Second,
		Limits:         Limits{MaxDepth: 20, MaxAliases: 50, MaxFields: 1000, MaxComplexity: graph.DefaultMaxComplexity},
		RatePerSecond:  500,
		RateBurst:      1000,
		Introspection:  true,
		APQCacheSize:   1000,
		// One tree per core and one more: while a tree waits on the
		// database, the cores stay busy with another. Measured on 2 cores
		// (issue 11): 3 at once served 101-110 dashboards/s where 2 served
		// 86-91 (separate c16 `make bench` runs), and 4 no more than 3.
		HeavyOperations: runtime.GOMAXPROCS(0) + 1,
		AuthCacheTTL:    10 * time.Second,
		Executor:        graph.ExecutorCompiled,
	}
}
