package ipc_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ifacegen/ifacegen/runtime/capnprpc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

// giveUp bounds every wait in these tests for something that must happen:
// a deadline after which the test fails as hung, not a timing requirement.
const giveUp = 10 * time.Second

// childMessage is what the "saver" child's save fails with, which shows a
// call reached the child.
const childMessage = "saved by the child"

func TestMain(m *testing.M) {
	ipctest.RunChild(map[string]func(){
		// saver serves a saver until its parent is done with it.
		"saver": func() {
			serve(saver{msg: childMessage})
		},
		// blocker serves calls that never return, printing "in" as each
		// one starts.
		// blocker runs every call at once (TestKilledChildFailsInFlightCalls
		// makes more than the default bound of running calls).
		"blocker": func() {
			if err := ipc.ServeSpawned(capnprpc.NewLocal(blockingSaver{}), &ipc.Options{MaxConcurrentCalls: -1}); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		},
		// hang serves, then does not exit.
		"hang": func() {
			serve(saver{msg: childMessage})
			time.Sleep(time.Hour)
		},
		// null serves no capability.
		"null": func() {
			if err := ipc.ServeSpawned(nil, nil); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		},
		// sleeper never serves.
		"sleeper": func() {
			time.Sleep(time.Hour)
		},
		// fail writes to standard error and exits 3 without serving.
		"fail": func() {
			fmt.Fprintln(os.Stderr, "loading wallet.dat")
			fmt.Fprintln(os.Stderr, "wallet.dat is corrupt")
			os.Exit(3)
		},
		// spawner spawns a saver, prints its pid, and waits to be killed.
		"spawner": func() {
			cmd := ipctest.Command("saver")
			ctx, cancel := context.WithTimeout(context.Background(), giveUp)
			defer cancel()
			proc, boot, err := ipc.Spawn(ctx, cmd.Path, cmd.Args[1:], &ipc.SpawnOptions{Env: cmd.Env})
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			defer boot.Release()
			fmt.Println(proc.Pid)
			time.Sleep(time.Hour)
		},
	})
	os.Exit(m.Run())
}

// serve is the main of a helper child serving impl.
func serve(impl capnprpc.Server) {
	if err := ipc.ServeSpawned(capnprpc.NewLocal(impl), nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// blockingSaver's save lets other calls run, prints "in", and returns
// only when its context ends.
type blockingSaver struct{}

func (blockingSaver) Dispatch(ctx context.Context, call *capnprpc.Call) error {
	fmt.Println("in")
	<-ctx.Done()
	return ctx.Err()
}

// saveOn calls save on the capability boot.
func saveOn(ctx context.Context, boot *ipc.Capability) error {
	return ipc.CallError(persistentSave.Name, boot.Call(ctx, &persistentSave, nil, nil))
}

// waitExit waits for proc to exit, failing the test if it does not.
func waitExit(t *testing.T, proc *ipc.Process, why string) error {
	t.Helper()
	select {
	case <-proc.Done():
		return proc.Wait()
	case <-time.After(giveUp):
		t.Fatalf("child did not exit after %s", why)
		return nil
	}
}

func TestSpawnCallRelease(t *testing.T) {
	proc, boot := ipctest.Spawn(t, "saver", nil)
	var re *ipc.RemoteError
	if err := saveOn(context.Background(), boot); !errors.As(err, &re) || re.Message != childMessage {
		t.Fatalf("call on the child: got %v, want remote error %q", err, childMessage)
	}
	boot.Release()
	if err := waitExit(t, proc, "its bootstrap capability was released"); err != nil {
		t.Fatalf("child exit: %v, want status 0", err)
	}
}

func TestProcessCloseEndsChild(t *testing.T) {
	proc, _ := ipctest.Spawn(t, "saver", nil)
	ctx, cancel := context.WithTimeout(context.Background(), giveUp)
	defer cancel()
	if err := proc.Close(ctx); err != nil {
		t.Fatalf("Close: %v, want a clean exit once the connection closed", err)
	}
}

func TestProcessCloseKillsStuckChild(t *testing.T) {
	proc, boot := ipctest.Spawn(t, "hang", nil)
	boot.Release()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := proc.Close(ctx)
	if err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("Close: got %v, want an error saying the child was killed", err)
	}
	var ee *ipc.ExitError
	if err := proc.Wait(); !errors.As(err, &ee) || ee.State.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("Wait: got %v, want an *ipc.ExitError for SIGKILL", err)
	}
}

func TestProcessKill(t *testing.T) {
	proc, boot := ipctest.Spawn(t, "saver", nil)
	defer boot.Release()
	if err := proc.Kill(); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	var ee *ipc.ExitError
	if err := proc.Wait(); !errors.As(err, &ee) || ee.State.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("Wait after Kill: got %v, want an *ipc.ExitError for SIGKILL", err)
	}
	if err := saveOn(context.Background(), boot); !errors.Is(err, ipc.ErrDisconnected) {
		t.Errorf("call after Kill: got %v, want ErrDisconnected", err)
	}
	if err := proc.Kill(); !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("Kill after exit: got %v, want os.ErrProcessDone", err)
	}
	if err := proc.Signal(syscall.SIGTERM); !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("Signal after exit: got %v, want os.ErrProcessDone", err)
	}
}

