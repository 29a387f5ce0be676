package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ifacegen/ifacegen/gen/schema"
)

// BenchmarkGenerateExamples measures regenerating the example interfaces
// (./interfaces/...), against the schema-first baseline measured in the same
// run: the capnp compiler with capnpc-go turning the same schemas into
// bindings, which is what a hand-written-schema workflow runs on every change.
//
//   - warm: ifacegen in this process, Go build and module caches warm.
//   - cold: the ifacegen binary in a new process with an empty GOCACHE, so
//     loading the packages and building capnpc-go start from nothing. Slow:
//     run it with -benchtime=1x.
//   - go-build-cold: the baseline for cold: go build of the same packages
//     with an empty GOCACHE, which a fresh checkout pays anyway.
//   - capnp-compile: the baseline for warm; needs capnp (skips without it).
func BenchmarkGenerateExamples(b *testing.B) {
	root, err := filepath.Abs("../..")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()

	b.Run("warm", func(b *testing.B) {
		for b.Loop() {
			if code := run(ctx, []string{"-C", root, "./interfaces/..."}, io.Discard, os.Stderr); code != 0 {
				b.Fatalf("ifacegen exited %d", code)
			}
		}
	})

	b.Run("cold", func(b *testing.B) {
		bin := filepath.Join(b.TempDir(), "ifacegen")
		build := exec.Command("go", "build", "-o", bin, ".")
		if out, err := build.CombinedOutput(); err != nil {
			b.Fatalf("go build: %v\n%s", err, out)
		}
		for b.Loop() {
			b.StopTimer()
			cache := b.TempDir()
			b.StartTimer()
			cmd := exec.Command(bin, "./interfaces/...")
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "GOCACHE="+cache, "GOFLAGS=-mod=mod")
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("ifacegen: %v\n%s", err, out)
			}
			b.StopTimer()
			exec.Command("chmod", "-R", "u+w", cache).Run() // the go command writes read-only files
			b.StartTimer()
		}
	})

	// The baseline for cold: what any Go user pays on an empty build cache
	// anyway, building the same packages (generated code included).
	b.Run("go-build-cold", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			cache := b.TempDir()
			b.StartTimer()
			cmd := exec.Command("go", "build", "./interfaces/...")
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "GOCACHE="+cache, "GOFLAGS=-mod=mod")
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("go build: %v\n%s", err, out)
			}
			b.StopTimer()
			exec.Command("chmod", "-R", "u+w", cache).Run()
			b.StartTimer()
		}
	})

	b.Run("capnp-compile", func(b *testing.B) {
		if _, err := exec.LookPath("capnp"); err != nil {
			b.Skip("capnp not installed (apt-get install capnproto)")
		}
		dir := b.TempDir()
		plugin := filepath.Join(dir, "capnpc-go")
		build := exec.Command("go", "build", "-o", plugin, "capnproto.org/go/capnp/v3/capnpc-go")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			b.Fatalf("go build capnpc-go: %v\n%s", err, out)
		}
		if err := os.WriteFile(filepath.Join(dir, "go.capnp"), schema.GoCapnp(), 0o644); err != nil {
			b.Fatal(err)
		}
		schemas, err := filepath.Glob(filepath.Join(root, "interfaces", "*", "*ipc", "*.capnp"))
		if err != nil || len(schemas) == 0 {
			b.Fatalf("no example schemas found (%v)", err)
		}
		out := filepath.Join(dir, "out")
		if err := os.Mkdir(out, 0o755); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			for _, s := range schemas {
				cmd := exec.Command("capnp", "compile", "-I"+dir, "--src-prefix="+filepath.Dir(s), "-o"+plugin+":"+out, s)
				if msg, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("capnp compile: %v\n%s", err, msg)
				}
			}
		}
	})
}
