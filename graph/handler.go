package graph

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/phystack/managed-tenants-api/graph/compiled"
	"github.com/phystack/managed-tenants-api/graph/generated"
	"github.com/phystack/managed-tenants-api/graph/loaders"
	"github.com/phystack/managed-tenants-api/internal/sqlcount"
)

// Options configure the handler.
type Options struct {
	Limits        Limits
	Introspection bool // answer __schema/__type queries
	APQCacheSize  int  // automatic persisted queries kept; 0 turns APQ off
	// HeavyOperations bounds the heavy operations (complexity >=
	// HeavyComplexity) executing at once; 0 = no bound.
	HeavyOperations int
	// Executor chooses who executes queries (default ExecutorCompiled).
	Executor Executor
	// RootFields, if set, counts who answered each query root field
	// (compiled, unsupported or fallback; see graph/compiled).
	RootFields func(path string)
}

// Executor chooses who executes query root fields.
type Executor string

const (
	// ExecutorCompiled answers each query root field whose selection the
	// generated writers support by its compiled plan (graph/compiled), and
	// the others, mutations and any root field that meets an error by
	// gqlgen's executor.
	ExecutorCompiled Executor = "compiled"
	// ExecutorGQLGen runs everything through gqlgen's executor.
	ExecutorGQLGen Executor = "gqlgen"
	// ExecutorVerify runs both and adds an error to any answer where they
	// differ (the differential tests; twice the work).
	ExecutorVerify Executor = "verify"
)

// UnmarshalText accepts the three executors (EXECUTOR).
func (e *Executor) UnmarshalText(text []byte) error {
	switch v := Executor(text); v {
	case ExecutorCompiled, ExecutorGQLGen, ExecutorVerify:
		*e = v
		return nil
	case "":
		*e = ExecutorCompiled
		return nil
	}
	return fmt.Errorf("unknown executor %q (compiled, gqlgen or verify)", text)
}

// NewHandler builds the GraphQL handler explicitly (NewDefaultServer is
// deprecated): POST and GET (queries only) transports, a parsed-query cache,
// APQ, optional introspection, the operation limits, the error presenter and
// panic recovery.
func NewHandler(r *Resolver, log *slog.Logger, opts Options) *handler.Server {
	es := generated.NewExecutableSchema(generated.Config{
		Resolvers:  r,
		Directives: Directives(),
		Complexity: Complexity(),
	})
	srv := handler.New(es)
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if opts.Introspection {
		srv.Use(extension.Introspection{})
	}
	if opts.APQCacheSize > 0 {
		srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](opts.APQCacheSize)})
	}
	// Shape first: it measures fragments once, so an operation whose
	// expansion is huge is refused before anything walks it in full.
	srv.Use(ShapeLimit{opts.Limits})
	srv.Use(PageSizeLimit{})
	if opts.Limits.MaxComplexity > 0 {
		srv.Use(extension.FixedComplexityLimit(opts.Limits.MaxComplexity))
	}
	// After the complexity limit, whose measure it reads.
	srv.Use(NewHeavyLimit(opts.HeavyOperations))
	// One set of loaders per operation, never shared between requests.
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(loaders.NewContext(ctx, loaders.New(r.Billing)))
	})
	if opts.Executor != ExecutorGQLGen {
		srv.AroundRootFields(generated.CompiledRootFields(es, compiled.Options{
			Verify: opts.Executor == ExecutorVerify,
			Primed: primedByPage,
			// The verifying run's statements are not the request's.
			Shadow: func(ctx context.Context) context.Context {
				ctx, _ = sqlcount.NewContext(ctx)
				return ctx
			},
			Mismatch: func(ctx context.Context, msg string) {
				log.ErrorContext(ctx, "compiled read path differs from gqlgen", "error", msg)
			},
			Count: func(p compiled.Path) {
				if opts.RootFields != nil {
					opts.RootFields(string(p))
				}
			},
		}))
	}
	srv.SetErrorPresenter(ErrorPresenter(log))
	srv.SetRecoverFunc(Recover(log))
	return srv
}
