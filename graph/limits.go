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
	var s shape
	s.walk(oc.Operation.SelectionSet, 1)
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

type shape struct{ depth, aliases, fields int }

// walk counts a selection set; fragments are expanded (the validator has
// already refused fragment cycles).
func (s *shape) walk(set ast.SelectionSet, depth int) {
	for _, sel := range set {
		switch f := sel.(type) {
		case *ast.Field:
			s.fields++
			if f.Alias != "" && f.Alias != f.Name {
				s.aliases++
			}
			if depth > s.depth {
				s.depth = depth
			}
			s.walk(f.SelectionSet, depth+1)
		case *ast.InlineFragment:
			s.walk(f.SelectionSet, depth)
		case *ast.FragmentSpread:
			if f.Definition != nil {
				s.walk(f.Definition.SelectionSet, depth)
			}
		}
	}
}
