package main

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "rewrite the expected output in testdata/script")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"ifacegen": main,
	})
}

// TestScripts runs the CLI scenarios in testdata/script. Each script starts
// in a fresh module (example.com/demo) that requires this repository's
// module through a replace directive, so generated code builds against the
// runtime in this tree. Module downloads are off: everything comes from the
// module cache that building this test already filled.
func TestScripts(t *testing.T) {
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
			e.Setenv("GOPROXY", "off")
			e.Setenv("GOFLAGS", "-mod=mod")
			e.Setenv("GOMODCACHE", goEnv("GOMODCACHE"))
			e.Setenv("GOCACHE", goEnv("GOCACHE"))
			e.Setenv("GOTOOLCHAIN", "local")
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
