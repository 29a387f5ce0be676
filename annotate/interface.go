package annotate

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"
)

// builder turns one checked root package into a Package.
type builder struct {
	l    *loader
	src  *source
	pkg  *packages.Package
	errs *errorSink

	structs    map[TypeName]*Struct    // Go structs, built once per type
	funcs      map[TypeName]*Interface // func types used as values, built once per type
	funcList   []*Interface
	convs      []*convertFunc // nil until converts runs
	converting map[TypeName]bool
	enums      map[TypeName]*Enum
	goStructs  []*Struct           // in the order they were first used
	goEnums    []*Enum             // likewise; only the ones some crossing type uses
	pkgNames   map[TypeName]string // Go package name of each struct and enum type
	usedEnums  map[*Enum]bool
	synthetic  []*Type // every Type with an Entry or a Box, in creation order
	synthDesc  map[*Struct]string
	imports    map[string]*Package // the annotated packages whose schemas declare types used here, by Path

	dialect string   // Package.Dialect
	proxy   *Package // the model of MPProxyPath in a dialect package; nil otherwise
}

func newBuilder(l *loader, src *source, p *packages.Package) *builder {
	return &builder{
		l: l, src: src, pkg: p, errs: &l.errs,
		structs:    make(map[TypeName]*Struct),
		funcs:      make(map[TypeName]*Interface),
		converting: make(map[TypeName]bool),
		enums:      make(map[TypeName]*Enum),
		pkgNames:   make(map[TypeName]string),
		usedEnums:  make(map[*Enum]bool),
		synthDesc:  make(map[*Struct]string),
		imports:    make(map[string]*Package),
	}
}

// build returns the model of the package, or nil when it declares no
// //ipc:interface. Problems go to b.errs; the model is then incomplete.
func (b *builder) build() *Package {
	dir := packageDir(b.pkg)
	out := &Package{
		Path:    b.pkg.PkgPath,
		Name:    b.pkg.Name,
		Dir:     dir,
		IPCName: b.pkg.Name + "ipc",
		IPCPath: b.pkg.PkgPath + "/" + b.pkg.Name + "ipc",
		IPCDir:  filepath.Join(dir, b.pkg.Name+"ipc"),
	}

	b.packageDirective(out)
	b.dialect = out.Dialect
	b.converts() // check them even when no type uses them
	ids := make(map[uint64]string)
	for _, f := range b.src.files {
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				td := b.src.types[spec.(*ast.TypeSpec).Name.Name]
				if td.enum != nil {
					b.validateEnum(td)
				}
				if td.iface == nil {
					for _, d := range td.retired {
						b.errs.addf(d.pos, "%s on %s, which is not an //ipc:interface; add //ipc:interface or remove %s", d, td.spec.Name.Name, d)
					}
					continue
				}
				if in := b.iface(td); in != nil {
					if other, dup := ids[in.ID]; dup && in.ID != 0 {
						b.errs.addf(td.iface.args["id"].pos, "id=%#x is already the id of interface %s; give each interface its own id", in.ID, other)
					}
					ids[in.ID] = in.Name
					out.Interfaces = append(out.Interfaces, in)
				}
			}
		}
	}
	if len(out.Interfaces) == 0 {
		if out.Pos.IsValid() {
			b.errs.addf(out.Pos, "//ipc:package on package %s, which declares no //ipc:interface; remove it or add an interface", out.Name)
		}
		return nil
	}
	b.declaredStructs()
	b.checkInherited(out.Interfaces)
	out.Errors = b.errorVars()
	slices.SortFunc(b.funcList, func(x, y *Interface) int { return cmp.Compare(x.Name, y.Name) })
	out.Interfaces = append(out.Interfaces, b.funcList...)
	if out.Name == "main" {
		for _, in := range out.Interfaces {
			b.errs.addf(in.Pos, "interface %s is in package main, which the generated package %s cannot import; move it to a package of its own", in.Name, out.IPCName)
		}
	}
	b.name(out)
	for _, m := range b.imports {
		out.Imports = append(out.Imports, m)
	}
	slices.SortFunc(out.Imports, func(x, y *Package) int { return cmp.Compare(x.Path, y.Path) })
	return out
}

