package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/ifacegen/ifacegen/annotate"
	"github.com/ifacegen/ifacegen/gen/breaking"
	"github.com/ifacegen/ifacegen/gen/lock"
	"github.com/ifacegen/ifacegen/gen/schema"
)

// baseline reads the schemas of the version to compare with.
type baseline interface {
	// read returns the baseline content of the file at path (absolute,
	// in the current tree), or ok == false when the baseline has no such
	// file.
	read(ctx context.Context, path string) (data []byte, ok bool, err error)
	// String names the baseline in messages.
	String() string
	// restore returns the command that puts the baseline's version of
	// the file at path (absolute) in its place, with paths relative to
	// wd.
	restore(wd, path string) string
}

// openBaseline interprets -against: an existing directory is the root of a
// checkout of the same module (a file's baseline is the file at the same
// path relative to the module root); anything else must be a git revision
// of the repository that holds wd (read with git, without touching the
// work tree).
func openBaseline(ctx context.Context, wd, against string) (baseline, error) {
	dir := against
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(wd, dir)
	}
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return dirBaseline{root: dir}, nil
	}
	out, err := git(ctx, wd, "rev-parse", "--verify", "--quiet", "--end-of-options", against+"^{commit}")
	if err != nil {
		return nil, fmt.Errorf("-against %s is neither a directory nor a git revision of the repository in %s; name a checkout of the module or a commit, branch or tag (fetch it first: git fetch origin main)", against, wd)
	}
	return gitBaseline{ref: against, commit: strings.TrimSpace(string(out))}, nil
}

// dirBaseline is a checkout of the module in a directory.
type dirBaseline struct{ root string }

func (b dirBaseline) String() string { return b.root }

func (b dirBaseline) read(_ context.Context, path string) ([]byte, bool, error) {
	mod, err := moduleRoot(filepath.Dir(path))
	if err != nil {
		return nil, false, err
	}
	rel, err := filepath.Rel(mod, path)
	if err != nil {
		return nil, false, err
	}
	data, err := os.ReadFile(filepath.Join(b.root, rel))
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return data, true, nil
}

func (b dirBaseline) restore(wd, path string) string {
	from := path
	if mod, err := moduleRoot(filepath.Dir(path)); err == nil {
		if rel, err := filepath.Rel(mod, path); err == nil {
			from = filepath.Join(b.root, rel)
		}
	}
	return "cp " + filepath.ToSlash(relative(wd, from)) + " " + filepath.ToSlash(relative(wd, path))
}

// moduleRoot returns the directory of the go.mod that governs dir (which
// need not exist: its closest existing ancestor counts).
func moduleRoot(dir string) (string, error) {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("%s is not inside a Go module (no go.mod above it)", dir)
		}
		d = parent
	}
}

// gitBaseline is a commit of the repository.
type gitBaseline struct {
	ref    string // as given
	commit string // its hash
}

func (b gitBaseline) String() string { return b.ref }

func (b gitBaseline) read(ctx context.Context, path string) ([]byte, bool, error) {
	// Run git in the closest existing directory, with the path relative
	// to it: git resolves it against the repository root.
	dir := filepath.Dir(path)
	for {
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			break
		}
		dir = filepath.Dir(dir)
	}
	rel, err := filepath.Rel(dir, path)
	if err != nil {
		return nil, false, err
	}
	out, err := git(ctx, dir, "ls-tree", b.commit, "--", filepath.ToSlash(rel))
	if err != nil {
		return nil, false, err
	}
	// "<mode> blob <hash>\t<path>", or nothing when the commit has no such file.
	fields := strings.Fields(string(out))
	if len(fields) < 3 || fields[1] != "blob" {
		return nil, false, nil
	}
	data, err := git(ctx, dir, "cat-file", "blob", fields[2])
	if err != nil {
		return nil, false, err
	}
	return data, true, nil
}

func (b gitBaseline) restore(wd, path string) string {
	return "git checkout " + b.ref + " -- " + filepath.ToSlash(relative(wd, path))
}

