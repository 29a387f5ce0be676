// Package golden_test checks that the committed output of every golden case
// (and of the example interfaces) is exactly what ifacegen generates now.
//
// Each case is a real package under golden/ with its generated <name>ipc/
// subpackage committed beside it; `go build ./...` compiles both, and the
// round-trip tests inside the cases run them over a real socket pair.
package golden_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ifacegen/ifacegen/annotate"
	"github.com/ifacegen/ifacegen/gen"
)

var update = flag.Bool("update", false, "rewrite the committed generated files")

func TestGoldenOutputIsCurrent(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	pkgs, err := annotate.Load(ctx, root, "./golden/...", "./interfaces/...")
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) == 0 {
		t.Fatal("no golden cases found")
	}
	for _, pkg := range pkgs {
		t.Run(pkg.Path, func(t *testing.T) {
			files, err := gen.Generate(ctx, pkg, committedLocks(t, pkg))
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				path := filepath.Join(pkg.IPCDir, f.Name)
				if *update {
					if err := os.MkdirAll(pkg.IPCDir, 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, f.Data, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Errorf("%v; run: go test ./golden -update", err)
					continue
				}
				if diff := cmp.Diff(string(want), string(f.Data)); diff != "" {
					rel, _ := filepath.Rel(root, path)
					t.Errorf("%s is stale (-committed +generated):\n%s\nrun: go test ./golden -update", rel, diff)
				}
			}
		})
	}
}

// committedLocks reads the committed schema of pkg and of each of its
// imports, transitively, as cmd/ifacegen does: the locks that keep their
// wire identity.
func committedLocks(t *testing.T, pkg *annotate.Package) gen.Locks {
	t.Helper()
	locks := make(gen.Locks)
	seen := make(map[string]bool)
	var visit func(p *annotate.Package)
	visit = func(p *annotate.Package) {
		if seen[p.Path] {
			return
		}
		seen[p.Path] = true
		for _, imp := range p.Imports {
			visit(imp)
		}
		path := filepath.Join(p.IPCDir, p.Name+".capnp")
		data, err := os.ReadFile(path)
		if err != nil {
			if !os.IsNotExist(err) {
				t.Fatal(err)
			}
			return
		}
		locks[p.Path] = gen.Lock{Filename: path, Text: data}
	}
	visit(pkg)
	return locks
}
