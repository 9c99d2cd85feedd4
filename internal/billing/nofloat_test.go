package billing_test

import (
	"bufio"
	"bytes"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestNoFloatingPoint: money is integers from end to end (SPEC 7), so no
// expression of the billing package (its code, not its tests) may have a
// floating-point or complex type, or be a big.Float: not a price, not a
// ratio of seconds, not a constant like 0.5, not a float returned by a call
// (time.Duration.Seconds) and used in passing. The package is type-checked
// here, so a float cannot hide behind an inferred type.
func TestNoFloatingPoint(t *testing.T) {
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		t.Fatal("no source files found")
	}
	info := &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{},
		Defs:  map[*ast.Ident]types.Object{},
	}
	conf := types.Config{Importer: importer.ForCompiler(fset, "gc", exportData(t))}
	if _, err := conf.Check("github.com/phystack/managed-tenants-api/internal/billing", fset, files, info); err != nil {
		t.Fatalf("type-check the billing package: %v", err)
	}
	var found []string
	report := func(pos token.Pos, what string, typ types.Type) {
		found = append(found, fmt.Sprintf("%s: %s has type %s", fset.Position(pos), what, typ))
	}
	for expr, tv := range info.Types {
		if tv.Type != nil && floating(tv.Type) {
			report(expr.Pos(), types.ExprString(expr), tv.Type)
		}
	}
	for id, obj := range info.Defs {
		if obj != nil && floating(obj.Type()) {
			report(id.Pos(), id.Name, obj.Type())
		}
	}
	slices.Sort(found)
	for _, f := range found {
		t.Errorf("%s: money and its ratios are integers", f)
	}
}

// exportData finds the compiled export data of the package's imports
// (go list builds them, from the build cache the test was built with), so
// that type-checking the package does not type-check its dependencies.
func exportData(t *testing.T) func(path string) (io.ReadCloser, error) {
	t.Helper()
	out, err := exec.Command("go", "list", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -export: %v", err)
	}
	files := map[string]string{}
	lines := bufio.NewScanner(bytes.NewReader(out))
	for lines.Scan() {
		if path, file, ok := strings.Cut(lines.Text(), "\t"); ok && file != "" {
			files[path] = file
		}
	}
	return func(path string) (io.ReadCloser, error) {
		file, ok := files[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %q", path)
		}
		return os.Open(file)
	}
}

// floating reports whether a value of type typ holds floating point: a
// float or complex basic type (untyped constants included), a big.Float,
// or a pointer, slice, array, map or struct field of one.
func floating(typ types.Type) bool {
	seen := map[types.Type]bool{}
	var walk func(types.Type) bool
	walk = func(typ types.Type) bool {
		if seen[typ] {
			return false
		}
		seen[typ] = true
		if n, ok := typ.(*types.Named); ok && n.Obj().Pkg() != nil &&
			n.Obj().Pkg().Path() == "math/big" && n.Obj().Name() == "Float" {
			return true
		}
		switch u := typ.Underlying().(type) {
		case *types.Basic:
			return u.Info()&(types.IsFloat|types.IsComplex) != 0
		case *types.Pointer:
			return walk(u.Elem())
		case *types.Slice:
			return walk(u.Elem())
		case *types.Array:
			return walk(u.Elem())
		case *types.Map:
			return walk(u.Key()) || walk(u.Elem())
		case *types.Struct:
			for i := range u.NumFields() {
				if walk(u.Field(i).Type()) {
					return true
				}
			}
		}
		return false
	}
	return walk(typ)
}
