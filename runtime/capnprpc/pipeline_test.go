package capnprpc_test

import (
	"context"
	"sync"
	"testing"

	"capnproto.org/go/capnp/v3"
	rpccp "capnproto.org/go/capnp/v3/std/capnp/rpc"
	"github.com/ifacegen/ifacegen/runtime/capnprpc"
)

func TestPipelineTwoLevels(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			p := newPair(t, tr.pair, newCalc(), capnprpc.Limits{})
			ctx := context.Background()
			boot := p.client.Bootstrap(ctx)
			a1 := boot.Send(ctx, mNewCalc, nil)
			c1 := a1.Pipeline(0)
			a2 := c1.Send(ctx, mNewCalc, nil)
			c2 := a2.Pipeline(0)
			sum, err := add(ctx, c2, 40, 2)
			if err != nil || sum != 42 {
				t.Fatal(sum, err)
			}
			// The first calls went out before any Return came back: all
			// three targeted promised answers except the Bootstrap's.
			calls := p.srec.find(capnprpc.Received, rpccp.Message_Which_call)
			if len(calls) != 3 {
				t.Fatalf("server received %d calls, want 3", len(calls))
			}
			if err := a1.Wait(ctx, nil); err != nil {
				t.Fatal(err)
			}
			a1.Release()
			a2.Release()
			c1.Release()
			c2.Release()
			boot.Release()
			waitStats(t, p.client, capnprpc.Stats{})
			waitStats(t, p.server, capnprpc.Stats{})
		})
	}
}

// orderCalc records which calls it served over a connection.
type orderCalc struct {
	mu     sync.Mutex
	values []uint64
	remote []bool
}

func (o *orderCalc) Dispatch(ctx context.Context, call *capnprpc.Call) error {
	o.mu.Lock()
	o.values = append(o.values, call.Params().Uint64(0))
	o.remote = append(o.remote, call.Conn() != nil)
	o.mu.Unlock()
	r, err := call.AllocResults(capnp.ObjectSize{DataSize: 8})
	if err != nil {
		return err
	}
	r.SetUint64(0, call.Params().Uint64(0)+call.Params().Uint64(8))
	return nil
}

func TestEmbargo(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			p := newPair(t, tr.pair, newCalc(), capnprpc.Limits{})
			ctx := context.Background()
			boot := p.client.Bootstrap(ctx)
			defer boot.Release()
			local := &orderCalc{}
			lc := capnprpc.NewLocal(local)
			// Echo sends lc to the server and returns it; calls pipelined on
			// the answer go to the server, which sends them back to us.
			echo := boot.Send(ctx, mEcho, func(ps capnp.Struct) error {
				id, err := capnprpc.AddCapability(ps.Message(), lc.AddRef())
				if err != nil {
					return err
				}
				return ps.SetPtr(0, capnp.NewInterface(ps.Segment(), id).ToPtr())
			})
			promise := echo.Pipeline(0)
			var early []*capnprpc.Answer
			for i := uint64(0); i < 5; i++ {
				early = append(early, promise.Send(ctx, mAdd, func(ps capnp.Struct) error {
					ps.SetUint64(0, i)
					return nil
				}))
			}
			if err := echo.Wait(ctx, nil); err != nil {
				t.Fatal(err)
			}
			for i := uint64(5); i < 10; i++ {
				if s, err := add(ctx, promise, i, 0); err != nil || s != i {
					t.Fatal(s, err)
				}
			}
			for i, a := range early {
				var got uint64
				if err := a.Wait(ctx, func(r capnp.Struct) error { got = r.Uint64(0); return nil }); err != nil || got != uint64(i) {
					t.Fatal(got, err)
				}
				a.Release()
			}
			if s, ok := promise.Server(); !ok || s != local {
				t.Fatal("promise did not resolve to the local capability")
			}
			// The Disembargo went out and came back after the five calls the
			// server reflected.
			var seq []string
			p.crec.mu.Lock()
			for _, o := range p.crec.msgs {
				switch {
				case o.which == rpccp.Message_Which_disembargo:
					seq = append(seq, map[capnprpc.Direction]string{capnprpc.Sent: "D>", capnprpc.Received: "D<"}[o.dir])
				case o.which == rpccp.Message_Which_call && o.dir == capnprpc.Received:
					seq = append(seq, "C<")
				}
			}
			p.crec.mu.Unlock()
			// Early calls that went out before the Return was read went to
			// the server, which reflected them back before the Disembargo;
			// the rest waited for the embargo and ran here. Calls run on
			// goroutines, so the order in which they ran is not checked.
			// (When the Return was read before the first early call, nothing
			// went through the promise and there is no embargo at all.)
			if len(seq) > 0 && (len(seq) < 2 || seq[len(seq)-1] != "D<" || !contains(seq, "D>")) {
				t.Fatalf("sequence %v, want a Disembargo out and back, back last", seq)
			}
			reflected := 0
			for _, s := range seq {
				if s == "C<" {
					reflected++
				}
			}
			local.mu.Lock()
			served := map[uint64]bool{}
			for i, v := range local.values {
				served[v] = true
				if remote := local.remote[i]; remote != (v < uint64(reflected)) {
					t.Errorf("value %d served remote=%v; %d calls were reflected", v, remote, reflected)
				}
			}
			local.mu.Unlock()
			if len(served) != 10 {
				t.Fatalf("served %v, want 0..9 once each", served)
			}
			echo.Release()
			promise.Release()
			lc.Release()
		})
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// A promise for our own question's answer, sent as a parameter, reaches
// the peer as receiverAnswer; what the peer does with it (here: echo it
// back, then calls through it) ends at the capability the answer holds.
func TestPromiseAsParameter(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			p := newPair(t, tr.pair, newCalc(), capnprpc.Limits{})
			ctx := context.Background()
			boot := p.client.Bootstrap(ctx)
			defer boot.Release()
			a := boot.Send(ctx, mNewCalc, nil)
			promise := a.Pipeline(0)
			back, err := capCall(ctx, boot, mEcho, promise.AddRef())
			if err != nil {
				t.Fatal(err)
			}
			if s, err := add(ctx, back, 30, 12); err != nil || s != 42 {
				t.Fatal(s, err)
			}
			sent := false
			for _, o := range p.crec.find(capnprpc.Sent, rpccp.Message_Which_call) {
				for _, d := range o.desc {
					if d == rpccp.CapDescriptor_Which_receiverAnswer || d == rpccp.CapDescriptor_Which_receiverHosted {
						sent = true
					}
				}
			}
			if !sent {
				t.Fatal("the promise did not go out as receiverAnswer or receiverHosted")
			}
			back.Release()
			promise.Release()
			a.Release()
		})
	}
}
