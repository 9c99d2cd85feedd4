package testkit

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Choices reads a generator's decisions from bytes (a fuzzer's input): the
// same bytes give the same operation. Past the end every choice is 0, and
// 0 always means the smallest thing (no alias, no directive, one field,
// the first field), so every input ends in a finite operation.
type Choices struct {
	b []byte
	i int
}

// NewChoices reads decisions from b.
func NewChoices(b []byte) *Choices { return &Choices{b: b} }

func (c *Choices) byte() byte {
	if c.i >= len(c.b) {
		return 0
	}
	v := c.b[c.i]
	c.i++
	return v
}

// Intn is a choice in [0, n).
func (c *Choices) Intn(n int) int {
	switch {
	case n <= 1:
		return 0
	case n <= 256:
		return int(c.byte()) % n
	}
	return (int(c.byte())<<8 | int(c.byte())) % n
}

// Chance is true num times in den; false once the input is exhausted.
func (c *Choices) Chance(num, den int) bool { return c.Intn(den) >= den-num }

// OpValues are the argument values an OpGen draws from: the ids and
// cursors of a fixture world, and strings by argument name. Mixing real,
// hidden, missing and malformed values is the caller's choice.
type OpValues struct {
	// IDs by "Type.field.argument", "field.argument" or "argument" (the
	// most specific present wins), IDs[""] for any other ID; a value from
	// IDs[""] is drawn one time in five whatever the name.
	IDs map[string][]string
	// Cursors are real cursors; BadCursors are not cursors (the whole
	// operation is then refused, so they are drawn rarely).
	Cursors, BadCursors []string
	// Strings by argument or input field name (period, search, country,
	// action); Strings[""] for any other String.
	Strings map[string][]string
	// Times for Time inputs.
	Times []string
}

// OpGen generates random query operations over a schema, valid with a
// high probability (a fuzzer's input may yield an invalid one, which the
// server refuses): aliases (fresh, repeated and merged, and aliases named
// like another type's field), named fragments and inline fragments with
// type conditions, __typename, @skip/@include with literals and variables,
// arguments as literals and as variables, connections with
// first/after/last/before/orderBy/where. It keeps within the server's
// shape limits (depth 20, 50 aliases, 1000 fields) and page sizes <= 100,
// apart from a few deliberately invalid page sizes and cursors.
type OpGen struct {
	Schema *ast.Schema
	Values OpValues

	// confusing are, by type string, field names of some type with that
	// type everywhere they occur: aliases that read like another field.
	confusing map[string][]string
}

// NewOpGen returns a generator over schema.
func NewOpGen(schema *ast.Schema, values OpValues) *OpGen {
	types := map[string]map[string]bool{}
	for _, def := range schema.Types {
		if def.Kind != ast.Object && def.Kind != ast.Interface || strings.HasPrefix(def.Name, "__") {
			continue
		}
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			if types[f.Name] == nil {
				types[f.Name] = map[string]bool{}
			}
			types[f.Name][f.Type.String()] = true
		}
	}
	g := &OpGen{Schema: schema, Values: values, confusing: map[string][]string{}}
	for _, name := range slices.Sorted(maps.Keys(types)) {
		if len(types[name]) == 1 {
			for typ := range types[name] {
				g.confusing[typ] = append(g.confusing[typ], name)
			}
		}
	}
	return g
}

// Operation is one generated request.
type Operation struct {
	Query string
	Vars  map[string]any
}

// VarsJSON is the variables as sent, for failure messages.
func (o Operation) VarsJSON() string {
	b, _ := json.Marshal(o.Vars)
	return string(b)
}

// Limits of a generated operation, under the server's (ShapeLimit).
const (
	genMaxDepth     = 10 // the operation's own selections
	genMaxFragDepth = 4  // a named fragment's body
	genMaxFields    = 150
	genMaxAliases   = 35
	genMaxFragments = 4
)

