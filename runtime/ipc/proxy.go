package ipc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"reflect"
	"sync"
	"unsafe"

	"capnproto.org/go/capnp/v3"
	"capnproto.org/go/capnp/v3/server"
)

// ErrReleased is the cause when a call fails because the client it was
// made on had been released (or was a null capability).
var ErrReleased = errors.New("ipc: call on a released or null capability")

// Recover turns a panic in a server method into that call's error, so
// that one bad call does not take the whole process down and the server
// keeps serving. Generated server methods start with
//
//	defer ipc.Recover("pkg.Interface.Method", &err)
//
// where err is the method's named error result. The error's message is
// "pkg.Interface.Method: panic: <value>"; the caller receives it as a
// *RemoteError. Recover must be called directly by defer.
func Recover(method string, err *error) {
	if v := recover(); v != nil {
		*err = fmt.Errorf("%s: panic: %v", method, v)
	}
}

// ArgsError marks err, the error of a generated client's argument writer
// (the params func it hands go-capnp), so that ClientError and CallPanic
// can tell it from a failure of the call: go-capnp rejects the call with an
// error that wraps it. It returns nil for nil, and allocates only when err
// is not nil, so a generated client needs no variable shared with the
// params func (which would escape to the heap on every call).
func ArgsError(err error) error {
	if err == nil {
		return nil
	}
	return &argsError{err}
}

// argsError is the mark ArgsError puts on an argument writer's error.
type argsError struct{ err error }

func (e *argsError) Error() string { return e.err.Error() }
func (e *argsError) Unwrap() error { return e.err }

// ClientError turns the error of a call to method, made on client with
// ctx, into what a generated client method returns. It is CallError,
// refined with what only the caller knows (go-capnp reports both cases
// exactly like an exception from the peer):
//
//   - the arguments could not be written (an error marked by ArgsError):
//     an *Error wrapping the argument writer's error, whatever ctx and
//     client are;
//   - ctx is done: an *Error wrapping ctx.Err(), so that
//     errors.Is(err, context.Canceled) holds;
//   - client was released or is null: an *Error wrapping ErrReleased.
//
// It returns nil for nil.
func ClientError(ctx context.Context, client capnp.Client, method string, err error) error {
	var args *argsError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &args):
		return &Error{Method: method, Err: args.err}
	case ctx.Err() != nil:
		return &Error{Method: method, Err: ctx.Err()}
	case !client.IsValid():
		return &Error{Method: method, Err: ErrReleased}
	}
	return CallError(method, err)
}

// Await waits until the answer f of a call made with ctx has arrived, or
// ctx is done, and returns ctx's error in the second case (nil when both
// happened: the answer wins). A generated client calls it before reading
// the answer, and on an error returns at once and releases the answer in
// another goroutine.
//
// go-capnp v3.1.0-alpha.2 resolves the answer of a call canceled while
// its connection shuts down only after the shutdown has waited for every
// incoming call to return; so an implementation that is inside a call
// back into its caller when the connection goes would wait for ever
// (internal/faults TestDisconnectDuringCallback). The release go-capnp
// returns with the answer also waits for it, hence the goroutine: it ends
// when the answer arrives.
func Await(ctx context.Context, f *capnp.Future) error {
	done := ctx.Done()
	if done == nil {
		return nil
	}
	select {
	case <-f.Done():
		return nil
	case <-done:
		select {
		case <-f.Done():
			return nil
		default:
			return ctx.Err()
		}
	}
}

// CallPanic returns what a generated client method that has no error
// result panics with when its call on client fails: an *Error for method
// whose Err is err as ClientError classifies it (a *RemoteError when the
// remote implementation failed, a failure of the call otherwise).
func CallPanic(client capnp.Client, method string, err error) *Error {
	err = ClientError(context.Background(), client, method, err)
	if e, ok := err.(*Error); ok {
		return e
	}
	return &Error{Method: method, Err: err}
}

