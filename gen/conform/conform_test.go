package conform

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Without the capnp compiler, Compile says so plainly.
func TestCompileWithoutCapnp(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	file := filepath.Join(t.TempDir(), "x.capnp")
	if err := os.WriteFile(file, []byte("@0xe0b4c5d7a2f31968;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Compile(t.Context(), file)
	if !errors.Is(err, ErrNoCapnp) {
		t.Fatalf("Compile without capnp on PATH: %v, want ErrNoCapnp", err)
	}
}

// Compare rejects bytes that are not a request.
func TestCompareRejectsGarbage(t *testing.T) {
	if _, err := Compare(nil, []byte("not a message"), nil, "x.capnp"); err == nil {
		t.Fatal("Compare accepted garbage")
	}
}
