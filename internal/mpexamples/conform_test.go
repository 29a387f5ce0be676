package mpexamples_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ifacegen/ifacegen/annotate"
	"github.com/ifacegen/ifacegen/gen"
	"github.com/ifacegen/ifacegen/gen/conform"
	"github.com/ifacegen/ifacegen/gen/schema"
	"github.com/ifacegen/ifacegen/internal/mpexamples"
)

// TestConformsToExamples holds the Go renditions of libmultiprocess's
// example schemas to the real files the C++ programs were built from:
// zero wire differences.
func TestConformsToExamples(t *testing.T) {
	src, ok, err := mpexamples.SourceDir()
	if !ok {
		t.Skipf("%s is not set; run .ci/libmultiprocess and set it to the directory it prints (.ci/run does)", mpexamples.EnvVar)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ pkg, file string }{
		{"./printer", "printer.capnp"},
		{"./calculator", "calculator.capnp"},
		{"./mpinit", "init.capnp"},
	} {
		t.Run(c.file, func(t *testing.T) {
			pkgs, err := annotate.Load(t.Context(), ".", c.pkg)
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
			file := filepath.Join(src, "example", c.file)
			theirs, err := conform.Compile(t.Context(), file, filepath.Join(src, "include"))
			if errors.Is(err, conform.ErrNoCapnp) {
				t.Fatal(err) // the examples were built, so capnp is installed
			}
			if err != nil {
				t.Fatal(err)
			}
			findings, err := conform.Compare(pkgs[0], ours, theirs, file)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range findings {
				t.Errorf("%s: %s: %s", f.Pos, f.Rule, f.Message)
			}
		})
	}
}
