package mpthread

import (
	"context"
	"errors"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"

	"capnproto.org/go/capnp/v3"

	"github.com/ifacegen/ifacegen/runtime/capnprpc"
)

// A test schema: interface testInit has construct @0, work @1 (context,
// callback :Callback) -> (); interface testCallback has call @0 (context).
const (
	testInit     uint64 = 0xa000000000000001
	testCallback uint64 = 0xa000000000000002
)

func testKinds(iface uint64, method uint16) MethodKind {
	switch {
	case iface == testInit && method == 0:
		return Construct
	case iface == testInit && method == 1, iface == testCallback && method == 0:
		return WithContext
	}
	return Plain
}

var (
	workMethod = capnprpc.Method{InterfaceID: testInit, MethodID: 1, Name: "test.Init.work",
		ParamsSize: capnp.ObjectSize{PointerCount: 2}}
	callbackMethod = capnprpc.Method{InterfaceID: testCallback, MethodID: 0, Name: "test.Callback.call",
		ParamsSize: capnp.ObjectSize{PointerCount: 1}}
)

// seen is what a server saw of one call's Context.
type seen struct {
	thread   *threadServer // the Thread named, when it is one of the server's
	callback bool          // the ctx carries a callbackThread
}

// contextOf reads the Context of call as the server sees it.
func contextOf(ctx context.Context, call *capnprpc.Call) seen {
	var s seen
	if th := capInStruct(ptrStruct(call.Params(), 0), 0); th != nil {
		if srv, ok := th.Server(); ok {
			s.thread, _ = srv.(*threadServer)
		}
		th.Release()
	}
	cc, ok := ctx.Value(ctxKey{}).(*callContext)
	s.callback = ok && cc.callback != nil
	return s
}

// pair is a client and a server connection, both speaking the protocol;
// the server's work calls serve.
type pair struct {
	client, server   *capnprpc.Conn
	clientP, serverP *Protocol
	boot             *capnprpc.Capability
}

func newPair(t *testing.T, serve func(ctx context.Context, call *capnprpc.Call) error) *pair {
	t.Helper()
	a, b := socketPair(t)
	p := &pair{clientP: New(testKinds), serverP: New(testKinds)}
	boot := capnprpc.NewLocal(capnprpc.ServerFunc(func(ctx context.Context, call *capnprpc.Call) error {
		if call.InterfaceID() == testInit && call.MethodID() == 1 {
			return serve(ctx, call)
		}
		return &capnprpc.Exception{Type: capnprpc.Unimplemented, Reason: "no"}
	}))
	p.server = capnprpc.NewConn(b, &capnprpc.Options{Hooks: p.serverP, Bootstrap: p.serverP.WrapBootstrap(boot)})
	p.serverP.Attach(p.server)
	p.client = capnprpc.NewConn(a, &capnprpc.Options{Hooks: p.clientP})
	p.clientP.Attach(p.client)
	p.boot = p.client.Bootstrap(t.Context())
	t.Cleanup(func() {
		p.boot.Release()
		p.client.Close()
		p.server.Close()
	})
	return p
}

func socketPair(t *testing.T) (net.Conn, net.Conn) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	conn := func(fd int) net.Conn {
		f := os.NewFile(uintptr(fd), "socketpair")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	return conn(fds[0]), conn(fds[1])
}

func (p *pair) made() int {
	p.clientP.mu.Lock()
	defer p.clientP.mu.Unlock()
	return p.clientP.made
}

