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
	"github.com/ifacegen/ifacegen/gen/breaking"
)

const usage = `usage: ifacegen [flags] [packages]
       ifacegen -check [packages]
       ifacegen -breaking -against <dir|git-ref> [-format text|json|github] [packages]
       ifacegen -conform <file.capnp> [-I dir]... [-format text|json|github] package

Generates, for every package that declares an //ipc:interface, the subpackage
<name>ipc holding the Cap'n Proto schema, its Go bindings and the client and
server proxies. Packages default to ".".

-check generates in memory and writes nothing. It lists every generated file
that is stale (with a unified diff), missing, or stray: a file with ifacegen's
header in a <x>ipc subdirectory of a matched package (or in a matched <x>ipc
package whose parent directory has no Go files left) that generation no longer
produces, such as the output of a package that no longer declares any
//ipc:interface.

-breaking compares the schema the Go code generates now with the baseline's
and reports every change that breaks peers built from the baseline, by Cap'n
Proto's evolution rules, at the Go source position, with a rule name
(documented in package github.com/ifacegen/ifacegen/gen/breaking). -against
is a directory (the root of a checkout of the same module; a schema's baseline
is the file at the same path relative to the module root) or, when no such
directory exists, a git revision of the repository (read with git, the work
tree untouched). -format: text (file:line:col: rule: message), json (an array
of {file, line, col, rule, message, package}) or github (workflow commands
that annotate the pull request).

-conform compares the schema one package generates with an existing .capnp
file (read with the capnp compiler, which must be installed; -I adds import
directories) and reports every wire difference -- file, interface and struct
IDs, method and field ordinals, field offsets, types and defaults, capability
types -- at the Go source position, with a rule name (documented in package
github.com/ifacegen/ifacegen/gen/conform), in the -format of -breaking. Names
are not compared: they do not cross the wire.

Exit status:
  0  success; with -check every generated file is fresh; with -breaking
     there is no finding
  1  problems in the source, a file that could not be read or written, an
     unreadable baseline; with -check, a stale, missing or stray file
  2  bad usage
  3  with -breaking, breaking changes were found; with -conform, wire
     differences were found

Flags:
`

