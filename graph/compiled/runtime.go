package compiled

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Runtime decides, per root field, between the compiled plan and gqlgen's
// executor, and runs the plan.
type Runtime struct {
	planner *planner
	// Verify runs gqlgen's executor after every compiled root field as well
	// and reports any difference to Mismatch (the differential tests).
	verify   bool
	shadow   func(context.Context) context.Context
	mismatch func(context.Context, string)
	count    func(Path)
	pool     sync.Pool
}

// Path says who answered a root field.
type Path string

const (
	// PathCompiled: the plan answered.
	PathCompiled Path = "compiled"
	// PathUnsupported: the selection is outside the subset, gqlgen answered.
	PathUnsupported Path = "unsupported"
	// PathFallback: the plan met an error, gqlgen answered again.
	PathFallback Path = "fallback"
)

// Options configure a Runtime.
type Options struct {
	// Verify: run gqlgen's executor after each compiled root field too and
	// compare (data bytes, errors). Tests only: it doubles the work.
	Verify bool
	// Shadow gives the context of the verifying run (to leave the request's
	// statement count alone, say); nil keeps the request's context.
	Shadow func(context.Context) context.Context
	// Mismatch is told every difference Verify finds; the response also gets
	// an error, so no test passes over it.
	Mismatch func(ctx context.Context, msg string)
	// Plans is the number of documents whose plans are kept (default 1000).
	Plans int
	// Count, if set, is told who answered each query root field.
	Count func(Path)
	// Primed names, per connection field ("Type.field"), the fields of its
	// nodes whose values the field's resolver fetches for the whole page
	// before they are written (loader primes), and below which no resolver
	// waits for a batch: a list whose elements select no other resolver is
	// written in order, without a goroutine per element. Should priming
	// fail, the answer is the same, but each element's load then waits
	// out the loader's batch window alone (graph/loaders.Wait, 1 ms).
	Primed map[string][]string
}

// New returns the runtime of a schema; supports says which fields the
// generated writers handle.
func New(schema *ast.Schema, supports func(object, field string) Support, o Options) *Runtime {
	if o.Plans <= 0 {
		o.Plans = 1000
	}
	rt := &Runtime{
		planner:  newPlanner(schema, supports, o.Primed, o.Plans),
		verify:   o.Verify,
		shadow:   o.Shadow,
		mismatch: o.Mismatch,
		count:    o.Count,
	}
	if rt.count == nil {
		rt.count = func(Path) {}
	}
	rt.pool.New = func() any { return &Exec{shared: &shared{}} }
	return rt
}

// Exec is the state of one execution of a plan: its output, and the state
// shared with the executions of a concurrent list's elements.
type Exec struct {
	W  Writer
	OC *graphql.OperationContext
	*shared
}

// shared is the state of one root field's execution that its concurrent
// elements share.
type shared struct {
	rt    *Runtime
	mu    sync.Mutex // slots, once a list runs concurrently
	slots []slot
	// failed is set by any element.
	failed atomic.Bool
}

type slot struct {
	ctx context.Context
	fc  *graphql.FieldContext
}

// Failed says that the execution met an error, a null where the schema
// forbids one, or a value it cannot write: its output is thrown away and
// gqlgen's executor answers the root field, so that errors are gqlgen's.
func (x *Exec) Failed() bool { return x.shared.failed.Load() }

// Fail marks the execution failed.
func (x *Exec) Fail() { x.shared.failed.Store(true) }

// Field returns the context and field context that the resolvers of f see:
// f's collected field and arguments, parsed once per execution however many
// parents f has (arguments depend only on the document and variables).
func (x *Exec) Field(ctx context.Context, f *Field, object string, isMethod, isResolver bool,
	args func(context.Context, map[string]any) (map[string]any, error),
) (context.Context, *graphql.FieldContext, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	s := &x.slots[f.Slot]
	if s.fc != nil {
		return s.ctx, s.fc, true
	}
	fc := &graphql.FieldContext{
		Parent:     graphql.GetFieldContext(ctx),
		Object:     object,
		Field:      f.CollectedField,
		IsMethod:   isMethod,
		IsResolver: isResolver,
	}
	rctx := graphql.WithFieldContext(ctx, fc)
	if args != nil {
		a, err := args(rctx, f.ArgumentMap(x.OC.Variables))
		if err != nil {
			x.Fail()
			return ctx, nil, false
		}
		fc.Args = a
	}
	s.ctx, s.fc = rctx, fc
	return rctx, fc, true
}

// Resolve runs a resolver through the operation's field middleware, as
// gqlgen's executor does; an error fails the execution.
func (x *Exec) Resolve(ctx context.Context, next graphql.Resolver) (any, bool) {
	res, err := x.OC.ResolverMiddleware(ctx, next)
	if err != nil {
		x.Fail()
		return nil, false
	}
	return res, true
}

