package annotate

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strings"
)

// source is annotate's view of one package's syntax: its files in name
// order, its package-level type and constant declarations, and the //ipc:
// directives attached to them. Root packages come type-checked from
// go/packages; a package that only supplies a struct or a named type is
// parsed on demand without types (see loader.source).
type source struct {
	path  string
	name  string // Go package name
	fset  *token.FileSet
	files []*ast.File    // sorted by file name
	tpkg  *types.Package // nil when parsed without type checking
	info  *types.Info    // nil likewise

	relevant bool      // some comment is an //ipc: directive or a near miss
	errs     errorSink // directive problems; Load reports them for roots only

	types   map[string]*typeDecl        // package-level type declarations by name
	consts  map[string]*constDecl       // package-level constants by name
	errVars []*errorVarDecl             // //ipc:error variables, in source order
	convs   []*ast.FuncDecl             // //ipc:convert functions, in source order
	methods map[*ast.Field]*directive   // //ipc:method by method of an //ipc:interface
	renames map[*ast.Field][]*directive // //ipc:param and //ipc:result by method of an //ipc:interface, in source order
	fields  map[token.Pos]*ast.Field    // struct fields by the position of their name (typed sources)

	pkgDir *directive // //ipc:package in a package clause's doc comment, or nil
}

// typeDecl is one package-level type declaration.
type typeDecl struct {
	spec    *ast.TypeSpec
	doc     *ast.CommentGroup // the spec's doc, or that of its single-spec group
	iface   *directive        // //ipc:interface on an interface type literal
	enum    *directive        // //ipc:enum on a named integer type (as far as can be told)
	strct   *directive        // //ipc:struct on a struct type
	retired []*directive      // //ipc:retired on an interface type, in source order
}

// constDecl is one package-level constant.
type constDecl struct {
	doc *ast.CommentGroup // the spec's doc, else its line comment
}

// newSource indexes files (sorted here by name) and attaches their
// directives, recording problems in the returned source's errs. tpkg and
// info may be nil.
func newSource(path, name string, fset *token.FileSet, files []*ast.File, tpkg *types.Package, info *types.Info) *source {
	s := &source{
		path: path, name: name, fset: fset,
		files: slices.Clone(files), tpkg: tpkg, info: info,
		types:   make(map[string]*typeDecl),
		consts:  make(map[string]*constDecl),
		methods: make(map[*ast.Field]*directive),
		renames: make(map[*ast.Field][]*directive),
		fields:  make(map[token.Pos]*ast.Field),
	}
	slices.SortStableFunc(s.files, func(a, b *ast.File) int {
		return cmp.Compare(fset.File(a.Pos()).Name(), fset.File(b.Pos()).Name())
	})
	for _, f := range s.files {
		dirs, relevant := scanDirectives(fset, f, &s.errs)
		s.relevant = s.relevant || relevant
		p := placer{s: s, dirs: dirs}
		p.file(f)
		for _, c := range sortedComments(dirs) {
			if d := dirs[c]; !d.placed {
				s.errs.addf(d.pos, "%s is not in the doc comment of a declaration; put it in the comment directly above %s, with no blank line between", d, belongsOn[d.name])
			}
		}
	}
	return s
}

// belongsOn says what each directive marks.
var belongsOn = map[string]string{
	dirInterface: "an interface type declaration",
	dirMethod:    "a method of an //ipc:interface type",
	dirEnum:      "a named integer type declaration",
	dirError:     "a package-level error variable declared on its own (var ErrX = errors.New(…))",
	dirConvert:   "a package-level function func(T) (W, error) or func(W) (T, error)",
	dirParam:     "a method of an //ipc:interface type, in its doc comment",
	dirResult:    "a method of an //ipc:interface type, in its doc comment",
	dirPackage:   "the package clause (package x), in its doc comment",
	dirStruct:    "a struct type declaration",
	dirRetired:   "an //ipc:interface type declaration, in its doc comment",
}

// errorVarDecl is one //ipc:error variable.
type errorVarDecl struct {
	name *ast.Ident
	doc  *ast.CommentGroup
}

// pos returns the position of n.
func (s *source) pos(n ast.Node) token.Position { return s.fset.Position(n.Pos()) }

// docText returns the text of a doc comment without directive lines and
// without a trailing newline.
func docText(g *ast.CommentGroup) string {
	return strings.TrimRight(g.Text(), "\n")
}

// sortedComments returns the keys of dirs in source order.
func sortedComments(dirs map[*ast.Comment]*directive) []*ast.Comment {
	cs := make([]*ast.Comment, 0, len(dirs))
	for c := range dirs {
		cs = append(cs, c)
	}
	slices.SortFunc(cs, func(a, b *ast.Comment) int { return cmp.Compare(a.Slash, b.Slash) })
	return cs
}

// placer attaches the directives of one file to the declarations whose doc
// comments hold them, reporting directives on the wrong kind of
// declaration and duplicates.
type placer struct {
	s    *source
	dirs map[*ast.Comment]*directive
}