// Exit statuses.
const (
	exitOK       = 0
	exitProblems = 1 // bad source, a file that could not be read or written; -check: stale files
	exitUsage    = 2
	exitBreaking = 3 // -breaking found breaking changes; -conform found differences
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
	check := fs.Bool("check", false, "write nothing; report stale, missing and stray generated files (exit 1)")
	breakingCheck := fs.Bool("breaking", false, "write nothing; report wire changes that break peers built from -against (exit 3)")
	against := fs.String("against", "", "the `baseline` of -breaking: a directory holding a checkout of the module, or a git revision")
	format := fs.String("format", formatText, "the output `format` of -breaking and -conform: text, json or github")
	conformFile := fs.String("conform", "", "write nothing; report every wire difference from the schema `file.capnp` (exit 3)")
	var importDirs []string
	fs.Func("I", "an import `dir` for the capnp compiler with -conform (repeatable)", func(dir string) error {
		importDirs = append(importDirs, dir)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	usageError := func(msg string) int {
		fmt.Fprintf(stderr, "ifacegen: %s\n", msg)
		fs.Usage()
		return exitUsage
	}
	switch {
	case *check && *breakingCheck:
		return usageError("-check and -breaking do not go together; run them one after the other")
	case *breakingCheck && *against == "":
		return usageError("-breaking needs -against <dir|git-ref>, the baseline to compare with")
	case !*breakingCheck && *against != "":
		return usageError("-against only goes with -breaking")
	case *format != formatText && *format != formatJSON && *format != formatGitHub:
		return usageError(fmt.Sprintf("-format %s is not one of text, json, github", *format))
	case *conformFile != "" && (*check || *breakingCheck):
		return usageError("-conform goes with neither -check nor -breaking; run them one after the other")
	case !*breakingCheck && *conformFile == "" && *format != formatText:
		return usageError("-format only goes with -breaking or -conform")
	case *conformFile == "" && len(importDirs) > 0:
		return usageError("-I only goes with -conform")
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
	noInterfaces := func() int {
		fmt.Fprintf(stderr, "ifacegen: no //ipc:interface found in %s\n", strings.Join(patterns, " "))
		return exitProblems
	}
	// -check and -breaking go on without packages: what was generated
	// before may be left over (stray files, removed interfaces).
	if len(pkgs) == 0 && !*check && !*breakingCheck {
		return noInterfaces()
	}

	if *conformFile != "" {
		return runConform(ctx, wd, *conformFile, importDirs, *format, pkgs, stdout, stderr)
	}
	if *breakingCheck {
		// Only the wire contract matters: no bindings, no proxies.
		schemas, err := gen.Schemas(pkgs)
		if err != nil {
			report(stderr, wd, err)
			return exitProblems
		}
		var outputs []output
		for i, pkg := range pkgs {
			outputs = append(outputs, output{dir: pkg.IPCDir, files: []gen.File{{Name: pkg.Name + ".capnp", Data: schemas[i]}}})
		}
		code := runBreaking(ctx, wd, patterns, *against, *format, pkgs, outputs, stdout, stderr)
		if code == exitOK && len(pkgs) == 0 {
			return noInterfaces()
		}
		return code
	}

	generated, err := gen.GenerateAll(ctx, pkgs)
	if err != nil {
		report(stderr, wd, err)
		return exitProblems
	}
	var outputs []output
	for i, pkg := range pkgs {
		outputs = append(outputs, output{dir: pkg.IPCDir, files: generated[i]})
	}
	if *check {
		code := runCheck(ctx, wd, patterns, outputs, stdout, stderr)
		if code == exitOK && len(pkgs) == 0 {
			return noInterfaces()
		}
		return code
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

// runCheck is -check: it compares outputs with the files on disk and
// looks for stray generated files below the packages patterns match.
func runCheck(ctx context.Context, wd string, patterns []string, outputs []output, stdout, stderr io.Writer) int {
	matched, err := matchPackages(ctx, wd, patterns)
	if err != nil {
		fmt.Fprintln(stderr, "ifacegen:", err)
		return exitProblems
	}
	dirs, err := outputDirs(matched)
	if err != nil {
		fmt.Fprintln(stderr, "ifacegen:", err)
		return exitProblems
	}
	s, err := findStale(outputs, dirs)
	if err != nil {
		fmt.Fprintln(stderr, "ifacegen:", err)
		return exitProblems
	}
	if s.empty() {
		return exitOK
	}
	printStaleness(stdout, wd, s)
	n := len(s.stale) + len(s.missing) + len(s.stray)
	what := fmt.Sprintf("%d generated files are", n)
	if n == 1 {
		what = "1 generated file is"
	}
	tail := ""
	switch len(s.stray) {
	case 0:
	case 1:
		tail = ", and delete the stray file"
	default:
		tail = ", and delete the stray files"
	}
	fmt.Fprintf(stderr, "ifacegen: %s out of date; run ifacegen %s (or go generate) to regenerate%s\n", what, strings.Join(patterns, " "), tail)
	return exitProblems
}

// runBreaking is -breaking: it compares the schemas in outputs (and the
// matched packages that no longer declare an //ipc:interface) with the
// baseline's, and prints the findings.
func runBreaking(ctx context.Context, wd string, patterns []string, against, format string, pkgs []*annotate.Package, outputs []output, stdout, stderr io.Writer) int {
	base, err := openBaseline(ctx, wd, against)
	if err != nil {
		fmt.Fprintln(stderr, "ifacegen:", err)
		return exitProblems
	}
	matched, err := matchPackages(ctx, wd, patterns)
	if err != nil {
		fmt.Fprintln(stderr, "ifacegen:", err)
		return exitProblems
	}
	bpkgs, err := breakingPackages(ctx, wd, base, pkgs, outputs, matched)
	if err != nil {
		report(stderr, wd, err)
		return exitProblems
	}
	findings := breaking.Compare(bpkgs)
	if err := printFindings(stdout, wd, format, findings); err != nil {
		fmt.Fprintln(stderr, "ifacegen:", err)
		return exitProblems
	}
	if len(findings) > 0 {
		return exitBreaking
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
