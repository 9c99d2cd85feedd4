package compiled

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

var testSchema = gqlparser.MustLoadSchema(&ast.Source{Input: `
type Query { a: String b: B c: String }
type B { x: String }
`})

// rootField runs the first root field of query through rt the way gqlgen's
// executor calls AroundRootFields, and returns what it wrote and the
// response's errors.
func rootField(t *testing.T, rt *Runtime, query string, vars map[string]any, next graphql.RootResolver, write Write) (string, []string) {
	t.Helper()
	out, msgs, _ := rootFieldMarshaler(t, rt, query, vars, next, write)
	return out, msgs
}

// rootFieldMarshaler is rootField with the marshaler RootField returned.
func rootFieldMarshaler(t *testing.T, rt *Runtime, query string, vars map[string]any, next graphql.RootResolver, write Write) (string, []string, graphql.Marshaler) {
	t.Helper()
	doc, errs := gqlparser.LoadQuery(testSchema, query)
	if errs != nil {
		t.Fatal(errs)
	}
	oc := &graphql.OperationContext{
		RawQuery: query, Doc: doc, Operation: doc.Operations[0], Variables: vars,
		ResolverMiddleware: func(ctx context.Context, next graphql.Resolver) (any, error) { return next(ctx) },
	}
	ctx := graphql.WithOperationContext(context.Background(), oc)
	ctx = graphql.WithResponseContext(ctx, graphql.DefaultErrorPresenter, graphql.DefaultRecover)
	fields := graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{"Query"})
	ctx = graphql.WithRootFieldContext(ctx, &graphql.RootFieldContext{Object: "Query", Field: fields[0]})
	var b bytes.Buffer
	m := rt.RootField(ctx, next, write)
	m.MarshalGQL(&b)
	var msgs []string
	for _, e := range graphql.GetErrors(ctx) {
		msgs = append(msgs, e.Message)
	}
	return b.String(), msgs, m
}

func constant(s string) graphql.RootResolver {
	return func(context.Context) graphql.Marshaler { return graphql.MarshalString(s) }
}

func writes(s string) Write {
	return func(_ context.Context, x *Exec, _ *Field) { x.W.B = AppendString(x.W.B, s) }
}

func everything(string, string) Support { return Direct }

func TestCompiledAnswerIsTheWritersUnlessItFails(t *testing.T) {
	rt := New(testSchema, everything, Options{})
	if out, errs := rootField(t, rt, "{ a }", nil, constant("gqlgen"), writes("compiled")); out != `"compiled"` || errs != nil {
		t.Fatalf("compiled: %s %v", out, errs)
	}
	failing := func(_ context.Context, x *Exec, _ *Field) { x.W.B = append(x.W.B, "garbage"...); x.Fail() }
	if out, errs := rootField(t, rt, "{ a }", nil, constant("gqlgen"), failing); out != `"gqlgen"` || errs != nil {
		t.Fatalf("a failed plan falls back to gqlgen: %s %v", out, errs)
	}
	panicking := func(context.Context, *Exec, *Field) { panic("boom") }
	if out, errs := rootField(t, rt, "{ a }", nil, constant("gqlgen"), panicking); out != `"gqlgen"` || errs != nil {
		t.Fatalf("a panicking plan falls back to gqlgen: %s %v", out, errs)
	}
	// Outside the subset: gqlgen without trying.
	none := New(testSchema, func(string, string) Support { return Unsupported }, Options{})
	if out, _ := rootField(t, none, "{ a }", nil, constant("gqlgen"), writes("compiled")); out != `"gqlgen"` {
		t.Fatalf("unsupported field: %s", out)
	}
}

