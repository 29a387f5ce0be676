package mpexamples

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMPExampleSmoke runs the unmodified C++ mpexample, which spawns
// mpcalculator and mpprinter and talks to them over libmultiprocess's
// protocol, and checks that the printer's line arrives: the examples built
// by .ci/libmultiprocess work, so tests can use them as peers.
func TestMPExampleSmoke(t *testing.T) {
	dir, ok, err := Dir()
	if !ok {
		t.Skipf("%s is not set; run .ci/libmultiprocess and set it to the directory it prints (.ci/run does)", EnvVar)
	}
	if err != nil {
		t.Fatal(err)
	}
	// A guard against a hang, not a measure: the run takes milliseconds.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(dir, "mpexample"))
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader("1+1\nexit\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("mpexample: %v\n%s", err, out)
	}
	const want = "mpprinter: Wow 1+1, that's a tough one."
	if !strings.Contains(string(out), want) {
		t.Errorf("mpexample's output lacks %q:\n%s", want, out)
	}
	if !strings.Contains(string(out), "Bye!") {
		t.Errorf("mpexample did not exit on \"exit\":\n%s", out)
	}
}