// Generate builds one query operation from c.
func (g *OpGen) Generate(c *Choices) Operation {
	o := &opBuild{g: g, c: c, vars: map[string]any{}}
	var body strings.Builder
	o.selectionSet(&body, g.Schema.Query, newScope(), 0, genMaxDepth, "")
	var q strings.Builder
	switch {
	case len(o.varDefs) == 0 && c.Chance(1, 2):
		// shorthand
	case c.Chance(1, 2):
		q.WriteString("query Op")
	default:
		q.WriteString("query")
	}
	if len(o.varDefs) > 0 {
		q.WriteString("(" + strings.Join(o.varDefs, ", ") + ")")
	}
	if q.Len() > 0 {
		q.WriteString(" ")
	}
	q.WriteString(body.String())
	for _, f := range o.frags {
		fmt.Fprintf(&q, "\nfragment %s on %s %s", f.name, f.on, f.body)
	}
	return Operation{Query: q.String(), Vars: o.vars}
}

type opBuild struct {
	g       *OpGen
	c       *Choices
	vars    map[string]any
	varDefs []string
	frags   []*fragment
	// fields and aliases as ShapeLimit counts them, fragments expanded.
	fields, aliases int
	// deepest is the deepest level reached by the selection being built,
	// relative to the fragment it is in (a fragment's depth).
	deepest int
	fresh   int
	defined int // fragments defined or being defined
}

type fragment struct {
	name, on, body  string
	depth           int
	fields, aliases int
}

// scope holds the response keys of one merged selection set (a field's
// selections with those of the inline fragments in it): a key used twice
// must name the same field with the same arguments, so repeating a key
// repeats its field and arguments, and the two selections merge.
type scope struct {
	keys  map[string]*keyEntry
	paged bool // the connection whose fields these are has first or last
}

type keyEntry struct {
	field, typ string
	args       string
	paged      bool // first or last given: edges may be read
	child      *scope
}

func newScope() *scope { return &scope{keys: map[string]*keyEntry{}} }

func (o *opBuild) full() bool { return o.fields >= genMaxFields }

// selectionSet writes `{ ... }` for type t at depth (1 for the root's
// fields) within a context whose depth may reach limit; prefix is non-empty
// in a named fragment, whose aliases it prefixes so that they cannot clash
// with those of the places it is spread.
func (o *opBuild) selectionSet(b *strings.Builder, t *ast.Definition, sc *scope, depth, limit int, prefix string) {
	o.deepest = max(o.deepest, depth)
	b.WriteString("{")
	n := 1 + o.c.Intn(max(1, 5-depth/2))
	if o.full() {
		n = 1
	}
	for i := range n {
		if i > 0 {
			b.WriteString(" ")
		}
		o.selection(b, t, sc, depth, limit, prefix)
	}
	b.WriteString("}")
}

func (o *opBuild) selection(b *strings.Builder, t *ast.Definition, sc *scope, depth, limit int, prefix string) {
	switch k := o.c.Intn(16); {
	case k == 12 && !o.full():
		o.inlineFragment(b, t, sc, depth, limit, prefix)
	case k == 13 && !o.full():
		if !o.spread(b, t, depth, limit) {
			o.field(b, t, sc, depth, limit, prefix)
		}
	case k == 14:
		o.typename(b, sc, prefix)
	case k == 15 && len(sc.keys) > 0:
		o.repeat(b, t, sc, depth, limit, prefix)
	default:
		o.field(b, t, sc, depth, limit, prefix)
	}
}

func (o *opBuild) typename(b *strings.Builder, sc *scope, prefix string) {
	key := "__typename"
	if o.c.Chance(1, 3) {
		key = o.freshKey(prefix)
	}
	if e, ok := sc.keys[key]; ok && e.field != "__typename" {
		key = o.freshKey(prefix)
	}
	sc.keys[key] = &keyEntry{field: "__typename", typ: "String!"}
	o.writeKey(b, key, "__typename")
	b.WriteString("__typename")
	o.directives(b)
	o.fields++
}

// fields lists t's fields that a query may select (no introspection).
func fieldsOf(t *ast.Definition) ast.FieldList {
	var out ast.FieldList
	for _, f := range t.Fields {
		if !strings.HasPrefix(f.Name, "__") {
			out = append(out, f)
		}
	}
	return out
}

