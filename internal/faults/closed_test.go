package faults_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ifacegen/ifacegen/internal/faults/faultsapi/faultsapiipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

// TestCallAfterClientClosed: the caller's own side is closed — its proxy
// released, or its connection closed — and it calls again. Each call fails
// at once with an error, never hangs or panics.
func TestCallAfterClientClosed(t *testing.T) {
	t.Run("released-proxy", func(t *testing.T) {
		checkLeaks(t)
		c := spawnService(t)
		check := completed(t, c.svc)
		l, err := c.svc.NewListener(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		lc := l.(*faultsapiipc.ListenerClient)
		lc.Release()
		err = timed(t, "Notify on a released listener", func(ctx context.Context) error {
			_, err := lc.Notify(ctx, 1)
			return err
		})
		if !errors.Is(err, ipc.ErrReleased) {
			t.Errorf("Notify on a released listener: %v, want ipc.ErrReleased", err)
		}
		c.svc.Release()
		err = timed(t, "Add on a released service", func(ctx context.Context) error {
			_, err := c.svc.Add(ctx, 1, 2)
			return err
		})
		if !errors.Is(err, ipc.ErrReleased) {
			t.Errorf("Add on a released service: %v, want ipc.ErrReleased", err)
		}
		err = timed(t, "Visit on a released service", func(ctx context.Context) error {
			_, err := c.svc.Visit(ctx, 1, func(_ context.Context, n int64) (int64, error) { return n, nil })
			return err
		})
		if !errors.Is(err, ipc.ErrReleased) {
			t.Errorf("Visit on a released service: %v, want ipc.ErrReleased", err)
		}
		// Releasing the last reference asks the child to exit.
		if err := waitExit(t, c.proc, "its service was released"); err != nil {
			t.Errorf("child: %v", err)
		}
		check()
	})

	t.Run("closed-connection", func(t *testing.T) {
		checkLeaks(t)
		c := spawnService(t)
		check := completed(t, c.svc)
		if err := c.proc.Conn().Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		err := timed(t, "Add after closing the connection", func(ctx context.Context) error {
			_, err := c.svc.Add(ctx, 1, 2)
			return err
		})
		wantDisconnected(t, "Add after closing the connection", err)
		if err := waitExit(t, c.proc, "its connection was closed"); err != nil {
			t.Errorf("child: %v", err)
		}
		wantReport(t, parseReport(t, nextLine(t, c.out, "report")), map[string]int64{"active": 0})
		check()
	})

	t.Run("closed-socket", func(t *testing.T) {
		checkLeaks(t)
		l := startListener(t)
		conn, svc := l.dial(t)
		check := completed(t, svc)
		if err := conn.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		err := timed(t, "Add after closing the connection", func(ctx context.Context) error {
			_, err := svc.Add(ctx, 1, 2)
			return err
		})
		wantDisconnected(t, "Add after closing the connection", err)
		svc.Release()
		// The server lives on: a new connection works.
		conn2, svc2 := l.dial(t)
		if got, err := svc2.Add(context.Background(), 2, 3); err != nil || got != 5 {
			t.Errorf("Add on a new connection: %d, %v; want 5", got, err)
		}
		svc2.Release()
		conn2.Close()
		check()
	})
}

// TestCallAfterServerClosed: the serving side goes away — the child exits
// by itself, is terminated, or closes the connection while it lives on —
// and the caller calls again: ErrDisconnected at once.
func TestCallAfterServerClosed(t *testing.T) {
	t.Run("child-exits", func(t *testing.T) {
		checkLeaks(t)
		c := spawnService(t)
		check := completed(t, c.svc)
		// Exit never replies: the call itself sees the child go.
		err := timed(t, "Exit", func(ctx context.Context) error { return c.svc.Exit(ctx, 3) })
		wantDisconnected(t, "Exit", err)
		err = timed(t, "Add after the child exited", func(ctx context.Context) error {
			_, err := c.svc.Add(ctx, 1, 2)
			return err
		})
		wantDisconnected(t, "Add after the child exited", err)
		var ee *ipc.ExitError
		if err := waitExit(t, c.proc, "Exit"); !errors.As(err, &ee) || ee.ExitCode() != 3 {
			t.Errorf("child ended with %v, want exit status 3", err)
		}
		check()
	})

	t.Run("child-terminated", func(t *testing.T) {
		checkLeaks(t)
		c := spawnService(t)
		check := completed(t, c.svc)
		kill(t, c.proc.Pid, syscall.SIGTERM)
		waitExit(t, c.proc, "SIGTERM")
		err := timed(t, "Add after the child was terminated", func(ctx context.Context) error {
			_, err := c.svc.Add(ctx, 1, 2)
			return err
		})
		wantDisconnected(t, "Add after the child was terminated", err)
		check()
	})

	t.Run("server-hangs-up", func(t *testing.T) {
		checkLeaks(t)
		l := startListener(t)
		conn, svc := l.dial(t)
		defer conn.Close()
		defer svc.Release()
		check := completed(t, svc)
		// The server closes the connection shortly after replying; a
		// Hangup that loses that race fails with ErrDisconnected.
		err := timed(t, "Hangup", func(ctx context.Context) error { return svc.Hangup(ctx) })
		if err != nil {
			wantDisconnected(t, "Hangup", err)
		}
		select {
		case <-conn.Done():
		case <-time.After(giveUp):
			t.Fatalf("the connection is not done %v after the server hung up", giveUp)
		}
		err = timed(t, "Add after the server hung up", func(ctx context.Context) error {
			_, err := svc.Add(ctx, 1, 2)
			return err
		})
		wantDisconnected(t, "Add after the server hung up", err)
		check()
	})
}

// listenerProc is a running "listener" child.
type listenerProc struct {
	path string        // its socket
	out  <-chan string // its standard output, by line
}

// startListener starts a "listener" child on a socket in a new directory
// and waits until it listens. At the end of the test it closes the child's
// standard input and waits for it to exit.
func startListener(t *testing.T) *listenerProc {
	t.Helper()
	path := filepath.Join(t.TempDir(), "faults.sock")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	out := readLines(t, r)
	cmd := ipctest.Command("listener")
	cmd.Env = append(cmd.Env, socketEnv+"="+path)
	cmd.Stdout = w
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("listener child: %v", err)
			}
		case <-time.After(giveUp):
			cmd.Process.Kill()
			<-done
			t.Errorf("listener child did not exit %v after its input ended; killed", giveUp)
		}
	})
	nextLine(t, out, "listening")
	return &listenerProc{path: path, out: out}
}

// dial connects to the listener and returns the connection and its
// service; the caller closes and releases them.
func (l *listenerProc) dial(t *testing.T) (*ipc.Conn, *faultsapiipc.ServiceClient) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), giveUp)
	defer cancel()
	conn, err := ipc.Dial(ctx, "unix", l.path, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Bootstrap's context must outlive the call: canceling it before the
	// answer came fails the bootstrap capability.
	return conn, faultsapiipc.NewServiceClient(conn.Bootstrap(context.Background()))
}
