package ipc

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"capnproto.org/go/capnp/v3/exc"
	"capnproto.org/go/capnp/v3/rpc"
)

// ErrDisconnected is the cause of every call that fails because the
// connection is gone: test for it with errors.Is.
var ErrDisconnected = errors.New("ipc: disconnected")

// Error is a failure of the IPC machinery itself — the connection, the
// encoding, the peer's RPC layer — as opposed to an error the remote
// implementation returned. A generated client method that has no error
// result reports such a failure by panicking with an *Error.
type Error struct {
	Method string // "package.Interface.Method"
	Err    error  // the cause; errors.Is(e, ErrDisconnected) when the peer is gone
}

func (e *Error) Error() string { return e.Method + ": " + e.Err.Error() }

func (e *Error) Unwrap() error { return e.Err }

// RemoteError is an error returned by the implementation on the other side
// of the connection. Its message is the remote error's Error() text. When
// that error matched an //ipc:error sentinel, Code names the sentinel and
// the RemoteError unwraps to the sentinel of that name registered in this
// process (see RegisterError), so that errors.Is(err, pkg.ErrX) holds.
type RemoteError struct {
	Message string
	Code    string // the sentinel's "import/path.ErrName", or ""

	sentinel error
}

func (e *RemoteError) Error() string { return e.Message }

// Unwrap returns the sentinel error Code names, or nil.
func (e *RemoteError) Unwrap() error { return e.sentinel }

// newRemoteError decodes the reason of a remote exception.
func newRemoteError(reason string) *RemoteError {
	code, msg := decodeSentinel(reason)
	e := &RemoteError{Message: msg, Code: code}
	if code != "" {
		e.sentinel = lookupSentinel(code)
	}
	return e
}

// CallError turns the error of a call to method into what a generated client
// returns: a *RemoteError carrying the remote implementation's message, or an
// *Error for a failure of the connection (wrapping ErrDisconnected when the
// peer is gone). It returns nil for nil.
func CallError(method string, err error) error {
	if err == nil {
		return nil
	}
	if isDisconnected(err) {
		return &Error{Method: method, Err: fmt.Errorf("%w: %v", ErrDisconnected, err)}
	}
	var e *exc.Exception
	if errors.As(err, &e) && e.Type == exc.Failed {
		if msg, ok := remoteMessage(e); ok {
			return newRemoteError(msg)
		}
	}
	return &Error{Method: method, Err: err}
}

// isDisconnected reports whether err means the peer or the stream is gone:
// go-capnp's Disconnected exceptions, and the stream errors a send or
// receive hits when the other end closed first (EOF, EPIPE, ECONNRESET, a
// closed connection, go-capnp's own "connection closed"), which go-capnp
// reports as plain failures.
func isDisconnected(err error) bool {
	return exc.IsType(err, exc.Disconnected) ||
		errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) ||
		errors.Is(err, rpc.ErrConnClosed) ||
		errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNRESET)
}

// remoteMessage extracts the peer's own message from an exception received
// over the wire; ok is false for exceptions raised by the local RPC layer.
//
// go-capnp (v3.1.0-alpha.2, answer.go resolution.ptr) hands a received
// exception to the caller as exc.Exception{Prefix: "", Cause:
// wrap("<schema>:<Interface>.<method>", errors.New(reason))}; locally raised
// ones wrap a further *exc.Exception with a package prefix ("rpc", "capnp").
func remoteMessage(e *exc.Exception) (msg string, ok bool) {
	if e.Prefix != "" {
		return "", false
	}
	base := errors.Unwrap(e.Cause)
	if base == nil {
		return "", false
	}
	var inner *exc.Exception
	if errors.As(base, &inner) && inner.Prefix != "" {
		return "", false
	}
	return base.Error(), true
}
