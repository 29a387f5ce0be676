package faults_test

import (
	"context"
	"syscall"
	"testing"
	"time"
)

// TestDisconnectDuringCall: a call is blocked in the child's
// implementation when the connection goes — the child is killed, or the
// parent closes the connection. The call fails with ErrDisconnected; when
// the child lives to see it, the implementation's context is canceled.
func TestDisconnectDuringCall(t *testing.T) {
	t.Run("child-killed", func(t *testing.T) {
		checkLeaks(t)
		c := spawnService(t)
		check := completed(t, c.svc)
		ch := hold(c, 1)
		waitHeld(t, c.svc, 1)
		fault := kill(t, c.proc.Pid, syscall.SIGKILL)
		r := await(t, "Hold", ch, fault)
		wantDisconnected(t, "Hold", r.err)
		waitExit(t, c.proc, "SIGKILL")
		check()
	})

	t.Run("parent-closes", func(t *testing.T) {
		checkLeaks(t)
		c := spawnService(t)
		check := completed(t, c.svc)
		ch := hold(c, 1)
		waitHeld(t, c.svc, 1)
		fault := time.Now()
		c.proc.Conn().Close()
		r := await(t, "Hold", ch, fault)
		wantDisconnected(t, "Hold", r.err)
		if err := waitExit(t, c.proc, "its connection was closed"); err != nil {
			t.Errorf("child: %v", err)
		}
		// The child's Hold saw its context canceled.
		wantReport(t, parseReport(t, nextLine(t, c.out, "report")), map[string]int64{"active": 0, "canceled": 1})
		check()
	})
}

// hold starts Hold(id) on the child and returns where its result goes.
func hold(c *child, id int64) <-chan result {
	ch := make(chan result, 1)
	go func() {
		v, err := c.svc.Hold(context.Background(), id)
		ch <- result{id: id, val: v, err: err, at: time.Now()}
	}()
	return ch
}

// TestDisconnectDuringCallback: the parent calls Visit, and the child calls
// back into the parent's callback, which blocks; then one side goes away.
func TestDisconnectDuringCallback(t *testing.T) {
	// The parent's side goes away while the child is inside its call to
	// the parent's callback: the parent's Visit fails with ErrDisconnected
	// and the callback's context is canceled. On the child's side the call
	// of the callback returns (TestNestedCallReturnsOnDisconnect has the
	// history) and fails (TestCallbackErrorOnDisconnectIsNotSuccess), so
	// Visit returns there too and the child exits cleanly.
	t.Run("parent-goes", func(t *testing.T) {
		checkLeaks(t)
		c := spawnService(t)
		check := completed(t, c.svc)
		entered, returned, ch := visitBlocking(c)
		waitFor(t, "the child to call the callback", entered)
		fault := time.Now()
		c.proc.Conn().Close()
		r := await(t, "Visit", ch, fault)
		wantDisconnected(t, "Visit", r.err)
		waitFor(t, "the callback's context to be canceled", returned)
		t.Logf("the callback returned %v after the fault", time.Since(fault).Round(time.Microsecond))
		report := parseReport(t, nextLine(t, c.out, "report"))
		if report["active"] != 0 {
			t.Errorf("the child's call of the parent's callback did not return after the disconnect: report %v", report)
		}
		if report["callback-ok"] != 0 {
			t.Errorf("the child's call of the parent's callback succeeded after the disconnect: report %v", report)
		}
		if err := waitExit(t, c.proc, "its connection was closed"); err != nil {
			t.Errorf("child: %v", err)
		}
		check()
	})

	// The parent is inside the callback when the child dies: Visit fails
	// with ErrDisconnected and the callback's context is canceled.
	t.Run("child-dies", func(t *testing.T) {
		checkLeaks(t)
		c := spawnService(t)
		check := completed(t, c.svc)
		entered, returned, ch := visitBlocking(c)
		waitFor(t, "the child to call the callback", entered)
		fault := kill(t, c.proc.Pid, syscall.SIGKILL)
		r := await(t, "Visit", ch, fault)
		wantDisconnected(t, "Visit", r.err)
		waitFor(t, "the callback's context to be canceled", returned)
		t.Logf("the callback returned %v after the fault", time.Since(fault).Round(time.Microsecond))
		waitExit(t, c.proc, "SIGKILL")
		check()
	})
}

// visitBlocking calls Visit with a callback that, once called, closes
// entered and blocks until its context ends, then closes returned.
func visitBlocking(c *child) (entered, returned <-chan struct{}, res <-chan result) {
	in, out := make(chan struct{}), make(chan struct{})
	ch := make(chan result, 1)
	go func() {
		v, err := c.svc.Visit(context.Background(), 7, func(ctx context.Context, n int64) (int64, error) {
			close(in)
			defer close(out)
			<-ctx.Done()
			return 0, ctx.Err()
		})
		ch <- result{val: v, err: err, at: time.Now()}
	}()
	return in, out, ch
}

// waitFor waits for ch to be closed, failing the test after giveUp.
func waitFor(t *testing.T, what string, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(giveUp):
		t.Fatalf("waited %v for %s", giveUp, what)
	}
}