func (o *opBuild) isLeaf(f *ast.FieldDefinition) bool {
	k := o.g.Schema.Types[f.Type.Name()].Kind
	return k == ast.Scalar || k == ast.Enum
}

// field writes one field of t, new or repeating a key of sc.
func (o *opBuild) field(b *strings.Builder, t *ast.Definition, sc *scope, depth, limit int, prefix string) {
	fields := fieldsOf(t)
	f := fields[o.c.Intn(len(fields))]
	deep := depth >= limit || o.full()
	if (deep && !o.isLeaf(f)) || (f.Name == "edges" && !sc.paged) {
		var leaves ast.FieldList
		for _, l := range fields {
			if o.isLeaf(l) {
				leaves = append(leaves, l)
			}
		}
		if len(leaves) == 0 {
			o.typename(b, sc, prefix)
			return
		}
		f = leaves[o.c.Intn(len(leaves))]
	}
	key := o.chooseKey(t, f, prefix)
	e, ok := sc.keys[key]
	if ok && (e.field != f.Name || e.typ != f.Type.String()) {
		key, ok = o.freshKey(prefix), false
	}
	if !ok {
		e = &keyEntry{field: f.Name, typ: f.Type.String(), child: newScope()}
		e.args, e.paged = o.arguments(t, f)
		e.child.paged = e.paged
		sc.keys[key] = e
	}
	o.emit(b, t, f, key, e, depth, limit, prefix)
}

// repeat selects a key of sc again: the same field and arguments, with a
// selection of its own that merges with the first.
func (o *opBuild) repeat(b *strings.Builder, t *ast.Definition, sc *scope, depth, limit int, prefix string) {
	keys := slices.Sorted(maps.Keys(sc.keys))
	key := keys[o.c.Intn(len(keys))]
	e := sc.keys[key]
	if e.field == "__typename" {
		o.writeKey(b, key, "__typename")
		b.WriteString("__typename")
		o.directives(b)
		o.fields++
		return
	}
	f := t.Fields.ForName(e.field)
	if f == nil || f.Type.String() != e.typ || (depth >= limit && !o.isLeaf(f)) {
		o.field(b, t, sc, depth, limit, prefix)
		return
	}
	o.emit(b, t, f, key, e, depth, limit, prefix)
}

func (o *opBuild) emit(b *strings.Builder, t *ast.Definition, f *ast.FieldDefinition, key string, e *keyEntry, depth, limit int, prefix string) {
	o.writeKey(b, key, f.Name)
	b.WriteString(f.Name)
	b.WriteString(e.args)
	o.directives(b)
	o.fields++
	if !o.isLeaf(f) {
		b.WriteString(" ")
		o.selectionSet(b, o.g.Schema.Types[f.Type.Name()], e.child, depth+1, limit, prefix)
	}
}

func (o *opBuild) writeKey(b *strings.Builder, key, name string) {
	if key != name {
		b.WriteString(key + ": ")
		o.aliases++
	}
}

func (o *opBuild) freshKey(prefix string) string {
	o.fresh++
	return fmt.Sprintf("%sk%d", prefix, o.fresh)
}

// chooseKey picks f's response key: its name, a small set of aliases (so
// that they repeat), or, outside fragments, another type's field name.
func (o *opBuild) chooseKey(t *ast.Definition, f *ast.FieldDefinition, prefix string) string {
	if o.aliases >= genMaxAliases {
		if prefix != "" && len(f.Arguments) > 0 {
			return prefix + f.Name // an alias, but it cannot be helped
		}
		return f.Name
	}
	switch k := o.c.Intn(10); {
	case k < 6:
		if prefix == "" || len(f.Arguments) == 0 {
			return f.Name
		}
		return prefix + f.Name
	case k < 8:
		return fmt.Sprintf("%sa%d", prefix, o.c.Intn(3))
	case k == 8 && prefix == "":
		var names []string
		for _, n := range o.g.confusing[f.Type.String()] {
			if t.Fields.ForName(n) == nil {
				names = append(names, n)
			}
		}
		if len(names) > 0 {
			return names[o.c.Intn(len(names))]
		}
	}
	return o.freshKey(prefix)
}