// in returns the directives in the comment groups, in order.
func (p *placer) in(groups ...*ast.CommentGroup) []*directive {
	var ds []*directive
	for _, g := range groups {
		if g == nil {
			continue
		}
		for _, c := range g.List {
			if d := p.dirs[c]; d != nil {
				ds = append(ds, d)
			}
		}
	}
	return ds
}

// wrong reports directives that do not apply to what (e.g. "function F").
func (p *placer) wrong(ds []*directive, what string) {
	for _, d := range ds {
		p.wrongFix(d, what, "it belongs on "+belongsOn[d.name])
	}
}

// wrongFix reports that d does not apply to what, and what to do.
func (p *placer) wrongFix(d *directive, what, fix string) {
	d.placed = true
	p.s.errs.addf(d.pos, "%s does not apply to %s; %s", d, what, fix)
}

func (p *placer) file(f *ast.File) {
	for _, d := range p.in(f.Doc) {
		if d.name != dirPackage {
			p.wrongFix(d, "the package clause", "it belongs on "+belongsOn[d.name])
			continue
		}
		d.placed = true
		if p.s.pkgDir != nil {
			prev := p.s.pkgDir.pos
			p.s.errs.addf(d.pos, "duplicate %s (also at %s:%d); keep one, in one file of the package", d, filepath.Base(prev.Filename), prev.Line)
			continue
		}
		p.s.pkgDir = d
	}
	for _, decl := range f.Decls {
		switch decl := decl.(type) {
		case *ast.FuncDecl:
			what := "function " + decl.Name.Name
			if decl.Recv != nil {
				what = "method " + decl.Name.Name
			}
			for _, d := range p.in(decl.Doc) {
				if d.name == dirConvert && decl.Recv == nil {
					d.placed = true
					p.s.convs = append(p.s.convs, decl)
					continue
				}
				p.wrongFix(d, what, "it belongs on "+belongsOn[d.name])
			}
		case *ast.GenDecl:
			p.genDecl(decl)
		}
	}
}

func (p *placer) genDecl(decl *ast.GenDecl) {
	switch decl.Tok {
	case token.IMPORT:
		p.wrong(p.in(decl.Doc), "an import declaration")
	case token.CONST, token.VAR:
		kind := map[token.Token]string{token.CONST: "constant", token.VAR: "variable"}[decl.Tok]
		single := len(decl.Specs) == 1
		if !single {
			p.wrong(p.in(decl.Doc), "a "+kind+" group")
		}
		for _, spec := range decl.Specs {
			vs := spec.(*ast.ValueSpec)
			groups := []*ast.CommentGroup{vs.Doc}
			if single {
				groups = append(groups, decl.Doc)
			}
			for _, d := range p.in(groups...) {
				if d.name == dirError && decl.Tok == token.VAR && len(vs.Names) == 1 {
					d.placed = true
					doc := vs.Doc
					if doc == nil && single {
						doc = decl.Doc
					}
					p.s.errVars = append(p.s.errVars, &errorVarDecl{name: vs.Names[0], doc: doc})
					continue
				}
				p.wrongFix(d, kind+" "+vs.Names[0].Name, "it belongs on "+belongsOn[d.name])
			}
			if decl.Tok == token.CONST {
				doc := vs.Doc
				if doc == nil && single {
					doc = decl.Doc
				}
				if doc == nil {
					doc = vs.Comment
				}
				for _, n := range vs.Names {
					p.s.consts[n.Name] = &constDecl{doc: doc}
				}
			}
		}
	case token.TYPE:
		single := len(decl.Specs) == 1
		if !single {
			for _, d := range p.in(decl.Doc) {
				p.wrongFix(d, "a group of type declarations", "put it in the doc comment of one type inside the group")
			}
		}
		for _, spec := range decl.Specs {
			ts := spec.(*ast.TypeSpec)
			td := &typeDecl{spec: ts, doc: ts.Doc}
			ds := p.in(ts.Doc)
			if single {
				ds = append(p.in(decl.Doc), ds...)
				if td.doc == nil {
					td.doc = decl.Doc
				}
			}
			p.typeSpec(td, ds)
			p.s.types[ts.Name.Name] = td
		}
	}
}

