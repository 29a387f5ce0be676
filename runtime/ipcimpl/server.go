package ipcimpl

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"runtime/debug"
	"sync"

	"capnproto.org/go/capnp/v3"

	"github.com/ifacegen/ifacegen/runtime/capnprpc"
	"github.com/ifacegen/ifacegen/runtime/internal/callctx"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// NewServer returns the first reference to a capability served by s, the
// generated adapter (its Dispatch switch) of impl. Once the last reference
// to the capability is released and every call on it has returned, impl
// is closed if it is an io.Closer.
//
// One implementation may be served by several capabilities at once (each
// time a Go value that is not a received client is sent, it gets a new
// one). When impl is a pointer, its capabilities are counted and impl is
// closed only when the last of them shuts down; any other impl is closed
// whenever one of them does.
func NewServer(s capnprpc.Server, impl any) *capnprpc.Capability {
	if _, ok := impl.(io.Closer); !ok {
		return capnprpc.NewLocal(s)
	}
	c := &closingServer{Server: s, impl: impl}
	if reflect.TypeOf(impl).Kind() == reflect.Pointer {
		c.counted = true
		liveServers.Lock()
		liveServers.n[impl]++
		liveServers.Unlock()
	}
	return capnprpc.NewLocal(c)
}

// LocalServer returns the generated adapter behind c when c is served in
// this process, and nil otherwise (c nil included), so that an object of
// this process that comes back over a connection is handed back as the Go
// implementation itself rather than a client that calls it through the
// engine. A generated ImportX type-switches on it.
func LocalServer(c *capnprpc.Capability) capnprpc.Server {
	if c == nil {
		return nil
	}
	s, ok := c.Server()
	if !ok {
		return nil
	}
	if cs, ok := s.(*closingServer); ok {
		return cs.Server
	}
	return s
}

// liveServers counts the capabilities serving each pointer implementation
// that is an io.Closer.
var liveServers = struct {
	sync.Mutex
	n map[any]int
}{n: make(map[any]int)}

// closingServer closes impl when its capability shuts down.
type closingServer struct {
	capnprpc.Server
	impl    any
	counted bool
	once    sync.Once
}

func (c *closingServer) Shutdown() {
	c.once.Do(func() {
		if c.counted {
			liveServers.Lock()
			liveServers.n[c.impl]--
			last := liveServers.n[c.impl] == 0
			if last {
				delete(liveServers.n, c.impl)
			}
			liveServers.Unlock()
			if !last {
				return
			}
		}
		// The error has nowhere to go.
		_ = c.impl.(io.Closer).Close()
	})
}

// Recover turns a panic in the implementation of m into the call's error,
// "pkg.Interface.Method: panic: <value>", which the caller receives as an
// *ipc.RemoteError; the server keeps serving. The panic and its stack are
// logged at error level to the serving connection's logger (standard
// error when the connection has none). A generated server method starts
// with
//
//	defer ipcimpl.Recover(ctx, &miningGetTip, &err)
//
// Recover must be called directly by defer.
func Recover(ctx context.Context, m *capnprpc.Method, err *error) {
	v := recover()
	if v == nil {
		return
	}
	*err = fmt.Errorf("%s: panic: %v", m.Name, v)
	callctx.Logger(ctx).ErrorContext(ctx, "ipc: panic serving a call",
		"method", m.Name, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
}

// ParamsError is the error of a call to m whose arguments could not be
// read: the caller receives its message as an *ipc.RemoteError.
func ParamsError(m *capnprpc.Method, err error) error {
	return &ipc.Error{Method: m.Name, Err: err}
}

// Results finishes a served call to m: when implErr, the error the
// implementation returned, is nil, it allocates the results struct, of
// size sz, and writes the results into it with write, which is not
// retained; otherwise it returns ServerError(implErr) and write is not
// called. A generated server method ends with
//
//	quotient, remainder, err := s.impl.Split(ctx, a, b)
//	return ipcimpl.Results(call, &methodMethodsSplit, capnp.ObjectSize{…}, err, func(r capnp.Struct) error { … })
//
// (a method without an error result passes nil).
func Results(call *capnprpc.Call, m *capnprpc.Method, sz capnp.ObjectSize, implErr error, write func(capnp.Struct) error) error {
	if implErr != nil {
		return ServerError(implErr)
	}
	r, err := call.AllocResults(sz)
	if err != nil {
		return &ipc.Error{Method: m.Name, Err: err}
	}
	if err := write(r); err != nil {
		return &ipc.Error{Method: m.Name, Err: err}
	}
	return nil
}

// Unknown is the error of a call to a method the adapter does not serve:
// Cap'n Proto's "unimplemented" exception, which the caller's runtime
// turns into an error wrapping ipc.ErrUnimplemented.
func Unknown(call *capnprpc.Call) error {
	return &capnprpc.Exception{Type: capnprpc.Unimplemented,
		Reason: fmt.Sprintf("method @%d of interface %#x is not implemented", call.MethodID(), call.InterfaceID())}
}

// Retired is the error of a call to a retired method, name being
// "pkg.Interface.wireName": the "unimplemented" exception.
func Retired(name string) error {
	return &capnprpc.Exception{Type: capnprpc.Unimplemented, Reason: name + " is retired"}
}

// RuntimeOnly is the error of a call the generated adapter does not serve
// because the runtime of the connection answers it (the libmultiprocess
// dialect's Init.construct), name being "pkg.Interface.wireName": the
// "unimplemented" exception, for a call that reaches the adapter anyway.
func RuntimeOnly(name string) error {
	return &capnprpc.Exception{Type: capnprpc.Unimplemented, Reason: name + " is answered by the runtime of a libmultiprocess connection"}
}
