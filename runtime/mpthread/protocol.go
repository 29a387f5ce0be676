package mpthread

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"

	"capnproto.org/go/capnp/v3"

	"github.com/ifacegen/ifacegen/runtime/capnprpc"
)

// Type IDs of mp/proxy.capnp (file @0xcc316e3f71a040fb), as
// runtime/mpproxy/mpproxyipc declares them.
const (
	ThreadMapID uint64 = 0xee5e37179ad9dc9d
	ThreadID    uint64 = 0x81c1e2600d0b56c5
	ContextID   uint64 = 0x9c44e6645d0b22c6
)

// MethodKind says what the thread protocol does with a method.
type MethodKind uint8

const (
	// Plain methods are left alone: no context parameter (noctx methods,
	// ThreadMap's and Thread's, methods of non-dialect schemas, and
	// methods no registered schema describes).
	Plain MethodKind = iota
	// WithContext methods take context :Proxy.Context as parameter @0.
	WithContext
	// Construct is Init.construct @0 (threadMap) -> (threadMap).
	Construct
)

// MethodKinds tells the kind of method methodID of interface ifaceID. It
// is called from the engine's paths (see capnprpc.CallHooks): it must be
// fast after the first call for a method and must not block.
type MethodKinds func(ifaceID uint64, methodID uint16) MethodKind

// Protocol is the thread protocol of one connection. Its methods are safe
// for concurrent use. Make it with New, pass it as capnprpc.Options.Hooks
// (and wrap the bootstrap capability with WrapBootstrap), then Attach the
// connection.
type Protocol struct {
	kinds MethodKinds
	conn  atomic.Pointer[capnprpc.Conn]

	ourThread *capnprpc.Capability // callbackThread of our calls
	ourMap    *capnprpc.Capability // the ThreadMap we pass in construct

	constructMu sync.Mutex // held while construct is being sent

	mu          sync.Mutex
	peerMap     *capnprpc.Capability   // the peer's ThreadMap, or nil
	constructed bool                   // construct was sent or served
	free        []*capnprpc.Capability // peer Threads not in use
	threads     []*capnprpc.Capability // every peer Thread made, to release
	made        int
	closed      bool
}

// New returns the protocol for one connection.
func New(kinds MethodKinds) *Protocol {
	p := &Protocol{kinds: kinds}
	p.ourThread = capnprpc.NewLocal(&threadServer{name: fmt.Sprintf("ifacegen Go process %d (callbacks)", os.Getpid())})
	p.ourMap = capnprpc.NewLocal(&threadMapServer{})
	return p
}

// Attach tells p its connection, once capnprpc.NewConn has returned, and
// releases p's capabilities when the connection ends.
func (p *Protocol) Attach(c *capnprpc.Conn) {
	p.conn.Store(c)
	go func() {
		<-c.Done()
		p.close()
	}()
}

func (p *Protocol) close() {
	p.mu.Lock()
	p.closed = true
	peerMap, threads := p.peerMap, p.threads
	p.peerMap, p.threads, p.free = nil, nil, nil
	p.mu.Unlock()
	peerMap.Release()
	for _, t := range threads {
		t.Release()
	}
	p.ourThread.Release()
	p.ourMap.Release()
}

// callContext is what an incoming call's Go context carries.
type callContext struct {
	p        *Protocol
	callback *capnprpc.Capability // the peer's callbackThread, or nil
}

type ctxKey struct{}

// Incoming implements capnprpc.CallHooks: a call that takes a context is
// served with a ctx that carries the caller's callbackThread for calls
// back into the same connection.
func (p *Protocol) Incoming(ctx context.Context, call *capnprpc.Call) context.Context {
	if p.kinds(call.InterfaceID(), call.MethodID()) != WithContext {
		return ctx
	}
	cb := capInStruct(ptrStruct(call.Params(), 0), 1)
	if cb == nil {
		return ctx
	}
	context.AfterFunc(ctx, cb.Release)
	return context.WithValue(ctx, ctxKey{}, &callContext{p: p, callback: cb})
}