// directives maybe adds @skip or @include, with a literal or a variable.
func (o *opBuild) directives(b *strings.Builder) {
	for _, name := range []string{"include", "skip"} {
		if !o.c.Chance(1, 8) {
			continue
		}
		if o.c.Chance(1, 3) {
			fmt.Fprintf(b, " @%s(if: %t)", name, o.c.Chance(1, 2))
			continue
		}
		v := fmt.Sprintf("c%d", len(o.varDefs))
		o.varDefs = append(o.varDefs, "$"+v+": Boolean!")
		o.vars[v] = o.c.Chance(1, 2)
		fmt.Fprintf(b, " @%s(if: $%s)", name, v)
	}
}

// conditions are the type conditions a fragment in t may have.
func (o *opBuild) conditions(t *ast.Definition) []*ast.Definition {
	out := []*ast.Definition{t}
	if t.Kind == ast.Interface || t.Kind == ast.Union {
		out = append(out, o.g.Schema.PossibleTypes[t.Name]...)
	}
	for _, i := range t.Interfaces {
		out = append(out, o.g.Schema.Types[i])
	}
	return out
}

func (o *opBuild) inlineFragment(b *strings.Builder, t *ast.Definition, sc *scope, depth, limit int, prefix string) {
	conds := o.conditions(t)
	on := conds[o.c.Intn(len(conds))]
	b.WriteString("...")
	if on != t || o.c.Chance(1, 2) {
		b.WriteString(" on " + on.Name)
	}
	o.directives(b)
	b.WriteString(" ")
	// The fragment's fields merge with t's: one scope for both.
	o.selectionSet(b, on, sc, depth, limit, prefix)
}

// spread writes a fragment spread, defining the fragment first when none
// fits; false when neither can be done within the limits.
func (o *opBuild) spread(b *strings.Builder, t *ast.Definition, depth, limit int) bool {
	ok := map[string]bool{}
	for _, c := range o.conditions(t) {
		ok[c.Name] = true
	}
	var fit []*fragment
	for _, f := range o.frags {
		if ok[f.on] && depth+f.depth <= limit+genMaxFragDepth &&
			o.fields+f.fields <= genMaxFields*2 && o.aliases+f.aliases <= genMaxAliases+10 {
			fit = append(fit, f)
		}
	}
	var f *fragment
	switch {
	case len(fit) > 0 && (o.defined >= genMaxFragments || o.c.Chance(1, 2)):
		f = fit[o.c.Intn(len(fit))]
		o.fields += f.fields
		o.aliases += f.aliases
	case o.defined < genMaxFragments && depth <= limit:
		conds := o.conditions(t)
		f = o.define(conds[o.c.Intn(len(conds))])
	default:
		return false
	}
	b.WriteString("..." + f.name)
	o.directives(b)
	o.deepest = max(o.deepest, depth+f.depth)
	return true
}

// define builds a named fragment on t; it is listed once complete, so it
// never spreads itself.
func (o *opBuild) define(t *ast.Definition) *fragment {
	name := fmt.Sprintf("F%d", o.fresh)
	o.fresh++
	o.defined++ // counted now: its body may define others
	fields, aliases, deepest := o.fields, o.aliases, o.deepest
	o.deepest = 0
	var body strings.Builder
	o.selectionSet(&body, t, newScope(), 1, genMaxFragDepth, strings.ToLower(name)+"_")
	f := &fragment{
		name: name, on: t.Name, body: body.String(), depth: o.deepest,
		fields: o.fields - fields, aliases: o.aliases - aliases,
	}
	o.deepest = deepest
	o.frags = append(o.frags, f)
	return f
}

