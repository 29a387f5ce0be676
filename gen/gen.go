// Package gen turns a model into the files of a generated package.
//
// Generate is the entry point, and GenerateAll the same for many packages at
// once: the schema text and the CodeGeneratorRequest come from gen/schema,
// the bindings from capnpc-go run on that request, and the proxies from
// gen/proxy. Nothing here reads or writes files: the schema locks come in
// as bytes (Locks), the files go out as bytes; cmd/ifacegen reads and
// writes them.
package gen

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/ifacegen/ifacegen/annotate"
	"github.com/ifacegen/ifacegen/gen/lock"
	"github.com/ifacegen/ifacegen/gen/proxy"
	"github.com/ifacegen/ifacegen/gen/schema"
)

// File is one generated file, named relative to the output directory.
type File struct {
	Name string
	Data []byte
}

// Lock is the schema generated for a package before (its committed
// <IPCDir>/<Name>.capnp), which fixes the package's wire identity; see
// package gen/lock.
type Lock struct {
	Filename string // where it was read from, for messages
	Text     []byte
}

// Locks maps the import path of a package (annotate.Package.Path) to its
// schema lock. A package without one is numbered in source order: a new
// package, or one whose schema was deleted on purpose.
type Locks map[string]Lock

// Generate returns the files of pkg's output package pkg.IPCName, sorted by
// name: <name>.capnp, <name>.capnp.go and <name>_ipc.go. capnpc-go is built
// from the module that contains pkg.Dir, so the bindings match the
// capnproto.org/go/capnp/v3 version that module builds with.
//
// Before rendering, the schema lock renumbers pkg and each of its imports
// (transitively) from the schema generated for it before (locks[Path]),
// so that editing Go code never moves anything on the wire. Generate
// changes those models in place; applying a lock twice changes nothing.
//
// To generate several packages, call GenerateAll: it builds capnpc-go once
// rather than once per package.
func Generate(ctx context.Context, pkg *annotate.Package, locks Locks) ([]File, error) {
	files, err := GenerateAll(ctx, []*annotate.Package{pkg}, locks)
	if err != nil {
		return nil, err
	}
	return files[0], nil
}

// GenerateAll is Generate for each of pkgs: files[i] is what
// Generate(ctx, pkgs[i], locks) returns, byte for byte, and the error is
// the one that calling Generate on each package in order would stop at,
// except that problems in the source found while generating proxies (an
// annotate.ErrorList) are collected from every package and returned
// together. It has the go command build capnpc-go once per module (the
// module that contains pkg.Dir) rather than once per package (see
// schema.BindingsAll), which saves most of the time Generate takes. The
// proxies of the packages are generated side by side, as many at once as
// GOMAXPROCS, while capnpc-go runs (or its cached bindings are read).
func GenerateAll(ctx context.Context, pkgs []*annotate.Package, locks Locks) ([][]File, error) {
	// The schemas and requests, in order, up to the first error: locks
	// change the models, so this part is sequential.
	var (
		done      = make(map[*annotate.Package]bool)
		parts     []packageParts
		schemaErr error
	)
	for _, pkg := range pkgs {
		p, err := renderSchema(pkg, locks, done)
		if err != nil {
			schemaErr = err
			break
		}
		parts = append(parts, p)
	}
	// The proxies of those packages and their bindings, side by side: a
	// package's proxies read only its model and its imports', which are
	// locked by now, and the bindings only the requests.
	var (
		wg          sync.WaitGroup
		bindings    [][]byte
		bindFailed  int // the first package whose bindings failed
		bindErr     error
		proxyErrs   = make([]error, len(parts))
		sem         = make(chan struct{}, runtime.GOMAXPROCS(0))
		schemaPkgs  = pkgs[:len(parts)]
		bindingDone = make(chan struct{})
	)
	go func() {
		defer close(bindingDone)
		bindings, bindFailed, bindErr = bindAll(ctx, schemaPkgs, parts)
	}()
	for i, pkg := range schemaPkgs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			parts[i].proxies, proxyErrs[i] = proxy.Generate(pkg)
		})
	}
	wg.Wait()
	<-bindingDone
	// Problems in the user's source that only the proxy generator sees
	// (an annotate.ErrorList: a name that collides with the bindings, an
	// unexported type) do not stop the others: every package's are
	// reported together, as annotate reports its own. Otherwise the error
	// is the one generating package by package would stop at: a package's
	// bindings fail before its proxies, and both before the next
	// package's schema.
	var sourceErrs annotate.ErrorList
	stopErr, stopAt := schemaErr, len(parts)
	for i, err := range proxyErrs {
		var list annotate.ErrorList
		switch {
		case errors.As(err, &list):
			sourceErrs = append(sourceErrs, list...)
		case err != nil && stopAt == len(parts):
			stopErr, stopAt = fmt.Errorf("%s: proxies: %w", pkgs[i].Path, err), i
		}
	}
	if stopErr == nil && len(sourceErrs) > 0 {
		return nil, sourceErrs
	}
	if bindErr != nil && bindFailed <= stopAt {
		return nil, bindErr
	}
	if stopErr != nil {
		return nil, stopErr
	}
	files := make([][]File, len(pkgs))
	for i, pkg := range pkgs {
		files[i] = []File{
			{Name: pkg.Name + ".capnp", Data: parts[i].text},
			{Name: pkg.Name + ".capnp.go", Data: bindings[i]},
			{Name: pkg.Name + "_ipc.go", Data: parts[i].proxies},
		}
	}
	return files, nil
}

