package ipc

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/ifacegen/ifacegen/runtime/capnprpc"
	"github.com/ifacegen/ifacegen/runtime/internal/sentinel"
)

// ErrDisconnected is the cause of every call that fails because the
// connection is gone: test for it with errors.Is.
var ErrDisconnected = errors.New("ipc: disconnected")

// ErrUnimplemented is the cause of a call to a method the other side does
// not implement: test for it with errors.Is. A client gets it when the
// server is built from an older version of the interface (it does not
// know the method), when the method is retired there (the schema keeps
// a placeholder that answers every call with Cap'n Proto's
// "unimplemented" exception), and when the implementation returned an
// error wrapping ErrUnimplemented, as the methods of a generated
// UnimplementedX do.
//
// On the wire it is Cap'n Proto's exception type "unimplemented": a
// generated server sends that type for an implementation's error that
// wraps ErrUnimplemented, and CallError turns every
// exception of that type into an error wrapping ErrUnimplemented, so
// other Cap'n Proto peers interoperate both ways.
var ErrUnimplemented = errors.New("ipc: unimplemented")

// MaxNesting is how deep a value of a recursive type (a struct that
// contains itself through a list, a map or a pointer) may nest in what
// generated code reads: the outermost value and 63 levels inside it. A
// hostile peer could otherwise nest one as deep as its message allows,
// or make it a cycle, and overflow the reader's stack. Reading a deeper
// value fails with an error wrapping ErrTooDeep: a server fails that call
// (its caller gets the message in a *RemoteError), a client returns it
// from that call; the connection lives on.
// Writing is not limited: a value nested deeper than MaxNesting is sent,
// and the receiver refuses it.
const MaxNesting = 64

// ErrTooDeep is the cause when a value read from the wire nests deeper
// than MaxNesting.
var ErrTooDeep = fmt.Errorf("ipc: nesting deeper than %d", MaxNesting)

// ErrListTooLong is the cause when a list read from the wire has more
// elements than its message may make generated code allocate (see
// runtime/ipcimpl.SliceLen).
var ErrListTooLong = errors.New("ipc: list too long for its message")

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
// process (generated packages register their //ipc:error variables), so
// that errors.Is(err, pkg.ErrX) holds; an error wrapping ErrUnimplemented
// crosses the same way.
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
	code, msg := sentinel.Decode(reason)
	e := &RemoteError{Message: msg, Code: code}
	if code != "" {
		e.sentinel = lookupSentinel(code)
	}
	return e
}

// CallError turns the error of a call to method, made on a Capability
// with the engine's Call, into what a generated client returns: a *RemoteError carrying the remote implementation's message, or an
// *Error for a failure of the call (wrapping ErrDisconnected when the peer
// is gone). It returns nil for nil.
//
// Generated clients call it for every call; call it yourself for a method
// you call without a generated client (a hand-written binding's).
//
// An exception of Cap'n Proto's type "unimplemented" becomes an error
// wrapping ErrUnimplemented: a *RemoteError with the implementation's
// message when a generated server sent it for an error that wraps
// ErrUnimplemented, e.g. "mining.Mining.GetTip: ipc:
// unimplemented" from UnimplementedMining; otherwise (the server does not
// know the method, or it is retired there) an *Error whose message keeps
// the exception's reason, e.g. "mining.Mining.GetTip: ipc: unimplemented:
// mining.Mining.getTip is retired".
func CallError(method string, err error) error {
	if err == nil {
		return nil
	}
	if isDisconnected(err) {
		return &Error{Method: method, Err: fmt.Errorf("%w: %v", ErrDisconnected, err)}
	}
	var e *capnprpc.Exception
	if !errors.As(err, &e) {
		return &Error{Method: method, Err: err}
	}
	switch {
	case e.Type == capnprpc.Unimplemented:
		// From the peer, or raised here when the peer answered the
		// call with an Unimplemented message.
		if re := newRemoteError(e.Reason); e.Remote && re.Code == sentinel.UnimplementedCode {
			// The remote implementation returned an error wrapping
			// ErrUnimplemented.
			return re
		}
		return &Error{Method: method, Err: fmt.Errorf("%w: %s", ErrUnimplemented, e.Reason)}
	case e.Type == capnprpc.Failed && e.Remote:
		return newRemoteError(e.Reason)
	}
	return &Error{Method: method, Err: err}
}

// isDisconnected reports whether err means the peer or the stream is gone:
// the engine's Disconnected exceptions, and the stream errors a send or
// receive hits when the other end closed first (EOF, EPIPE, ECONNRESET, a
// closed connection).
func isDisconnected(err error) bool {
	var e *capnprpc.Exception
	if errors.As(err, &e) && e.Type == capnprpc.Disconnected {
		return true
	}
	return errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNRESET)
}
