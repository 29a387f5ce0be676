package main

import (
	"fmt"
	"net"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain installs this test binary as the command "demo" for the
// scripts, so that they run the demo's roles as separate processes, and
// the demo spawns and starts copies of itself as it does when built.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"demo": main})
}

// TestScripts runs testdata/script/*.txtar: the whole story, a node and a
// gui started by hand (on a unix socket and on TCP, $FREEPORT), the debug log, and the errors of roles started
// wrongly.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			port, err := freePort()
			if err != nil {
				return err
			}
			e.Setenv("FREEPORT", strconv.Itoa(port))
			return nil
		},
		Condition: func(cond string) (bool, error) {
			if cond != "landlock" {
				return false, fmt.Errorf("unknown condition %q", cond)
			}
			return haveLandlock(), nil
		},
	})
}

// requireLandlockEnv, when set (CI sets it), makes the [landlock] condition
// true whatever the kernel, so that scripts fail instead of skipping where
// the wallet cannot be sandboxed.
const requireLandlockEnv = "IFACEGEN_REQUIRE_LANDLOCK"

// freePort returns a loopback TCP port that was free a moment ago, for a
// script that starts a node on TCP and a gui that must know the port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
