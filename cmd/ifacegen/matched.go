package main

import (
	"context"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"
)

// matchedPackage is a package the patterns matched, whether or not it
// declares an //ipc:interface: -check looks for stray generated files
// below it, -breaking for the baseline schema of a package that no longer
// declares any.
type matchedPackage struct {
	Path  string   // import path
	Name  string   // package name
	Dir   string   // absolute directory
	Files []string // Go files (absolute), sorted
}

// matchPackages lists the packages patterns match, relative to dir, by
// name and files only (no type checking), sorted by directory.
func matchPackages(ctx context.Context, dir string, patterns []string) ([]matchedPackage, error) {
	cfg := &packages.Config{
		Context: ctx,
		Dir:     dir,
		Mode:    packages.NeedName | packages.NeedFiles,
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", strings.Join(patterns, " "), err)
	}
	var out []matchedPackage
	for _, p := range pkgs {
		files := slices.Sorted(slices.Values(p.GoFiles))
		d := p.Dir
		if d == "" && len(files) > 0 {
			d = filepath.Dir(files[0])
		}
		if d == "" {
			continue
		}
		out = append(out, matchedPackage{Path: p.PkgPath, Name: p.Name, Dir: d, Files: files})
	}
	slices.SortFunc(out, func(a, b matchedPackage) int { return strings.Compare(a.Dir, b.Dir) })
	return out, nil
}

// packageClause returns the position of the package clause of the first
// of files, or a position naming just the file (or nothing) when it
// cannot be parsed.
func packageClause(files []string) token.Position {
	if len(files) == 0 {
		return token.Position{}
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, files[0], nil, parser.PackageClauseOnly)
	if err != nil {
		return token.Position{Filename: files[0], Line: 1, Column: 1}
	}
	return fset.Position(f.Package)
}

// outputDirs returns the directories that may hold ifacegen's output for
// the matched packages: every subdirectory of a matched package whose name
// ends in "ipc", and a matched package directory ending in "ipc" itself
// when its parent directory holds no Go file any more (the source package
// was deleted and only its output is left). Sorted, each once.
func outputDirs(matched []matchedPackage) ([]string, error) {
	seen := make(map[string]bool)
	var dirs []string
	add := func(d string) {
		if !seen[d] {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	for _, m := range matched {
		entries, err := os.ReadDir(m.Dir)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.IsDir() && strings.HasSuffix(e.Name(), "ipc") {
				add(filepath.Join(m.Dir, e.Name()))
			}
		}
		if strings.HasSuffix(filepath.Base(m.Dir), "ipc") {
			parentHasGo, err := hasGoFiles(filepath.Dir(m.Dir))
			if err != nil {
				return nil, err
			}
			if !parentHasGo {
				add(m.Dir)
			}
		}
	}
	slices.Sort(dirs)
	return dirs, nil
}

func hasGoFiles(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".go") {
			return true, nil
		}
	}
	return false, nil
}

// generatedFiles returns the files in dir that carry ifacegen's header
// (.go and .capnp files; hidden files are skipped), sorted.
func generatedFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !(strings.HasSuffix(name, ".go") || strings.HasSuffix(name, ".capnp")) {
			continue
		}
		path := filepath.Join(dir, name)
		ours, err := startsWithHeader(path)
		if err != nil {
			return nil, err
		}
		if ours {
			out = append(out, path)
		}
	}
	return out, nil
}

// startsWithHeader reads the first line of path only.
func startsWithHeader(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	buf := make([]byte, len(goHeader)+2)
	n, _ := f.Read(buf)
	return generatedByUs(buf[:n]), nil
}
