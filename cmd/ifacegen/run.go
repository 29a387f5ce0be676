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

// mode is what one run does.
type mode int

const (
	modeGenerate mode = iota // write the generated files
	modeCheck                // -check: compare them with the files on disk
	modeBreaking             // -breaking: compare the schemas with a baseline's
	modeConform              // -conform: compare one package's schema with a foreign file
)

// config is the command line, parsed and checked.
type config struct {
	mode     mode
	wd       string   // where patterns are resolved: the working directory, or -C
	patterns []string // never empty
	verbose  bool     // -v: print the files written
	against  string   // -breaking's baseline
	format   string   // -breaking's and -conform's output format

	conform    string   // -conform's foreign schema file
	importDirs []string // -conform's -I directories for the capnp compiler
}

// run is the whole command, testable: it parses args into a config, then
// runs the mode, reporting to stderr, and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, code, ok := parseConfig(args, stderr)
	if !ok {
		return code
	}
	switch cfg.mode {
	case modeCheck:
		return runCheck(ctx, cfg, stdout, stderr)
	case modeBreaking:
		return runBreaking(ctx, cfg, stdout, stderr)
	case modeConform:
		return runConformMode(ctx, cfg, stdout, stderr)
	default:
		return runGenerate(ctx, cfg, stdout, stderr)
	}
}

// parseConfig parses args. When it returns ok == false, the command is
// over with exit status code: -h printed the usage (0), or a usage error
// was reported in two lines (2).
func parseConfig(args []string, stderr io.Writer) (cfg config, code int, ok bool) {
	fs := flag.NewFlagSet("ifacegen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	// The flag package prints its own error first; a pointer to -h is
	// enough after it. -h itself prints the whole usage (below).
	fs.Usage = func() {}
	dir := fs.String("C", "", "change to `dir` before loading packages")
	fs.BoolVar(&cfg.verbose, "v", false, "print the files written")
	check := fs.Bool("check", false, "write nothing; report stale, missing and stray generated files (exit 1)")
	breakingCheck := fs.Bool("breaking", false, "write nothing; report wire changes that break peers built from -against (exit 3)")
	fs.StringVar(&cfg.against, "against", "", "the `baseline` of -breaking: a directory holding a checkout of the module, or a git revision")
	fs.StringVar(&cfg.format, "format", formatText, "the output `format` of -breaking and -conform: text, json or github")
	fs.StringVar(&cfg.conform, "conform", "", "write nothing; report every wire difference from the schema `file.capnp` (exit 3)")
	fs.Func("I", "an import `dir` for the capnp compiler with -conform (repeatable)", func(dir string) error {
		cfg.importDirs = append(cfg.importDirs, dir)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, usage)
			fs.PrintDefaults()
			return cfg, exitOK, false
		}
		fmt.Fprintln(stderr, "run 'ifacegen -h' for usage")
		return cfg, exitUsage, false
	}
	usageError := func(msg string) (config, int, bool) {
		fmt.Fprintf(stderr, "ifacegen: %s\nrun 'ifacegen -h' for usage\n", msg)
		return cfg, exitUsage, false
	}
	switch {
	case *check && *breakingCheck:
		return usageError("-check and -breaking do not go together; run them one after the other")
	case *breakingCheck && cfg.against == "":
		return usageError("-breaking needs -against <dir|git-ref>, the baseline to compare with")
	case !*breakingCheck && cfg.against != "":
		return usageError("-against only goes with -breaking")
	case cfg.format != formatText && cfg.format != formatJSON && cfg.format != formatGitHub:
		return usageError(fmt.Sprintf("-format %s is not one of text, json, github", cfg.format))
	case cfg.conform != "" && (*check || *breakingCheck):
		return usageError("-conform goes with neither -check nor -breaking; run them one after the other")
	case !*breakingCheck && cfg.conform == "" && cfg.format != formatText:
		return usageError("-format only goes with -breaking or -conform")
	case cfg.conform == "" && len(cfg.importDirs) > 0:
		return usageError("-I only goes with -conform")
	}
	switch {
	case *check:
		cfg.mode = modeCheck
	case *breakingCheck:
		cfg.mode = modeBreaking
	case cfg.conform != "":
		cfg.mode = modeConform
	}
	cfg.patterns = fs.Args()
	if len(cfg.patterns) == 0 {
		cfg.patterns = []string{"."}
	}
	wd, err := os.Getwd()
	if err == nil && *dir != "" {
		wd, err = filepath.Abs(*dir)
	}
	if err != nil {
		fmt.Fprintln(stderr, "ifacegen:", err)
		return cfg, exitProblems, false
	}
	cfg.wd = wd
	return cfg, exitOK, true
}

// load loads the annotated packages cfg's patterns match (to generate
// or check, with the annotated packages they import whose generated
// package is missing: see withMissingImports) and reads their schema
// locks. It reports problems itself: ok == false means exit 1.
func load(ctx context.Context, cfg config, stderr io.Writer) (pkgs []*annotate.Package, locks gen.Locks, ok bool) {
	pkgs, err := annotate.Load(ctx, cfg.wd, cfg.patterns...)
	if err != nil {
		report(stderr, cfg.wd, err)
		return nil, nil, false
	}
	if cfg.mode != modeBreaking {
		pkgs, err = withMissingImports(cfg.wd, pkgs)
		if err != nil {
			report(stderr, cfg.wd, err)
			return nil, nil, false
		}
	}
	locks, err = readLocks(ctx, cfg.wd, pkgs)
	if err != nil {
		report(stderr, cfg.wd, err)
		return nil, nil, false
	}
	return pkgs, locks, true
}