// Schemas returns the schema text of each of pkgs, with the locks applied
// as GenerateAll applies them: schemas[i] is the <name>.capnp file
// GenerateAll returns for pkgs[i]. It runs neither capnpc-go nor the proxy
// generator, for callers that need only the wire contract (the breaking
// check).
func Schemas(pkgs []*annotate.Package, locks Locks) ([][]byte, error) {
	done := make(map[*annotate.Package]bool)
	schemas := make([][]byte, len(pkgs))
	for i, pkg := range pkgs {
		if err := applyLocks(pkg, locks, done); err != nil {
			return nil, err
		}
		text, err := schema.Text(pkg)
		if err != nil {
			return nil, fmt.Errorf("%s: schema: %w", pkg.Path, err)
		}
		schemas[i] = text
	}
	return schemas, nil
}

// packageParts is what GenerateAll makes of one package before capnpc-go
// runs.
type packageParts struct {
	text    []byte // the schema
	request []byte // the CodeGeneratorRequest for capnpc-go
	proxies []byte
}

// renderSchema applies the locks of pkg and its imports (each once: done)
// and renders the schema text and the CodeGeneratorRequest.
func renderSchema(pkg *annotate.Package, locks Locks, done map[*annotate.Package]bool) (packageParts, error) {
	if err := applyLocks(pkg, locks, done); err != nil {
		return packageParts{}, err
	}
	text, err := schema.Text(pkg)
	if err != nil {
		return packageParts{}, fmt.Errorf("%s: schema: %w", pkg.Path, err)
	}
	req, err := schema.Request(pkg)
	if err != nil {
		return packageParts{}, fmt.Errorf("%s: code generator request: %w", pkg.Path, err)
	}
	return packageParts{text: text, request: req}, nil
}

// bindAll returns the bindings of each of pkgs from parts[i].request, with
// one schema.BindingsAll per module; the error is that of the first
// package, in order, whose bindings failed, and failed its index.
func bindAll(ctx context.Context, pkgs []*annotate.Package, parts []packageParts) (bindings [][]byte, failed int, err error) {
	type group struct {
		dir     string // where capnpc-go runs: the first package's directory
		indexes []int  // into pkgs
	}
	var groups []*group
	byModule := make(map[string]*group)
	for i, pkg := range pkgs {
		key := moduleKey(pkg.Dir)
		g := byModule[key]
		if g == nil {
			g = &group{dir: pkg.Dir}
			byModule[key] = g
			groups = append(groups, g)
		}
		g.indexes = append(g.indexes, i)
	}
	bindings = make([][]byte, len(pkgs))
	failed = -1
	var failure error
	for _, g := range groups {
		requests := make([][]byte, len(g.indexes))
		for k, i := range g.indexes {
			requests[k] = parts[i].request
		}
		out, err := schema.BindingsAll(ctx, g.dir, requests)
		for k, b := range out {
			bindings[g.indexes[k]] = b
		}
		if err == nil {
			continue
		}
		failedHere, failureHere := g.indexes[0], err
		var berr *schema.BindingsError
		if errors.As(err, &berr) {
			failedHere, failureHere = g.indexes[berr.Index], berr.Err
		}
		if ctx.Err() != nil {
			return nil, failedHere, fmt.Errorf("%s: bindings: %w", pkgs[failedHere].Path, failureHere)
		}
		if failed < 0 || failedHere < failed {
			failed, failure = failedHere, failureHere
		}
	}
	if failed >= 0 {
		return nil, failed, fmt.Errorf("%s: bindings: %w", pkgs[failed].Path, failure)
	}
	return bindings, -1, nil
}

// moduleKey names what decides the capnpc-go that the go command builds in
// dir: the nearest go.mod and go.work above it (GOWORK and the rest of the
// environment are the same for every directory).
func moduleKey(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	var mod, work string
	for d := dir; ; {
		if mod == "" && exists(filepath.Join(d, "go.mod")) {
			mod = d
		}
		if work == "" && exists(filepath.Join(d, "go.work")) {
			work = d
		}
		parent := filepath.Dir(d)
		if parent == d || mod != "" && work != "" {
			break
		}
		d = parent
	}
	if mod == "" {
		return "dir " + dir // no module: as many runs as directories, as before
	}
	return mod + string(filepath.ListSeparator) + work
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// applyLocks applies the lock of pkg and of each of its imports, each
// once (done). A lock that does not parse is an error naming its file,
// line and column.
func applyLocks(pkg *annotate.Package, locks Locks, done map[*annotate.Package]bool) error {
	if done[pkg] {
		return nil
	}
	done[pkg] = true
	for _, imp := range pkg.Imports {
		if imp == nil {
			continue // schema.Text reports it
		}
		if err := applyLocks(imp, locks, done); err != nil {
			return err
		}
	}
	l, ok := locks[pkg.Path]
	if !ok {
		return nil
	}
	old, err := lock.Parse(l.Filename, l.Text)
	if err != nil {
		return err
	}
	return lock.Apply(pkg, old)
}