// iface returns the model of the //ipc:interface type td, or nil when it
// cannot be one.
func (b *builder) iface(td *typeDecl) *Interface {
	ts := td.spec
	name := ts.Name.Name
	pos := b.src.pos(ts.Name)
	switch {
	case ts.TypeParams != nil:
		b.errs.addf(pos, "generic interface %s cannot be an //ipc:interface; remove its type parameters", name)
		return nil
	case !ast.IsExported(name):
		b.errs.addf(pos, "interface %s is not exported, so the generated package %sipc cannot name it; export it", name, b.src.name)
		return nil
	case !validUpperCamel(name):
		b.errs.addf(pos, "interface name %s is not a valid Cap'n Proto name (ASCII letters and digits only); rename it", name)
		return nil
	case reservedTypeNames[name]:
		b.errs.addf(pos, "interface name %s is also a Cap'n Proto built-in name; rename the interface", name)
		return nil
	}
	in := &Interface{Name: name, Doc: docText(td.doc), Pos: pos}
	if a, ok := td.iface.args["id"]; ok {
		in.ID, _ = parseID(a.value)
	}
	it := ts.Type.(*ast.InterfaceType)
	for _, f := range it.Methods.List {
		if len(f.Names) == 0 {
			if ref := b.embedded(name, f); ref != nil {
				in.Extends = append(in.Extends, ref)
			}
			continue
		}
		if m := b.method(name, f, len(in.Methods)); m != nil {
			in.Methods = append(in.Methods, m)
		}
	}
	b.pinOrdinals(in, td)

	seen := make(map[string]*Method)
	was := make(map[string]*Method)
	for _, m := range in.Methods {
		if m.Retired || m.WireOnly {
			continue // pinOrdinals checked them
		}
		if prev := seen[m.WireName]; prev != nil {
			b.errs.addf(m.Pos, "methods %s and %s of %s both have the wire name %s; rename one", prev.Name, m.Name, name, m.WireName)
		}
		seen[m.WireName] = m
		if m.Was == "" {
			continue
		}
		if m.Was == m.Name {
			b.errs.addf(m.Pos, "method %s.%s: was=%s names the method itself; remove was=", name, m.Name, m.Was)
		} else if prev := was[m.Was]; prev != nil {
			b.errs.addf(m.Pos, "methods %s and %s of %s both say was=%s; only one method can keep the old ordinal", prev.Name, m.Name, name, m.Was)
		}
		was[m.Was] = m
	}
	return in
}

// embedded returns the //ipc:interface of the same package that the
// interface named iface embeds as f, or nil after reporting why f cannot
// be embedded.
func (b *builder) embedded(iface string, f *ast.Field) *InterfaceRef {
	pos := b.src.pos(f.Type)
	t := b.src.info.TypeOf(f.Type)
	switch f.Type.(type) {
	case *ast.BinaryExpr, *ast.UnaryExpr:
		t = nil // a union or ~T: a type set
	}
	if t == nil || !types.IsInterface(t) {
		b.errs.addf(pos, "interface %s has the type-set element %s: an //ipc:interface may only have methods; remove it", iface, types.ExprString(f.Type))
		return nil
	}
	if n, ok := types.Unalias(t).(*types.Named); ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == b.src.path {
		if td := b.src.types[n.Obj().Name()]; td != nil && td.iface != nil {
			tn := TypeName{Path: b.src.path, Name: n.Obj().Name()}
			return &InterfaceRef{Go: tn, Name: tn.Name, IPCPath: b.pkg.PkgPath + "/" + b.pkg.Name + "ipc", IPCName: b.pkg.Name + "ipc"}
		}
	}
	b.errs.addf(pos, "interface %s embeds %s, which is not an //ipc:interface of package %s; embed only //ipc:interface types of this package, or list the methods in %s", iface, types.ExprString(f.Type), b.src.name, iface)
	return nil
}

// checkInherited reports interfaces whose own and inherited methods
// collide by Go name or wire name.
func (b *builder) checkInherited(ifaces []*Interface) {
	byName := make(map[string]*Interface)
	for _, in := range ifaces {
		byName[in.Name] = in
	}
	for _, in := range ifaces {
		type origin struct{ owner, desc string }
		seen := make(map[string]origin) // "wire x" or "go X" → first method
		reported := false
		for _, owner := range Ancestry(in, byName) {
			for _, m := range owner.Methods {
				o := origin{owner.Name, owner.Name + "." + m.Name}
				for _, key := range []string{"wire " + m.WireName, "go " + m.Name} {
					// Collisions within one interface are reported by iface.
					if prev, dup := seen[key]; dup && prev.owner != o.owner && !reported {
						b.errs.addf(in.Pos, "interface %s has the methods %s and %s, which Cap'n Proto and the generated server cannot tell apart; rename one", in.Name, prev.desc, o.desc)
						reported = true
					}
					if _, dup := seen[key]; !dup {
						seen[key] = o
					}
				}
			}
		}
	}
}

