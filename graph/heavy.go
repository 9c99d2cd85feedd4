package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
)

// HeavyComplexity is the complexity from which an operation counts as heavy
// (the partner dashboard is about 10,000; a plan catalog or a creation is
// under 100).
const HeavyComplexity = 1000

// HeavyLimit lets at most Slots heavy operations execute at once; others
// wait for a slot within their deadline. Executing a tenant tree is CPU
// work (one dashboard is ~8,000 objects): more trees at once than there are
// cores add no throughput, only memory held by half-built answers and the
// garbage collection over it. Light operations, mostly waiting on the
// database, are never queued behind trees.
type HeavyLimit struct {
	slots chan struct{}
}

// NewHeavyLimit allows n heavy operations at once (n <= 0: no limit).
func NewHeavyLimit(n int) *HeavyLimit {
	if n <= 0 {
		return &HeavyLimit{}
	}
	return &HeavyLimit{slots: make(chan struct{}, n)}
}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = &HeavyLimit{}

func (*HeavyLimit) ExtensionName() string { return "HeavyLimit" }

func (*HeavyLimit) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse runs after the complexity extension has measured the
// operation; for queries and mutations the response handler executes it.
func (h *HeavyLimit) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if h.slots == nil || !graphql.HasOperationContext(ctx) {
		return next(ctx) // request errors have no operation to execute
	}
	stats := extension.GetComplexityStats(ctx)
	if stats == nil || stats.Complexity < HeavyComplexity {
		return next(ctx)
	}
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		graphql.AddError(ctx, ctx.Err()) // presented as INTERNAL, never as input
		return &graphql.Response{Errors: graphql.GetErrors(ctx)}
	}
	defer func() { <-h.slots }()
	return next(ctx)
}
