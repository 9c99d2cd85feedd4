package config

import (
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/graph"
	"github.com/phystack/managed-tenants-api/internal/server"
)

// setenv sets each variable for the test; "" is as good as unset.
func setenv(t *testing.T, vars map[string]string) {
	t.Helper()
	for k, v := range vars {
		t.Setenv(k, v)
	}
}

// unsetAll blanks every variable Config reads, so the environment the
// tests run in does not leak into them.
func unsetAll(t *testing.T) {
	t.Helper()
	for _, v := range variables(reflect.TypeFor[Config](), map[string]string{}) {
		t.Setenv(v, "")
	}
}

func TestDefaults(t *testing.T) {
	unsetAll(t)
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Addr: ":8080", Server: server.DefaultConfig()}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("defaults:\n got %+v\nwant %+v", c, want)
	}
	if c.DatabaseURL != "" || c.Debug || c.RedisURL != "" || c.Server.Redis != nil || c.Server.CORSOrigins != nil {
		t.Fatalf("unset: %+v", c)
	}
	if c.Server.HeavyOperations != runtime.GOMAXPROCS(0)+1 || c.Server.RatePerSecond != 500 || c.Server.RateBurst != 1000 ||
		c.Server.MaxBodyBytes != 1<<20 || c.Server.RequestTimeout != 15*time.Second || !c.Server.Introspection ||
		c.Server.APQCacheSize != 1000 || c.Server.AuthCacheTTL != 10*time.Second || c.Server.Limits.MaxDepth != 20 ||
		c.Server.Limits.MaxAliases != 50 || c.Server.Limits.MaxFields != 1000 || c.Server.Limits.MaxComplexity != 1_000_000 ||
		c.Server.Executor != graph.ExecutorCompiled {
		t.Fatalf("the documented defaults: %+v", c.Server)
	}
}

func TestEveryVariableOverrides(t *testing.T) {
	unsetAll(t)
	env := map[string]string{
		"DATABASE_URL":         "postgres://db.example/phy",
		"ADDR":                 "127.0.0.1:9000",
		"DEBUG":                "1",
		"MAX_BODY_BYTES":       "2048",
		"REQUEST_TIMEOUT":      "3s",
		"MAX_DEPTH":            "7",
		"MAX_ALIASES":          "8",
		"MAX_FIELDS":           "9",
		"MAX_COMPLEXITY":       "3000000000", // over 32 bits: ints are Go's
		"RATE_LIMIT":           "0.5",
		"RATE_BURST":           "4",
		"REDIS_URL":            "redis://127.0.0.1:6379/1",
		"INTROSPECTION":        "false",
		"CORS_ORIGINS":         " https://a.example, ,https://b.example,",
		"APQ_CACHE_SIZE":       "0",
		"AUTH_CACHE_TTL":       "0s",
		"MAX_HEAVY_OPERATIONS": "0",
		"EXECUTOR":             "gqlgen",
	}
	var read []string
	for _, v := range variables(reflect.TypeFor[Config](), map[string]string{}) {
		read = append(read, v)
	}
	var set []string
	for k := range env {
		set = append(set, k)
	}
	slices.Sort(read)
	slices.Sort(set)
	if !slices.Equal(read, set) {
		t.Fatalf("the test sets %v; Config reads %v", set, read)
	}
	setenv(t, env)
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		DatabaseURL: "postgres://db.example/phy",
		Addr:        "127.0.0.1:9000",
		Debug:       true,
		RedisURL:    "redis://127.0.0.1:6379/1",
		Server: server.Config{
			MaxBodyBytes:    2048,
			RequestTimeout:  3 * time.Second,
			Limits:          server.Limits{MaxDepth: 7, MaxAliases: 8, MaxFields: 9, MaxComplexity: 3_000_000_000},
			RatePerSecond:   0.5,
			RateBurst:       4,
			Introspection:   false,
			CORSOrigins:     server.Origins{"https://a.example", "https://b.example"},
			APQCacheSize:    0,
			HeavyOperations: 0,
			AuthCacheTTL:    0,
			Executor:        graph.ExecutorGQLGen,
		},
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("overridden:\n got %+v\nwant %+v", c, want)
	}
}

func TestDebugTakesOneOrTrue(t *testing.T) {
	for _, v := range []string{"1", "true", "TRUE"} {
		unsetAll(t)
		t.Setenv("DEBUG", v)
		if c, err := Load(); err != nil || !c.Debug {
			t.Errorf("DEBUG=%s: %v, %v", v, c.Debug, err)
		}
	}
	t.Setenv("DEBUG", "0")
	if c, err := Load(); err != nil || c.Debug {
		t.Errorf("DEBUG=0: %v, %v", c.Debug, err)
	}
}

func TestBadValueNamesTheVariable(t *testing.T) {
	for name, value := range map[string]string{
		"RATE_LIMIT":      "abc",
		"RATE_BURST":      "1.5",
		"MAX_DEPTH":       "deep",
		"MAX_BODY_BYTES":  "1MiB",
		"REQUEST_TIMEOUT": "15",
		"AUTH_CACHE_TTL":  "soon",
		"INTROSPECTION":   "maybe",
		"DEBUG":           "yes",
		"EXECUTOR":        "fast",
	} {
		unsetAll(t)
		t.Setenv(name, value)
		_, err := Load()
		if err == nil || !strings.HasPrefix(err.Error(), name+": ") || !strings.Contains(err.Error(), value) {
			t.Errorf("%s=%s: %v, want an error naming %s", name, value, err, name)
		}
	}
	// Every bad variable is named, not only the first.
	unsetAll(t)
	setenv(t, map[string]string{"RATE_LIMIT": "abc", "MAX_FIELDS": "many"})
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), "RATE_LIMIT: ") || !strings.Contains(err.Error(), "MAX_FIELDS: ") {
		t.Errorf("two bad values: %v", err)
	}
}

// Errors find a variable by its field's name: the names must be unique.
func TestFieldNamesAreUnique(t *testing.T) {
	seen := map[string]bool{}
	var walk func(reflect.Type)
	walk = func(t2 reflect.Type) {
		for i := range t2.NumField() {
			f := t2.Field(i)
			if f.Tag.Get("env") == "" && f.Type.Kind() == reflect.Struct {
				walk(f.Type)
				continue
			}
			if seen[f.Name] {
				t.Errorf("two fields named %s", f.Name)
			}
			seen[f.Name] = true
		}
	}
	walk(reflect.TypeFor[Config]())
}
