package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/internal/apperr"
)

// MaxPageSize is the largest first/last a connection accepts (SPEC 8).
const MaxPageSize = 100

// PageSizeLimit checks the connection arguments of every field of the
// operation before anything runs: first/last within 0..MaxPageSize and not
// both, one of them whenever the connection's edges are read (totalCount
// alone needs neither), cursors decodable. Nested connections are loaded eagerly by the root
// resolver, so a field-by-field check would come after their SQL (and a bad
// nested cursor would reach entgql's field collection, which panics on it).
type PageSizeLimit struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = PageSizeLimit{}

func (PageSizeLimit) ExtensionName() string                   { return "PageSizeLimit" }
func (PageSizeLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (PageSizeLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	seen := map[*ast.FragmentDefinition]bool{}
	if msg := checkPageSizes(oc.Operation.SelectionSet, oc.Variables, seen); msg != "" {
		return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": string(apperr.BadUserInput)}}
	}
	return nil
}

// checkPageSizes checks every field once: a fragment's arguments do not
// depend on where it is spread, so each fragment is checked once (seen).
func checkPageSizes(set ast.SelectionSet, vars map[string]any, seen map[*ast.FragmentDefinition]bool) string {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			args := s.ArgumentMap(vars)
			if args["first"] != nil && args["last"] != nil {
				return fmt.Sprintf("%s: pass first or last, not both", s.Alias)
			}
			for _, name := range []string{"after", "before"} {
				if v, ok := args[name]; ok && v != nil && isCursorArg(s, name) {
					var c ent.Cursor
					if err := c.UnmarshalGQL(v); err != nil {
						return fmt.Sprintf("%s.%s is not a valid cursor", s.Alias, name)
					}
				}
			}
			if isConnection(s) && args["first"] == nil && args["last"] == nil && selects(s.SelectionSet, "edges") {
				// Without a page size entgql would return every row.
				return fmt.Sprintf("%s: pass first or last (at most %d) to read its edges", s.Alias, MaxPageSize)
			}
			for _, name := range []string{"first", "last"} {
				v, ok := args[name]
				if !ok || v == nil {
					continue
				}
				n, ok := toInt(v)
				if !ok || n < 0 || n > MaxPageSize {
					return fmt.Sprintf("%s.%s must be between 0 and %d", s.Alias, name, MaxPageSize)
				}
			}
			if msg := checkPageSizes(s.SelectionSet, vars, seen); msg != "" {
				return msg
			}
		case *ast.InlineFragment:
			if msg := checkPageSizes(s.SelectionSet, vars, seen); msg != "" {
				return msg
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && !seen[s.Definition] {
				seen[s.Definition] = true
				if msg := checkPageSizes(s.Definition.SelectionSet, vars, seen); msg != "" {
					return msg
				}
			}
		}
	}
	return ""
}

// isConnection: a Relay connection field (it takes first and last).
func isConnection(f *ast.Field) bool {
	return f.Definition != nil && f.Definition.Arguments.ForName("first") != nil &&
		f.Definition.Arguments.ForName("last") != nil && strings.HasSuffix(f.Definition.Type.Name(), "Connection")
}

// selects reports whether set selects the field name, through fragments too.
func selects(set ast.SelectionSet, name string) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == name {
				return true
			}
		case *ast.InlineFragment:
			if selects(s.SelectionSet, name) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && selects(s.Definition.SelectionSet, name) {
				return true
			}
		}
	}
	return false
}

func isCursorArg(f *ast.Field, name string) bool {
	if f.Definition == nil {
		return false
	}
	a := f.Definition.Arguments.ForName(name)
	return a != nil && a.Type != nil && a.Type.Name() == "Cursor"
}

func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		return int64(n), float64(int64(n)) == n
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}
