package capnprpc_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/ifacegen/ifacegen/runtime/capnprpc"
	"go.uber.org/goleak"
)

// pair connects a client Conn to a server Conn that offers boot.
type pair struct {
	client, server *capnprpc.Conn
	crec, srec     *recorder
}

func newPair(t testing.TB, pairFn func(testing.TB) (net.Conn, net.Conn), boot capnprpc.Server, lim capnprpc.Limits) *pair {
	a, b := pairFn(t)
	p := &pair{crec: &recorder{}, srec: &recorder{}}
	p.server = capnprpc.NewConn(b, &capnprpc.Options{Bootstrap: capnprpc.NewLocal(boot), Observer: p.srec, Limits: lim})
	p.client = capnprpc.NewConn(a, &capnprpc.Options{Observer: p.crec, Limits: lim})
	t.Cleanup(func() {
		p.client.Close()
		p.server.Close()
	})
	return p
}

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestBootstrapCallReturn(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			p := newPair(t, tr.pair, newCalc(), capnprpc.Limits{})
			ctx := context.Background()
			boot := p.client.Bootstrap(ctx)
			defer boot.Release()
			for i := uint64(0); i < 10; i++ {
				sum, err := add(ctx, boot, i, 100)
				if err != nil {
					t.Fatal(err)
				}
				if sum != i+100 {
					t.Fatalf("add = %d, want %d", sum, i+100)
				}
			}
		})
	}
}

func TestExceptions(t *testing.T) {
	p := newPair(t, socketPair, newCalc(), capnprpc.Limits{})
	ctx := context.Background()
	boot := p.client.Bootstrap(ctx)
	defer boot.Release()
	err := boot.Call(ctx, mFail, nil, nil)
	var e *capnprpc.Exception
	if !errors.As(err, &e) || e.Type != capnprpc.Failed || !e.Remote || e.Reason != "it failed on purpose" {
		t.Fatalf("Fail: %#v", err)
	}
	err = boot.Call(ctx, mMissing, nil, nil)
	if !errors.As(err, &e) || e.Type != capnprpc.Unimplemented || !e.Remote {
		t.Fatalf("Missing: %#v", err)
	}
	// The connection still works.
	if sum, err := add(ctx, boot, 1, 2); err != nil || sum != 3 {
		t.Fatal(sum, err)
	}
	_ = time.Second
}
