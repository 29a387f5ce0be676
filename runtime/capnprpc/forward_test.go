package capnprpc_test

import (
	"context"
	"testing"

	"capnproto.org/go/capnp/v3"
	"github.com/ifacegen/ifacegen/runtime/capnprpc"
)

// A capability imported on one connection and passed on another is
// exported there and the calls are forwarded, capabilities in their
// params and results included: Z holds Y's calc (through X) and hands it
// to W, and W and Y call each other back through Z and X.
func TestForwardAcrossConnections(t *testing.T) {
	x, y := socketPair(t)
	z, w := socketPair(t)
	connY := capnprpc.NewConn(y, &capnprpc.Options{Bootstrap: capnprpc.NewLocal(newCalc())})
	connX := capnprpc.NewConn(x, nil)
	connW := capnprpc.NewConn(w, &capnprpc.Options{Bootstrap: capnprpc.NewLocal(newCalc())})
	connZ := capnprpc.NewConn(z, nil)
	defer connX.Close()
	defer connY.Close()
	defer connZ.Close()
	defer connW.Close()
	ctx := context.Background()
	bootX := connX.Bootstrap(ctx) // Y's calc
	bootZ := connZ.Bootstrap(ctx) // W's calc
	var sum uint64
	err := bootZ.Call(ctx, mCallback, func(ps capnp.Struct) error {
		ps.SetUint64(0, 2)
		id, err := capnprpc.AddCapability(ps.Message(), bootX.AddRef())
		if err != nil {
			return err
		}
		return ps.SetPtr(0, capnp.NewInterface(ps.Segment(), id).ToPtr())
	}, func(rs capnp.Struct) error { sum = rs.Uint64(0); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if sum != 45 {
		t.Fatalf("sum = %d, want 45", sum)
	}
	bootX.Release()
	bootZ.Release()
	for _, c := range []*capnprpc.Conn{connX, connY, connZ, connW} {
		waitStats(t, c, capnprpc.Stats{})
	}
}