// arguments writes f's arguments: every required one, the others by
// chance, as literals or variables. paged is true when first or last is
// given a value.
func (o *opBuild) arguments(t *ast.Definition, f *ast.FieldDefinition) (string, bool) {
	var parts []string
	paged := false
	// A connection's page: mostly first or last, some with neither (then
	// only totalCount and pageInfo are read), a few with both (refused).
	page := map[string]bool{}
	if strings.HasSuffix(f.Type.Name(), "Connection") {
		switch k := o.c.Intn(16); {
		case k < 9:
			page["first"] = true
		case k < 13:
			page["last"] = true
		case k == 15 && o.c.Chance(1, 4):
			page["first"], page["last"] = true, true
		}
	}
	for _, a := range f.Arguments {
		required := a.Type.NonNull && a.DefaultValue == nil
		var v any
		switch {
		case a.Name == "first" || a.Name == "last":
			if !page[a.Name] {
				continue
			}
			v = o.pageSize()
			paged = paged || v != nil
		case required || o.c.Chance(1, 3):
			v = o.value(a.Type, t.Name+"."+f.Name+"."+a.Name)
		default:
			continue
		}
		if o.c.Chance(1, 4) {
			name := fmt.Sprintf("v%d", len(o.varDefs))
			o.varDefs = append(o.varDefs, "$"+name+": "+a.Type.String())
			o.vars[name] = v
			parts = append(parts, a.Name+": $"+name)
			continue
		}
		parts = append(parts, a.Name+": "+literal(v))
	}
	if len(parts) == 0 {
		return "", paged
	}
	return "(" + strings.Join(parts, ", ") + ")", paged
}

// pageSize is mostly small and valid; sometimes 0, 100, null, or out of
// range (the operation is then refused).
func (o *opBuild) pageSize() any {
	sizes := []any{2, 1, 3, 0, 5, 10, 100, nil}
	if o.c.Chance(1, 50) {
		return []any{-1, 101}[o.c.Intn(2)]
	}
	return sizes[o.c.Intn(len(sizes))]
}

type enumValue string

func (o *opBuild) value(t *ast.Type, name string) any {
	if !t.NonNull && o.c.Chance(1, 12) {
		return nil
	}
	if t.Elem != nil {
		n := o.c.Intn(4)
		out := make([]any, 0, n)
		for range n {
			out = append(out, o.value(t.Elem, name))
		}
		return out
	}
	def := o.g.Schema.Types[t.NamedType]
	switch def.Kind {
	case ast.Enum:
		return enumValue(def.EnumValues[o.c.Intn(len(def.EnumValues))].Name)
	case ast.InputObject:
		m := map[string]any{}
		for _, f := range def.Fields {
			if f.Type.NonNull && f.DefaultValue == nil || o.c.Chance(1, 2) {
				m[f.Name] = o.value(f.Type, name+"."+f.Name)
			}
		}
		return m
	}
	pick := func(pool []string) any {
		if len(pool) == 0 {
			return ""
		}
		return pool[o.c.Intn(len(pool))]
	}
	switch def.Name {
	case "ID":
		return pick(o.g.Values.idsFor(name, o.c.Chance(1, 5)))
	case "Cursor":
		if o.c.Chance(1, 30) {
			return pick(o.g.Values.BadCursors)
		}
		return pick(o.g.Values.Cursors)
	case "Int":
		return []int{1, 2, 0, 3, 10}[o.c.Intn(5)]
	case "Boolean":
		return o.c.Chance(1, 2)
	case "Time":
		return pick(o.g.Values.Times)
	case "String":
		if pool, ok := o.g.Values.Strings[name[strings.LastIndex(name, ".")+1:]]; ok {
			return pick(pool)
		}
		return pick(o.g.Values.Strings[""])
	}
	return pick(o.g.Values.Strings[""])
}

// idsFor is the pool of ids for the argument or input field at path
// (Type.field.argument[.inputField]).
func (v *OpValues) idsFor(path string, any bool) []string {
	if !any {
		for p := path; p != ""; {
			if pool := v.IDs[p]; len(pool) > 0 {
				return pool
			}
			i := strings.Index(p, ".")
			if i < 0 {
				break
			}
			p = p[i+1:]
		}
	}
	return v.IDs[""]
}

// literal writes v as a GraphQL value. JSON's string escapes are GraphQL's.
func literal(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case enumValue:
		return string(v)
	case string:
		b, _ := json.Marshal(v)
		return string(b)
	case int:
		return strconv.Itoa(v)
	case bool:
		return strconv.FormatBool(v)
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = literal(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(v)) {
			parts = append(parts, k+": "+literal(v[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	panic(fmt.Sprintf("opgen: no literal for %T", v))
}
