package ipc_test

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"capnproto.org/go/capnp/v3"
	"capnproto.org/go/capnp/v3/exc"
	"github.com/google/go-cmp/cmp"

	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// received is an exception as go-capnp hands it to the caller when the
// peer sent it (answer.go resolution.ptr annotates it with the method).
func received(typ exc.Type, reason string) error {
	return exc.Annotate("", "calls.capnp:Calls.get", exc.New(typ, "", reason))
}

// errSentinelForTest is an //ipc:error variable as a generated package
// registers it.
var errSentinelForTest = errors.New("not ready")

func init() { ipc.RegisterError("example.com/calls.ErrNotReady", errSentinelForTest) }

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
		"remote failure":      {received(exc.Failed, "boom"), "remote:boom"},
		"remote sentinel":     {received(exc.Failed, "[ipc:error example.com/calls.ErrNotReady] not ready yet"), "remote:not ready yet sentinel"},
		"unknown sentinel":    {received(exc.Failed, "[ipc:error example.com/calls.ErrOther] other"), "remote:other"},
		"remote disconnected": {received(exc.Disconnected, "peer gone"), "error:calls.Calls.Get disconnected"},
		"stream end":          {io.EOF, "error:calls.Calls.Get disconnected"},
		"remote unimplemented": {received(exc.Unimplemented, "unimplemented"),
			"error:calls.Calls.Get unimplemented"},
		"local unimplemented": {capnp.Unimplemented("unimplemented"), "error:calls.Calls.Get unimplemented"},
		"implementation unimplemented": {received(exc.Unimplemented, "[ipc:error github.com/ifacegen/ifacegen/runtime/ipc.ErrUnimplemented] calls.Calls.Get: ipc: unimplemented"),
			"remote:calls.Calls.Get: ipc: unimplemented unimplemented"},
		"sentinel code in a failure": {received(exc.Failed, "[ipc:error github.com/ifacegen/ifacegen/runtime/ipc.ErrUnimplemented] x"),
			"remote:x unimplemented"},
		"local failure": {exc.WrapError("rpc", exc.New(exc.Failed, "rpc", "bad message")), "error:calls.Calls.Get"},
		"plain error":   {errors.New("encode: too big"), "error:calls.Calls.Get"},
	} {
		t.Run(name, func(t *testing.T) {
			if got := kind(ipc.CallError("calls.Calls.Get", tc.err)); got != tc.want {
				t.Errorf("CallError(%v) is %q, want %q", tc.err, got, tc.want)
			}
		})
	}
}

// An unimplemented exception keeps its message, which names the capnp
// interface and method.
func TestCallErrorUnimplementedMessage(t *testing.T) {
	err := ipc.CallError("calls.Calls.Get", received(exc.Unimplemented, "unimplemented"))
	want := "calls.Calls.Get: ipc: unimplemented: calls.capnp:Calls.get: unimplemented"
	if err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
}

// ArgsError's mark wins over everything ClientError knows about the call,
// and what it marks is returned as the *Error's cause.
func TestArgsError(t *testing.T) {
	if ipc.ArgsError(nil) != nil {
		t.Error("ArgsError(nil) is not nil")
	}
	cause := errors.New("enum value 70000 does not fit in 16 bits")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// go-capnp rejects the call with an error wrapping the params
	// func's.
	err := ipc.ClientError(ctx, capnp.Client{}, "calls.Calls.Get", exc.WrapError("place args", ipc.ArgsError(cause)))
	var ie *ipc.Error
	if !errors.As(err, &ie) || ie.Err != cause || ie.Method != "calls.Calls.Get" {
		t.Errorf("got %#v, want an *ipc.Error whose Err is the writer's error", err)
	}
	if got := ipc.CallPanic(capnp.Client{}, "calls.Calls.Get", ipc.ArgsError(cause)); got.Err != cause {
		t.Errorf("CallPanic: got %#v, want the writer's error", got)
	}
}

// ServerError sends an error that wraps ErrUnimplemented as Cap'n Proto's
// unimplemented exception, which the caller's CallError maps back.
func TestServerErrorUnimplemented(t *testing.T) {
	for _, implErr := range []error{
		ipc.ErrUnimplemented,
		ipc.Unimplemented("calls.Calls.Get"),
		errors.Join(errors.New("not in this version"), ipc.ErrUnimplemented),
	} {
		sent := ipc.ServerError(implErr)
		if want := "[ipc:error github.com/ifacegen/ifacegen/runtime/ipc.ErrUnimplemented] " + implErr.Error(); exc.TypeOf(sent) != exc.Unimplemented || sent.Error() != want {
			t.Errorf("ServerError(%q) = %#v, want an unimplemented exception %q", implErr, sent, want)
		}
		if got, want := kind(ipc.CallError("calls.Calls.Get", received(exc.TypeOf(sent), sent.Error()))), "remote:"+implErr.Error()+" unimplemented"; got != want {
			t.Errorf("the caller of %q sees %q, want %q", implErr, got, want)
		}
	}
	if err := ipc.Unimplemented("calls.Calls.Get"); err.Error() != "calls.Calls.Get: ipc: unimplemented" {
		t.Errorf("Unimplemented: got %q", err)
	}
	// Anything else is a failure, as before.
	plain := errors.New("boom")
	if sent := ipc.ServerError(plain); sent != plain {
		t.Errorf("ServerError(boom) = %#v, want it unchanged", sent)
	}
	if sent := ipc.ServerError(errSentinelForTest); exc.TypeOf(sent) != exc.Failed || !strings.HasPrefix(sent.Error(), "[ipc:error example.com/calls.ErrNotReady] ") {
		t.Errorf("ServerError(sentinel) = %q", sent)
	}
}

// SliceLen and MapLen let a list through when its Go form fits the read
// budget of its message, and refuse it otherwise.
func TestListLen(t *testing.T) {
	_, seg, err := capnp.NewMessage(capnp.SingleSegment(nil))
	if err != nil {
		t.Fatal(err)
	}
	// A list of zero-sized structs: 8 Mi elements in a few bytes.
	empty, err := capnp.NewCompositeList(seg, capnp.ObjectSize{}, 8<<20)
	if err != nil {
		t.Fatal(err)
	}
	small, err := capnp.NewCompositeList(seg, capnp.ObjectSize{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	type tree struct {
		Label    string
		Children []tree
	}
	var got []string
	record := func(n int, err error) {
		got = append(got, strings.TrimSpace(strings.Join([]string{strconv.Itoa(n), errKind(err)}, " ")))
	}
	record(ipc.SliceLen[tree](empty))     // 320 MiB of trees: refused
	record(ipc.SliceLen[struct{}](empty)) // no memory: allowed
	record(ipc.SliceLen[bool](empty))     // 8 MiB, over the 64 KiB of a small message
	record(ipc.SliceLen[tree](small))
	record(ipc.MapLen[string, tree](empty))
	record(ipc.MapLen[string, tree](small))
	record(ipc.SliceLen[tree](capnp.List{})) // null
	want := []string{"0 too-long", "8388608", "0 too-long", "100", "0 too-long", "100", "0"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lengths (-want +got):\n%s", diff)
	}
}

func errKind(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ipc.ErrListTooLong):
		return "too-long"
	}
	return err.Error()
}
