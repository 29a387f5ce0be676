package ipcimpl

import (
	"context"
	"errors"
	"runtime"
	"time"

	"capnproto.org/go/capnp/v3"

	"github.com/ifacegen/ifacegen/runtime/capnprpc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// SupportPackageIsVersion3 is referenced by generated code
// (`const _ = ipcimpl.SupportPackageIsVersion3`) so that code generated for
// another version of this package fails to compile with a message naming
// the version, rather than misbehave.
const SupportPackageIsVersion3 = true

// Call calls m on c with ctx and waits for the answer: params writes the
// arguments into the params struct, results reads the results struct.
// Either may be nil. Neither is retained.
//
// The error is what a generated client method returns:
//   - the arguments could not be written, or the results read: an
//     *ipc.Error for m wrapping the conversion's error;
//   - ctx is done first: an *ipc.Error wrapping ctx.Err(), so that
//     errors.Is(err, context.Canceled) holds;
//   - c was released or is null: an *ipc.Error wrapping ipc.ErrReleased;
//   - otherwise what ipc.CallError makes of the engine's error: an
//     *ipc.RemoteError for an error the remote implementation returned, an
//     *ipc.Error wrapping ipc.ErrDisconnected or ipc.ErrUnimplemented, …
func Call(ctx context.Context, c *capnprpc.Capability, m *capnprpc.Method, params, results func(capnp.Struct) error) error {
	if c == nil || c.Released() {
		return &ipc.Error{Method: m.Name, Err: ipc.ErrReleased}
	}
	// The marks tell a conversion's error from the engine's; these
	// closures do not escape either, as the engine does not keep them.
	var markedParams, markedResults func(capnp.Struct) error
	if params != nil {
		markedParams = func(s capnp.Struct) error { return markConversion(params(s)) }
	}
	if results != nil {
		markedResults = func(s capnp.Struct) error { return markConversion(results(s)) }
	}
	err := c.Call(ctx, m, markedParams, markedResults)
	if err == nil {
		return nil
	}
	return clientError(ctx, m, err)
}

// MustCall is Call for a method without an error result: it panics with
// the *ipc.Error a failed call returns, as a generated method without an
// error result documents. A method without a context calls it with
// context.Background().
func MustCall(ctx context.Context, c *capnprpc.Capability, m *capnprpc.Method, params, results func(capnp.Struct) error) {
	if err := Call(ctx, c, m, params, results); err != nil {
		var e *ipc.Error
		if !errors.As(err, &e) {
			e = &ipc.Error{Method: m.Name, Err: err}
		}
		panic(e)
	}
}

// ZeroOnError returns result when err is nil, and the zero value of T
// otherwise: a generated client method with one result and an error
// returns
//
//	return ipcimpl.ZeroOnError(result, err)
//
// so that a failed call's result is zero even when reading it failed half
// way.
func ZeroOnError[T any](result T, err error) (T, error) {
	if err != nil {
		var zero T
		return zero, err
	}
	return result, nil
}

// NewClient returns client, the generated client that calls c, after
// arranging for c to be released when client becomes unreachable: the
// backstop for a client dropped without Release (its Release releases c,
// and a second release of c does nothing). A generated NewXClient is
//
//	return ipcimpl.NewClient(&MiningClient{c: c}, c)
func NewClient[T any](client *T, c *capnprpc.Capability) *T {
	runtime.AddCleanup(client, (*capnprpc.Capability).Release, c)
	return client
}

// conversionError marks the error of a generated conversion.
type conversionError struct{ err error }

func (e *conversionError) Error() string { return e.err.Error() }
func (e *conversionError) Unwrap() error { return e.err }

// markConversion returns nil for nil, and allocates only for an error.
func markConversion(err error) error {
	if err == nil {
		return nil
	}
	return &conversionError{err}
}

// clientError classifies err, the error of a call to m made with ctx.
func clientError(ctx context.Context, m *capnprpc.Method, err error) error {
	var conv *conversionError
	switch {
	case errors.As(err, &conv):
		return &ipc.Error{Method: m.Name, Err: conv.err}
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return &ipc.Error{Method: m.Name, Err: ctx.Err()}
	}
	return ipc.CallError(m.Name, err)
}

// DestroyTimeout bounds how long a generated client's Release waits for
// the peer to answer Destroy (see Destroy).
const DestroyTimeout = time.Minute

// Destroy calls m, a libmultiprocess dialect's destroy @0 (context) -> (),
// on c before a generated client's Release releases c, as libmultiprocess's
// own clients do: the peer frees the object then. It does nothing when c
// is nil or already released. Its error is dropped (the object is gone, or
// so is the connection); it waits at most DestroyTimeout.
func Destroy(c *capnprpc.Capability, m *capnprpc.Method) {
	if c == nil || c.Released() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), DestroyTimeout)
	defer cancel()
	_ = c.Call(ctx, m, nil, nil)
}