func TestVerifyReportsEveryDifference(t *testing.T) {
	var reported []string
	rt := New(testSchema, everything, Options{Verify: true, Mismatch: func(_ context.Context, msg string) { reported = append(reported, msg) }})
	// Same bytes: nothing to say.
	if out, errs := rootField(t, rt, "{ a }", nil, constant("same"), writes("same")); out != `"same"` || errs != nil || reported != nil {
		t.Fatalf("equal answers: %s %v %v", out, errs, reported)
	}
	// Different bytes: an error in the response and a report.
	if _, errs := rootField(t, rt, "{ a }", nil, constant("gqlgen"), writes("compiled")); len(errs) != 1 ||
		!strings.Contains(errs[0], "compiled path mismatch") || len(reported) != 1 {
		t.Fatalf("different answers: %v %v", errs, reported)
	}
	// gqlgen reports an error where the plan ran clean.
	erring := func(ctx context.Context) graphql.Marshaler {
		graphql.AddErrorf(ctx, "resolver failed")
		return graphql.Null
	}
	if _, errs := rootField(t, rt, "{ a }", nil, erring, writes("compiled")); len(errs) != 2 || len(reported) != 2 {
		t.Fatalf("gqlgen errs, the plan does not: %v %v", errs, reported)
	}
	// The plan gives up where gqlgen answers cleanly.
	failing := func(_ context.Context, x *Exec, _ *Field) { x.Fail() }
	if out, errs := rootField(t, rt, "{ a }", nil, constant("fine"), failing); out != `"fine"` || len(errs) != 1 || len(reported) != 3 {
		t.Fatalf("spurious fallback: %s %v %v", out, errs, reported)
	}
	// Both fail alike: gqlgen's errors, nothing reported, and gqlgen's own
	// graphql.Null, which nulls the data above a non-null root field.
	if _, errs, m := rootFieldMarshaler(t, rt, "{ a }", nil, erring, failing); len(errs) != 1 || len(reported) != 3 || m != graphql.Null {
		t.Fatalf("both fail: %v %v %T", errs, reported, m)
	}
}

// Plans depend on the conditions of @skip, @include and @defer only, not on
// other directive arguments (a @defer label) or field arguments.
func TestConditionVariables(t *testing.T) {
	s := gqlparser.MustLoadSchema(&ast.Source{Input: `
directive @defer(if: Boolean, label: String) on FRAGMENT_SPREAD | INLINE_FRAGMENT
type Query { t(x: Int): T }
type T { id: ID }`})
	doc, errs := gqlparser.LoadQuery(s, `query ($a: Boolean!, $b: Boolean!, $c: Boolean, $l: String, $x: Int) {
  t(x: $x) @skip(if: $a) { id @include(if: $b) ... @defer(if: $c, label: $l) { id } ...F }
} fragment F on T { id @skip(if: $a) }`)
	if errs != nil {
		t.Fatal(errs)
	}
	if got := strings.Join(conditionVariables(doc), ","); got != "a,b,c" {
		t.Fatalf("condition variables %q, want a,b,c", got)
	}
}

// A plan is compiled once per document, operation and value of the
// variables @skip/@include read, and its fields are gqlgen's collected
// fields.
func TestPlansFollowSkipAndInclude(t *testing.T) {
	rt := New(testSchema, everything, Options{})
	var seen []string
	collect := func(_ context.Context, x *Exec, f *Field) {
		var names []string
		for _, c := range f.Children {
			names = append(names, c.Alias)
		}
		seen = append(seen, strings.Join(names, ","))
		x.W.Null()
	}
	q := `query ($s: Boolean!) { b { x y: x @skip(if: $s) ...F } } fragment F on B { z: x @include(if: $s) }`
	for _, s := range []bool{false, true, false} {
		rootField(t, rt, q, map[string]any{"s": s}, constant("gqlgen"), collect)
	}
	if want := []string{"x,y", "x,z", "x,y"}; strings.Join(seen, "|") != strings.Join(want, "|") {
		t.Fatalf("collected %v, want %v", seen, want)
	}
	d, _ := rt.planner.docs.Get("\x00" + q)
	if d == nil || len(d.plans) != 2 || strings.Join(d.vars, ",") != "s" {
		t.Fatalf("plans per variable values: %+v", d)
	}
}

