package faults_test

import (
	"context"
	"errors"
	"runtime"
	"syscall"
	"testing"

	"github.com/ifacegen/ifacegen/internal/faults/faultsapi/faultsapiipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// TestReleaseAfterPeerGone: capabilities are released after the
// connection died — proxies and callback capabilities, on both sides. No
// release panics or hangs, nothing leaks, and an object this side served
// to the peer is closed once the connection took the peer's references
// with it.
func TestReleaseAfterPeerGone(t *testing.T) {
	// The parent holds the child's service and a listener the child
	// serves, and the child holds the parent's listener and a callback;
	// then the child is killed and the parent releases everything.
	t.Run("parent-releases", func(t *testing.T) {
		checkLeaks(t)
		c := spawnService(t)
		check := completed(t, c.svc)
		ctx := context.Background()
		remote, err := c.svc.NewListener(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := remote.Notify(ctx, 1); err != nil || n != 2 {
			t.Fatalf("Notify: %d, %v; want 2", n, err)
		}
		mine := &listener{closed: make(chan struct{})}
		visited := 0
		if err := c.svc.Keep(ctx, mine, func(_ context.Context, n int64) (int64, error) {
			visited++
			return n, nil
		}); err != nil {
			t.Fatal(err)
		}
		fault := kill(t, c.proc.Pid, syscall.SIGKILL)
		waitExit(t, c.proc, "SIGKILL")

		// The connection's end released the child's references to the
		// parent's listener: it is closed.
		waitFor(t, "the parent's listener to be closed after the child died", mine.closed)
		t.Logf("the parent's listener was closed %v after the fault", timeSince(fault))

		rc := remote.(*faultsapiipc.ListenerClient)
		err = timed(t, "Notify on the dead child's listener", func(ctx context.Context) error {
			_, err := rc.Notify(ctx, 1)
			return err
		})
		wantDisconnected(t, "Notify on the dead child's listener", err)
		timed(t, "Release of the dead child's listener", func(context.Context) error {
			rc.Release()
			rc.Release()
			return nil
		})
		err = timed(t, "Notify on the released listener", func(ctx context.Context) error {
			_, err := rc.Notify(ctx, 1)
			return err
		})
		if !errors.Is(err, ipc.ErrReleased) {
			t.Errorf("Notify on the released listener: %v, want ipc.ErrReleased", err)
		}
		timed(t, "Release of the dead child's service", func(context.Context) error {
			c.svc.Release()
			c.svc.Release()
			return nil
		})
		// Proxies dropped without Release are released by their
		// cleanups; that must not panic either.
		runtime.GC()
		if visited != 0 {
			t.Errorf("the kept callback was called %d times", visited)
		}
		check()
	})

	// The child holds the parent's listener and a callback when the
	// parent closes the connection; the child then uses them (each use
	// fails with ErrDisconnected), releases them (the listener by Release,
	// the func by garbage collection), and exits cleanly.
	t.Run("child-releases", func(t *testing.T) {
		checkLeaks(t)
		c := spawnService(t)
		check := completed(t, c.svc)
		ctx := context.Background()
		mine := &listener{closed: make(chan struct{})}
		if err := c.svc.Keep(ctx, mine, func(_ context.Context, n int64) (int64, error) { return n, nil }); err != nil {
			t.Fatal(err)
		}
		c.proc.Conn().Close()
		if err := waitExit(t, c.proc, "its connection was closed"); err != nil {
			t.Errorf("child: %v", err)
		}
		wantReport(t, parseReport(t, nextLine(t, c.out, "report")), map[string]int64{
			"active": 0, "kept": 1, "kept-notify-disconnected": 1, "kept-visit-disconnected": 1,
		})
		waitFor(t, "the parent's listener to be closed", mine.closed)
		check()
	})
}
