package graph

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
)

// operation builds the context gqlgen gives a response interceptor for an
// operation of the given complexity.
func operation(ctx context.Context, complexity int) context.Context {
	oc := &graphql.OperationContext{}
	oc.Stats.SetExtension("ComplexityLimit", &extension.ComplexityStats{Complexity: complexity, ComplexityLimit: DefaultMaxComplexity})
	ctx = graphql.WithOperationContext(ctx, oc)
	return graphql.WithResponseContext(ctx, ErrorPresenter(slog.New(slog.NewTextHandler(io.Discard, nil))), nil)
}

func TestHeavyLimitQueuesOnlyHeavyOperations(t *testing.T) {
	h := NewHeavyLimit(1)
	ran := func(ctx context.Context) *graphql.Response { return &graphql.Response{Data: []byte(`{"ran":true}`)} }

	// A heavy operation holds the only slot while it executes.
	h.InterceptResponse(operation(context.Background(), HeavyComplexity), func(ctx context.Context) *graphql.Response {
		if len(h.slots) != 1 {
			t.Errorf("a heavy operation executes without holding a slot")
		}
		return ran(ctx)
	})
	if len(h.slots) != 0 {
		t.Fatalf("the slot was not given back")
	}

	h.slots <- struct{}{} // another tree is executing
	if res := h.InterceptResponse(operation(context.Background(), HeavyComplexity-1), ran); string(res.Data) != `{"ran":true}` {
		t.Fatalf("a light operation was held back: %+v", res)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	res := h.InterceptResponse(operation(ctx, HeavyComplexity), func(ctx context.Context) *graphql.Response {
		t.Fatal("a heavy operation ran without a slot")
		return nil
	})
	if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "INTERNAL" {
		t.Fatalf("a heavy operation past its deadline answered %+v, want one INTERNAL error", res)
	}
}
