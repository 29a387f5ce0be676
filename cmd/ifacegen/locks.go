package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/ifacegen/ifacegen/annotate"
	"github.com/ifacegen/ifacegen/gen"
)

// readLocks reads the schema lock of every package in pkgs and of each of
// their imports, transitively: the schema generated before,
// <IPCDir>/<Name>.capnp, when it starts with ifacegen's header (a file
// without it is not ours: it locks nothing, and writeAll refuses to
// overwrite it).
//
// A schema missing from disk that git still tracks is an error: the
// generated directory was deleted, and generating without the lock would
// renumber the wire. Outside a git repository, or without git, a missing
// schema is a new package's. All such errors are joined, paths relative
// to wd when reported.
func readLocks(ctx context.Context, wd string, pkgs []*annotate.Package) (gen.Locks, error) {
	locks := make(gen.Locks)
	seen := make(map[string]bool)
	var errs annotate.ErrorList
	var visit func(pkg *annotate.Package)
	visit = func(pkg *annotate.Package) {
		if pkg == nil || seen[pkg.Path] {
			return
		}
		seen[pkg.Path] = true
		for _, imp := range pkg.Imports {
			visit(imp)
		}
		path := schemaPath(pkg)
		data, err := os.ReadFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if gitTracks(ctx, pkg.Dir, path) {
				rel := filepath.ToSlash(relative(wd, path))
				errs = append(errs, &annotate.Error{Pos: token.Position{Filename: path}, Msg: fmt.Sprintf("the schema lock is missing, but git still tracks it (was the generated directory deleted?); generating without it would renumber the wire. Restore it: git checkout -- %s (to start the wire over on purpose, git rm it first)", rel)})
			}
		case err != nil:
			errs = append(errs, &annotate.Error{Msg: fmt.Sprintf("reading the schema lock: %v", err)}) // names the file
		case bytes.HasPrefix(data, []byte(capnpHeader+"\n")) || bytes.HasPrefix(data, []byte(capnpHeader+"\r\n")):
			locks[pkg.Path] = gen.Lock{Filename: path, Text: data}
		}
	}
	for _, pkg := range pkgs {
		visit(pkg)
	}
	if len(errs) > 0 {
		return locks, errs
	}
	return locks, nil
}

// schemaPath is where pkg's schema (its lock) is generated.
func schemaPath(pkg *annotate.Package) string {
	return filepath.Join(pkg.IPCDir, pkg.Name+".capnp")
}

// gitTracks reports whether path is in the index of the git repository
// that holds dir; false when dir is in none or git is not installed.
func gitTracks(ctx context.Context, dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	if err != nil {
		return false
	}
	cmd := exec.CommandContext(ctx, "git", "ls-files", "--error-unmatch", "--", filepath.ToSlash(rel))
	cmd.Dir = dir
	return cmd.Run() == nil
}
