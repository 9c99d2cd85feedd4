package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/phystack/managed-tenants-api/internal/apperr"
)

// Limits bound what one operation may ask for; zero means no limit.
type Limits struct {
	MaxDepth   int // nested selection levels
	MaxAliases int // aliased fields
	MaxFields  int // field selections, fragments expanded
	// MaxComplexity bounds the operation's cost (see Complexity).
	MaxComplexity int
}

// ShapeLimit refuses operations deeper, wider or more aliased than Limits,
// before anything runs (BAD_USER_INPUT). Page sizes are PageSizeLimit's.
type ShapeLimit struct{ Limits }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = ShapeLimit{}

func (ShapeLimit) ExtensionName() string                   { return "ShapeLimit" }
func (ShapeLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (l ShapeLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	w := shapeWalker{memo: map[*ast.FragmentDefinition]shape{}}
	s := w.set(oc.Operation.SelectionSet)
	var msg string
	switch {
	case l.MaxDepth > 0 && s.depth > l.MaxDepth:
		msg = fmt.Sprintf("the operation is %d levels deep; at most %d are allowed", s.depth, l.MaxDepth)
	case l.MaxAliases > 0 && s.aliases > l.MaxAliases:
		msg = fmt.Sprintf("the operation has %d aliases; at most %d are allowed", s.aliases, l.MaxAliases)
	case l.MaxFields > 0 && s.fields > l.MaxFields:
		msg = fmt.Sprintf("the operation selects %d fields; at most %d are allowed", s.fields, l.MaxFields)
	default:
		return nil
	}
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": string(apperr.BadUserInput)}}
}

// shape is what a selection set holds, fragments expanded: its depth and
// how many fields and aliases. Counts saturate, so that no operation can
// overflow them.
type shape struct{ depth, aliases, fields int }

const saturated = 1 << 40

func add(a, b int) int { return min(a+b, saturated) }

// shapeWalker measures each fragment once: a fragment spread many times,
// or spreading others, costs its size in time, not its expansion (a chain of
// fragments that each spread the next twice would otherwise be exponential).
type shapeWalker struct {
	memo map[*ast.FragmentDefinition]shape
}

func (w *shapeWalker) set(set ast.SelectionSet) shape {
	var out shape
	for _, sel := range set {
		var s shape
		switch f := sel.(type) {
		case *ast.Field:
			child := w.set(f.SelectionSet)
			s = shape{depth: 1 + child.depth, fields: add(1, child.fields), aliases: child.aliases}
			if f.Alias != "" && f.Alias != f.Name {
				s.aliases = add(s.aliases, 1)
			}
		case *ast.InlineFragment:
			s = w.set(f.SelectionSet)
		case *ast.FragmentSpread:
			if f.Definition == nil {
				continue
			}
			var ok bool
			if s, ok = w.memo[f.Definition]; !ok {
				// The validator refuses fragment cycles; the zero entry
				// guards anyway.
				w.memo[f.Definition] = shape{}
				s = w.set(f.Definition.SelectionSet)
				w.memo[f.Definition] = s
			}
		}
		out.depth = max(out.depth, s.depth)
		out.fields = add(out.fields, s.fields)
		out.aliases = add(out.aliases, s.aliases)
	}
	return out
}
