// Package gen turns a model into the files of a generated package.
//
// Generate is the one entry point: the schema text and the CodeGeneratorRequest
// come from gen/schema, the bindings from capnpc-go run on that request, and
// the proxies from gen/proxy. Nothing here writes files; cmd/ifacegen does.
package gen

import (
	"context"
	"fmt"

	"github.com/ifacegen/ifacegen/annotate"
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
func Generate(ctx context.Context, pkg *annotate.Package) ([]File, error) {
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
