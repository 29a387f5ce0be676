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
// cppPeerSource is one C++ peer program: its source and the schema it is
// built from.
type cppPeerSource struct {
	name   string // the executable's name, e.g. "interop"
	schema string // the schema ifacegen emits, relative to this directory
	source string // the C++ program, relative to this directory
}

var (
	interopSource = cppPeerSource{"interop", "interopapi/interopapiipc/interopapi.capnp", "cpp/interop.c++"}
	conformSource = cppPeerSource{"conform", "conformapi/conformapiipc/conformapi.capnp", "cpp/conform.c++"}
)

// cppPeer is a C++ peer program, built once per test binary.
type cppPeer struct {
	src      cppPeerSource
	once     sync.Once
	buildDir string
	path     string // the executable; "" when skip or err is set
	skip     string // why the tools to build it are missing
	err      error
}

var (
	interopPeer = &cppPeer{src: interopSource}
	conformPeer = &cppPeer{src: conformSource}
)

// cppProgram returns the path of the interop peer, building it on first
// use; it skips the test when the tools to build it are missing.
func cppProgram(t *testing.T) string { return interopPeer.program(t) }

// program returns the path of p, building it on first use.
func (p *cppPeer) program(t *testing.T) string {
	t.Helper()
	p.once.Do(p.build)
	if p.skip != "" {
		t.Skip(p.skip)
	}
	if p.err != nil {
		t.Fatal(p.err)
	}
	return p.path
}

// remove deletes p's build directory, if it was built.
func (p *cppPeer) remove() {
	if p.buildDir != "" {
		os.RemoveAll(p.buildDir)
	}
}

// missingTools names the tools the C++ peers need that are missing, or
// returns "".
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

func (p *cppPeer) build() {
	if p.skip = missingTools(); p.skip != "" {
		return
	}
	dir, err := os.MkdirTemp("", "ifacegen-"+p.src.name+"-")
	if err != nil {
		p.err = err
		return
	}
	p.buildDir = dir
	p.path, p.err = p.src.buildIn(dir)
}

// buildIn compiles the schema with capnp's C++ generator and the program
// against it into dir, and returns the executable's path.
func (src cppPeerSource) buildIn(dir string) (string, error) {
	include := filepath.Join(dir, "include")
	gen := filepath.Join(dir, "gen")
	for _, d := range []string{include, gen} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return "", err
		}
	}
	if err := os.WriteFile(filepath.Join(include, "go.capnp"), schema.GoCapnp(), 0o644); err != nil {
		return "", err
	}
	schemaText, err := os.ReadFile(src.schema)
	if err != nil {
		return "", err
	}
	schemaName := filepath.Base(src.schema)
	if err := os.WriteFile(filepath.Join(gen, schemaName), schemaText, 0o644); err != nil {
		return "", err
	}
	if err := runTool(gen, "capnp", "compile", "-I"+include, "-oc++", schemaName); err != nil {
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
	cppSrc, err := filepath.Abs(src.source)
	if err != nil {
		return "", err
	}
	units := [][2]string{ // source, object
		{filepath.Join(gen, schemaName+".c++"), filepath.Join(dir, "schema.o")},
		{cppSrc, filepath.Join(dir, src.name+".o")},
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
	exe := filepath.Join(dir, src.name)
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
