package capnprpc_test

import (
	"context"
	"errors"
	"testing"
	"time"

	rpccp "capnproto.org/go/capnp/v3/std/capnp/rpc"
	"github.com/ifacegen/ifacegen/runtime/capnprpc"
)

func TestPeerDeath(t *testing.T) {
	p := newRawPeer(t, socketPair, nil, capnprpc.Limits{})
	boot := p.eng.Bootstrap(context.Background())
	defer boot.Release()
	done := make(chan error, 1)
	go func() {
		_, err := add(context.Background(), boot, 1, 2)
		done <- err
	}()
	p.next(rpccp.Message_Which_call)
	p.conn.Close()
	err := <-done
	var e *capnprpc.Exception
	if !errors.As(err, &e) || e.Type != capnprpc.Disconnected || e.Remote {
		t.Fatalf("pending call: %v, want a local Disconnected exception", err)
	}
	<-p.eng.Done()
	if p.eng.Err() == nil {
		t.Fatal("Err is nil after the peer died")
	}
}

func TestCloseSendsNoAbort(t *testing.T) {
	p := newPair(t, socketPair, newCalc(), capnprpc.Limits{})
	boot := p.client.Bootstrap(context.Background())
	if _, err := add(context.Background(), boot, 1, 1); err != nil {
		t.Fatal(err)
	}
	boot.Release()
	p.client.Close()
	<-p.server.Done()
	if n := len(p.srec.find(capnprpc.Received, rpccp.Message_Which_abort)); n != 0 {
		t.Fatalf("server received %d Aborts on a clean close", n)
	}
	if err := p.client.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestPeerAbortIsRemote(t *testing.T) {
	p := newRawPeer(t, socketPair, newCalc(), capnprpc.Limits{})
	p.send(func(m rpccp.Message) {
		e, _ := m.NewAbort()
		e.SetReason("going away")
	})
	<-p.eng.Done()
	var e *capnprpc.Exception
	if err := p.eng.Err(); !errors.As(err, &e) || !e.Remote || e.Reason != "going away" {
		t.Fatalf("Err = %#v, want the peer's exception", err)
	}
}

func TestWaitIdleAndBootstrapReleased(t *testing.T) {
	a, b := socketPair(t)
	srv := newCalc()
	released := make(chan struct{})
	server := capnprpc.NewConn(b, &capnprpc.Options{
		Bootstrap:         capnprpc.NewLocal(srv),
		BootstrapReleased: func() { close(released) },
	})
	client := capnprpc.NewConn(a, nil)
	defer client.Close()
	defer server.Close()
	boot := client.Bootstrap(context.Background())
	callDone := make(chan error, 1)
	go func() { callDone <- boot.Call(context.Background(), mWait, nil, nil) }()
	<-srv.blockStarted
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	if err := server.WaitIdle(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitIdle with a running call: %v", err)
	}
	cancel()
	close(srv.release)
	if err := server.WaitIdle(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-callDone; err != nil {
		t.Fatal(err)
	}
	boot.Release()
	<-released
	if s := srv.shutdown.Load(); s != 0 {
		t.Fatalf("bootstrap shut down %d times while the Conn still offers it", s)
	}
	server.Close()
	if s := srv.shutdown.Load(); s != 1 {
		t.Fatalf("bootstrap shut down %d times after Close, want 1", s)
	}
}

// TestReturnDuringClose closes a connection while Returns arrive on it:
// every call gets its results or a Disconnected exception, never an empty
// success, and (under -race) a Return that loses the race with the
// shutdown does not touch the question the shutdown failed.
func TestReturnDuringClose(t *testing.T) {
	for range 50 {
		p := newPair(t, socketPair, newCalc(), capnprpc.Limits{})
		ctx := context.Background()
		boot := p.client.Bootstrap(ctx)
		errs := make(chan error, 4)
		started := make(chan struct{}, 4)
		for g := range 4 {
			go func() {
				for i := uint64(0); ; i++ {
					sum, err := add(ctx, boot, i, uint64(g))
					if err != nil {
						errs <- err
						return
					}
					if sum != i+uint64(g) {
						errs <- errors.New("wrong sum")
						return
					}
					if i == 0 {
						started <- struct{}{}
					}
				}
			}()
		}
		for range 4 {
			<-started
		}
		p.client.Close()
		for range 4 {
			err := <-errs
			var e *capnprpc.Exception
			if !errors.As(err, &e) || e.Type != capnprpc.Disconnected {
				t.Fatalf("call during Close: %v, want a Disconnected exception", err)
			}
		}
		boot.Release()
		p.server.Close()
	}
}

// TestCloseSendsNoReturnForCancelledCalls closes the serving side while a
// call runs: Close cancels its context, and the caller must see the
// connection end (Disconnected), not the "context canceled" exception
// the implementation returned because of it.
func TestCloseSendsNoReturnForCancelledCalls(t *testing.T) {
	for range 20 {
		srv := newCalc()
		p := newPair(t, socketPair, srv, capnprpc.Limits{})
		boot := p.client.Bootstrap(context.Background())
		done := make(chan error, 1)
		go func() { done <- boot.Call(context.Background(), mBlock, nil, nil) }()
		<-srv.blockStarted
		p.server.Close()
		if err := <-srv.blockEnded; !errors.Is(err, context.Canceled) {
			t.Fatalf("implementation's context after Close: %v, want canceled", err)
		}
		err := <-done
		var e *capnprpc.Exception
		if !errors.As(err, &e) || e.Type != capnprpc.Disconnected || e.Remote {
			t.Fatalf("call cut off by the server's Close: %v, want a local Disconnected exception", err)
		}
		boot.Release()
		p.client.Close()
	}
}

// stubborn is a Server whose calls ignore their context and return when
// release is closed.
type stubborn struct {
	started chan struct{}
	release chan struct{}
}

func (s *stubborn) Dispatch(ctx context.Context, call *capnprpc.Call) error {
	s.started <- struct{}{}
	<-s.release
	return nil
}

// TestWaitIdleAfterClose: a call still running after Close (its
// implementation ignores the cancelled context) keeps WaitIdle waiting.
func TestWaitIdleAfterClose(t *testing.T) {
	srv := &stubborn{started: make(chan struct{}, 1), release: make(chan struct{})}
	p := newPair(t, socketPair, srv, capnprpc.Limits{})
	boot := p.client.Bootstrap(context.Background())
	defer boot.Release()
	go boot.Call(context.Background(), mAdd, nil, nil)
	<-srv.started
	p.server.Close()
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.server.WaitIdle(ended); !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitIdle while a call runs on a closed connection: %v, want context.Canceled", err)
	}
	close(srv.release)
	if err := p.server.WaitIdle(context.Background()); err != nil {
		t.Fatalf("WaitIdle once the call returned: %v", err)
	}
}
