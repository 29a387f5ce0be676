package ipc_test

import (
	"context"
	"errors"
	"testing"

	"capnproto.org/go/capnp/v3"
	"capnproto.org/go/capnp/v3/std/capnp/persistent"
	"go.uber.org/goleak"

	"github.com/ifacegen/ifacegen/runtime/ipc"
)

func TestRecover(t *testing.T) {
	call := func() (err error) {
		defer ipc.Recover("pkg.I.M", &err)
		panic("boom")
	}
	if err := call(); err == nil || err.Error() != "pkg.I.M: panic: boom" {
		t.Errorf("got %v, want pkg.I.M: panic: boom", err)
	}
	fine := func() (err error) {
		defer ipc.Recover("pkg.I.M", &err)
		return nil
	}
	if err := fine(); err != nil {
		t.Errorf("no panic: got %v", err)
	}
}

func TestClientError(t *testing.T) {
	defer goleak.VerifyNone(t)
	live := capnp.Client(persistent.Persistent_ServerToClient(saver{msg: "x"}))
	defer live.Release()
	cause := errors.New("some failure")
	if ipc.ClientError(context.Background(), live, "p.I.M", nil) != nil {
		t.Error("nil error is not nil")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ipc.ClientError(ctx, live, "p.I.M", cause); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: got %v, want context.Canceled", err)
	}
	var ie *ipc.Error
	if err := ipc.ClientError(context.Background(), capnp.Client{}, "p.I.M", cause); !errors.Is(err, ipc.ErrReleased) || !errors.As(err, &ie) || ie.Method != "p.I.M" {
		t.Errorf("null client: got %v, want an *ipc.Error wrapping ipc.ErrReleased", err)
	}
	if err := ipc.ClientError(context.Background(), live, "p.I.M", cause); !errors.As(err, &ie) || ie.Err != cause {
		t.Errorf("other: got %#v, want CallError's *ipc.Error", err)
	}
}

func TestCallPanicIsAlwaysAnError(t *testing.T) {
	defer goleak.VerifyNone(t)
	live := capnp.Client(persistent.Persistent_ServerToClient(saver{msg: "x"}))
	defer live.Release()
	// A remote error, as go-capnp delivers it.
	p := persistent.Persistent(live.AddRef())
	f, release := p.Save(context.Background(), nil)
	_, remote := f.Struct()
	release()
	p.Release()
	e := ipc.CallPanic(live, "p.I.M", remote)
	var re *ipc.RemoteError
	if e.Method != "p.I.M" || !errors.As(e, &re) || re.Message != "x" {
		t.Errorf("got %#v, want an *ipc.Error around the *ipc.RemoteError", e)
	}
	if e := ipc.CallPanic(capnp.Client{}, "p.I.M", errors.New("y")); !errors.Is(e, ipc.ErrReleased) {
		t.Errorf("got %v, want ipc.ErrReleased", e)
	}
}

type closer struct{ closed bool }

func (c *closer) Close() error {
	c.closed = true
	return nil
}

func TestCloseOnShutdown(t *testing.T) {
	c := &closer{}
	ipc.CloseOnShutdown(c).Shutdown()
	if !c.closed {
		t.Error("an io.Closer was not closed")
	}
	ipc.CloseOnShutdown(struct{}{}).Shutdown() // not a Closer: nothing happens
}
