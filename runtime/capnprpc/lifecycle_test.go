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
