package ipc

import (
	"context"
	"errors"
	"fmt"
	"io"

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

// ClientError turns the error of a call to method, made on client with
// ctx, into what a generated client method returns. It is CallError,
// refined with what only the caller knows (go-capnp reports both cases
// exactly like an exception from the peer):
//
//   - ctx is done: an *Error wrapping ctx.Err(), so that
//     errors.Is(err, context.Canceled) holds;
//   - client was released or is null: an *Error wrapping ErrReleased.
//
// It returns nil for nil.
func ClientError(ctx context.Context, client capnp.Client, method string, err error) error {
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return &Error{Method: method, Err: ctx.Err()}
	case !client.IsValid():
		return &Error{Method: method, Err: ErrReleased}
	}
	return CallError(method, err)
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
func CloseOnShutdown(impl any) server.Shutdowner {
	return closeOnShutdown{impl}
}

type closeOnShutdown struct{ impl any }

func (c closeOnShutdown) Shutdown() {
	if cl, ok := c.impl.(io.Closer); ok {
		cl.Close()
	}
}
