package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ifacegen/ifacegen/annotate"
	"github.com/ifacegen/ifacegen/gen"
)

const usage = `usage: ifacegen [flags] [packages]

Generates, for every package that declares an //ipc:interface, the subpackage
<name>ipc holding the Cap'n Proto schema, its Go bindings and the client and
server proxies. Packages default to ".".

Flags:
`

// Exit statuses.
const (
	exitOK       = 0
	exitProblems = 1 // bad source, or a file that could not be written
	exitUsage    = 2
)

// run is the whole command, testable: it parses args, loads, generates and
// writes, reporting to stderr, and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ifacegen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	dir := fs.String("C", "", "change to `dir` before loading packages")
	verbose := fs.Bool("v", false, "print the files written")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	patterns := fs.Args()
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(stderr, "ifacegen:", err)
		return exitProblems
	}
	if *dir != "" {
		wd, err = filepath.Abs(*dir)
		if err != nil {
			fmt.Fprintln(stderr, "ifacegen:", err)
			return exitProblems
		}
	}

	pkgs, err := annotate.Load(ctx, wd, patterns...)
	if err != nil {
		report(stderr, wd, err)
		return exitProblems
	}
	if len(pkgs) == 0 {
		fmt.Fprintf(stderr, "ifacegen: no //ipc:interface found in %s\n", strings.Join(patterns, " "))
		return exitProblems
	}

	var outputs []output
	for _, pkg := range pkgs {
		files, err := gen.Generate(ctx, pkg)
		if err != nil {
			fmt.Fprintln(stderr, "ifacegen:", err)
			return exitProblems
		}
		outputs = append(outputs, output{dir: pkg.IPCDir, files: files})
	}
	written, err := writeAll(outputs)
	for _, name := range written {
		if *verbose {
			fmt.Fprintln(stdout, relative(wd, name))
		}
	}
	if err != nil {
		report(stderr, wd, err)
		return exitProblems
	}
	return exitOK
}

// report prints err to w, one problem per line, with file names made
// relative to wd where that is shorter.
func report(w io.Writer, wd string, err error) {
	var list annotate.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			if !e.Pos.IsValid() {
				fmt.Fprintf(w, "ifacegen: %s\n", e.Msg)
				continue
			}
			pos := e.Pos
			pos.Filename = relative(wd, pos.Filename)
			fmt.Fprintf(w, "%s: %s\n", pos, e.Msg)
		}
		return
	}
	fmt.Fprintln(w, "ifacegen:", err)
}

// relative returns name relative to wd when name lies inside wd.
func relative(wd, name string) string {
	if rel, err := filepath.Rel(wd, name); err == nil && filepath.IsLocal(rel) {
		return rel
	}
	return name
}
