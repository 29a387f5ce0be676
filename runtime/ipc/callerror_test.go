package ipc_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/ifacegen/ifacegen/runtime/capnprpc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
	"github.com/ifacegen/ifacegen/runtime/ipcimpl"
)

// received is an exception as the engine hands it to the caller when the
// peer sent it.
func received(typ capnprpc.ExceptionType, reason string) error {
	return &capnprpc.Exception{Type: typ, Reason: reason, Remote: true}
}

// errSentinelForTest is an //ipc:error variable as a generated package
// registers it.
var errSentinelForTest = errors.New("not ready")

func init() { ipcimpl.RegisterError("example.com/calls.ErrNotReady", errSentinelForTest) }

// kind summarizes an error the way a generated client's caller tells
// errors apart.
func kind(err error) string {
	var re *ipc.RemoteError
	var ie *ipc.Error
	var parts []string
	switch {
	case err == nil:
		return "nil"
	case errors.As(err, &re):
		parts = append(parts, "remote:"+re.Message)
	case errors.As(err, &ie):
		parts = append(parts, "error:"+ie.Method)
	default:
		parts = append(parts, "other")
	}
	for _, s := range []struct {
		name string
		err  error
	}{
		{"disconnected", ipc.ErrDisconnected},
		{"unimplemented", ipc.ErrUnimplemented},
		{"released", ipc.ErrReleased},
		{"canceled", context.Canceled},
		{"sentinel", errSentinelForTest},
	} {
		if errors.Is(err, s.err) {
			parts = append(parts, s.name)
		}
	}
	return strings.Join(parts, " ")
}

func TestCallErrorMapping(t *testing.T) {
	for name, tc := range map[string]struct {
		err  error
		want string
	}{
		"nil":                 {nil, "nil"},
		"remote failure":      {received(capnprpc.Failed, "boom"), "remote:boom"},
		"remote sentinel":     {received(capnprpc.Failed, "[ipc:error example.com/calls.ErrNotReady] not ready yet"), "remote:not ready yet sentinel"},
		"unknown sentinel":    {received(capnprpc.Failed, "[ipc:error example.com/calls.ErrOther] other"), "remote:other"},
		"remote disconnected": {received(capnprpc.Disconnected, "peer gone"), "error:calls.Calls.Get disconnected"},
		"stream end":          {io.EOF, "error:calls.Calls.Get disconnected"},
		"remote unimplemented": {received(capnprpc.Unimplemented, "unimplemented"),
			"error:calls.Calls.Get unimplemented"},
		"local unimplemented": {&capnprpc.Exception{Type: capnprpc.Unimplemented, Reason: "peer does not know Call"}, "error:calls.Calls.Get unimplemented"},
		"implementation unimplemented": {received(capnprpc.Unimplemented, "[ipc:error github.com/ifacegen/ifacegen/runtime/ipc.ErrUnimplemented] calls.Calls.Get: ipc: unimplemented"),
			"remote:calls.Calls.Get: ipc: unimplemented unimplemented"},
		"sentinel code in a failure": {received(capnprpc.Failed, "[ipc:error github.com/ifacegen/ifacegen/runtime/ipc.ErrUnimplemented] x"),
			"remote:x unimplemented"},
		"local failure":      {&capnprpc.Exception{Type: capnprpc.Failed, Reason: "bad message"}, "error:calls.Calls.Get"},
		"local disconnected": {&capnprpc.Exception{Type: capnprpc.Disconnected, Reason: "connection closed"}, "error:calls.Calls.Get disconnected"},
		"plain error":        {errors.New("encode: too big"), "error:calls.Calls.Get"},
	} {
		t.Run(name, func(t *testing.T) {
			if got := kind(ipc.CallError("calls.Calls.Get", tc.err)); got != tc.want {
				t.Errorf("CallError(%v) is %q, want %q", tc.err, got, tc.want)
			}
		})
	}
}

// An unimplemented exception keeps its reason.
func TestCallErrorUnimplementedMessage(t *testing.T) {
	err := ipc.CallError("calls.Calls.Get", received(capnprpc.Unimplemented, "calls.Calls.get is retired"))
	want := "calls.Calls.Get: ipc: unimplemented: calls.Calls.get is retired"
	if err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
}

// ServerError sends an error that wraps ErrUnimplemented as Cap'n Proto's
// unimplemented exception, which the caller's CallError maps back.
func TestServerErrorUnimplemented(t *testing.T) {
	for _, implErr := range []error{
		ipc.ErrUnimplemented,
		ipcimpl.Unimplemented("calls.Calls.Get"),
		errors.Join(errors.New("not in this version"), ipc.ErrUnimplemented),
	} {
		sent := ipcimpl.ServerError(implErr)
		var e *capnprpc.Exception
		if want := "[ipc:error github.com/ifacegen/ifacegen/runtime/ipc.ErrUnimplemented] " + implErr.Error(); !errors.As(sent, &e) || e.Type != capnprpc.Unimplemented || e.Reason != want {
			t.Errorf("ServerError(%q) = %#v, want an unimplemented exception %q", implErr, sent, want)
		}
		if got, want := kind(ipc.CallError("calls.Calls.Get", received(e.Type, e.Reason))), "remote:"+implErr.Error()+" unimplemented"; got != want {
			t.Errorf("the caller of %q sees %q, want %q", implErr, got, want)
		}
	}
	if err := ipcimpl.Unimplemented("calls.Calls.Get"); err.Error() != "calls.Calls.Get: ipc: unimplemented" {
		t.Errorf("Unimplemented: got %q", err)
	}
	// Anything else is a failure, as before.
	plain := errors.New("boom")
	if sent := ipcimpl.ServerError(plain); sent != plain {
		t.Errorf("ServerError(boom) = %#v, want it unchanged", sent)
	}
	// The engine sends any error that is not an *Exception as a failure
	// with its message as the reason.
	if sent := ipcimpl.ServerError(errSentinelForTest); !strings.HasPrefix(sent.Error(), "[ipc:error example.com/calls.ErrNotReady] ") {
		t.Errorf("ServerError(sentinel) = %q", sent)
	}
}