// CloseOnShutdown returns the server.Shutdowner a generated server passes
// to server.New for impl: once the last reference to the capability is
// released and every call has returned, it closes impl if impl is an
// io.Closer (ignoring the error, which has nowhere to go), and does nothing
// otherwise.
//
// One implementation may be served by several capabilities at once (each
// time a Go value is sent that is not a received client, it gets a new
// server). When impl is a pointer (as most implementations are),
// CloseOnShutdown counts them and closes impl only when the last of them
// shuts down; any other impl is closed whenever one of its servers shuts
// down.
func CloseOnShutdown(impl any) server.Shutdowner {
	if _, ok := impl.(io.Closer); !ok {
		// Nothing to close, so nothing to count; a zero-size value in an
		// interface takes no allocation, one fewer per server.
		return noShutdown{}
	}
	c := &closeOnShutdown{impl: impl}
	if impl != nil && reflect.TypeOf(impl).Kind() == reflect.Pointer {
		c.counted = true
		liveServers.Lock()
		liveServers.n[impl]++
		liveServers.Unlock()
	}
	return c
}

// noShutdown is the Shutdowner of an implementation that is not an
// io.Closer: it does nothing.
type noShutdown struct{}

func (noShutdown) Shutdown() {}

// liveServers counts the servers of each comparable implementation.
var liveServers = struct {
	sync.Mutex
	n map[any]int
}{n: make(map[any]int)}

type closeOnShutdown struct {
	impl    any
	counted bool
	once    sync.Once
}

func (c *closeOnShutdown) Shutdown() {
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
		if cl, ok := c.impl.(io.Closer); ok {
			cl.Close()
		}
	})
}

// LocalServer reports whether c is served in this process by a
// server.Server (as every generated NewXServer is), and returns the brand
// that was passed to server.New: generated code uses it to hand back the
// Go implementation itself when one of its own objects comes back over a
// connection, rather than a proxy that calls it through the RPC layer. It
// does not take over c.
func LocalServer(c capnp.Client) (brand any, ok bool) {
	snap := c.Snapshot()
	defer snap.Release()
	return server.IsServer(snap.Brand())
}

// SliceLen returns the length of l, a list read from a message, for a
// generated reader that is about to make a Go slice of that many elements
// of type E. It fails with an error wrapping ErrListTooLong when the slice
// would take more memory than the read budget of l's message, the
// traversal limit a connection gives a received message (64 times its
// size, at least 64 KiB, at most 64 MiB; see guard.go).
//
// The traversal limit bounds what is read, not what is allocated: an
// element of a list of zero-sized structs takes no byte in the message
// and is charged 8 bytes of traversal, yet becomes a Go value of any
// size. Without this bound a 1 MiB message could make a reader allocate
// 8 Mi Go values. An honest message never comes near it: the Go form of
// an element that is written in full takes at most a few times its wire
// size.
func SliceLen[E any, L ~capnp.ListKind](l L) (int, error) {
	var e E
	return listLen(capnp.List(l), uint64(unsafe.Sizeof(e)))
}

// MapLen is SliceLen for a generated reader that is about to make a Go map
// of K to V with room for every entry of l.
func MapLen[K comparable, V any, L ~capnp.ListKind](l L) (int, error) {
	var k K
	var v V
	// A map slot also holds a control byte; the rest of a map's
	// overhead is proportional to its slots.
	return listLen(capnp.List(l), uint64(unsafe.Sizeof(k)+unsafe.Sizeof(v))+1)
}

// listLen returns l.Len(), or an error if that many Go values of size
// bytes each exceed the read budget of l's message.
func listLen(l capnp.List, size uint64) (int, error) {
	n := l.Len()
	overflow, need := bits.Mul64(uint64(n), size)
	if overflow == 0 && need <= minReadBudget {
		return n, nil // within the budget of any message
	}
	budget := uint64(maxReadBudget)
	if m := l.Message(); m != nil {
		if total, err := m.TotalSize(); err == nil {
			budget = readBudget(total)
		}
	}
	if overflow != 0 || need > budget {
		return 0, fmt.Errorf("%w: %d elements of %d bytes in Go exceed the read budget of their message (%d bytes)",
			ErrListTooLong, n, size, budget)
	}
	return n, nil
}
