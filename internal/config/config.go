// Package config is the process's configuration: one struct, read from the
// environment by github.com/caarlos0/env. Defaults are Go values set before
// parsing; the library leaves a field alone when its variable is unset or
// empty.
package config

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/caarlos0/env/v11"

	"github.com/phystack/managed-tenants-api/internal/server"
)

// Config is everything the environment configures (GOGC and GOMEMLIMIT
// aside: the Go runtime reads those).
type Config struct {
	// DatabaseURL chooses the store: postgres://… for PostgreSQL; unset for
	// the embedded SQLite file (see store.Open).
	DatabaseURL string `env:"DATABASE_URL"`
	Addr        string `env:"ADDR"` // listen address
	// Debug (1 or true) adds each response's SQL statement count to its
	// extensions and mounts /debug/pprof/.
	Debug bool `env:"DEBUG"`
	// RedisURL, when set, shares the rate limit between instances: serve
	// makes it the server's Redis client.
	RedisURL string `env:"REDIS_URL"`
	// Server holds the HTTP server's limits; its fields name their variables.
	Server server.Config
}

// Load reads the environment over the defaults. A value that does not parse
// fails, naming its variable.
func Load() (Config, error) {
	c := Config{Addr: ":8080", Server: server.DefaultConfig()}
	err := env.ParseWithOptions(&c, env.Options{FuncMap: map[reflect.Type]env.ParserFunc{
		// The library reads int as 32 bits; these are Go ints (64 bits here).
		reflect.TypeFor[int](): func(v string) (any, error) { return strconv.Atoi(v) },
	}})
	if err != nil {
		return Config{}, named(err)
	}
	return c, nil
}

// named rewrites the library's parse errors, which name the Go field
// ("RatePerSecond"), to name the variable instead: RATE_LIMIT: strconv...
func named(err error) error {
	var all env.AggregateError
	if !errors.As(err, &all) {
		return err
	}
	vars := variables(reflect.TypeFor[Config](), map[string]string{})
	errs := make([]error, len(all.Errors))
	for i, e := range all.Errors {
		var pe env.ParseError
		if errors.As(e, &pe) && vars[pe.Name] != "" {
			e = fmt.Errorf("%s: %w", vars[pe.Name], pe.Err)
		}
		errs[i] = e
	}
	return errors.Join(errs...)
}

// variables maps the fields of t and of its nested structs to their
// variables; field names are unique across Config (TestFieldNamesAreUnique).
func variables(t reflect.Type, vars map[string]string) map[string]string {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("env"), ",")
		switch {
		case name != "":
			vars[f.Name] = name
		case f.Type.Kind() == reflect.Struct:
			variables(f.Type, vars)
		}
	}
	return vars
}