// Ancestry returns in followed by every interface it extends, directly
// or not, each once, depth first in Extends order. byName maps the
// interfaces of in's package by name; missing ones are skipped.
func Ancestry(in *Interface, byName map[string]*Interface) []*Interface {
	var out []*Interface
	seen := make(map[*Interface]bool)
	var visit func(*Interface)
	visit = func(x *Interface) {
		if x == nil || seen[x] {
			return
		}
		seen[x] = true
		out = append(out, x)
		for _, e := range x.Extends {
			visit(byName[e.Name])
		}
	}
	visit(in)
	return out
}

// param is one Go parameter or result of a method, with its syntax.
type param struct {
	name    string    // "" when unnamed
	pos     token.Pos // of the name, or of the type when unnamed
	typExpr ast.Expr
	typ     types.Type
}

// flatten lists the parameters of list (one per name) with their types
// from tuple.
func flatten(list *ast.FieldList, tuple *types.Tuple) []param {
	var ps []param
	if list == nil {
		return nil
	}
	for _, f := range list.List {
		if len(f.Names) == 0 {
			ps = append(ps, param{pos: f.Type.Pos(), typExpr: f.Type})
			continue
		}
		for _, n := range f.Names {
			ps = append(ps, param{name: n.Name, pos: n.Pos(), typExpr: f.Type})
		}
	}
	if len(ps) != tuple.Len() {
		return nil // cannot happen in a package that type-checks
	}
	for i := range ps {
		ps[i].typ = tuple.At(i).Type()
	}
	return ps
}

// method returns the model of the method f of the interface named iface, or
// nil when it cannot cross.
func (b *builder) method(iface string, f *ast.Field, ordinal int) *Method {
	ident := f.Names[0]
	name := ident.Name
	pos := b.src.pos(ident)
	if !ident.IsExported() {
		b.errs.addf(pos, "method %s.%s is not exported; the methods of an //ipc:interface must be exported", iface, name)
		return nil
	}
	fn, ok := b.src.info.Defs[ident].(*types.Func)
	if !ok {
		return nil
	}
	sig := fn.Signature()
	m := &Method{
		Name:     name,
		WireName: lowerCamel(name),
		Doc:      docText(f.Doc),
		Pos:      pos,
		Ordinal:  ordinal,
	}
	if !validLowerCamel(m.WireName) {
		b.errs.addf(pos, "method %s.%s: its wire name %q is not a valid Cap'n Proto name (ASCII letters and digits only); rename the method", iface, name, m.WireName)
	} else {
		b.checkBindingMethod(iface, m)
	}
	if d := b.src.methods[f]; d != nil {
		m.Was = d.args["was"].value
		if a, ok := d.args["ordinal"]; ok {
			m.Ordinal, _ = strconv.Atoi(a.value)
			m.Pinned = true
		}
		if pos, ok := d.flags["noctx"]; ok {
			if b.dialect == "" {
				b.errs.addf(pos, "%s noctx on %s.%s: only a package with //ipc:package dialect=%s has wire context parameters; remove noctx", d, iface, name, Libmultiprocess)
			}
			m.NoContext = true
		}
	}
	if !b.signature(m, f.Type.(*ast.FuncType), sig, fmt.Sprintf("method %s.%s", iface, name)) {
		return nil
	}
	b.renames(iface, m, b.src.renames[f])
	if b.dialect != "" && !m.NoContext {
		b.withContext(iface, m)
	}
	return m
}

