// Package gen turns a model into the files of a generated package.
//
// Generate is the one entry point: the schema text and the CodeGeneratorRequest
// come from gen/schema, the bindings from capnpc-go run on that request, and
// the proxies from gen/proxy. Nothing here writes files; cmd/ifacegen does.
package gen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

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

// Generate returns the files of pkg's output package pkg.IPCName, sorted by
// name: <name>.capnp, <name>.capnp.go and <name>_ipc.go. capnpc-go is built
// from the module that contains pkg.Dir, so the bindings match the
// capnproto.org/go/capnp/v3 version that module builds with.
//
// Before rendering, the schema lock renumbers pkg and each of its imports
// (transitively) from the schema generated for it before (see LockSchema),
// so that editing Go code never moves anything on the wire. Generate
// changes those models in place; applying a lock twice changes nothing.
func Generate(ctx context.Context, pkg *annotate.Package) ([]File, error) {
	if err := applyLocks(pkg, make(map[*annotate.Package]bool)); err != nil {
		return nil, err
	}
	text, err := schema.Text(pkg)
	if err != nil {
		return nil, fmt.Errorf("%s: schema: %w", pkg.Path, err)
	}
	req, err := schema.Request(pkg)
	if err != nil {
		return nil, fmt.Errorf("%s: code generator request: %w", pkg.Path, err)
	}
	bindings, err := schema.Bindings(ctx, pkg.Dir, req)
	if err != nil {
		return nil, fmt.Errorf("%s: bindings: %w", pkg.Path, err)
	}
	proxies, err := proxy.Generate(pkg)
	if err != nil {
		return nil, fmt.Errorf("%s: proxies: %w", pkg.Path, err)
	}
	return []File{
		{Name: pkg.Name + ".capnp", Data: text},
		{Name: pkg.Name + ".capnp.go", Data: bindings},
		{Name: pkg.Name + "_ipc.go", Data: proxies},
	}, nil
}

// LockSchema returns the schema lock of pkg: the schema file
// <IPCDir>/<Name>.capnp parsed, when it exists and ifacegen generated it
// (it starts with lock.Header); nil, nil otherwise. A file without the
// header is left alone (cmd/ifacegen refuses to overwrite it). A file that
// has the header but does not parse is an error naming the file and the
// way out.
func LockSchema(pkg *annotate.Package) (*lock.Schema, error) {
	path := filepath.Join(pkg.IPCDir, pkg.Name+".capnp")
	src, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the schema lock: %w", err) // names the file
	}
	if !bytes.HasPrefix(src, []byte(lock.Header+"\n")) && !bytes.HasPrefix(src, []byte(lock.Header+"\r\n")) {
		return nil, nil
	}
	return lock.Parse(path, src)
}

// applyLocks applies the lock of pkg and of each of its imports, each
// once (done).
func applyLocks(pkg *annotate.Package, done map[*annotate.Package]bool) error {
	if done[pkg] {
		return nil
	}
	done[pkg] = true
	for _, imp := range pkg.Imports {
		if imp == nil {
			continue // schema.Text reports it
		}
		if err := applyLocks(imp, done); err != nil {
			return err
		}
	}
	old, err := LockSchema(pkg)
	if err != nil || old == nil {
		return err // a parse error names the file, line and column
	}
	return lock.Apply(pkg, old)
}
