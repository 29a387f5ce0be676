package capnprpc_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ifacegen/ifacegen/runtime/capnprpc"
)

// gatedCalc serves calc, but holds NewCalc until gate is closed.
type gatedCalc struct {
	*calc
	gate    chan struct{}
	entered chan struct{}
}

func (g *gatedCalc) Dispatch(ctx context.Context, call *capnprpc.Call) error {
	if call.MethodID() == mNewCalc.MethodID {
		g.entered <- struct{}{}
		select {
		case <-g.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return g.calc.Dispatch(ctx, call)
}

// gatedPair connects a client to a server of a gatedCalc and returns the
// client's bootstrap capability, released when the test ends.
func gatedPair(t *testing.T) (*gatedCalc, *pair, *capnprpc.Capability) {
	g := &gatedCalc{calc: newCalc(), gate: make(chan struct{}), entered: make(chan struct{}, 1)}
	p := newPair(t, socketPair, g, capnprpc.Limits{})
	boot := p.client.Bootstrap(context.Background())
	t.Cleanup(boot.Release)
	return g, p, boot
}

// pipelined sends m on c and returns the promise for the capability in
// its results; both the answer and the promise are released when the
// test ends.
func pipelined(t *testing.T, c *capnprpc.Capability, m *capnprpc.Method) *capnprpc.Capability {
	a := c.Send(context.Background(), m, nil)
	t.Cleanup(a.Release)
	promise := a.Pipeline(0)
	t.Cleanup(promise.Release)
	return promise
}

func TestCapabilityResolve(t *testing.T) {
	ctx := context.Background()

	t.Run("waitsForTheAnswer", func(t *testing.T) {
		g, _, boot := gatedPair(t)
		c := pipelined(t, boot, mNewCalc)
		done := make(chan error, 1)
		go func() { done <- c.Resolve(ctx) }()
		<-g.entered
		select {
		case err := <-done:
			t.Fatalf("Resolve returned %v before the answer came", err)
		default:
		}
		close(g.gate)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if sum, err := add(ctx, c, 40, 2); err != nil || sum != 42 {
			t.Fatal(sum, err)
		}
	})

	t.Run("failedAnswer", func(t *testing.T) {
		_, _, boot := gatedPair(t)
		c := pipelined(t, boot, mFail)
		var exc *capnprpc.Exception
		if err := c.Resolve(ctx); !errors.As(err, &exc) {
			t.Fatalf("Resolve of a failed call's capability: %v, want the exception", err)
		}
	})

	t.Run("contextDone", func(t *testing.T) {
		g, _, boot := gatedPair(t)
		defer close(g.gate)
		c := pipelined(t, boot, mNewCalc)
		<-g.entered
		cctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- c.Resolve(cctx) }()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("Resolve after cancel: %v, want context.Canceled", err)
		}
	})

	t.Run("connectionLost", func(t *testing.T) {
		g, p, boot := gatedPair(t)
		defer close(g.gate)
		c := pipelined(t, boot, mNewCalc)
		<-g.entered
		done := make(chan error, 1)
		go func() { done <- c.Resolve(ctx) }()
		p.server.Close()
		if err := <-done; err == nil {
			t.Fatal("Resolve returned nil after the connection was lost; want its error")
		}
	})

	t.Run("nil", func(t *testing.T) {
		var c *capnprpc.Capability
		if err := c.Resolve(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