// TestSequentialCallsShareAThread: construct is sent before the first
// call (and served: the server keeps the client's ThreadMap), every call
// names a Thread the server made, and calls one after another reuse one.
func TestSequentialCallsShareAThread(t *testing.T) {
	var mu sync.Mutex
	var got []seen
	p := newPair(t, func(ctx context.Context, call *capnprpc.Call) error {
		mu.Lock()
		got = append(got, contextOf(ctx, call))
		mu.Unlock()
		return nil
	})
	for range 3 {
		if err := p.boot.Call(t.Context(), &workMethod, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if p.made() != 1 {
		t.Errorf("made %d threads for 3 calls one after another, want 1", p.made())
	}
	for i, s := range got {
		if s.thread == nil {
			t.Fatalf("call %d named no Thread of the server", i)
		}
		if s.thread != got[0].thread {
			t.Errorf("call %d ran on %q, call 0 on %q", i, s.thread.name, got[0].thread.name)
		}
		if !s.callback {
			t.Errorf("call %d: the server's ctx has no callbackThread", i)
		}
	}
	if !strings.Contains(got[0].thread.name, "thread 1") {
		t.Errorf("thread name %q", got[0].thread.name)
	}
	p.serverP.mu.Lock()
	served := p.serverP.peerMap != nil
	p.serverP.mu.Unlock()
	if !served {
		t.Error("the server did not keep the client's ThreadMap from construct")
	}
}

// TestConcurrentCallsGetThreadsOfTheirOwn: calls running at once name
// different Threads; later calls reuse them.
func TestConcurrentCallsGetThreadsOfTheirOwn(t *testing.T) {
	const n = 3
	arrived := make(chan seen, n)
	release := make(chan struct{})
	p := newPair(t, func(ctx context.Context, call *capnprpc.Call) error {
		arrived <- contextOf(ctx, call)
		<-release
		return nil
	})
	errs := make(chan error, n)
	for range n {
		go func() { errs <- p.boot.Call(context.Background(), &workMethod, nil, nil) }()
	}
	threads := map[*threadServer]bool{}
	for range n {
		s := <-arrived
		if s.thread == nil {
			t.Fatal("a call named no Thread of the server")
		}
		threads[s.thread] = true
	}
	close(release)
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if len(threads) != n {
		t.Errorf("%d calls at once ran on %d Threads, want %d", n, len(threads), n)
	}
	// All leases are back: more calls make no new Thread.
	for range 2 * n {
		go func() { errs <- p.boot.Call(context.Background(), &workMethod, nil, nil) }()
		<-arrived
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if p.made() != n {
		t.Errorf("made %d Threads, want %d", p.made(), n)
	}
}

// TestCallbackRunsOnTheCallersThread: a call back into the client made
// with the incoming call's ctx names the client's callbackThread (a
// Thread the client serves), not a Thread from the client's ThreadMap.
func TestCallbackRunsOnTheCallersThread(t *testing.T) {
	p := newPair(t, func(ctx context.Context, call *capnprpc.Call) error {
		cb := capInStruct(call.Params(), 1)
		defer cb.Release()
		return cb.Call(ctx, &callbackMethod, nil, nil)
	})
	var got seen
	cb := capnprpc.NewLocal(capnprpc.ServerFunc(func(ctx context.Context, call *capnprpc.Call) error {
		got = contextOf(ctx, call)
		return nil
	}))
	err := p.boot.Call(t.Context(), &workMethod, func(s capnp.Struct) error {
		return setCap(s, 1, cb)
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := p.clientP.ourThread.Server()
	if got.thread == nil || got.thread != srv {
		t.Errorf("the callback named %v, want the client's callbackThread %v", got.thread, srv)
	}
	if !got.callback {
		t.Error("the callback's ctx has no callbackThread")
	}
	p.serverP.mu.Lock()
	made := p.serverP.made
	p.serverP.mu.Unlock()
	if made != 0 {
		t.Errorf("the server made %d Threads of the client for a callback, want 0", made)
	}
}

// TestNoThreadMapYet: a call that needs a Thread on a connection where
// construct was neither sent nor served, and which is not on an Init,
// fails with ErrNoThreadMap, and nothing is sent.
func TestNoThreadMapYet(t *testing.T) {
	p := newPair(t, func(context.Context, *capnprpc.Call) error { return nil })
	err := p.boot.Call(t.Context(), &callbackMethod, nil, nil)
	if !errors.Is(err, ErrNoThreadMap) {
		t.Errorf("err = %v, want ErrNoThreadMap", err)
	}
	// The connection still works.
	if err := p.boot.Call(t.Context(), &workMethod, nil, nil); err != nil {
		t.Fatal(err)
	}
}

// TestThreadMapServed: makePool is answered, and a Thread's getName
// returns the name makeThread gave it.
func TestThreadMapServed(t *testing.T) {
	p := newPair(t, func(context.Context, *capnprpc.Call) error { return nil })
	if err := p.boot.Call(t.Context(), &workMethod, nil, nil); err != nil {
		t.Fatal(err)
	}
	p.clientP.mu.Lock()
	peerMap := p.clientP.peerMap.AddRef()
	p.clientP.mu.Unlock()
	defer peerMap.Release()
	makePool := capnprpc.Method{InterfaceID: ThreadMapID, MethodID: 1, ParamsSize: capnp.ObjectSize{DataSize: 8}}
	if err := peerMap.Call(t.Context(), &makePool, func(s capnp.Struct) error { s.SetUint32(0, 4); return nil }, nil); err != nil {
		t.Errorf("makePool: %v", err)
	}
	var th *capnprpc.Capability
	err := peerMap.Call(t.Context(), &makeThreadMethod, func(s capnp.Struct) error { return setText(s, 0, "worker") },
		func(r capnp.Struct) error { th = capInStruct(r, 0); return nil })
	if err != nil {
		t.Fatal(err)
	}
	defer th.Release()
	getName := capnprpc.Method{InterfaceID: ThreadID, MethodID: 0}
	var name string
	err = th.Call(t.Context(), &getName, nil, func(r capnp.Struct) error {
		p, err := r.Ptr(0)
		name = p.Text()
		return err
	})
	if err != nil || name != "worker" {
		t.Errorf("getName = %q, %v; want \"worker\"", name, err)
	}
}

// TestFailedMakeThreadIsNotReused: a Thread whose makeThread failed is
// forgotten, so that the calls after the failed one get a new Thread.
func TestFailedMakeThreadIsNotReused(t *testing.T) {
	p := New(testKinds)
	defer p.close()
	p.setPeerMap(capnprpc.NewLocal(capnprpc.ServerFunc(func(context.Context, *capnprpc.Call) error {
		return errors.New("no threads today")
	})))
	th, err := p.lease(testInit)
	if err != nil {
		t.Fatal(err)
	}
	// Wait for the goroutine that sees makeThread's answer.
	for {
		p.mu.Lock()
		n := len(p.threads)
		p.mu.Unlock()
		if n == 0 {
			break
		}
		if t.Context().Err() != nil {
			t.Fatal("the failed Thread was never discarded")
		}
		runtime.Gosched()
	}
	p.giveBack(th)
	p.mu.Lock()
	free := len(p.free)
	p.mu.Unlock()
	if free != 0 {
		t.Errorf("%d Threads on the free list after a failed makeThread, want 0", free)
	}
}