// noInterfaces reports that the patterns match no annotated package.
func noInterfaces(cfg config, stderr io.Writer) int {
	fmt.Fprintf(stderr, "ifacegen: no //ipc:interface found in %s\n", strings.Join(cfg.patterns, " "))
	return exitProblems
}

// generateOutputs generates every file of pkgs, in memory.
func generateOutputs(ctx context.Context, cfg config, pkgs []*annotate.Package, locks gen.Locks, stderr io.Writer) ([]output, bool) {
	generated, err := gen.GenerateAll(ctx, pkgs, locks)
	if err != nil {
		report(stderr, cfg.wd, err)
		return nil, false
	}
	outputs := make([]output, len(pkgs))
	for i, pkg := range pkgs {
		outputs[i] = output{dir: pkg.IPCDir, files: generated[i]}
	}
	return outputs, true
}

// runGenerate is the default mode: generate and write.
func runGenerate(ctx context.Context, cfg config, stdout, stderr io.Writer) int {
	pkgs, locks, ok := load(ctx, cfg, stderr)
	if !ok {
		return exitProblems
	}
	if len(pkgs) == 0 {
		return noInterfaces(cfg, stderr)
	}
	outputs, ok := generateOutputs(ctx, cfg, pkgs, locks, stderr)
	if !ok {
		return exitProblems
	}
	written, err := writeAll(outputs)
	if err == nil {
		printNotes(stderr, cfg.wd, generationHints(pkgs, locks, outputs))
	}
	if cfg.verbose {
		for _, name := range written {
			fmt.Fprintln(stdout, relative(cfg.wd, name))
		}
	}
	if err != nil {
		report(stderr, cfg.wd, err)
		return exitProblems
	}
	return exitOK
}

// runCheck is -check: it generates in memory, compares the outputs with
// the files on disk and looks for stray generated files below the packages
// the patterns match. It goes on without annotated packages: what was
// generated before may be left over.
func runCheck(ctx context.Context, cfg config, stdout, stderr io.Writer) int {
	pkgs, locks, ok := load(ctx, cfg, stderr)
	if !ok {
		return exitProblems
	}
	outputs, ok := generateOutputs(ctx, cfg, pkgs, locks, stderr)
	if !ok {
		return exitProblems
	}
	matched, err := matchPackages(ctx, cfg.wd, cfg.patterns)
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
		if len(pkgs) == 0 {
			return noInterfaces(cfg, stderr)
		}
		return exitOK
	}
	printStaleness(stdout, cfg.wd, s)
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
	pats := strings.Join(cfg.patterns, " ")
	fmt.Fprintf(stderr, "ifacegen: %s out of date; regenerate with go generate %s (or go tool ifacegen %s)%s\n", what, pats, pats, tail)
	return exitProblems
}

// runBreaking is -breaking: it compares the schemas generated now (and
// the baseline schemas of matched packages that no longer declare an
// //ipc:interface) with the baseline's, and prints the findings. Only the
// wire contract matters: no bindings, no proxies.
func runBreaking(ctx context.Context, cfg config, stdout, stderr io.Writer) int {
	pkgs, locks, ok := load(ctx, cfg, stderr)
	if !ok {
		return exitProblems
	}
	schemas, err := gen.Schemas(pkgs, locks)
	if err != nil {
		report(stderr, cfg.wd, err)
		return exitProblems
	}
	outputs := make([]output, len(pkgs))
	for i, pkg := range pkgs {
		outputs[i] = output{dir: pkg.IPCDir, files: []gen.File{{Name: pkg.Name + ".capnp", Data: schemas[i]}}}
	}
	base, err := openBaseline(ctx, cfg.wd, cfg.against)
	if err != nil {
		fmt.Fprintln(stderr, "ifacegen:", err)
		return exitProblems
	}
	matched, err := matchPackages(ctx, cfg.wd, cfg.patterns)
	if err != nil {
		fmt.Fprintln(stderr, "ifacegen:", err)
		return exitProblems
	}
	bpkgs, err := breakingPackages(ctx, cfg.wd, base, pkgs, outputs, matched)
	if err != nil {
		report(stderr, cfg.wd, err)
		return exitProblems
	}
	findings := breaking.Compare(bpkgs)
	var hints []*annotate.Error
	for _, b := range bpkgs {
		hints = append(hints, methodHints(b.Model, b.Old, b.New)...)
	}
	printNotes(stderr, cfg.wd, hints)
	if err := printFindings(stdout, cfg.wd, cfg.format, findings); err != nil {
		fmt.Fprintln(stderr, "ifacegen:", err)
		return exitProblems
	}
	switch {
	case len(findings) > 0:
		return exitBreaking
	case len(pkgs) == 0:
		return noInterfaces(cfg, stderr)
	}
	return exitOK
}

// report prints err to w, one problem per line, with file names made
// relative to wd where that is shorter.
func report(w io.Writer, wd string, err error) {
	var list annotate.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			pos := e.Pos
			if pos.Filename == "" {
				fmt.Fprintf(w, "ifacegen: %s\n", e.Msg)
				continue
			}
			pos.Filename = filepath.ToSlash(relative(wd, pos.Filename))
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
