package capnprpc_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"capnproto.org/go/capnp/v3"
	rpccp "capnproto.org/go/capnp/v3/std/capnp/rpc"
	"github.com/ifacegen/ifacegen/runtime/capnprpc"
)

func TestConcurrentCalls(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			p := newPair(t, tr.pair, newCalc(), capnprpc.Limits{})
			ctx := context.Background()
			boot := p.client.Bootstrap(ctx)
			defer boot.Release()
			var wg sync.WaitGroup
			errs := make(chan error, 32)
			for g := 0; g < 32; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := uint64(0); i < 200; i++ {
						sum, err := add(ctx, boot, uint64(g), i)
						if err != nil {
							errs <- err
							return
						}
						if sum != uint64(g)+i {
							errs <- fmt.Errorf("add(%d, %d) = %d", g, i, sum)
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			waitStats(t, p.client, capnprpc.Stats{Imports: 1})
			waitStats(t, p.server, capnprpc.Stats{Exports: 1})
		})
	}
}

// waitStats waits until c's table sizes are want (the peer's messages may
// still be on their way). The minute it allows only bounds a stuck test on
// a loaded machine; a correct engine gets there in milliseconds.
func waitStats(t testing.TB, c *capnprpc.Conn, want capnprpc.Stats) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		got := c.Stats()
		got.QueuedBytes = 0
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Stats = %+v, want %+v", got, want)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestCallbackRecursion(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			p := newPair(t, tr.pair, newCalc(), capnprpc.Limits{})
			ctx := context.Background()
			boot := p.client.Bootstrap(ctx)
			defer boot.Release()
			local := newCalc()
			cb := capnprpc.NewLocal(local)
			var sum uint64
			err := boot.Call(ctx, mCallback, func(ps capnp.Struct) error {
				ps.SetUint64(0, 10)
				id, err := capnprpc.AddCapability(ps.Message(), cb)
				if err != nil {
					return err
				}
				return ps.SetPtr(0, capnp.NewInterface(ps.Segment(), id).ToPtr())
			}, func(rs capnp.Struct) error { sum = rs.Uint64(0); return nil })
			if err != nil {
				t.Fatal(err)
			}
			// 42 from the innermost Add, plus one per level (11 levels).
			if sum != 42+11 {
				t.Fatalf("sum = %d, want %d", sum, 42+11)
			}
			if n := local.calls.Load(); n != 6 {
				t.Fatalf("client-side calc served %d calls, want 6", n)
			}
			waitStats(t, p.client, capnprpc.Stats{Imports: 1})
			waitStats(t, p.server, capnprpc.Stats{Exports: 1})
			// cb, and the NewLocal the client side made at 5 levels.
			if local.shutdown.Load() != 6 {
				t.Fatalf("client-side capabilities shut down %d times, want 6", local.shutdown.Load())
			}
		})
	}
}

func TestCancelCaller(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			srv := newCalc()
			p := newPair(t, tr.pair, srv, capnprpc.Limits{})
			boot := p.client.Bootstrap(context.Background())
			defer boot.Release()
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error)
			go func() { done <- boot.Call(ctx, mBlock, nil, nil) }()
			<-srv.blockStarted
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Fatalf("Call = %v, want context.Canceled", err)
			}
			if err := <-srv.blockEnded; !errors.Is(err, context.Canceled) {
				t.Fatalf("server ctx: %v", err)
			}
			if len(p.srec.find(capnprpc.Received, rpccp.Message_Which_finish)) == 0 {
				t.Fatal("server saw no Finish")
			}
			waitStats(t, p.server, capnprpc.Stats{Exports: 1})
			waitStats(t, p.client, capnprpc.Stats{Imports: 1})
			// Still usable.
			if s, err := add(context.Background(), boot, 2, 3); err != nil || s != 5 {
				t.Fatal(s, err)
			}
		})
	}
}