// Outgoing implements capnprpc.CallHooks: a call that takes a context gets
// Context{thread, callbackThread} as parameter @0.
func (p *Protocol) Outgoing(ctx context.Context, ifaceID uint64, methodID uint16, params capnp.Struct) (func(), error) {
	if p.kinds(ifaceID, methodID) != WithContext {
		return nil, nil
	}
	var thread *capnprpc.Capability
	var done func()
	if cc, ok := ctx.Value(ctxKey{}).(*callContext); ok && cc.p == p && cc.callback != nil {
		// A call back into the peer while it calls us: on its thread.
		thread = cc.callback.AddRef()
	} else {
		leased, err := p.lease(ifaceID)
		if err != nil {
			return nil, err
		}
		thread = leased.AddRef()
		done = func() { p.giveBack(leased) }
	}
	if err := writeContext(params, thread, p.ourThread.AddRef()); err != nil {
		return done, err
	}
	return done, nil
}

// ErrNoThreadMap is the cause of the error of a call that needs a Thread
// of the peer before the peer's ThreadMap is known and cannot be the one
// that triggers construct (it is not on an Init).
var ErrNoThreadMap = errors.New("libmultiprocess: no ThreadMap from the peer yet: call a method of its Init first (the runtime then calls Init.construct), or serve Init so that the peer calls construct")

// lease returns a peer Thread for one call: a free one, or a new one.
func (p *Protocol) lease(ifaceID uint64) (*capnprpc.Capability, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, &capnprpc.Exception{Type: capnprpc.Disconnected, Reason: "connection closed"}
	}
	if n := len(p.free); n > 0 {
		t := p.free[n-1]
		p.free = p.free[:n-1]
		p.mu.Unlock()
		return t, nil
	}
	p.made++
	name := fmt.Sprintf("ifacegen Go process %d thread %d", os.Getpid(), p.made)
	p.mu.Unlock()

	// The calls below are sent from inside the engine's send path: they
	// pipeline and never wait for an answer.
	peerMap, err := p.peerThreadMap(ifaceID)
	if err != nil {
		return nil, err
	}
	defer peerMap.Release()
	ans := peerMap.Send(context.Background(), &makeThreadMethod, func(s capnp.Struct) error {
		return setText(s, 0, name)
	})
	t := ans.Pipeline(0)
	go func() {
		if err := ans.Wait(context.Background(), nil); err != nil {
			// The calls on t fail with this error; later ones get
			// another Thread.
			p.discard(t)
		}
		ans.Release()
	}()
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		t.Release()
		return nil, &capnprpc.Exception{Type: capnprpc.Disconnected, Reason: "connection closed"}
	}
	p.threads = append(p.threads, t)
	p.mu.Unlock()
	return t, nil
}

// giveBack returns a leased Thread to the free list, unless makeThread
// failed for it.
func (p *Protocol) giveBack(t *capnprpc.Capability) {
	p.mu.Lock()
	if !p.closed && slices.Contains(p.threads, t) {
		p.free = append(p.free, t)
	}
	p.mu.Unlock()
}

// discard forgets t, a Thread whose makeThread failed, and releases it.
func (p *Protocol) discard(t *capnprpc.Capability) {
	p.mu.Lock()
	i := slices.Index(p.threads, t)
	if i < 0 {
		p.mu.Unlock()
		return
	}
	p.threads = slices.Delete(p.threads, i, i+1)
	if j := slices.Index(p.free, t); j >= 0 {
		p.free = slices.Delete(p.free, j, j+1)
	}
	p.mu.Unlock()
	t.Release()
}

// peerThreadMap returns a reference to the peer's ThreadMap, calling
// construct first if this side has neither sent nor served it and the
// call that needs a Thread is on an Init (ifaceID).
func (p *Protocol) peerThreadMap(ifaceID uint64) (*capnprpc.Capability, error) {
	p.constructMu.Lock()
	defer p.constructMu.Unlock()
	p.mu.Lock()
	m, constructed := p.peerMap.AddRef(), p.constructed
	p.mu.Unlock()
	if m != nil {
		return m, nil
	}
	if constructed || p.kinds(ifaceID, 0) != Construct {
		return nil, ErrNoThreadMap
	}
	if err := p.construct(ifaceID); err != nil {
		return nil, err
	}
	p.mu.Lock()
	m = p.peerMap.AddRef()
	p.mu.Unlock()
	if m == nil {
		return nil, ErrNoThreadMap
	}
	return m, nil
}

var makeThreadMethod = capnprpc.Method{InterfaceID: ThreadMapID, MethodID: 0, Name: "mp.ThreadMap.makeThread",
	ParamsSize: capnp.ObjectSize{PointerCount: 1}}