func TestSpawnReportsExitStatusAndStderr(t *testing.T) {
	cmd := ipctest.Command("fail")
	ctx, cancel := context.WithTimeout(context.Background(), giveUp)
	defer cancel()
	proc, _, err := ipc.Spawn(ctx, cmd.Path, cmd.Args[1:], &ipc.SpawnOptions{Env: cmd.Env, Stderr: io.Discard})
	if err == nil {
		proc.Close(ctx)
		t.Fatal("Spawn of a child that exits at once succeeded")
	}
	var ee *ipc.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("got %T %v, want *ipc.ExitError", err, err)
	}
	if ee.ExitCode() != 3 {
		t.Errorf("exit code %d, want 3", ee.ExitCode())
	}
	if want := "loading wallet.dat\nwallet.dat is corrupt\n"; ee.Stderr != want {
		t.Errorf("Stderr = %q, want %q", ee.Stderr, want)
	}
	if msg := err.Error(); !strings.Contains(msg, "exit status 3") || !strings.Contains(msg, "wallet.dat is corrupt") {
		t.Errorf("error %q lacks the exit status or the stderr tail", msg)
	}
}

func TestSpawnChildWithoutBootstrap(t *testing.T) {
	cmd := ipctest.Command("null")
	ctx, cancel := context.WithTimeout(context.Background(), giveUp)
	defer cancel()
	proc, _, err := ipc.Spawn(ctx, cmd.Path, cmd.Args[1:], &ipc.SpawnOptions{Env: cmd.Env})
	if err == nil {
		proc.Close(ctx)
		t.Fatal("Spawn of a child serving nothing succeeded")
	}
	if !strings.Contains(err.Error(), "offers no bootstrap capability") {
		t.Fatalf("got %v, want an error saying the child offers no bootstrap capability", err)
	}
}

func TestSpawnGivesUpOnSilentChild(t *testing.T) {
	cmd := ipctest.Command("sleeper")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	proc, _, err := ipc.Spawn(ctx, cmd.Path, cmd.Args[1:], &ipc.SpawnOptions{Env: cmd.Env})
	if err == nil {
		proc.Close(ctx)
		t.Fatal("Spawn of a child that never serves succeeded")
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "did not answer") {
		t.Fatalf("got %v, want an error saying the child did not answer in time", err)
	}
}

func TestServeSpawnedByHand(t *testing.T) {
	out, err := ipctest.Command("saver").CombinedOutput()
	var ee interface{ ExitCode() int }
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("child run by hand: %v, want exit status 1", err)
	}
	if !strings.Contains(string(out), "cannot be run directly") {
		t.Fatalf("child run by hand says %q; want it to say it cannot be run directly", out)
	}
}

func TestChildExitsWhenParentDies(t *testing.T) {
	cmd := ipctest.Command("spawner")
	cmd.Stderr = os.Stderr
	cmd.WaitDelay = time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- s
	}()
	var child int
	select {
	case s := <-line:
		child, err = strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			cmd.Process.Kill()
			t.Fatalf("spawner printed %q, want the child's pid", s)
		}
	case <-time.After(giveUp):
		cmd.Process.Kill()
		t.Fatal("spawner did not report its child")
	}
	if !processRunning(child) {
		t.Fatal("child is not running before its parent is killed")
	}
	cmd.Process.Kill()
	killed := time.Now()
	for processRunning(child) {
		if time.Since(killed) > giveUp {
			syscall.Kill(child, syscall.SIGKILL)
			t.Fatalf("child %d still runs %v after its parent was killed", child, giveUp)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("child exited %v after its parent was killed", time.Since(killed).Round(time.Millisecond))
}

// processRunning reports whether pid is a live process: it exists and is
// not a zombie (which a parent that is gone or that does not reap
// children leaves behind).
func processRunning(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		// No such process, or no /proc (then kill's answer stands).
		_, noProc := os.Stat("/proc/self")
		return !errors.Is(err, os.ErrNotExist) || noProc != nil
	}
	// The state follows the command name, which is in parentheses.
	i := strings.LastIndexByte(string(stat), ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}

func TestKilledChildFailsInFlightCalls(t *testing.T) {
	const calls = 100
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	proc, boot := ipctest.Spawn(t, "blocker", &ipc.SpawnOptions{Stdout: w})
	w.Close()

	errs := make(chan error, calls)
	for range calls {
		go func() { errs <- saveOn(context.Background(), boot) }()
	}
	// Wait until every call runs in the child.
	started := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for n := 0; n < calls; n++ {
			if !sc.Scan() {
				started <- fmt.Errorf("child's output ended after %d calls started", n)
				return
			}
		}
		started <- nil
	}()
	select {
	case err := <-started:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(giveUp):
		t.Fatalf("the %d calls did not all reach the child", calls)
	}

	if err := syscall.Kill(proc.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	for n := range calls {
		select {
		case err := <-errs:
			if !errors.Is(err, ipc.ErrDisconnected) {
				t.Errorf("call %d: got %v, want ErrDisconnected", n, err)
			}
		case <-time.After(giveUp):
			t.Fatalf("%d of %d calls still pending after the child was killed", calls-n, calls)
		}
	}
	t.Logf("all %d calls failed %v after the child was killed", calls, time.Since(killed).Round(time.Millisecond))
	if err := saveOn(context.Background(), boot); !errors.Is(err, ipc.ErrDisconnected) {
		t.Errorf("call after the child died: got %v, want ErrDisconnected", err)
	}

	// The parent goes on: it learns how the child ended and can start
	// another one.
	var ee *ipc.ExitError
	if err := waitExit(t, proc, "SIGKILL"); !errors.As(err, &ee) || ee.ExitCode() != -1 {
		t.Errorf("Wait: got %v, want an *ipc.ExitError for a signal", err)
	}
	_, boot2 := ipctest.Spawn(t, "saver", nil)
	var re *ipc.RemoteError
	if err := saveOn(context.Background(), boot2); !errors.As(err, &re) {
		t.Errorf("call on a new child: got %v, want its remote error", err)
	}
}
