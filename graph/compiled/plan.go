package compiled

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// Field is one field of a plan: gqlgen's collected field (so resolvers see
// the same field, arguments and selections), its JSON key, and for a field of
// an object type the fields collected for that type.
type Field struct {
	graphql.CollectedField
	// Key is `"alias":`.
	Key []byte
	// Children are the object's fields, nil for a leaf.
	Children []Field
	// Slot indexes the per-execution state of the field (its arguments and
	// field context, built once however many parents it has).
	Slot int
	// Concurrent: a list whose elements select a resolver, at any depth.
	// Resolvers may wait for a loader's batch (graph/loaders), which only
	// fills when the elements ask together: such a list's elements are
	// written concurrently, as gqlgen's executor does for every list.
	Concurrent bool
	resolves   bool // this field or one below it is a resolver
}

// Support says whether and how the generated writers handle a field.
type Support int

const (
	// Unsupported: gqlgen's executor answers the root field.
	Unsupported Support = iota
	// Direct: a struct field or a method of the model.
	Direct
	// Resolver: a resolver of graph/, which may batch through a loader.
	Resolver
)

// Plan is the compiled plan of one root field.
type Plan struct {
	Root  Field
	Slots int
}

// docPlans are the plans of one document and operation, per root field and
// per value of the variables that @skip and @include read (the only inputs
// of field collection besides the document).
type docPlans struct {
	vars  []string // variables read by @skip/@include, sorted, no repeats
	mu    sync.Mutex
	plans map[string]*Plan // nil value: the root field is outside the subset
}

// planner compiles and keeps plans.
type planner struct {
	schema   *ast.Schema
	supports func(object, field string) Support
	primed   map[string][]string // Options.Primed
	docs     *lru.Cache[string, *docPlans]
}

func newPlanner(schema *ast.Schema, supports func(object, field string) Support, primed map[string][]string, size int) *planner {
	docs, err := lru.New[string, *docPlans](size)
	if err != nil {
		panic(err) // only for size <= 0, which New never passes
	}
	return &planner{schema: schema, supports: supports, primed: primed, docs: docs}
}

// plan returns the plan of the root field f of oc's operation, or nil when
// its selection is outside the subset (then gqlgen's executor answers it).
func (p *planner) plan(oc *graphql.OperationContext, f graphql.CollectedField) *Plan {
	docKey := oc.OperationName + "\x00" + oc.RawQuery
	d, ok := p.docs.Get(docKey)
	if !ok {
		d = &docPlans{vars: conditionVariables(oc.Doc), plans: map[string]*Plan{}}
		p.docs.Add(docKey, d)
	}
	var key strings.Builder
	key.WriteString(f.Alias)
	for _, name := range d.vars {
		fmt.Fprintf(&key, "\x00%v", oc.Variables[name])
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if pl, ok := d.plans[key.String()]; ok {
		return pl
	}
	var pl *Plan
	c := compiler{oc: oc, p: p}
	if root, ok := c.field(rootType(p.schema, oc.Operation.Operation), f, primedScope{}); ok {
		pl = &Plan{Root: root, Slots: c.slots}
	}
	d.plans[key.String()] = pl
	return pl
}

func rootType(s *ast.Schema, op ast.Operation) string {
	switch op {
	case ast.Query:
		if s.Query != nil {
			return s.Query.Name
		}
	case ast.Mutation:
		if s.Mutation != nil {
			return s.Mutation.Name
		}
	}
	return ""
}

type compiler struct {
	oc    *graphql.OperationContext
	p     *planner
	slots int
}

// primedScope carries the node fields that a connection's resolver fetches
// for its whole page (Options.Primed) down to its nodes: level 2 on the
// connection's fields, 1 on its edges', 0 on its nodes'.
type primedScope struct {
	fields []string
	level  int
}

// below is the scope of child, a field of the object the scope is on.
func (s primedScope) below(child string) primedScope {
	switch {
	case s.level == 2 && child == "edges", s.level == 1 && child == "node":
		return primedScope{fields: s.fields, level: s.level - 1}
	}
	return primedScope{}
}

// primed: name, a field of the object the scope is on, is a node field its
// connection has fetched already.
func (s primedScope) primed(name string) bool {
	return s.level == 0 && slices.Contains(s.fields, name)
}

// field compiles f, a field of the object type parent, in scope.
func (c *compiler) field(parent string, f graphql.CollectedField, scope primedScope) (Field, bool) {
	out := Field{CollectedField: f, Slot: c.slots}
	c.slots++
	out.Key = append(AppendString(nil, f.Alias), ':')
	if len(f.Deferrables) > 0 {
		return out, false // @defer: gqlgen's incremental delivery
	}
	if f.Name == "__typename" {
		return out, true
	}
	support := c.p.supports(parent, f.Name)
	if support == Unsupported {
		return out, false
	}
	// A resolver whose value its connection fetched for the whole page
	// never waits for a batch: it does not make its list concurrent.
	out.resolves = support == Resolver && !scope.primed(f.Name)
	def := c.p.schema.Types[parent]
	if def == nil {
		return out, false
	}
	fd := def.Fields.ForName(f.Name)
	if fd == nil {
		return out, false
	}
	t := c.p.schema.Types[fd.Type.Name()]
	if t == nil {
		return out, false
	}
	switch t.Kind {
	case ast.Scalar, ast.Enum:
		return out, true
	case ast.Object:
		satisfies := append([]string{t.Name}, t.Interfaces...)
		inner := scope.below(f.Name)
		if fields, ok := c.p.primed[parent+"."+f.Name]; ok {
			inner = primedScope{fields: fields, level: 2}
		}
		for _, child := range graphql.CollectFields(c.oc, f.Selections, satisfies) {
			cf, ok := c.field(t.Name, child, inner)
			if !ok {
				return out, false
			}
			out.Children = append(out.Children, cf)
			if cf.resolves {
				out.Concurrent = fd.Type.Elem != nil // a list, of whatever depth
			}
			out.resolves = out.resolves || cf.resolves
		}
		if scope.primed(f.Name) {
			out.resolves = false // nor does anything below it (Options.Primed)
		}
		return out, true
	default:
		// Interfaces and unions need the concrete type of each value:
		// gqlgen's executor answers them.
		return out, false
	}
}

// conditionVariables lists the variables that the conditions of @skip,
// @include and @defer read anywhere in doc.
func conditionVariables(doc *ast.QueryDocument) []string {
	seen := map[string]bool{}
	var walk func(ast.SelectionSet)
	dirs := func(ds ast.DirectiveList) {
		for _, d := range ds {
			switch d.Name {
			case "skip", "include", "defer":
				// Only their condition decides what is collected (a
				// label would make a plan per value for nothing).
				if a := d.Arguments.ForName("if"); a != nil {
					collectVariables(a.Value, seen)
				}
			}
		}
	}
	walk = func(set ast.SelectionSet) {
		for _, s := range set {
			switch s := s.(type) {
			case *ast.Field:
				dirs(s.Directives)
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				dirs(s.Directives)
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				dirs(s.Directives)
			}
		}
	}
	for _, op := range doc.Operations {
		walk(op.SelectionSet)
	}
	for _, fr := range doc.Fragments {
		walk(fr.SelectionSet)
	}
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

func collectVariables(v *ast.Value, seen map[string]bool) {
	if v == nil {
		return
	}
	if v.Kind == ast.Variable {
		seen[v.Raw] = true
	}
	for _, c := range v.Children {
		collectVariables(c.Value, seen)
	}
}
