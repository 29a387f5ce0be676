package mpexamples_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestGoServerUnderCppExample runs the unmodified C++ mpexample in a
// directory where "mpcalculator" is this test binary (TestMain serves
// goInit there with ipc.ServeSpawned and the libmultiprocess dialect) and
// "mpprinter" the C++ one. mpexample spawns both (argv[1] = the socket),
// calls construct and makeCalculator on the Go server, passing it the C++
// printer, and the Go calculator calls back into that printer through
// mpexample, on the callbackThread of each call: the printer's line
// appears, and mpexample shuts both children down and says "Bye!".
func TestGoServerUnderCppExample(t *testing.T) {
	dir := examples(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// mpexample spawns the programs beside its argv[0].
	tmp := t.TempDir()
	for name, target := range map[string]string{
		"mpexample":    filepath.Join(dir, "mpexample"),
		"mpprinter":    filepath.Join(dir, "mpprinter"),
		"mpcalculator": self,
	} {
		if err := os.Symlink(target, filepath.Join(tmp, name)); err != nil {
			t.Fatal(err)
		}
	}
	// A guard against a hang, not a measure: the run takes milliseconds.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(tmp, "mpexample"))
	cmd.Dir = tmp
	cmd.Stdin = strings.NewReader("1+1\n6*7\nexit\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("mpexample: %v\n%s", err, out)
	}
	for _, want := range []string{
		"mpprinter: Wow 1+1, that's a tough one, says Go.",
		"mpprinter: Wow 6*7, that's a tough one, says Go.",
		"Bye!",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("mpexample's output lacks %q:\n%s", want, out)
		}
	}
}
