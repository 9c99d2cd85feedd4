// Package compiledgen is the gqlgen plugin that generates the compiled read
// path's writers (graph/generated/compiled.go) from the schema: for every
// object type a function that writes the selected fields of one value as
// JSON, calling the same resolvers and methods as gqlgen's executor, one after
// the other, with no per-field goroutine, context or marshaler; for every
// referenced type a writer that mirrors gqlgen's marshal function of that
// type (pointers, lists, enums, scalars). The runtime is graph/compiled. Run by
// `make generate` (go run ./graph/compiledgen/gqlgen); never edit the output.
package compiledgen

import (
	_ "embed"
	"go/types"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
	"github.com/99designs/gqlgen/codegen/templates"
	"github.com/vektah/gqlparser/v2/ast"
)

//go:embed compiled.gotpl
var tmpl string

// runtimePkg holds the generic runtime and the Append functions of gqlgen's
// built-in scalars.
const runtimePkg = "github.com/phystack/managed-tenants-api/graph/compiled"

// builtinAppend maps gqlgen's built-in marshalers to the runtime's
// allocation-free equivalents (same bytes, pinned by the runtime's tests).
var builtinAppend = map[string]string{
	"github.com/99designs/gqlgen/graphql.MarshalString":  "AppendString",
	"github.com/99designs/gqlgen/graphql.MarshalID":      "AppendString",
	"github.com/99designs/gqlgen/graphql.MarshalInt":     "AppendInt",
	"github.com/99designs/gqlgen/graphql.MarshalInt64":   "AppendInt64",
	"github.com/99designs/gqlgen/graphql.MarshalInt32":   "AppendInt32",
	"github.com/99designs/gqlgen/graphql.MarshalBoolean": "AppendBoolean",
}

// Plugin generates graph/generated/compiled.go.
type Plugin struct{}

// New returns the plugin.
func New() Plugin { return Plugin{} }

// Name is the plugin's name.
func (Plugin) Name() string { return "compiledgen" }

// Data is what the template sees.
type Data struct {
	*codegen.Data
	Root    *Object
	Objects []*Object
	Types   []*Type
}

// Object is an object type and its fields that the writers support.
type Object struct {
	*codegen.Object
	Fields []*codegen.Field
}

// Type is a referenced type with a writer.
type Type struct {
	*config.TypeReference
	Name     string // the writer's name
	ElemName string // the element's writer (pointers to lists, lists)
	// Append is an allocation-free func([]byte, T) []byte that writes the
	// same bytes as the type's marshaler, if there is one.
	Append *types.Func
	Object bool // an object type: the generated object writer
}

// GenerateCode renders the writers next to gqlgen's executor.
func (p Plugin) GenerateCode(data *codegen.Data) error {
	g := &gen{data: data, types: map[string]*Type{}}
	if err := g.loadRuntime(); err != nil {
		return err
	}
	d := &Data{Data: data}
	// Field directives (executable, in queries) would need the field
	// middleware gqlgen generates for them: none, none compiled.
	fieldDirectives := len(data.AllDirectives.LocationDirectives(string(ast.LocationField))) > 0
	for _, o := range data.Objects {
		if o.Stream || o.Name == "Mutation" || strings.HasPrefix(o.Name, "__") {
			continue
		}
		obj := &Object{Object: o}
		if !fieldDirectives {
			for _, f := range o.Fields {
				if g.fieldSupported(f) {
					obj.Fields = append(obj.Fields, f)
				}
			}
		}
		if o.Root {
			if o.Name == "Query" {
				d.Root = obj
			}
			continue
		}
		d.Objects = append(d.Objects, obj)
	}
	for _, t := range g.types {
		if t != nil {
			d.Types = append(d.Types, t)
		}
	}
	sort.Slice(d.Types, func(i, j int) bool { return d.Types[i].Name < d.Types[j].Name })
	return templates.Render(templates.Options{
		PackageName:     data.Config.Exec.Package,
		Filename:        filepath.Join(data.Config.Exec.Dir(), "compiled.go"),
		GeneratedHeader: true,
		Data:            d,
		Template:        tmpl,
		Funcs:           template.FuncMap{"cw": writerName},
		Packages:        data.Config.Packages,
	})
}