// List writes the elements of v with elem: one after the other, or for a
// Concurrent field each in a goroutine of its own writing into a buffer of
// its own, joined in order (gqlgen's executor starts one per element of
// every list; here only lists that select a resolver pay for it). elem is a
// method expression and env its receiver, not a closure: the sequential
// path allocates nothing per list.
func List[E, T any](ctx context.Context, x *Exec, f *Field, v []T, env E, elem func(E, context.Context, *Exec, *Field, T)) {
	x.W.Byte('[')
	if !f.Concurrent || len(v) < 2 {
		for i := range v {
			if i > 0 {
				x.W.Byte(',')
			}
			elem(env, ctx, x, f, v[i])
			if x.Failed() {
				return
			}
		}
		x.W.Byte(']')
		return
	}
	subs := make([]Exec, len(v))
	var wg sync.WaitGroup
	for i := range subs {
		subs[i].OC, subs[i].shared = x.OC, x.shared
		if b, ok := elementBuffers.Get().(*[]byte); ok {
			subs[i].W.B = (*b)[:0]
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				// gqlgen's executor reports the panic when it answers.
				if r := recover(); r != nil {
					x.Fail()
				}
			}()
			elem(env, ctx, &subs[i], f, v[i])
		}()
	}
	wg.Wait()
	for i := range subs {
		if i > 0 {
			x.W.Byte(',')
		}
		x.W.B = append(x.W.B, subs[i].W.B...)
		if b := subs[i].W.B; cap(b) <= 1<<20 {
			elementBuffers.Put(&b)
		}
	}
	x.W.Byte(']')
}

// elementBuffers are the buffers of concurrent lists' elements.
var elementBuffers sync.Pool

// MarshalGQL writes the answer and gives the buffer back to the pool.
func (x *Exec) MarshalGQL(w io.Writer) {
	_, _ = w.Write(x.W.B)
	x.release()
}

func (x *Exec) release() {
	rt := x.rt
	if cap(x.W.B) > 4<<20 {
		return // a rare huge answer: let it go rather than pin it
	}
	x.W.B = x.W.B[:0]
	x.OC = nil
	x.shared.failed.Store(false)
	x.shared.rt = nil
	clear(x.slots)
	rt.pool.Put(x)
}

// Write runs one root field's plan; the generated code passes the writer of
// the root type.
type Write func(ctx context.Context, x *Exec, f *Field)

// RootField answers one root field: by its plan when there is one and it
// runs without error, else by next (gqlgen's executor).
func (rt *Runtime) RootField(ctx context.Context, next graphql.RootResolver, write Write) graphql.Marshaler {
	oc := graphql.GetOperationContext(ctx)
	rc := graphql.GetRootFieldContext(ctx)
	if oc.Operation.Operation != ast.Query || rc == nil {
		return next(ctx)
	}
	plan := rt.planner.plan(oc, rc.Field)
	if plan == nil {
		rt.count(PathUnsupported)
		return next(ctx)
	}
	x := rt.pool.Get().(*Exec)
	x.shared.rt, x.OC = rt, oc
	if cap(x.slots) < plan.Slots {
		x.slots = make([]slot, plan.Slots)
	}
	x.slots = x.slots[:plan.Slots]
	if !rt.run(ctx, x, &plan.Root, write) {
		x.release()
		rt.count(PathFallback)
		if rt.verify {
			return rt.verifyFallback(ctx, next, rc.Field.Alias)
		}
		return next(ctx)
	}
	rt.count(PathCompiled)
	if rt.verify {
		rt.compare(ctx, next, rc.Field.Alias, x.W.B)
	}
	return x
}

func (rt *Runtime) run(ctx context.Context, x *Exec, f *Field, write Write) (ok bool) {
	defer func() {
		// A panic is gqlgen's to recover and report: run it there.
		if r := recover(); r != nil {
			ok = false
		}
	}()
	write(ctx, x, f)
	return !x.Failed()
}

// errorsUnder counts the response's errors under the root field alias (and
// those without a path, which may be anyone's).
func errorsUnder(ctx context.Context, alias string) int {
	n := 0
	for _, e := range graphql.GetErrors(ctx) {
		if len(e.Path) == 0 || e.Path[0] == ast.PathName(alias) {
			n++
		}
	}
	return n
}

func (rt *Runtime) compare(ctx context.Context, next graphql.RootResolver, alias string, got []byte) {
	before := errorsUnder(ctx, alias)
	sctx := ctx
	if rt.shadow != nil {
		sctx = rt.shadow(ctx)
	}
	var want bytes.Buffer
	next(sctx).MarshalGQL(&want)
	if after := errorsUnder(ctx, alias); after != before {
		rt.report(ctx, alias, fmt.Sprintf("gqlgen's executor reported %d errors where the compiled plan ran clean", after-before))
		return
	}
	if !bytes.Equal(want.Bytes(), got) {
		rt.report(ctx, alias, fmt.Sprintf("data differs:\ncompiled: %s\ngqlgen:   %s", got, want.Bytes()))
	}
}

// verifyFallback runs gqlgen after a failed compiled run and reports a
// failure that gqlgen does not share (the plan gave up on a clean answer).
// gqlgen's own marshaler is returned: its graphql.Null is what nulls the
// data of a non-null root field.
func (rt *Runtime) verifyFallback(ctx context.Context, next graphql.RootResolver, alias string) graphql.Marshaler {
	before := errorsUnder(ctx, alias)
	m := next(ctx)
	if errorsUnder(ctx, alias) == before {
		var buf bytes.Buffer
		m.MarshalGQL(&buf)
		rt.report(ctx, alias, "the compiled plan failed where gqlgen's executor answered without error: "+buf.String())
	}
	return m
}

func (rt *Runtime) report(ctx context.Context, alias, msg string) {
	msg = fmt.Sprintf("compiled path mismatch at %q: %s", alias, msg)
	if rt.mismatch != nil {
		rt.mismatch(ctx, msg)
	}
	graphql.AddError(ctx, &gqlerror.Error{Message: msg, Path: ast.Path{ast.PathName(alias)}})
}
