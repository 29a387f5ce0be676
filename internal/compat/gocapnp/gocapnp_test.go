// Package gocapnp tests runtime/capnprpc against go-capnp's own rpc
// package as the peer, both directions, callbacks included: the engine
// speaks the same wire as an older ifacegen program or a hand-written
// go-capnp service.
package gocapnp

import (
	"context"
	"errors"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"testing"

	"capnproto.org/go/capnp/v3"
	"capnproto.org/go/capnp/v3/rpc"
	"github.com/ifacegen/ifacegen/internal/bench/handcapnp"
	"github.com/ifacegen/ifacegen/runtime/capnprpc"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	benchID   = 0xc5b2d5e3a1f04e77
	visitorID = 0xe41c7a2b9d3f5066
)

var (
	mAdd   = &capnprpc.Method{InterfaceID: benchID, MethodID: 0, Name: "handcapnp.Bench.add", ParamsSize: capnp.ObjectSize{DataSize: 16}}
	mEcho  = &capnprpc.Method{InterfaceID: benchID, MethodID: 1, Name: "handcapnp.Bench.echo", ParamsSize: capnp.ObjectSize{PointerCount: 1}}
	mVisit = &capnprpc.Method{InterfaceID: benchID, MethodID: 2, Name: "handcapnp.Bench.visit", ParamsSize: capnp.ObjectSize{DataSize: 8, PointerCount: 1}}
	mCall  = &capnprpc.Method{InterfaceID: visitorID, MethodID: 0, Name: "handcapnp.Visitor.call", ParamsSize: capnp.ObjectSize{DataSize: 8}}
)

func socketPair(t *testing.T) (net.Conn, net.Conn) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	conn := func(fd int) net.Conn {
		f := os.NewFile(uintptr(fd), "socketpair")
		defer f.Close()
		c, err := net.FileConn(f)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	return conn(fds[0]), conn(fds[1])
}

// engineBench serves Bench on the engine: add, echo, and visit, which
// calls the visitor back.
type engineBench struct{}

func (engineBench) Dispatch(ctx context.Context, call *capnprpc.Call) error {
	if call.InterfaceID() != benchID {
		return &capnprpc.Exception{Type: capnprpc.Unimplemented, Reason: "not Bench"}
	}
	p := call.Params()
	switch call.MethodID() {
	case 0:
		r, err := call.AllocResults(capnp.ObjectSize{DataSize: 8})
		if err != nil {
			return err
		}
		r.SetUint64(0, p.Uint64(0)+p.Uint64(8))
		return nil
	case 1:
		d, err := p.Ptr(0)
		if err != nil {
			return err
		}
		r, err := call.AllocResults(capnp.ObjectSize{PointerCount: 1})
		if err != nil {
			return err
		}
		return r.SetPtr(0, d)
	case 2:
		vp, err := p.Ptr(0)
		if err != nil {
			return err
		}
		v := capnprpc.CapabilityAt(p.Message(), vp.Interface().Capability())
		if v == nil {
			return errors.New("visit: no visitor")
		}
		defer v.Release()
		var result uint64
		err = v.Call(ctx, mCall, func(ps capnp.Struct) error {
			ps.SetUint64(0, p.Uint64(0))
			return nil
		}, func(rs capnp.Struct) error {
			result = rs.Uint64(0)
			return nil
		})
		if err != nil {
			return err
		}
		r, err := call.AllocResults(capnp.ObjectSize{DataSize: 8})
		if err != nil {
			return err
		}
		r.SetUint64(0, result)
		return nil
	}
	return &capnprpc.Exception{Type: capnprpc.Unimplemented, Reason: "unknown method"}
}

// engineVisitor serves Visitor on the engine: n → n*2.
type engineVisitor struct{ calls atomic.Int32 }

func (v *engineVisitor) Dispatch(ctx context.Context, call *capnprpc.Call) error {
	if call.InterfaceID() != visitorID || call.MethodID() != 0 {
		return &capnprpc.Exception{Type: capnprpc.Unimplemented, Reason: "not Visitor.call"}
	}
	v.calls.Add(1)
	r, err := call.AllocResults(capnp.ObjectSize{DataSize: 8})
	if err != nil {
		return err
	}
	r.SetUint64(0, call.Params().Uint64(0)*2)
	return nil
}

// goVisitor serves Visitor on go-capnp: n → n*3.
type goVisitor struct{}

func (goVisitor) Call(ctx context.Context, call handcapnp.Visitor_call) error {
	res, err := call.AllocResults()
	if err != nil {
		return err
	}
	res.SetResult(call.Args().N() * 3)
	return nil
}