func TestCancelByConnEnd(t *testing.T) {
	srv := newCalc()
	p := newPair(t, socketPair, srv, capnprpc.Limits{})
	boot := p.client.Bootstrap(context.Background())
	defer boot.Release()
	done := make(chan error)
	go func() { done <- boot.Call(context.Background(), mBlock, nil, nil) }()
	<-srv.blockStarted
	p.client.Close()
	err := <-done
	var e *capnprpc.Exception
	if !errors.As(err, &e) || e.Type != capnprpc.Disconnected {
		t.Fatalf("pending call: %v, want Disconnected", err)
	}
	if err := <-srv.blockEnded; !errors.Is(err, context.Canceled) {
		t.Fatalf("server ctx: %v", err)
	}
	<-p.server.Done()
	<-p.client.Done()
	// Later calls fail too.
	if _, err := add(context.Background(), boot, 1, 1); !errors.As(err, &e) || e.Type != capnprpc.Disconnected {
		t.Fatalf("later call: %v", err)
	}
	if p.client.Err() == nil || p.server.Err() == nil {
		t.Fatal("Err is nil after the end")
	}
}

func TestCapabilitiesAndRelease(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			p := newPair(t, tr.pair, newCalc(), capnprpc.Limits{})
			ctx := context.Background()
			boot := p.client.Bootstrap(ctx)
			// A capability in the results.
			c2, err := capCall(ctx, boot, mNewCalc, nil)
			if err != nil {
				t.Fatal(err)
			}
			if s, err := add(ctx, c2, 20, 22); err != nil || s != 42 {
				t.Fatal(s, err)
			}
			waitStats(t, p.client, capnprpc.Stats{Imports: 2})
			waitStats(t, p.server, capnprpc.Stats{Exports: 2})
			// A capability in the params, echoed back: the client gets its
			// own capability back (receiverHosted), not a proxy.
			local := newCalc()
			lc := capnprpc.NewLocal(local)
			back, err := capCall(ctx, boot, mEcho, lc.AddRef())
			if err != nil {
				t.Fatal(err)
			}
			if s, ok := back.Server(); !ok || s != local {
				t.Fatalf("echoed capability is not the local one")
			}
			back.Release()
			// The same capability sent twice reuses its export.
			for i := 0; i < 2; i++ {
				b, err := capCall(ctx, boot, mEcho, lc.AddRef())
				if err != nil {
					t.Fatal(err)
				}
				b.Release()
			}
			var senderHosted []uint32
			for _, o := range p.crec.find(capnprpc.Sent, rpccp.Message_Which_call) {
				if len(o.desc) == 1 && o.desc[0] == rpccp.CapDescriptor_Which_senderHosted {
					senderHosted = append(senderHosted, o.id)
				}
			}
			if len(senderHosted) != 3 {
				t.Fatalf("%d calls with a senderHosted capability, want 3", len(senderHosted))
			}
			lc.Release()
			c2.Release()
			boot.Release()
			waitStats(t, p.client, capnprpc.Stats{})
			waitStats(t, p.server, capnprpc.Stats{})
			if local.shutdown.Load() != 1 {
				t.Fatalf("local capability shut down %d times, want 1", local.shutdown.Load())
			}
			// Every import was released with the count of descriptors received.
			rel := p.crec.find(capnprpc.Sent, rpccp.Message_Which_release)
			if len(rel) != 2 {
				t.Fatalf("client sent %d Releases, want 2 (bootstrap, NewCalc's result)", len(rel))
			}
			for _, r := range rel {
				if r.count != 1 {
					t.Fatalf("Release count %d, want 1", r.count)
				}
			}
		})
	}
}

// The other direction: the side that accepted the connection calls the
// dialer's bootstrap capability and gives up.
func TestCancelCallerReverse(t *testing.T) {
	a, b := socketPair(t)
	dialerCalc := newCalc()
	dialer := capnprpc.NewConn(a, &capnprpc.Options{Bootstrap: capnprpc.NewLocal(dialerCalc)})
	acceptor := capnprpc.NewConn(b, nil)
	defer dialer.Close()
	defer acceptor.Close()
	boot := acceptor.Bootstrap(context.Background())
	defer boot.Release()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- boot.Call(ctx, mBlock, nil, nil) }()
	<-dialerCalc.blockStarted
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Call = %v", err)
	}
	if err := <-dialerCalc.blockEnded; !errors.Is(err, context.Canceled) {
		t.Fatalf("implementation ctx: %v", err)
	}
}
