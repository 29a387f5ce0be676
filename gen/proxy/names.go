package proxy

import (
	"fmt"
	"go/token"
	"go/types"
	"path"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dave/jennifer/jen"

	"github.com/ifacegen/ifacegen/annotate"
)

// Import paths the generated code uses besides the model's packages.
const (
	capnpPath   = "capnproto.org/go/capnp/v3"
	ipcPath     = "github.com/ifacegen/ifacegen/runtime/ipc"
	contextPath = "context"
	bytesPath   = "bytes"
	cmpPath     = "cmp"
	runtimePath = "runtime"

	capnprpcPath = "github.com/ifacegen/ifacegen/runtime/capnprpc"
	ipcimplPath  = "github.com/ifacegen/ifacegen/runtime/ipcimpl"
)

// fixedImports are the packages whose names are known, in the order they
// claim their names when two packages would get the same identifier.
var fixedImports = []struct{ path, name string }{
	{ipcPath, "ipc"},
	{capnpPath, "capnp"},
	{contextPath, "context"},
	{bytesPath, "bytes"},
	{cmpPath, "cmp"},
	{runtimePath, "runtime"},
	{capnprpcPath, "capnprpc"},
	{ipcimplPath, "ipcimpl"},
}

// importNames decides the identifier of every package the generated file
// may import and registers it with f, so that jennifer never picks a name
// on its own and generated locals can avoid every package identifier. A
// package whose real name is known (the fixed ones and pkg itself) is
// imported under that name; any other gets an explicit alias derived from
// its path, which is correct whatever its real name is.
func importNames(f *jen.File, pkg *annotate.Package) map[string]string {
	names := make(map[string]string)
	taken := make(map[string]bool)
	claim := func(p, want string, known bool) {
		if _, ok := names[p]; ok {
			return
		}
		name := want
		for i := 1; taken[name] || token.IsKeyword(name) || types.Universe.Lookup(name) != nil || name == "init"; i++ {
			name = want + strconv.Itoa(i)
		}
		taken[name] = true
		names[p] = name
		if known && name == want {
			f.ImportName(p, name)
		} else {
			f.ImportAlias(p, name)
		}
	}
	for _, imp := range fixedImports {
		claim(imp.path, imp.name, true)
	}
	claim(pkg.Path, pkg.Name, true)
	for _, imp := range pkg.Imports {
		claim(imp.IPCPath, imp.IPCName, true)
	}
	var others []string
	for p := range modelPaths(pkg) {
		others = append(others, p)
	}
	sort.Strings(others)
	for _, p := range others {
		// A standard library package's name is its last element (before
		// a version suffix); for any other the guess gets an alias.
		std := !strings.Contains(strings.Split(p, "/")[0], ".")
		claim(p, guessName(p), std)
	}
	return names
}

// modelPaths returns the import path of every Go type the model names.
func modelPaths(pkg *annotate.Package) map[string]bool {
	paths := make(map[string]bool)
	seen := make(map[*annotate.Type]bool)
	var visit func(t *annotate.Type)
	visit = func(t *annotate.Type) {
		if t == nil || seen[t] {
			return
		}
		seen[t] = true
		if t.Named != nil {
			paths[t.Named.Path] = true
		}
		visit(t.Elem)
		visit(t.Key)
	}
	for _, it := range pkg.Interfaces {
		for _, m := range it.Methods {
			for _, f := range m.Params {
				visit(f.Type)
			}
			for _, f := range m.Results {
				visit(f.Type)
			}
		}
	}
	for _, s := range pkg.Structs {
		if s.GoType.Path != "" {
			paths[s.GoType.Path] = true
		}
		for _, f := range s.Fields {
			visit(f.Type)
		}
	}
	for _, e := range pkg.Enums {
		paths[e.GoType.Path] = true
	}
	return paths
}