func TestEngineClientGoCapnpServer(t *testing.T) {
	a, b := socketPair(t)
	server := rpc.NewConn(rpc.NewStreamTransport(b), &rpc.Options{
		BootstrapClient: capnp.Client(handcapnp.Bench_ServerToClient(handcapnp.Server{})),
	})
	defer server.Close()
	client := capnprpc.NewConn(a, nil)
	defer client.Close()
	ctx := context.Background()
	boot := client.Bootstrap(ctx)
	defer boot.Release()

	for i := uint64(0); i < 20; i++ {
		var sum uint64
		err := boot.Call(ctx, mAdd, func(p capnp.Struct) error {
			p.SetUint64(0, i)
			p.SetUint64(8, 1000)
			return nil
		}, func(r capnp.Struct) error { sum = r.Uint64(0); return nil })
		if err != nil || sum != i+1000 {
			t.Fatalf("add: %d %v", sum, err)
		}
	}
	// Echo: a pointer field through both encoders.
	var echoed []byte
	err := boot.Call(ctx, mEcho, func(p capnp.Struct) error {
		d, err := capnp.NewData(p.Segment(), []byte("hello, go-capnp"))
		if err != nil {
			return err
		}
		return p.SetPtr(0, d.ToPtr())
	}, func(r capnp.Struct) error {
		d, err := r.Ptr(0)
		echoed = append([]byte(nil), d.Data()...)
		return err
	})
	if err != nil || string(echoed) != "hello, go-capnp" {
		t.Fatalf("echo: %q %v", echoed, err)
	}
	// Visit: the go-capnp server calls back into an engine capability.
	v := &engineVisitor{}
	vc := capnprpc.NewLocal(v)
	for i := uint64(1); i <= 3; i++ {
		var result uint64
		err := boot.Call(ctx, mVisit, func(p capnp.Struct) error {
			p.SetUint64(0, i*10)
			id, err := capnprpc.AddCapability(p.Message(), vc.AddRef())
			if err != nil {
				return err
			}
			return p.SetPtr(0, capnp.NewInterface(p.Segment(), id).ToPtr())
		}, func(r capnp.Struct) error { result = r.Uint64(0); return nil })
		if err != nil || result != i*20 {
			t.Fatalf("visit: %d %v", result, err)
		}
	}
	vc.Release()
	if v.calls.Load() != 3 {
		t.Fatalf("visitor served %d calls, want 3", v.calls.Load())
	}
	// Unknown method: go-capnp answers unimplemented.
	err = boot.Call(ctx, &capnprpc.Method{InterfaceID: benchID, MethodID: 9}, nil, nil)
	var e *capnprpc.Exception
	if !errors.As(err, &e) || e.Type != capnprpc.Unimplemented {
		t.Fatalf("unknown method: %v", err)
	}
	// Pipelining against go-capnp: Bootstrap promise used before it resolved
	// is covered above; the exports go back to zero once released.
	boot.Release()
	waitZero(t, client)
}

func waitZero(t *testing.T, c *capnprpc.Conn) {
	t.Helper()
	for i := 0; ; i++ {
		s := c.Stats()
		if s.Questions == 0 && s.Exports == 0 && s.Imports == 0 && s.Answers == 0 {
			return
		}
		if i > 60000 {
			t.Fatalf("tables not empty: %+v", s)
		}
		runtimeYield()
	}
}

func TestGoCapnpClientEngineServer(t *testing.T) {
	a, b := socketPair(t)
	server := capnprpc.NewConn(b, &capnprpc.Options{Bootstrap: capnprpc.NewLocal(engineBench{})})
	defer server.Close()
	client := rpc.NewConn(rpc.NewStreamTransport(a), nil)
	defer client.Close()
	ctx := context.Background()
	bench := handcapnp.Bench(client.Bootstrap(ctx))
	defer bench.Release()

	for i := int64(0); i < 20; i++ {
		f, release := bench.Add(ctx, func(p handcapnp.Bench_add_Params) error {
			p.SetA(i)
			p.SetB(-5)
			return nil
		})
		r, err := f.Struct()
		if err != nil || r.Sum() != i-5 {
			t.Fatalf("add: %v %v", r.Sum(), err)
		}
		release()
	}
	f, release := bench.Echo(ctx, func(p handcapnp.Bench_echo_Params) error {
		return p.SetData([]byte("from go-capnp"))
	})
	r, err := f.Struct()
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := r.Data(); string(d) != "from go-capnp" {
		t.Fatalf("echo: %q", d)
	}
	release()
	// Visit: the engine server calls back into a go-capnp capability.
	visitor := handcapnp.Visitor_ServerToClient(goVisitor{})
	for i := int64(1); i <= 3; i++ {
		f, release := bench.Visit(ctx, func(p handcapnp.Bench_visit_Params) error {
			p.SetN(i)
			return p.SetV(visitor.AddRef())
		})
		r, err := f.Struct()
		if err != nil || r.Result() != i*3 {
			t.Fatalf("visit: %v %v", r.Result(), err)
		}
		release()
	}
	visitor.Release()
	// Pipelining from go-capnp: a call on the bootstrap promise before it
	// resolved was the first Add; the server's answer tables drain.
	bench.Release()
	for i := 0; ; i++ {
		s := server.Stats()
		if s.Answers == 0 && s.Imports == 0 && s.Exports == 0 {
			break
		}
		if i > 60000 {
			t.Fatalf("server tables not empty: %+v", s)
		}
		runtimeYield()
	}
}
