package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ifacegen/ifacegen/gen/schema"
	"github.com/ifacegen/ifacegen/internal/gencache"
	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "rewrite the expected output in testdata/script")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"ifacegen":        main,
		"ifacegen-status": statusMain,
		"gocapnp":         gocapnpMain,
	})
}

// statusMain is the script command "ifacegen-status N args…": it runs
// ifacegen with args and succeeds exactly when ifacegen's exit status is N
// (testscript's "! exec" accepts any non-zero status).
func statusMain() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: ifacegen-status <exit status> [ifacegen arguments]")
		os.Exit(2)
	}
	want, err := strconv.Atoi(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "ifacegen-status:", err)
		os.Exit(2)
	}
	got := run(context.Background(), os.Args[2:], os.Stdout, os.Stderr)
	if got != want {
		fmt.Fprintf(os.Stderr, "ifacegen-status: ifacegen exited with status %d, want %d\n", got, want)
		os.Exit(1)
	}
	os.Exit(0)
}

// gocapnpMain is the script command "gocapnp dir": it writes the go.capnp
// that generated schemas import (gen/schema.GoCapnp) to dir, so that
// "capnp compile -Idir" can compile them.
func gocapnpMain() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gocapnp <dir>")
		os.Exit(2)
	}
	if err := os.MkdirAll(os.Args[1], 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "gocapnp:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(filepath.Join(os.Args[1], "go.capnp"), schema.GoCapnp(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gocapnp:", err)
		os.Exit(1)
	}
}

// TestScripts runs the CLI scenarios in testdata/script. Each script starts
// in a fresh module (example.com/demo) that requires this repository's
// module through a replace directive, so generated code builds against the
// runtime in this tree. Module downloads are off: everything comes from the
// module cache that building this test already filled. The scripts share
// one ifacegen cache (IFACEGEN_CACHE), new for each run of the test, so
// capnpc-go is built once for all of them.
func TestScripts(t *testing.T) {
	cache := t.TempDir()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	goSum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	goEnv := func(name string) string {
		out, err := exec.Command("go", "env", name).Output()
		if err != nil {
			t.Fatalf("go env %s: %v", name, err)
		}
		return strings.TrimSpace(string(out))
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			mod := strings.ReplaceAll(demoGoMod, "$ROOT", filepath.ToSlash(root))
			if err := os.WriteFile(filepath.Join(e.WorkDir, "go.mod"), []byte(mod), 0o644); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(e.WorkDir, "go.sum"), goSum, 0o644); err != nil {
				return err
			}
			// The newcomer script starts from an empty module and points
			// it at this checkout itself (go mod edit -replace).
			e.Setenv("IFACEGEN_ROOT", filepath.ToSlash(root))
			e.Setenv("GOPROXY", "off")
			e.Setenv("GOFLAGS", "-mod=mod")
			e.Setenv("GOMODCACHE", goEnv("GOMODCACHE"))
			e.Setenv("GOCACHE", goEnv("GOCACHE"))
			e.Setenv("GOTOOLCHAIN", "local")
			e.Setenv(gencache.EnvVar, cache)
			e.Setenv("PATH", filepath.Join(goEnv("GOROOT"), "bin")+string(os.PathListSeparator)+os.Getenv("PATH"))
			return nil
		},
	})
}

// demoGoMod is the go.mod of every script's module; $ROOT is this repository.
const demoGoMod = `module example.com/demo

go 1.26

require (
	capnproto.org/go/capnp/v3 v3.1.0-alpha.2
	github.com/ifacegen/ifacegen v0.0.0
)

replace github.com/ifacegen/ifacegen => $ROOT
`
