package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ifacegen/ifacegen/annotate"
)

// The benchmark corpus: a module of corpusPackages packages of
// corpusMethods methods each, over the kinds of types a real interface
// set uses: structs, optionals, lists, maps, [32]byte, enums, time.Time,
// //ipc:error sentinels, func-typed callbacks, interface-typed
// capabilities, and the types of another annotated package (base, which
// the others import). writeCorpus writes it; TestCorpus checks that it
// generates, builds and has the size it claims.
const (
	corpusModule   = "example.com/corpus"
	corpusPackages = 6  // base and svc1 … svc5
	corpusMethods  = 47 // Go interface methods per package: Store's, Listener.Changed and, in base, Handle.Close
)

// corpusPackageNames returns the names of the corpus's packages, base
// first.
func corpusPackageNames() []string {
	names := []string{"base"}
	for k := 1; k < corpusPackages; k++ {
		names = append(names, fmt.Sprintf("svc%d", k))
	}
	return names
}

// writeCorpus writes the corpus module into dir. Its go.mod requires this
// repository (root) through a replace directive, and goSum is its go.sum.
func writeCorpus(dir, root string, goSum []byte) error {
	mod := strings.ReplaceAll(demoGoMod, "example.com/demo", corpusModule)
	mod = strings.ReplaceAll(mod, "$ROOT", filepath.ToSlash(root))
	files := map[string]string{"go.mod": mod, "go.sum": string(goSum)}
	for _, name := range corpusPackageNames() {
		files[filepath.Join(name, name+".go")] = corpusPackage(name)
	}
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// corpusPackage returns the source of one corpus package. base declares
// the shared types (Ref, Kind, Block, Handle) itself; the others import
// them from base.
func corpusPackage(name string) string {
	q := "base." // how the package names base's declarations
	if name == "base" {
		q = ""
	}
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("// Package %s is part of ifacegen's generation benchmark corpus.", name)
	w("package %s", name)
	w("")
	w("import (")
	w("\t\"context\"")
	w("\t\"errors\"")
	w("\t\"time\"")
	if q != "" {
		w("")
		w("\t%q", corpusModule+"/base")
	}
	w(")")
	if q == "" {
		w(`
// Ref names a block.
type Ref struct {
	Hash   [32]byte
	Height int32
}

// Kind is the kind of a block.
//
//ipc:enum
type Kind int32

// The kinds.
const (
	KindFull Kind = iota
	KindHeader
	KindPruned
)

// Block is a block as the services see it.
type Block struct {
	Ref     Ref
	Kind    Kind
	Parent  *Ref
	Txs     [][32]byte
	Time    time.Time
	Weights map[string]int64
}

// Handle keeps a registration alive until Close.
//
//ipc:interface
type Handle interface {
	// Close ends the registration.
	Close(ctx context.Context) error
}`)
	}
	w(`
// ErrNotFound is returned for an unknown record.
//
//ipc:error
var ErrNotFound = errors.New(%[1]q)

// ErrBusy is returned when the service cannot take more work.
//
//ipc:error
var ErrBusy = errors.New(%[2]q)

// State is the state of a record.
//
//ipc:enum
type State uint8

// The states.
const (
	StateNew State = iota
	StateLive
	StateGone
)

// Record is what the service stores.
type Record struct {
	ID      [32]byte
	Name    string
	Data    []byte
	Size    int64
	Ratio   float64
	Flags   []uint32
	Labels  map[string]string
	Note    *string
	Count   *int64
	State   State
	Updated time.Time
	Block   %[3]sRef
	Kind    %[3]sKind
}

// Filter selects records.
type Filter struct {
	Prefix string
	States []State
	Min    *int64
	Limit  int32
	Names  map[string]bool
}

// Progress is told how far a scan got; an error stops the scan.
type Progress func(ctx context.Context, done, total int64) error

// Listener is told about changed records.
//
//ipc:interface
type Listener interface {
	// Changed reports the new value of a record.
	Changed(ctx context.Context, r Record) error
}

// Store is the service.
//
//ipc:interface
type Store interface {`, name+": not found", name+": busy", q)
	methods := []string{
		"// Get%[1]d returns the record with the given ID, nil when there is none.\n\tGet%[1]d(ctx context.Context, id [32]byte) (*Record, error)",
		"// Put%[1]d stores r.\n\tPut%[1]d(ctx context.Context, r Record) error",
		"// List%[1]d returns the records f selects.\n\tList%[1]d(ctx context.Context, f Filter) ([]Record, error)",
		"// Tags%[1]d replaces the tags and returns the names under each.\n\tTags%[1]d(ctx context.Context, tags map[string]int64) (map[string][]string, error)",
		"// State%[1]d returns the state of a record.\n\tState%[1]d(ctx context.Context, id [32]byte) (State, error)",
		"// Watch%[1]d registers l until the handle is closed.\n\tWatch%[1]d(ctx context.Context, l Listener) (" + q + "Handle, error)",
		"// Scan%[1]d scans from..to, telling progress.\n\tScan%[1]d(ctx context.Context, from, to int64, progress Progress) (int64, error)",
		"// Block%[1]d returns the block ref names, nil when unknown.\n\tBlock%[1]d(ctx context.Context, ref " + q + "Ref, kind " + q + "Kind) (*" + q + "Block, error)",
		"// Find%[1]d returns the IDs of the records named name.\n\tFind%[1]d(ctx context.Context, name *string, limit *int32) (ids [][32]byte, more bool, err error)",
		"// Stats%[1]d returns counters.\n\tStats%[1]d(ctx context.Context) (count uint64, ratio float32, since time.Time, err error)",
	}
	storeMethods := corpusMethods - 1 // Listener.Changed
	if q == "" {
		storeMethods-- // Handle.Close
	}
	for i := range storeMethods {
		if i > 0 {
			w("")
		}
		w("\t"+methods[i%len(methods)], i/len(methods)+1)
	}
	w("}")
	return b.String()
}

// TestCorpus checks that the benchmark corpus is what it says: it
// generates without problems, the generated packages vet, and it has
// corpusPackages packages with corpusMethods methods of Go interfaces each
// (the func type Progress is a capability on top).
func TestCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the corpus's generated code; slow")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	goSum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := writeCorpus(dir, root, goSum); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GOPROXY", "off") // everything comes from the module cache building this test filled
	if code := run(context.Background(), []string{"-C", dir, "./..."}, io.Discard, os.Stderr); code != 0 {
		t.Fatalf("ifacegen ./... on the corpus exited %d", code)
	}
	pkgs, err := annotate.Load(context.Background(), dir, "./...")
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != corpusPackages {
		t.Errorf("the corpus has %d annotated packages, want %d", len(pkgs), corpusPackages)
	}
	for _, p := range pkgs {
		n := 0
		for _, in := range p.Interfaces {
			if in.Func == nil {
				n += len(in.Methods)
			}
		}
		if n != corpusMethods {
			t.Errorf("%s has %d methods, want %d", p.Path, n, corpusMethods)
		}
	}
	build := exec.Command("go", "vet", "./...")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go vet ./... in the corpus: %v\n%s", err, out)
	}
}