// renames sets the Was of the parameters and results of the method m of
// the interface named iface from its //ipc:param and //ipc:result
// directives, reporting directives that name no parameter (result),
// name one twice, or rename it to its own wire name.
func (b *builder) renames(iface string, m *Method, dirs []*directive) {
	seen := make(map[string]bool) // "param x", "result y"
	for _, d := range dirs {
		if def, ok := d.args["default"]; ok && d.target != "" {
			b.paramDefault(iface, m, d, def)
		}
		was, ok := d.args["was"]
		if d.target == "" || !ok {
			continue // reported when it was scanned
		}
		what := namesTarget[d.name]
		fields := m.Params
		if d.name == dirResult {
			fields = m.Results
		}
		var f *Field
		var names []string
		for _, x := range fields {
			if x.GoName == d.target {
				f = x
			}
			if x.GoName != "" {
				names = append(names, x.GoName)
			}
		}
		key := d.name + " " + d.target
		switch {
		case f == nil && len(names) == 0:
			b.errs.addf(d.targetPos, "%s %s: method %s.%s has no named %s on the wire; remove the directive", d, d.target, iface, m.Name, what)
		case f == nil:
			b.errs.addf(d.targetPos, "%s %s: method %s.%s has no %s %s on the wire; the %ss are %s", d, d.target, iface, m.Name, what, d.target, what, strings.Join(names, ", "))
		case seen[key]:
			b.errs.addf(d.pos, "duplicate %s %s on %s.%s; keep one", d, d.target, iface, m.Name)
		case was.value == f.WireName:
			b.errs.addf(was.pos, "%s %s: was=%s is the %s's own wire name; remove the directive", d, d.target, was.value, what)
		default:
			f.Was = was.value
		}
		seen[key] = true
	}
	for _, list := range []struct {
		kind   string
		fields []*Field
	}{{"parameter", m.Params}, {"result", m.Results}} {
		byWas := make(map[string]*Field)
		for _, f := range list.fields {
			if f.Was == "" {
				continue
			}
			if prev := byWas[f.Was]; prev != nil {
				b.errs.addf(f.Pos, "method %s.%s: %ss %s and %s both say was=%s; only one can keep the old ordinal", iface, m.Name, list.kind, prev.GoName, f.GoName, f.Was)
			}
			byWas[f.Was] = f
		}
	}
}

// signature fills in the parameters and results of m from the syntax ft
// and the type sig of a method or func type; owner names it in messages
// ("method Mining.GetTip", "func type SettingsUpdate"). It reports false
// when m cannot cross.
func (b *builder) signature(m *Method, ft *ast.FuncType, sig *types.Signature, owner string) bool {
	params := flatten(ft.Params, sig.Params())
	results := flatten(ft.Results, sig.Results())
	if sig.Variadic() && len(params) > 0 {
		last := params[len(params)-1]
		b.errs.addf(b.src.fset.Position(last.typExpr.Pos()), "%s is variadic; take a slice parameter instead", owner)
		return false
	}
	if len(params) > 0 && isContext(params[0].typ) {
		m.Context = true
		params = params[1:]
	}
	if n := len(results); n > 0 && isError(results[n-1].typ) {
		m.Error = true
		results = results[:n-1]
	}
	m.Params = b.fields(params, "parameter", "arg")
	m.Results = b.fields(results, "result", "result")
	b.checkWireNames(m.Params, owner, "parameter", false)
	b.checkWireNames(m.Results, owner, "result", false)
	b.checkBindingFields(m.Params, owner, "parameter", "rename the parameter", "rename one of the parameters")
	b.checkBindingFields(m.Results, owner, "result", "rename the result", "rename one of the results")
	return true
}

// fields maps parameters (or results) to Fields. kind is "parameter" or
// "result", base the wire name of unnamed ones ("arg", "result").
func (b *builder) fields(ps []param, kind, base string) []*Field {
	var fields []*Field
	for i, p := range ps {
		f := &Field{Pos: b.src.fset.Position(p.pos)}
		if p.name != "" && p.name != "_" {
			f.GoName = p.name
			f.WireName = lowerCamel(p.name)
			if !validLowerCamel(f.WireName) {
				b.errs.addf(f.Pos, "%s: its wire name %q is not a valid Cap'n Proto name (ASCII letters and digits only); rename it", fieldLabel(kind, f), f.WireName)
			}
		} else {
			f.WireName = base
			if i > 0 {
				f.WireName = fmt.Sprint(base, i)
			}
		}
		f.Type = b.mapType(p.typ, p.typExpr, use{path: fieldLabel(kind, f), pos: f.Pos, src: b.src})
		if f.Type != nil {
			fields = append(fields, f)
		}
	}
	b.assignOrdinals(fields)
	return fields
}

