package graph_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/phystack/managed-tenants-api/graph"
	"github.com/phystack/managed-tenants-api/graph/generated"
)

// Every connection in the schema is priced by its page size: one left to
// gqlgen's default (1 + child) would let a query ask 100 x 100 rows for the
// price of one, past the complexity limit and the heavy-operation bound.
func TestEveryConnectionIsPriced(t *testing.T) {
	t.Parallel()
	es := generated.NewExecutableSchema(generated.Config{Complexity: graph.Complexity()})
	const child, page = 10, 50
	seen := 0
	for _, typ := range es.Schema().Types {
		if typ.Kind != ast.Object || strings.HasPrefix(typ.Name, "__") {
			continue
		}
		for _, f := range typ.Fields {
			if !strings.HasSuffix(f.Type.Name(), "Connection") {
				continue
			}
			seen++
			for _, arg := range []string{"first", "last"} {
				cost, ok := es.Complexity(context.Background(), typ.Name, f.Name, child, map[string]any{arg: page})
				if !ok || cost < child*page {
					t.Errorf("%s.%s(%s: %d) costs %d (priced: %v), want at least %d", typ.Name, f.Name, arg, page, cost, ok, child*page)
				}
			}
		}
	}
	if seen < 8 {
		t.Fatalf("found %d connection fields; the walk is broken", seen)
	}
}
