package faults_test

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

// TestParentDeath: a "parent" helper spawns a "service" child, and the
// test — the grandparent — kills the parent with SIGKILL and waits for the
// child's pid to disappear. The child notices in one of two ways:
//
//   - signal: the parent-death signal (SIGTERM, Spawn's default) ends it;
//   - connection-loss: the child ignores the signal it was given (SIGUSR1),
//     so only the loss of its connection can tell it. ServeSpawned returns,
//     the child prints its report (the Hold call the parent had in flight
//     saw its context canceled) and exits 0.
func TestParentDeath(t *testing.T) {
	t.Run("signal", func(t *testing.T) {
		checkLeaks(t)
		runParentDeath(t, nil)
	})
	t.Run("connection-loss", func(t *testing.T) {
		checkLeaks(t)
		out := runParentDeath(t, []string{ignoreSignalEnv + "=1", holdEnv + "=1"})
		wantReport(t, parseReport(t, nextLine(t, out, "report")), map[string]int64{"active": 0, "canceled": 1})
	})
}

// runParentDeath runs the "parent" helper with env added to its
// environment, kills it once it has printed its child's pid, and waits for
// the child to end. It returns the lines the parent and child print after
// the pid.
func runParentDeath(t *testing.T, env []string) <-chan string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	out := readLines(t, r)
	cmd := ipctest.Command("parent")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout = w
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	parentDone := make(chan struct{})
	go func() {
		cmd.Wait()
		close(parentDone)
	}()
	var pid int
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-parentDone
		if pid != 0 && processRunning(pid) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})

	line := nextLine(t, out, "")
	pid, err = strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("parent printed %q, want its child's pid", line)
	}
	if !processRunning(pid) {
		t.Fatalf("child %d is not running before its parent is killed", pid)
	}
	fault := kill(t, cmd.Process.Pid, syscall.SIGKILL)
	<-parentDone
	for processRunning(pid) {
		if time.Since(fault) > giveUp {
			t.Fatalf("child %d still runs %v after its parent was killed", pid, giveUp)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("child exited %v after its parent was killed", timeSince(fault))
	return out
}

// processRunning reports whether pid is a live process: it exists and is
// not a zombie (an orphan whose new parent has not reaped it yet, or never
// will in a container without an init process).
func processRunning(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return !errors.Is(err, os.ErrNotExist)
	}
	// The state follows the command name, which is in parentheses.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}