// assignOrdinals numbers fields in order, giving an optional scalar's has
// flag the ordinal after its value.
func assignOrdinals(fields []*Field) {
	n := 0
	for _, f := range fields {
		f.Ordinal = n
		n++
		f.HasWireName, f.HasOrdinal = "", 0
		if f.Type.Kind == KindOptional && f.Type.Elem.Kind.IsScalar() {
			f.HasWireName = "has" + upperFirst(f.WireName)
			f.HasOrdinal = n
			n++
		}
	}
}

// checkWireNames reports fields of owner (e.g. "struct BlockRef", "method
// Mining.GetTip") whose wire names, has flags included, collide. kind names
// one field ("field", "parameter", "result"); tagged says whether a struct
// tag can rename it.
func (b *builder) checkWireNames(fields []*Field, owner, kind string, tagged bool) {
	hint := "rename one"
	if tagged {
		hint = `rename one, or set a wire name with the struct tag ipc:"name"`
	}
	seen := make(map[string]string)
	for _, f := range fields {
		for _, n := range []struct{ wire, desc string }{
			{f.WireName, fieldLabel(kind, f)},
			{f.HasWireName, "the has flag of " + fieldLabel(kind, f)},
		} {
			if n.wire == "" {
				continue
			}
			if prev, dup := seen[n.wire]; dup {
				b.errs.addf(f.Pos, "%s: %s and %s both have the wire name %s; %s", owner, prev, n.desc, n.wire, hint)
				continue
			}
			seen[n.wire] = n.desc
		}
	}
}

// fieldLabel names the field f of the given kind ("field", "parameter",
// "result") in messages: by its Go name ("parameter opts"), else by its wire
// name ("parameter arg1"); an unnamed result's wire name says it all
// ("result", "result1").
func fieldLabel(kind string, f *Field) string {
	switch {
	case f.GoName != "":
		return kind + " " + f.GoName
	case kind == "result":
		return f.WireName
	}
	return kind + " " + f.WireName
}

// isContext reports whether t is context.Context.
func isContext(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "context" && n.Obj().Name() == "Context"
}

// isError reports whether t is the predeclared error.
func isError(t types.Type) bool {
	return types.Identical(t, types.Universe.Lookup("error").Type())
}

// errorVars returns the //ipc:error variables of the package, sorted by
// name, reporting those that are not exported error variables.
func (b *builder) errorVars() []*ErrorVar {
	var out []*ErrorVar
	for _, ev := range b.src.errVars {
		pos := b.src.pos(ev.name)
		name := ev.name.Name
		v, ok := b.src.info.Defs[ev.name].(*types.Var)
		switch {
		case !ok:
			continue
		case !ev.name.IsExported():
			b.errs.addf(pos, "//ipc:error variable %s is not exported, so the generated package %sipc cannot name it; export it", name, b.src.name)
			continue
		case !types.Implements(v.Type(), types.Universe.Lookup("error").Type().Underlying().(*types.Interface)):
			b.errs.addf(pos, "//ipc:error variable %s has type %s, which is not an error; declare it as var %s = errors.New(\"…\")", name, b.typeString(v.Type()), name)
			continue
		}
		out = append(out, &ErrorVar{GoName: name, Doc: docText(ev.doc), Pos: pos})
	}
	slices.SortFunc(out, func(x, y *ErrorVar) int { return cmp.Compare(x.GoName, y.GoName) })
	return out
}

// paramDefault sets the Default of the parameter of m that the
// //ipc:param directive d names, from its default= argument def.
func (b *builder) paramDefault(iface string, m *Method, d *directive, def directiveArg) {
	var f *Field
	var names []string
	for _, x := range m.Params {
		if x.GoName == d.target {
			f = x
		}
		if x.GoName != "" {
			names = append(names, x.GoName)
		}
	}
	if f == nil {
		b.errs.addf(d.targetPos, "%s %s: method %s.%s has no parameter %s; the parameters are %s", d, d.target, iface, m.Name, d.target, strings.Join(names, ", "))
		return
	}
	lit, msg := defaultLiteral(f.Type, def.value)
	if msg != "" {
		b.errs.addf(def.pos, "%s %s: %s", d, d.target, msg)
		return
	}
	f.Default = lit
}