// construct calls construct @0 of initID on a fresh Bootstrap of the
// connection, passing our ThreadMap, and keeps the (pipelined) peer's.
func (p *Protocol) construct(initID uint64) error {
	c := p.conn.Load()
	if c == nil {
		return errors.New("libmultiprocess: protocol not attached to a connection")
	}
	boot := c.Bootstrap(context.Background())
	defer boot.Release()
	m := capnprpc.Method{InterfaceID: initID, MethodID: 0, Name: "Init.construct", ParamsSize: capnp.ObjectSize{PointerCount: 1}}
	ans := boot.Send(context.Background(), &m, func(s capnp.Struct) error {
		return setCap(s, 0, p.ourMap.AddRef())
	})
	peerMap := ans.Pipeline(0)
	go func() {
		if err := ans.Wait(context.Background(), nil); err != nil {
			c.Logger().Warn("libmultiprocess: Init.construct failed", "err", err)
		}
		ans.Release()
	}()
	p.setPeerMap(peerMap)
	return nil
}

// setPeerMap keeps the peer's ThreadMap (taking over m); a second one
// replaces the first.
func (p *Protocol) setPeerMap(m *capnprpc.Capability) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		m.Release()
		return
	}
	old := p.peerMap
	p.peerMap = m
	p.constructed = true
	p.mu.Unlock()
	old.Release()
}

// WrapBootstrap returns the capability to offer the peer in place of boot,
// a capability served in this process (typically a generated Init
// server): it answers construct itself — keeping the peer's ThreadMap and
// returning this side's — and hands every other call to boot's Server. It
// takes over boot, and releases it when the peer and the connection have
// released the wrapper. A nil boot stays nil.
func (p *Protocol) WrapBootstrap(boot *capnprpc.Capability) *capnprpc.Capability {
	if boot == nil {
		return nil
	}
	return capnprpc.NewLocal(&bootstrapServer{p: p, boot: boot})
}

type bootstrapServer struct {
	p    *Protocol
	boot *capnprpc.Capability
}

func (b *bootstrapServer) Dispatch(ctx context.Context, call *capnprpc.Call) error {
	if call.MethodID() == 0 && b.p.kinds(call.InterfaceID(), 0) == Construct {
		if peer := capInStruct(call.Params(), 0); peer != nil {
			b.p.setPeerMap(peer)
		}
		r, err := call.AllocResults(capnp.ObjectSize{PointerCount: 1})
		if err != nil {
			return err
		}
		return setCap(r, 0, b.p.ourMap.AddRef())
	}
	s, ok := b.boot.Server()
	if !ok {
		return &capnprpc.Exception{Type: capnprpc.Failed, Reason: "libmultiprocess: the bootstrap capability is not served in this process"}
	}
	return s.Dispatch(ctx, call)
}

func (b *bootstrapServer) Shutdown() { b.boot.Release() }

// threadMapServer is this side's ThreadMap.
type threadMapServer struct{}

func (threadMapServer) Dispatch(ctx context.Context, call *capnprpc.Call) error {
	if call.InterfaceID() == ThreadMapID {
		switch call.MethodID() {
		case 0: // makeThread @0 (name :Text) -> (result :Thread)
			name, _ := call.Params().Ptr(0)
			r, err := call.AllocResults(capnp.ObjectSize{PointerCount: 1})
			if err != nil {
				return err
			}
			return setCap(r, 0, capnprpc.NewLocal(&threadServer{name: name.Text()}))
		case 1: // makePool @1 (count :UInt32) -> (): goroutines are the pool
			return nil
		}
	}
	return &capnprpc.Exception{Type: capnprpc.Unimplemented,
		Reason: fmt.Sprintf("method @%d of interface %#x is not implemented by the Go ThreadMap", call.MethodID(), call.InterfaceID())}
}

// threadServer is one Thread of this side: a name; calls naming it run on
// goroutines like every other.
type threadServer struct{ name string }

func (t *threadServer) Dispatch(ctx context.Context, call *capnprpc.Call) error {
	if call.InterfaceID() == ThreadID && call.MethodID() == 0 { // getName @0 () -> (result :Text)
		r, err := call.AllocResults(capnp.ObjectSize{PointerCount: 1})
		if err != nil {
			return err
		}
		return setText(r, 0, t.name)
	}
	return &capnprpc.Exception{Type: capnprpc.Unimplemented,
		Reason: fmt.Sprintf("method @%d of interface %#x is not implemented by the Go Thread", call.MethodID(), call.InterfaceID())}
}