type gen struct {
	data    *codegen.Data
	runtime *types.Package
	types   map[string]*Type // by writer name; nil: no writer
}

func (g *gen) loadRuntime() error {
	pkg := g.data.Config.Packages.Load(runtimePkg)
	if pkg == nil || pkg.Types == nil {
		return errorf("cannot load %s", runtimePkg)
	}
	g.runtime = pkg.Types
	return nil
}

// fieldSupported says whether the writers handle f: a struct field, a method
// or a resolver (no batch resolvers, hasers, maps or streams), argument-free
// schema directives only, and a type with a writer.
func (g *gen) fieldSupported(f *codegen.Field) bool {
	if f.IsReserved() || f.Stream || f.IsBatch() || f.HasHaser || f.VOkFunc || f.IsMap() {
		return false
	}
	if !(f.IsResolver || f.IsMethod() || f.IsVariable()) {
		return false
	}
	for _, d := range f.ImplDirectives() {
		if len(d.Args) > 0 || d.IsBuiltIn() {
			return false
		}
	}
	return g.writer(f.TypeReference) != nil
}

// writer returns the writer of t, or nil when t has none: interfaces and
// unions (the concrete type is needed), context marshalers, roots.
func (g *gen) writer(t *config.TypeReference) *Type {
	name := writerName(t)
	if w, ok := g.types[name]; ok {
		return w
	}
	g.types[name] = nil // no cycles through lists of lists
	w := &Type{TypeReference: t, Name: name}
	switch {
	case t.IsPtrToSlice() || t.IsSlice() || (t.IsPtrToPtr() && t.Unmarshaler == nil && !t.IsMarshaler):
		e := g.writer(t.Elem())
		if e == nil {
			return nil
		}
		w.ElemName = e.Name
	case t.IsPtrToIntf() || t.IsContext || t.IsRoot:
		return nil
	case t.IsMarshaler:
	case t.Marshaler != nil:
		w.Append = g.appendFunc(t)
	default:
		if t.Definition == nil || t.Definition.Kind != ast.Object || strings.HasPrefix(t.Definition.Name, "__") {
			return nil
		}
		w.Object = true
	}
	g.types[name] = w
	return w
}

// appendFunc finds the allocation-free writer of a marshaler: the runtime's
// for gqlgen's built-ins, else an Append<X> function next to Marshal<X> in the
// marshaler's package that takes the same value.
func (g *gen) appendFunc(t *config.TypeReference) *types.Func {
	m := t.Marshaler
	full := m.Pkg().Path() + "." + m.Name()
	if name, ok := builtinAppend[full]; ok {
		if f, ok := g.runtime.Scope().Lookup(name).(*types.Func); ok {
			return f
		}
		return nil
	}
	f, ok := m.Pkg().Scope().Lookup("Append" + strings.TrimPrefix(m.Name(), "Marshal")).(*types.Func)
	if !ok {
		return nil
	}
	ms, fs := m.Type().(*types.Signature), f.Type().(*types.Signature)
	bytes := types.NewSlice(types.Typ[types.Byte])
	if ms.Params().Len() != 1 || fs.Params().Len() != 2 || fs.Results().Len() != 1 ||
		!types.Identical(fs.Params().At(0).Type(), bytes) ||
		!types.Identical(fs.Params().At(1).Type(), ms.Params().At(0).Type()) ||
		!types.Identical(fs.Results().At(0).Type(), bytes) {
		return nil
	}
	return f
}

// writerName names the writer of t after gqlgen's marshal function of t.
func writerName(t *config.TypeReference) string {
	return "cw" + strings.TrimPrefix(t.MarshalFunc(), "marshal")
}
