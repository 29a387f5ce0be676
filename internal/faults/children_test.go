package faults_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ifacegen/ifacegen/internal/faults/faultsapi/faultsapiipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

// Environment variables the tests pass to their helper children.
const (
	// socketEnv is the socket path the "listener" child listens on.
	socketEnv = "FAULTS_SOCKET"
	// ignoreSignalEnv makes the "service" child ignore SIGUSR1, the
	// parent-death signal the "parent" child then asks for, so that only
	// the loss of its connection can tell it its parent died.
	ignoreSignalEnv = "FAULTS_IGNORE_SIGUSR1"
	// holdEnv makes the "parent" child start a Hold call in its child
	// before it reports the pid, so that the parent dies during a call.
	holdEnv = "FAULTS_HOLD"
	// stderrEnv makes the "service" child write a line to its standard
	// error once ServeSpawned has returned, as a program logging its
	// shutdown would.
	stderrEnv = "FAULTS_STDERR"
)

func TestMain(m *testing.M) {
	ipctest.RunChild(map[string]func(){
		"service":  serviceChild,
		"listener": listenerChild,
		"parent":   parentChild,
	})
	// A program built with -race sleeps a second before it exits
	// (GORACE atexit_sleep_ms); children that skip it show how soon they
	// really exit.
	os.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	os.Exit(m.Run())
}

// unbounded is how the children serve: no bound on running calls, and
// room for more accepted calls than the engine's default (1,024), so that
// TestKillWithThousandInFlight's 1,100 Hold calls all run at once.
var unbounded = ipc.Options{MaxConcurrentCalls: -1, Limits: ipc.Limits{MaxAcceptedCalls: 4096}}

// fatal ends a helper child with status 1 and a message.
func fatal(v ...any) {
	fmt.Fprintln(os.Stderr, v...)
	os.Exit(1)
}

// serviceChild serves a service to the parent that spawned it, with no
// bound on concurrent calls (so that a thousand calls can block in Hold at
// once, with room for the Held calls that count them), and when the parent
// is done with it prints the service's report to standard output.
func serviceChild() {
	if os.Getenv(ignoreSignalEnv) != "" {
		signal.Ignore(syscall.SIGUSR1)
	}
	defer trackPeakGoroutines()()
	s := newService()
	if err := ipc.ServeSpawned(faultsapiipc.NewServiceServer(s), &unbounded); err != nil {
		fatal(err)
	}
	if os.Getenv(stderrEnv) != "" {
		fmt.Fprintln(os.Stderr, "service: parent gone; shutting down")
	}
	s.report(os.Stdout)
}

// listenerChild serves a service on the unix socket named by socketEnv,
// prints "listening", and keeps running, after a Hangup too, until its
// standard input ends; then it prints the report and exits.
func listenerChild() {
	s := newService()
	ctx, cancel := context.WithTimeout(context.Background(), giveUp)
	defer cancel()
	var l *ipc.Listener
	s.hangup = func() {
		// Close after the reply had time to go out; a Hangup call that
		// loses this race fails with ErrDisconnected, which the tests
		// accept.
		time.AfterFunc(100*time.Millisecond, func() { l.Close() })
	}
	l, err := ipc.Listen(ctx, "unix", os.Getenv(socketEnv), func() *ipc.Capability {
		return faultsapiipc.NewServiceServer(s)
	}, &ipc.ListenOptions{Options: unbounded})
	if err != nil {
		fatal(err)
	}
	fmt.Println("listening")
	bufio.NewReader(os.Stdin).ReadString('\n') // until EOF
	l.Close()
	s.report(os.Stdout)
}

// parentChild spawns a "service" child (passing ignoreSignalEnv on and
// asking for SIGUSR1 as its parent-death signal when that is set), starts
// a Hold call in it when holdEnv is set, prints the child's pid, and waits
// to be killed.
func parentChild() {
	cmd := ipctest.Command("service")
	opts := &ipc.SpawnOptions{Env: cmd.Env}
	if os.Getenv(ignoreSignalEnv) != "" {
		opts.ParentDeathSignal = syscall.SIGUSR1
	}
	ctx, cancel := context.WithTimeout(context.Background(), giveUp)
	defer cancel()
	proc, boot, err := ipc.Spawn(ctx, cmd.Path, cmd.Args[1:], opts)
	if err != nil {
		fatal(err)
	}
	svc := faultsapiipc.NewServiceClient(boot)
	if os.Getenv(holdEnv) != "" {
		go svc.Hold(context.Background(), 1)
		for {
			n, err := svc.Held(ctx)
			if err != nil {
				fatal("held:", err)
			}
			if n == 1 {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	fmt.Println(proc.Pid)
	time.Sleep(time.Hour)
	svc.Release() // not reached; keeps svc live until the process is killed
}