// guessName returns a Go identifier for the package at import path p: its
// last element (the one before a major version suffix such as "v2"),
// reduced to lower-case letters and digits.
func guessName(p string) string {
	base := path.Base(p)
	if len(base) > 1 && base[0] == 'v' && strings.Trim(base[1:], "0123456789") == "" {
		base = path.Base(path.Dir(p))
	}
	base = strings.TrimPrefix(base, "go-")
	base = strings.TrimSuffix(base, ".go")
	var b strings.Builder
	for _, r := range strings.ToLower(base) {
		if r < utf8.RuneSelf && (unicode.IsLetter(r) || b.Len() > 0 && unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "pkg"
	}
	return b.String()
}

// scope hands out the local identifiers of one generated function: each
// name it returns is distinct from every other name it returned and from
// every identifier the function refers to at package level (packages,
// bindings, generated helpers, predeclared identifiers).
//
// Scopes nest like Go blocks: a name handed out in a child scope is free
// again once the block ends, so sibling blocks reuse the short names.
type scope struct {
	parent *scope
	used   map[string]bool
}

func newScope(reserved map[string]bool) *scope {
	// reserved is shared by every function's scope, and only read: it
	// sits in a parent scope nothing names into, rather than being copied
	// for every function.
	return (&scope{used: reserved}).child()
}

// child returns a scope for a block inside sc's.
func (sc *scope) child() *scope {
	return &scope{parent: sc, used: make(map[string]bool)}
}

// taken reports whether n is used in sc or an enclosing scope.
func (sc *scope) taken(n string) bool {
	for s := sc; s != nil; s = s.parent {
		if s.used[n] {
			return true
		}
	}
	return false
}

// name returns base, or base with the smallest numeric suffix that makes
// it unused, and marks the result used.
func (sc *scope) name(base string) string {
	n := base
	for i := 1; sc.taken(n) || token.IsKeyword(n); i++ {
		n = base + strconv.Itoa(i)
	}
	sc.used[n] = true
	return n
}

// upperFirst is capnpc-go's Go name for a schema element: its wire name
// with the first letter upper-cased.
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// accessor is the name capnpc-go gives the getter of a struct field with
// wire name wire (the setter is "Set"+accessor, and so on): upperFirst, with
// "_" appended where that would collide with a method every bindings
// struct has (capnpc-go's renameIdents).
func accessor(wire string) string {
	n := upperFirst(wire)
	switch n {
	case "IsValid", "Segment", "String", "Message", "Which":
		return n + "_"
	}
	return n
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

// label is how errors and generated parameters name a field, parameter or
// result: its Go name, or its wire name when it has none ("arg",
// "result1").
func label(f *annotate.Field) string {
	if f.GoName == "" || f.GoName == "_" {
		return f.WireName
	}
	return f.GoName
}

// methodPath names a method in errors: "mining.Mining.CreateNewBlock".
func methodPath(pkg *annotate.Package, it *annotate.Interface, m *annotate.Method) string {
	return pkg.Name + "." + it.Name + "." + m.Name
}

// Names of the bindings capnpc-go generates for the schema.
func paramsType(it *annotate.Interface, m *annotate.Method) string {
	return it.Name + "_" + m.WireName + "_Params"
}

func resultsType(it *annotate.Interface, m *annotate.Method) string {
	return it.Name + "_" + m.WireName + "_Results"
}

func callType(it *annotate.Interface, m *annotate.Method) string {
	return it.Name + "_" + m.WireName
}

// Names this package generates.
func clientType(it *annotate.Interface) string { return it.Name + "Client" }
func serverType(it *annotate.Interface) string { return lowerFirst(it.Name) + "Server" }
func writeFunc(bindingsType string) string     { return "write" + bindingsType }
func readFunc(bindingsType string) string      { return "read" + bindingsType }

// unimplementedType is the type implementations embed to answer the
// methods they lack with ipc.ErrUnimplemented (not for func types).
func unimplementedType(it *annotate.Interface) string { return "Unimplemented" + it.Name }

// The conversions of a Go struct and of an interface are exported, so
// that a generated package that uses the type (its schema imports this
// one's) converts through them: WriteBlockRef, ReadBlockRef,
// ExportBlockTemplate, ImportBlockTemplate.
func structWriteFunc(name string) string { return "Write" + name }
func structReadFunc(name string) string  { return "Read" + name }
func exportFunc(iface string) string     { return "Export" + iface }
func importFunc(iface string) string     { return "Import" + iface }

// bound renders a package-level name of the generated package at ipcPath:
// a plain identifier in this package, a qualified one in another's.
func (g *generator) bound(ipcPath, name string) *jen.Statement {
	if ipcPath == "" || ipcPath == g.pkg.IPCPath {
		return jen.Id(name)
	}
	return jen.Qual(ipcPath, name)
}

// schemaPath is the import path of the generated package whose schema
// declares the struct, enum or interface t: this package's unless t is
// imported (Type.Schema, InterfaceRef.IPCPath).
func schemaPath(t *annotate.Type) string {
	switch {
	case t.Kind == annotate.KindInterface && t.Interface != nil:
		return t.Interface.IPCPath
	case t.Schema != nil:
		return t.Schema.IPCPath
	}
	return ""
}

// checkNames reports generated names that would collide with the
// bindings' names or that the generated package could not refer to.
func checkNames(pkg *annotate.Package) error {
	bindings := make(map[string]string)
	for _, s := range pkg.Structs {
		bindings[s.Name] = "struct"
	}
	for _, e := range pkg.Enums {
		bindings[e.Name] = "enum"
	}
	for _, it := range pkg.Interfaces {
		bindings[it.Name] = "interface"
	}
	var errs annotate.ErrorList
	for _, it := range pkg.Interfaces {
		if !token.IsExported(it.Name) {
			errs = append(errs, &annotate.Error{Pos: it.Pos, Msg: fmt.Sprintf("interface %s.%s is unexported; the generated package %s cannot refer to it", pkg.Name, it.Name, pkg.IPCName)})
		}
		for _, m := range it.Methods {
			if m.Name == "Release" {
				errs = append(errs, &annotate.Error{Pos: m.Pos, Msg: fmt.Sprintf("method %s.%s.Release collides with the Release method of the generated %s; rename the method", pkg.Name, it.Name, clientType(it))})
			}
		}
		for _, n := range []string{clientType(it), upperFirst(serverType(it)), unimplementedType(it)} {
			if kind, ok := bindings[n]; ok {
				errs = append(errs, &annotate.Error{Pos: it.Pos, Msg: fmt.Sprintf("the %s %s collides with the generated %s for interface %s; rename one of them", kind, n, n, it.Name)})
			}
		}
	}
	exported := func(n, what string, pos token.Position) {
		if kind, ok := bindings[n]; ok {
			errs = append(errs, &annotate.Error{Pos: pos, Msg: fmt.Sprintf("the %s %s collides with the generated %s for %s; rename one of them", kind, n, n, what)})
		}
	}
	for _, it := range pkg.Interfaces {
		exported(exportFunc(it.Name), "interface "+it.Name, it.Pos)
		exported(importFunc(it.Name), "interface "+it.Name, it.Pos)
	}
	for _, s := range pkg.Structs {
		if s.Synthetic == annotate.GoStruct {
			exported(structWriteFunc(s.Name), "struct "+s.Name, s.Pos)
			exported(structReadFunc(s.Name), "struct "+s.Name, s.Pos)
		}
	}
	for _, s := range pkg.Structs {
		if s.Synthetic == annotate.GoStruct && !token.IsExported(s.GoType.Name) {
			errs = append(errs, &annotate.Error{Pos: s.Pos, Msg: fmt.Sprintf("struct type %s.%s is unexported; the generated package %s cannot refer to it", s.GoType.Path, s.GoType.Name, pkg.IPCName)})
		}
	}
	for _, e := range pkg.Enums {
		if !token.IsExported(e.GoType.Name) {
			errs = append(errs, &annotate.Error{Pos: e.Pos, Msg: fmt.Sprintf("enum type %s.%s is unexported; the generated package %s cannot refer to it", e.GoType.Path, e.GoType.Name, pkg.IPCName)})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// reservedNames returns the package-level identifiers that generated
// function bodies may refer to; locals must not shadow them.
func reservedNames(pkg *annotate.Package, imports map[string]string) map[string]bool {
	r := make(map[string]bool)
	for _, n := range types.Universe.Names() {
		r[n] = true
	}
	for _, n := range imports {
		r[n] = true
	}
	r["RegisterSchema"] = true
	for _, s := range pkg.Structs {
		for _, n := range []string{s.Name, s.Name + "_List", "New" + s.Name + "_List", s.Name + "_TypeID", structWriteFunc(s.Name), structReadFunc(s.Name), nestedReadFunc(s.Name)} {
			r[n] = true
		}
	}
	for _, e := range pkg.Enums {
		for _, n := range []string{e.Name, e.Name + "_List", "New" + e.Name + "_List"} {
			r[n] = true
		}
	}
	for _, it := range pkg.Interfaces {
		for _, n := range []string{it.Name, it.Name + "_Methods", it.Name + "_List", "New" + it.Name + "_List",
			clientType(it), "New" + clientType(it), serverType(it), "New" + it.Name + "Server", exportFunc(it.Name), importFunc(it.Name),
			unimplementedType(it)} {
			r[n] = true
		}
		for _, m := range it.Methods {
			for _, n := range []string{callType(it, m), paramsType(it, m), resultsType(it, m)} {
				r[n] = true
				r[writeFunc(n)] = true
				r[readFunc(n)] = true
				r[n+"_TypeID"] = true
			}
		}
	}
	return r
}

// goType renders the Go type t describes.
func (g *generator) goType(t *annotate.Type) *jen.Statement {
	if t.Named != nil {
		return g.qual(*t.Named)
	}
	switch t.Kind {
	case annotate.KindBytes:
		return jen.Index().Byte()
	case annotate.KindByteArray:
		return jen.Index(jen.Lit(t.Len)).Byte()
	case annotate.KindList:
		if t.Len > 0 {
			return jen.Index(jen.Lit(t.Len)).Add(g.goType(t.Elem))
		}
		return jen.Index().Add(g.goType(t.Elem))
	case annotate.KindMap:
		return jen.Map(g.goType(t.Key)).Add(g.goType(t.Elem))
	case annotate.KindStruct:
		return g.qual(t.Struct.GoType)
	case annotate.KindEnum:
		return g.qual(t.Enum.GoType)
	case annotate.KindOptional:
		return jen.Op("*").Add(g.goType(t.Elem))
	}
	if _, ok := annotate.ScalarOf(t.Kind); ok {
		return jen.Id(goBasic(t))
	}
	panic(fmt.Sprintf("proxy: type of kind %d has no Go form", t.Kind))
}

// qual renders a reference to the Go type n.
func (g *generator) qual(n annotate.TypeName) *jen.Statement {
	return jen.Qual(n.Path, n.Name)
}

// goBasic is the predeclared Go type underlying a scalar or string t.
func goBasic(t *annotate.Type) string {
	switch t.Basic {
	case "byte":
		return "uint8"
	case "rune":
		return "int32"
	case "":
		return wireBasic(t.Kind)
	}
	return t.Basic
}

// wireBasic is the Go type of capnpc-go's accessors for the scalar kind k
// (annotate.Scalar.Go): "int64", "string", "[]byte".
func wireBasic(k annotate.Kind) string {
	s, ok := annotate.ScalarOf(k)
	if !ok {
		panic(fmt.Sprintf("proxy: kind %d is not a scalar", k))
	}
	return s.Go
}

// zero renders the zero value of the Go type t.
func (g *generator) zero(t *annotate.Type) *jen.Statement {
	if t.Hook != nil && t.Kind != annotate.KindStruct {
		return jen.Op("*").New(g.goType(t)) // the Go type's shape is unknown here
	}
	switch t.Kind {
	case annotate.KindMap, annotate.KindOptional, annotate.KindInterface:
		return jen.Nil()
	case annotate.KindList:
		if t.Len == 0 {
			return jen.Nil()
		}
		return g.goType(t).Values()
	case annotate.KindByteArray, annotate.KindStruct:
		return g.goType(t).Values()
	case annotate.KindEnum:
		return jen.Lit(0)
	}
	s, ok := annotate.ScalarOf(t.Kind)
	if !ok {
		panic(fmt.Sprintf("proxy: type of kind %d has no zero value", t.Kind))
	}
	return jen.Id(s.Zero) // Go source text: false, 0, "" or nil
}

// live returns the fields that exist in Go: fs without the placeholders
// the schema lock keeps for removed ones (Field.Retired), which generated
// code never reads or writes.
func live(fs []*annotate.Field) []*annotate.Field {
	n := 0
	for _, f := range fs {
		if !f.Retired && !f.WireOnly {
			n++
		}
	}
	if n == len(fs) {
		return fs
	}
	out := make([]*annotate.Field, 0, n)
	for _, f := range fs {
		if !f.Retired && !f.WireOnly {
			out = append(out, f)
		}
	}
	return out
}
