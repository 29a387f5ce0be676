package interop_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ifacegen/ifacegen/gen/schema"
)

// The committed inputs of the C++ peer, relative to this package.
const (
	schemaFile = "interopapi/interopapiipc/interopapi.capnp"
	cppSource  = "cpp/interop.c++"
)

// cppPeer is the C++ program, built at most once per test binary run and
// shared by every test; buildDir is removed by TestMain.
var cppPeer struct {
	once     sync.Once
	buildDir string
	path     string // the executable; "" when skip or err is set
	skip     string // why the tools to build it are missing
	err      error
}

// cppProgram returns the path of the C++ peer, building it on first use.
// It skips t when the tools are missing and fails t when the build fails.
func cppProgram(t *testing.T) string {
	t.Helper()
	cppPeer.once.Do(buildCppPeer)
	if cppPeer.skip != "" {
		t.Skip(cppPeer.skip)
	}
	if cppPeer.err != nil {
		t.Fatal(cppPeer.err)
	}
	return cppPeer.path
}

// missingTools reports which of the tools the C++ build needs are absent,
// or "" when all are there.
func missingTools() string {
	var missing []string
	for _, tool := range []string{"capnp", "g++", "pkg-config"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) == 0 {
		if err := exec.Command("pkg-config", "--exists", "capnp-rpc").Run(); err != nil {
			missing = append(missing, "libcapnp-dev (pkg-config capnp-rpc)")
		}
	}
	if len(missing) == 0 {
		return ""
	}
	return "C++ interop needs " + strings.Join(missing, ", ") +
		"; install with: apt-get install -y capnproto libcapnp-dev g++ pkg-config"
}

// buildCppPeer compiles the committed schema to C++ and builds the peer
// from it: capnp compile -oc++, then the two translation units in
// parallel (the machine may have few cores; -O0 keeps each short), then
// the link.
func buildCppPeer() {
	if cppPeer.skip = missingTools(); cppPeer.skip != "" {
		return
	}
	dir, err := os.MkdirTemp("", "ifacegen-interop-")
	if err != nil {
		cppPeer.err = err
		return
	}
	cppPeer.buildDir = dir
	cppPeer.path, cppPeer.err = buildIn(dir)
}

func buildIn(dir string) (string, error) {
	include := filepath.Join(dir, "include")
	gen := filepath.Join(dir, "gen")
	for _, d := range []string{include, gen} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return "", err
		}
	}
	// The schema imports "/go.capnp" for its $Go annotations.
	if err := os.WriteFile(filepath.Join(include, "go.capnp"), schema.GoCapnp(), 0o644); err != nil {
		return "", err
	}
	src, err := os.ReadFile(schemaFile)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(gen, filepath.Base(schemaFile)), src, 0o644); err != nil {
		return "", err
	}
	if err := runTool(gen, "capnp", "compile", "-I"+include, "-oc++", filepath.Base(schemaFile)); err != nil {
		return "", err
	}

	cflags, err := pkgConfig("--cflags")
	if err != nil {
		return "", err
	}
	libs, err := pkgConfig("--libs")
	if err != nil {
		return "", err
	}
	cppSrc, err := filepath.Abs(cppSource)
	if err != nil {
		return "", err
	}
	units := [][2]string{ // source, object
		{filepath.Join(gen, "interopapi.capnp.c++"), filepath.Join(dir, "interopapi.o")},
		{cppSrc, filepath.Join(dir, "interop.o")},
	}
	errs := make(chan error, len(units))
	var objects []string
	for _, u := range units {
		objects = append(objects, u[1])
		go func() {
			args := append([]string{"-std=c++17", "-O0", "-I", gen, "-c", "-o", u[1], u[0]}, cflags...)
			errs <- runTool(dir, "g++", args...)
		}()
	}
	for range units {
		if e := <-errs; e != nil && err == nil {
			err = e
		}
	}
	if err != nil {
		return "", err
	}
	exe := filepath.Join(dir, "interop")
	args := append(append([]string{"-o", exe}, objects...), libs...)
	if err := runTool(dir, "g++", args...); err != nil {
		return "", err
	}
	return exe, nil
}

// pkgConfig returns pkg-config's flags of the given kind for capnp-rpc.
func pkgConfig(kind string) ([]string, error) {
	out, err := exec.Command("pkg-config", kind, "capnp-rpc").Output()
	if err != nil {
		return nil, fmt.Errorf("pkg-config %s capnp-rpc: %w", kind, err)
	}
	return strings.Fields(string(out)), nil
}

// runTool runs name in dir and returns an error with its output if it
// fails.
func runTool(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out.Bytes())
	}
	return nil
}
