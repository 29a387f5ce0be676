package main

import (
	"errors"
	"fmt"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/ifacegen/ifacegen/annotate"
)

// withMissingImports returns pkgs followed by every annotated package they
// import (transitively) whose generated package is missing or incomplete,
// so that the generated code of pkgs builds: generated code imports the
// generated packages of the annotated packages it uses. An import in the
// same module as the package that uses it is added (generation writes it,
// -check reports its files missing); one in another module cannot be
// generated from here, and is an error that says where to run ifacegen.
func withMissingImports(wd string, pkgs []*annotate.Package) ([]*annotate.Package, error) {
	have := make(map[string]bool)
	for _, p := range pkgs {
		have[p.Path] = true
	}
	out := slices.Clone(pkgs)
	var errs annotate.ErrorList
	var visit func(user, imp *annotate.Package)
	visit = func(user, imp *annotate.Package) {
		if imp == nil || have[imp.Path] {
			return
		}
		have[imp.Path] = true
		for _, next := range imp.Imports {
			visit(imp, next)
		}
		complete, err := generatedPackageComplete(imp)
		switch {
		case err != nil:
			errs = append(errs, &annotate.Error{Msg: err.Error()})
		case complete:
		case sameModule(user.Dir, imp.Dir):
			out = append(out, imp)
		default:
			var pos token.Position
			if len(user.Interfaces) > 0 {
				pos = user.Interfaces[0].Pos
			}
			errs = append(errs, &annotate.Error{Pos: pos, Msg: fmt.Sprintf(
				"package %s uses types of the annotated package %s, whose generated package %s is missing, so the code generated here would not build; it is in another module: generate it there (run go tool ifacegen . in %s)",
				user.Path, imp.Path, imp.IPCPath, relative(wd, imp.Dir))})
		}
	}
	for _, p := range pkgs {
		for _, imp := range p.Imports {
			visit(p, imp)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// generatedPackageComplete reports whether every file generation writes
// for pkg exists.
func generatedPackageComplete(pkg *annotate.Package) (bool, error) {
	for _, name := range []string{pkg.Name + ".capnp", pkg.Name + ".capnp.go", pkg.Name + "_ipc.go"} {
		_, err := os.Stat(filepath.Join(pkg.IPCDir, name))
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
	return true, nil
}

// sameModule reports whether directories a and b are governed by the same
// go.mod.
func sameModule(a, b string) bool {
	ma, errA := moduleRoot(a)
	mb, errB := moduleRoot(b)
	return errA == nil && errB == nil && ma == mb
}