// typeSpec attaches ds to td, then looks at the methods of an interface
// type and the fields of a struct type.
func (p *placer) typeSpec(td *typeDecl, ds []*directive) {
	ts := td.spec
	what := p.describe(ts)
	for _, d := range ds {
		d.placed = true
		switch d.name {
		case dirInterface:
			if _, isIface := ts.Type.(*ast.InterfaceType); !isIface || ts.Assign != 0 {
				p.s.errs.addf(d.pos, "%s does not apply to %s; it belongs on %s written as type %s interface { … }", d, what, belongsOn[d.name], ts.Name.Name)
				continue
			}
			if td.iface != nil {
				p.s.errs.addf(d.pos, "duplicate %s on %s; remove one", d, ts.Name.Name)
				continue
			}
			td.iface = d
		case dirEnum:
			if !p.integerType(ts) {
				p.s.errs.addf(d.pos, "%s does not apply to %s; it belongs on %s", d, what, belongsOn[d.name])
				continue
			}
			if td.enum != nil {
				p.s.errs.addf(d.pos, "duplicate %s on %s; remove one", d, ts.Name.Name)
				continue
			}
			td.enum = d
		case dirStruct:
			if _, isStruct := ts.Type.(*ast.StructType); !isStruct || ts.Assign != 0 || ts.TypeParams != nil {
				p.s.errs.addf(d.pos, "%s does not apply to %s; it belongs on %s written as type %s struct { … }", d, what, belongsOn[d.name], ts.Name.Name)
				continue
			}
			if td.strct != nil {
				p.s.errs.addf(d.pos, "duplicate %s on %s; remove one", d, ts.Name.Name)
				continue
			}
			td.strct = d
		case dirRetired:
			if _, isIface := ts.Type.(*ast.InterfaceType); !isIface || ts.Assign != 0 {
				p.s.errs.addf(d.pos, "%s does not apply to %s; it belongs on %s", d, what, belongsOn[d.name])
				continue
			}
			td.retired = append(td.retired, d)
		default:
			p.s.errs.addf(d.pos, "%s does not apply to %s; it belongs on %s", d, what, belongsOn[d.name])
		}
	}

	switch t := ts.Type.(type) {
	case *ast.InterfaceType:
		for _, m := range t.Methods.List {
			p.method(td, m)
		}
	case *ast.StructType:
		for _, f := range t.Fields.List {
			what := "an embedded field of struct " + ts.Name.Name
			if len(f.Names) > 0 {
				what = "field " + ts.Name.Name + "." + f.Names[0].Name
			}
			for _, d := range p.in(f.Doc, f.Comment) {
				p.wrongFix(d, what, `struct fields take the struct tag ipc:"name" or ipc:"-" instead`)
			}
			for _, n := range f.Names {
				p.s.fields[n.Pos()] = f
			}
		}
	}
}

// method attaches the directives in the doc comment of m, a method (or an
// embedded element) of the interface type td.
func (p *placer) method(td *typeDecl, m *ast.Field) {
	ds := p.in(m.Doc)
	iface := td.spec.Name.Name
	if len(m.Names) == 0 {
		p.wrong(ds, "an embedded element of interface "+iface)
		return
	}
	name := m.Names[0].Name
	for _, d := range ds {
		d.placed = true
		switch {
		case d.name != dirMethod && d.name != dirParam && d.name != dirResult:
			p.wrongFix(d, "method "+iface+"."+name, "it belongs on "+belongsOn[d.name])
		case td.iface == nil:
			p.s.errs.addf(d.pos, "%s on method %s.%s, but %s is not an //ipc:interface; add //ipc:interface to %s or remove %s", d, iface, name, iface, iface, d)
		case d.name != dirMethod:
			p.s.renames[m] = append(p.s.renames[m], d)
		case p.s.methods[m] != nil:
			p.s.errs.addf(d.pos, "duplicate %s on %s.%s; remove one", d, iface, name)
		default:
			p.s.methods[m] = d
		}
	}
}

// describe names the kind of declaration ts is, for messages: "struct type
// Foo", "type Foo (underlying string)".
func (p *placer) describe(ts *ast.TypeSpec) string {
	name := ts.Name.Name
	if ts.Assign != 0 {
		return "alias " + name
	}
	switch ts.Type.(type) {
	case *ast.StructType:
		return "struct type " + name
	case *ast.InterfaceType:
		return "interface type " + name
	case *ast.FuncType:
		return "func type " + name
	case *ast.MapType:
		return "map type " + name
	case *ast.ArrayType:
		return "slice or array type " + name
	case *ast.ChanType:
		return "channel type " + name
	}
	if obj := p.typeName(ts); obj != nil {
		return fmt.Sprintf("type %s (underlying %s)", name, obj.Type().Underlying())
	}
	return "type " + name
}

// integerType reports whether ts declares a non-generic named type whose
// underlying type is an integer. Without type information it accepts any
// non-alias, non-generic declaration with a plain name as its type (the
// type checker of the package's own load has the last word).
func (p *placer) integerType(ts *ast.TypeSpec) bool {
	if ts.Assign != 0 || ts.TypeParams != nil {
		return false
	}
	if p.s.info == nil {
		switch ts.Type.(type) {
		case *ast.Ident, *ast.SelectorExpr:
			return true
		}
		return false
	}
	obj := p.typeName(ts)
	if obj == nil {
		return false
	}
	b, ok := obj.Type().Underlying().(*types.Basic)
	return ok && b.Info()&types.IsInteger != 0
}

// typeName returns the object ts declares, or nil without type information.
func (p *placer) typeName(ts *ast.TypeSpec) *types.TypeName {
	if p.s.info == nil {
		return nil
	}
	obj, _ := p.s.info.Defs[ts.Name].(*types.TypeName)
	return obj
}

// hasInterface reports whether the package declares an //ipc:interface.
func (s *source) hasInterface() bool {
	for _, td := range s.types {
		if td.iface != nil {
			return true
		}
	}
	return false
}