// git runs git in dir and returns its standard output.
func git(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git %s (in %s): %v: %s", strings.Join(args, " "), dir, err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// breakingPackages builds what breaking.Compare needs: for every package
// with an //ipc:interface its generated schema (from outputs, in the order
// of pkgs) and its baseline, and for every matched package without one
// the baseline schema it may have had (<dir>/<name>ipc/<name>.capnp).
func breakingPackages(ctx context.Context, wd string, base baseline, pkgs []*annotate.Package, outputs []output, matched []matchedPackage) ([]*breaking.Package, error) {
	var out []*breaking.Package
	var errs []error
	readOld := func(path string) *lock.Schema {
		data, ok, err := base.read(ctx, path)
		if err != nil {
			errs = append(errs, fmt.Errorf("reading the baseline of %s from %s: %w", relative(wd, path), base, err))
			return nil
		}
		if !ok {
			return nil
		}
		s, err := lock.Parse(filepath.ToSlash(relative(wd, path))+" ("+base.String()+")", data)
		if err != nil {
			errs = append(errs, fmt.Errorf("the baseline schema: %w", err))
			return nil
		}
		return s
	}
	annotated := make(map[string]bool)
	for i, pkg := range pkgs {
		annotated[pkg.Dir] = true
		path := filepath.Join(pkg.IPCDir, pkg.Name+".capnp")
		var text []byte
		for _, f := range outputs[i].files {
			if f.Name == pkg.Name+".capnp" {
				text = f.Data
			}
		}
		cur, err := lock.Parse(filepath.ToSlash(relative(wd, path))+" (generated)", text)
		if err != nil {
			errs = append(errs, fmt.Errorf("internal error: the generated schema does not parse: %w", err))
			continue
		}
		var files []string
		for _, m := range matched {
			if m.Dir == pkg.Dir {
				files = m.Files
			}
		}
		clause := packageClause(files)
		if !clause.IsValid() && len(pkg.Interfaces) > 0 {
			clause = packageClause([]string{pkg.Interfaces[0].Pos.Filename})
		}
		out = append(out, &breaking.Package{
			Path:         pkg.Path,
			SchemaImport: schema.ImportPath(pkg),
			Clause:       clause,
			Model:        pkg,
			Old:          readOld(path),
			New:          cur,
			Restore:      base.restore(wd, path),
		})
	}
	for _, m := range matched {
		if annotated[m.Dir] || m.Name == "" {
			continue
		}
		ipcName := m.Name + "ipc"
		old := readOld(filepath.Join(m.Dir, ipcName, m.Name+".capnp"))
		if old == nil {
			continue
		}
		out = append(out, &breaking.Package{
			Path:         m.Path,
			SchemaImport: "/" + m.Path + "/" + ipcName + "/" + m.Name + ".capnp",
			Clause:       packageClause(m.Files),
			Old:          old,
		})
	}
	return out, errors.Join(errs...)
}

// Output formats of -breaking.
const (
	formatText   = "text"
	formatJSON   = "json"
	formatGitHub = "github"
)

// jsonFinding is one finding in -format json.
type jsonFinding struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
	Package string `json:"package"`
}

// printFindings writes findings to w in format, file names relative to wd
// with forward slashes. json is an array, "[]" when there are none; text
// and github print nothing then.
func printFindings(w io.Writer, wd, format string, findings []breaking.Finding) error {
	file := func(f breaking.Finding) string { return filepath.ToSlash(relative(wd, f.Pos.Filename)) }
	switch format {
	case formatJSON:
		list := make([]jsonFinding, 0, len(findings))
		for _, f := range findings {
			list = append(list, jsonFinding{File: file(f), Line: f.Pos.Line, Col: f.Pos.Column, Rule: f.Rule, Message: f.Message, Package: f.Package})
		}
		data, err := json.MarshalIndent(list, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", data)
		return err
	case formatGitHub:
		for _, f := range findings {
			// Workflow commands: properties and message are escaped as
			// the runner expects (%, CR, LF; also : and , in properties).
			if _, err := fmt.Fprintf(w, "::error file=%s,line=%d,col=%d,title=%s::%s\n",
				escapeProperty(file(f)), f.Pos.Line, f.Pos.Column, escapeProperty("ifacegen "+f.Rule), escapeData(f.Message)); err != nil {
				return err
			}
		}
	default:
		for _, f := range findings {
			if _, err := fmt.Fprintf(w, "%s:%d:%d: %s: %s\n", file(f), f.Pos.Line, f.Pos.Column, f.Rule, f.Message); err != nil {
				return err
			}
		}
	}
	return nil
}

func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
