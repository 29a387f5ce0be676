package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/ifacegen/ifacegen/annotate"
	"github.com/ifacegen/ifacegen/gen"
	"github.com/ifacegen/ifacegen/gen/conform"
	"github.com/ifacegen/ifacegen/gen/schema"
)

// runConformMode loads the packages cfg names with their locks and runs
// -conform on them.
func runConformMode(ctx context.Context, cfg config, stdout, stderr io.Writer) int {
	pkgs, locks, ok := load(ctx, cfg, stderr)
	if !ok {
		return exitProblems
	}
	if len(pkgs) == 0 {
		return noInterfaces(cfg, stderr)
	}
	return runConform(ctx, cfg.wd, cfg.conform, cfg.importDirs, cfg.format, pkgs, locks, stdout, stderr)
}

// runConform is -conform: it compares the schema the one package in pkgs
// generates (its lock applied) with the foreign schema file, read with the
// capnp compiler, and prints every wire difference.
func runConform(ctx context.Context, wd, file string, dirs []string, format string, pkgs []*annotate.Package, locks gen.Locks, stdout, stderr io.Writer) int {
	if len(pkgs) != 1 {
		fmt.Fprintf(stderr, "ifacegen: -conform compares one package with %s; the patterns match %d annotated packages\n", file, len(pkgs))
		return exitUsage
	}
	pkg := pkgs[0]
	if !filepath.IsAbs(file) {
		file = filepath.Join(wd, file)
	}
	theirs, err := conform.Compile(ctx, file, dirs...)
	if err != nil {
		fmt.Fprintln(stderr, "ifacegen:", err)
		return exitProblems
	}
	if _, err := gen.Schemas(pkgs, locks); err != nil { // applies the locks
		report(stderr, wd, err)
		return exitProblems
	}
	ours, err := schema.Request(pkg)
	if err != nil {
		report(stderr, wd, err)
		return exitProblems
	}
	findings, err := conform.Compare(pkg, ours, theirs, file)
	if err != nil {
		fmt.Fprintln(stderr, "ifacegen:", err)
		return exitProblems
	}
	if err := printFindings(stdout, wd, format, findings); err != nil {
		fmt.Fprintln(stderr, "ifacegen:", err)
		return exitProblems
	}
	if len(findings) > 0 {
		places := fmt.Sprintf("%d places", len(findings))
		if len(findings) == 1 {
			places = "1 place"
		}
		fmt.Fprintf(stderr, "ifacegen: %s differs from %s on the wire in %s\n", pkg.Path, relative(wd, file), places)
		return exitBreaking
	}
	return exitOK
}
