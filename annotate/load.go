package annotate

import (
	"cmp"
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"
)

// loadMode is what Load asks of go/packages: syntax and types for the
// packages the patterns match, names and files of every dependency (whose
// types come from export data; annotate parses a dependency itself when one
// of its types crosses the wire).
const loadMode = packages.NeedName | packages.NeedFiles | packages.NeedSyntax |
	packages.NeedTypes | packages.NeedTypesInfo | packages.NeedImports

// Load loads the packages matching patterns (as `go list` takes them,
// relative to dir; no patterns means ".") and returns one *Package per
// package that declares at least one //ipc:interface, sorted by Path.
// Packages without interfaces are skipped silently.
//
// When anything is wrong it returns a nil slice and an ErrorList holding
// every problem, sorted by position: malformed, unknown, misplaced and
// near-miss directives in any matched package, types that cannot cross a
// process boundary, and, for a matched package that mentions //ipc:
// directives, the errors Go reports for it and its dependencies (a
// package's syntax and go command errors are reported even when it does not
// mention directives, since they may hide some). A failure to run the go
// command or a cancelled ctx is returned as a plain error.
func Load(ctx context.Context, dir string, patterns ...string) ([]*Package, error) {
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	l := &loader{
		ctx:     ctx,
		dir:     dir,
		fset:    token.NewFileSet(),
		graph:   make(map[string]*packages.Package),
		sources: make(map[string]*source),
		models:  make(map[string]*Package),
	}
	roots, err := l.load(patterns...)
	if err != nil {
		return nil, err
	}
	packages.Visit(roots, nil, func(p *packages.Package) {
		if _, dup := l.graph[p.PkgPath]; !dup {
			l.graph[p.PkgPath] = p
		}
	})
	slices.SortFunc(roots, func(a, b *packages.Package) int { return cmp.Compare(a.PkgPath, b.PkgPath) })

	var out []*Package
	for _, root := range roots {
		if pkg := l.root(root); pkg != nil {
			out = append(out, pkg)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	if errs := l.errs.sorted(); errs != nil {
		return nil, errs
	}
	return out, nil
}

// loader holds the state of one Load.
type loader struct {
	ctx  context.Context
	dir  string
	fset *token.FileSet // shared by every package parsed or loaded

	graph   map[string]*packages.Package // every package of the load, by import path
	sources map[string]*source           // by import path, made on demand
	models  map[string]*Package          // annotated packages by import path, built once; nil: none (or in progress)
	errs    errorSink
}

// load runs go/packages on patterns with the shared file set.
func (l *loader) load(patterns ...string) ([]*packages.Package, error) {
	cfg := &packages.Config{
		Context: l.ctx,
		Dir:     l.dir,
		Mode:    loadMode,
		Fset:    l.fset,
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, fmt.Errorf("loading %v: %w", patterns, err)
	}
	return pkgs, nil
}

// root checks one package the patterns matched and returns its model, or
// nil when it declares no //ipc:interface or cannot be checked.
func (l *loader) root(p *packages.Package) *Package {
	src := l.source(p.PkgPath)
	if src == nil {
		src = newSource(p.PkgPath, p.Name, l.fset, nil, nil, nil)
	}
	goErrs := l.goErrors(p, src.relevant)
	for _, e := range goErrs {
		l.errs.add(e.Pos, e.Msg)
	}
	if !src.relevant {
		return nil
	}
	l.errs.addAll(&src.errs)
	if len(goErrs) > 0 || p.Types == nil || p.TypesInfo == nil || src.info == nil {
		return nil // types are incomplete; Go's errors say why
	}
	if m, built := l.models[p.PkgPath]; built && m != nil {
		return m // built already for a package that uses its types
	}
	m := newBuilder(l, src, p).build()
	l.models[p.PkgPath] = m
	return m
}

// schemaOf returns the model of the package with the given import path
// when it declares an //ipc:interface, so that its generated schema holds
// its types and other packages import them from there; nil when it
// declares none, or when its model cannot be built (the problems are
// reported; pos is where a failure to load it is reported). Each model is
// built once, whether the patterns matched the package or not: it is a
// pure function of the package, so a package that uses another's types
// can be generated alone.
func (l *loader) schemaOf(path string, pos token.Position) *Package {
	if m, ok := l.models[path]; ok {
		return m
	}
	l.models[path] = nil // in progress: a cycle finds nothing
	src := l.source(path)
	if src == nil || !src.hasInterface() {
		return nil
	}
	p := l.graph[path]
	tsrc := l.typedSource(path, pos)
	if tsrc == nil || p == nil {
		return nil
	}
	l.errs.addAll(&tsrc.errs)
	m := newBuilder(l, tsrc, p).build()
	l.models[path] = m
	return m
}

// goErrors returns the errors Go reports for p and, when the package is
// relevant, for its dependencies. For a package that is not relevant only
// the go command's and the parser's errors count.
//
// The go command reports a failed build of export data as one error without
// a position holding the compiler's output ("# path\nfile:line:col: …");
// the type checker reports the same problems with positions, so that error
// is dropped whenever positioned ones exist, and always for a package that
// is not relevant.
func (l *loader) goErrors(p *packages.Package, relevant bool) []*Error {
	var errs, buildOutput []*Error
	add := func(q *packages.Package) {
		for _, e := range q.Errors {
			pe := &Error{Pos: parsePosition(e.Pos), Msg: e.Msg}
			switch {
			case e.Kind == packages.ListError && e.Pos == "" && strings.HasPrefix(e.Msg, "# "):
				buildOutput = append(buildOutput, pe)
			case relevant || e.Kind != packages.TypeError:
				errs = append(errs, pe)
			}
		}
	}
	if !relevant {
		add(p)
		return errs
	}
	packages.Visit([]*packages.Package{p}, nil, add)
	if len(errs) == 0 {
		return buildOutput
	}
	return errs
}

// source returns the syntax of the package with the given import path:
// type-checked when go/packages loaded it from source (the packages the
// patterns match), else parsed now from its files without types. It returns
// nil for a package outside the load.
func (l *loader) source(path string) *source {
	if s, ok := l.sources[path]; ok {
		return s
	}
	p := l.graph[path]
	if p == nil {
		return nil
	}
	var s *source
	if p.Syntax != nil && p.TypesInfo != nil {
		s = newSource(p.PkgPath, p.Name, l.fset, p.Syntax, p.Types, p.TypesInfo)
	} else {
		var files []*ast.File
		for _, name := range p.GoFiles {
			// A file that does not parse yields what it could; its package
			// reports the error when it is loaded itself.
			f, _ := parser.ParseFile(l.fset, name, nil, parser.ParseComments|parser.SkipObjectResolution)
			if f != nil {
				files = append(files, f)
			}
		}
		s = newSource(p.PkgPath, p.Name, l.fset, files, nil, nil)
	}
	l.sources[path] = s
	return s
}

// typedSource returns the type-checked syntax of the package with the given
// import path, loading it from source now if Load's own load did not (it
// had only export data, which lacks unexported constants). It reports
// failures to l.errs and returns nil then.
func (l *loader) typedSource(path string, pos token.Position) *source {
	if s := l.source(path); s != nil && s.info != nil {
		return s
	}
	pkgs, err := l.load("pattern=" + path)
	if err != nil || len(pkgs) != 1 || len(pkgs[0].Errors) > 0 || pkgs[0].TypesInfo == nil {
		msg := fmt.Sprint(err)
		if err == nil && len(pkgs) == 1 && len(pkgs[0].Errors) > 0 {
			msg = pkgs[0].Errors[0].Error()
		}
		l.errs.addf(pos, "cannot load package %s to read its constants: %s", path, msg)
		return nil
	}
	p := pkgs[0]
	s := newSource(p.PkgPath, p.Name, l.fset, p.Syntax, p.Types, p.TypesInfo)
	l.sources[path] = s
	return s
}

// packageDir returns the directory of p.
func packageDir(p *packages.Package) string {
	if p.Dir != "" {
		return p.Dir
	}
	if len(p.GoFiles) > 0 {
		return filepath.Dir(p.GoFiles[0])
	}
	return ""
}