func TestDeferAndAbstractTypesStayWithGQLGen(t *testing.T) {
	s := gqlparser.MustLoadSchema(&ast.Source{Input: `
directive @defer(if: Boolean, label: String) on FRAGMENT_SPREAD | INLINE_FRAGMENT
interface N { id: ID }
type T implements N { id: ID }
type Query { n: N t: T }`})
	p := newPlanner(s, everything, nil, 10)
	for q, want := range map[string]bool{
		`{ t { id } }`:                         true,
		`{ n { id } }`:                         false,
		`{ t { ... @defer { id } } }`:          false,
		`{ t { __typename ... on T { id } } }`: true,
	} {
		doc, errs := gqlparser.LoadQuery(s, q)
		if errs != nil {
			t.Fatal(q, errs)
		}
		oc := &graphql.OperationContext{RawQuery: q, Doc: doc, Operation: doc.Operations[0]}
		root := graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{"Query"})[0]
		if got := p.plan(oc, root) != nil; got != want {
			t.Errorf("%s: compiled %v, want %v", q, got, want)
		}
	}
}

// A concurrent list writes its elements in order, however they finish, and
// one failing element fails the whole execution.
func TestConcurrentListKeepsOrderAndFailures(t *testing.T) {
	for _, concurrent := range []bool{false, true} {
		x := &Exec{shared: &shared{slots: make([]slot, 1)}}
		f := &Field{Concurrent: concurrent}
		var want []string
		for i := range 50 {
			want = append(want, string(AppendInt(nil, i)))
		}
		List(context.Background(), x, f, want, t, func(_ *testing.T, _ context.Context, x *Exec, _ *Field, s string) {
			x.W.B = append(x.W.B, s...)
		})
		if got := string(x.W.B); got != "["+strings.Join(want, ",")+"]" || x.Failed() {
			t.Fatalf("concurrent %v: %s", concurrent, got)
		}
		y := &Exec{shared: &shared{}}
		List(context.Background(), y, f, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, t, func(_ *testing.T, _ context.Context, x *Exec, _ *Field, i int) {
			if i == 7 {
				x.Fail()
			}
			if i == 8 {
				panic("boom")
			}
		})
		if !y.Failed() {
			t.Fatalf("concurrent %v: a failed element did not fail the list", concurrent)
		}
	}
}

// A list is concurrent when its elements select a resolver that may wait
// for a batch; the node fields a connection's resolver primes (and all
// below them) do not count, on that connection only.
func TestPrimedFieldsKeepTheirPageInOrder(t *testing.T) {
	s := gqlparser.MustLoadSchema(&ast.Source{Input: `
type Query { root: R }
type R { conn: C other: C }
type C { edges: [E] total: Int }
type E { node: N }
type N { p: P q: Int r: Int sub: C }
type P { price: Int }`})
	resolvers := map[string]bool{"R.conn": true, "R.other": true, "N.p": true, "N.r": true, "P.price": true}
	supports := func(object, field string) Support {
		if resolvers[object+"."+field] {
			return Resolver
		}
		return Direct
	}
	p := newPlanner(s, supports, map[string][]string{"R.conn": {"p"}}, 10)
	for q, want := range map[string]bool{
		`{ root { conn { edges { node { p { price } q } } } } }`:                    false,
		`{ root { conn { total edges { node { q pp: p { price } } } } } }`:          false,
		`{ root { conn { edges { node { p { price } r } } } } }`:                    true,
		`{ root { other { edges { node { p { price } } } } } }`:                     true,
		`{ root { conn { edges { node { q } } } other { edges { node { q } } } } }`: false,
		// A connection below a primed node is not primed: its p may wait.
		`{ root { conn { edges { node { p { price } sub { edges { node { p { price } } } } } } } } }`: true,
	} {
		doc, errs := gqlparser.LoadQuery(s, q)
		if errs != nil {
			t.Fatal(q, errs)
		}
		oc := &graphql.OperationContext{RawQuery: q, Doc: doc, Operation: doc.Operations[0]}
		root := graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{"Query"})[0]
		pl := p.plan(oc, root)
		if pl == nil {
			t.Fatalf("%s: not compiled", q)
		}
		var edges *Field
		for i := range pl.Root.Children[0].Children {
			if c := &pl.Root.Children[0].Children[i]; c.Name == "edges" {
				edges = c
			}
		}
		if edges == nil || edges.Concurrent != want {
			t.Errorf("%s: edges concurrent %v, want %v", q, edges != nil && edges.Concurrent, want)
		}
	}
}
