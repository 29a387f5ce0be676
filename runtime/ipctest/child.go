//go:build unix

package ipctest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// ChildEnv names the environment variable that tells a re-run test binary
// which helper child to be.
const ChildEnv = "IFACEGEN_IPCTEST_CHILD"

// RunChild, called at the start of TestMain, turns the test binary into a
// helper child when Spawn or Command started it as one: it runs
// children[name] for the name they were given and then exits with status
// 0 (a child ends otherwise by calling os.Exit itself, or by panicking).
// An unknown name exits with status 2 and a message. When the binary was
// not started as a child, RunChild returns at once and TestMain goes on
// to run the tests.
func RunChild(children map[string]func()) {
	name, ok := os.LookupEnv(ChildEnv)
	if !ok {
		return
	}
	os.Unsetenv(ChildEnv) // the child's own children are not helpers by default
	run, ok := children[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "ipctest: no helper child named %q; register it with ipctest.RunChild in TestMain\n", name)
		os.Exit(2)
	}
	run()
	os.Exit(0)
}

// Command returns a command that re-runs the test binary as the helper
// child name, without an IPC connection: for helpers that are not IPC
// children themselves. Its environment is this process's with ChildEnv
// set. The test binary's TestMain must call RunChild. To spawn an IPC
// child from inside another helper, where there is no testing.TB for
// Spawn, start this command with ipc.Spawn:
//
//	cmd := ipctest.Command("echo")
//	proc, boot, err := ipc.Spawn(ctx, cmd.Path, cmd.Args[1:], &ipc.SpawnOptions{Env: cmd.Env})
func Command(name string) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	// -test.run=^$ keeps a binary whose TestMain lacks RunChild from
	// running the tests again.
	cmd := exec.Command(exe, "-test.run=^$")
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, ChildEnv+"=")
	})
	cmd.Env = append(env, ChildEnv+"="+name)
	return cmd
}

// Spawn re-runs the test binary as the helper child name through
// ipc.Spawn and returns the process and the child's bootstrap capability;
// the child should serve with ipc.ServeSpawned. opts is passed to
// ipc.Spawn, a nil opts meaning defaults; Env, when nil, is this
// process's environment. Spawn fails the test if the child does not start and
// answer within 10 seconds.
//
// The caller owns the capability; releasing it asks the child to exit. At
// the end of the test Spawn releases it (again, harmlessly) and closes the
// process (ipc.Process.Close, killing it if it does not exit within
// 5 seconds), without reporting how it ended: check Wait for that.
func Spawn(t testing.TB, name string, opts *ipc.SpawnOptions) (*ipc.Process, *ipc.Capability) {
	t.Helper()
	var o ipc.SpawnOptions
	if opts != nil {
		o = *opts
	}
	cmd := Command(name)
	if o.Env != nil {
		o.Env = append(slices.Clone(o.Env), ChildEnv+"="+name)
	} else {
		o.Env = cmd.Env
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	proc, boot, err := ipc.Spawn(ctx, cmd.Path, cmd.Args[1:], &o)
	if err != nil {
		t.Fatalf("spawn helper child %q: %v", name, err)
	}
	t.Cleanup(func() {
		boot.Release()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		proc.Close(ctx)
	})
	return proc, boot
}
