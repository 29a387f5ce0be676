package coremining_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ifacegen/ifacegen/annotate"
	"github.com/ifacegen/ifacegen/gen"
	"github.com/ifacegen/ifacegen/gen/conform"
	"github.com/ifacegen/ifacegen/gen/schema"
)

// TestConformsToCore holds the generated schema to Bitcoin Core's
// mining.capnp (testdata/core, with the common.capnp and proxy.capnp it
// imports): zero wire differences — file, interface and struct IDs,
// ordinals, offsets, types, defaults — across everything they reach.
func TestConformsToCore(t *testing.T) {
	pkgs, err := annotate.Load(t.Context(), ".", ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 1 {
		t.Fatalf("loaded %d annotated packages, want 1", len(pkgs))
	}
	lockPath := filepath.Join(pkgs[0].IPCDir, pkgs[0].Name+".capnp")
	lockText, err := os.ReadFile(lockPath)
	if err != nil {
		t.Fatal(err)
	}
	locks := gen.Locks{pkgs[0].Path: {Filename: lockPath, Text: lockText}}
	if _, err := gen.Schemas(pkgs, locks); err != nil { // the committed lock applies
		t.Fatal(err)
	}
	ours, err := schema.Request(pkgs[0])
	if err != nil {
		t.Fatal(err)
	}
	core := filepath.Join("testdata", "core", "mining.capnp")
	theirs, err := conform.Compile(t.Context(), core)
	if errors.Is(err, conform.ErrNoCapnp) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	findings, err := conform.Compare(pkgs[0], ours, theirs, core)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		t.Errorf("%s: %s: %s", f.Pos, f.Rule, f.Message)
	}

	// The check is live: against ifacegen's own Mining API, which is not
	// Core's, it finds differences.
	own, err := annotate.Load(t.Context(), "..", "./mining")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gen.Schemas(own, nil); err != nil { // numbered from source: only its difference from Core matters
		t.Fatal(err)
	}
	ownReq, err := schema.Request(own[0])
	if err != nil {
		t.Fatal(err)
	}
	diffs, err := conform.Compare(own[0], ownReq, theirs, core)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) == 0 {
		t.Error("interfaces/mining conforms to Core's mining.capnp too; the comparison sees nothing")
	}
}
