package main

import (
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
// gui started by hand, the debug log, and the errors of roles started
// wrongly.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
	})
}
