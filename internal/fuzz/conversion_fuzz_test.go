package fuzz_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"capnproto.org/go/capnp/v3"
	"github.com/google/go-cmp/cmp"

	"github.com/ifacegen/ifacegen/internal/interop/interopapi"
	"github.com/ifacegen/ifacegen/internal/interop/interopapi/interopapiipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// pick returns the method an input's index selects.
func pick(index uint16) method { return methods[int(index)%len(methods)] }

// FuzzServerParams hands arbitrary messages to generated servers as call
// arguments, over a real connection from a hand-written peer that sends
// them as they are (rawpeer_test.go; nothing normalizes them): the root
// of data is the params struct of the method index selects. The call is
// finished at once, so the implementation's context is canceled (the
// waiting methods return at once; the arguments are read before the
// implementation runs). The read path must refuse what it cannot read
// with an error, never panic (a panic would be turned into an error by
// ipcimpl.Recover; the target fails on it all the same), and a record
// Interop.Echo read must survive being written as results and read by the
// generated client unchanged.
func FuzzServerParams(f *testing.F) {
	f.Fuzz(func(t *testing.T, index uint16, data []byte) {
		m := pick(index)
		if m.server == nil {
			return
		}
		msg, err := capnp.Unmarshal(data)
		if err != nil {
			return
		}
		sharedInterop.takeLast()
		out := serve(m, msg, true)
		if errors.Is(out.err, os.ErrDeadlineExceeded) {
			t.Fatalf("%s: no Return %v after the call", m.name, hangLimit)
		}
		if panicked(out.err) {
			t.Fatalf("%s panicked on its arguments: %v", m.name, out.err)
		}
		if m.name != "Interop.Echo" {
			return
		}
		got := sharedInterop.takeLast()
		if got == nil || out.err != nil {
			return
		}
		again, err := echoResults(out.results)
		if err != nil {
			t.Fatalf("Interop.Echo: the client cannot read the results the server wrote for %+v: %v", *got, err)
		}
		if diff := cmp.Diff(*got, again); diff != "" {
			t.Fatalf("Interop.Echo: record changed by a write and a read (-read by server +read back by client):\n%s", diff)
		}
	})
}

// echoResults reads results as the results of Interop.Echo, through the
// generated client.
func echoResults(results *capnp.Message) (interopapi.Record, error) {
	var got interopapi.Record
	_, err := callWithResults(method{call: func(ctx context.Context, c *ipc.Capability) error {
		cl := interopapiipc.NewInteropClient(c)
		defer cl.Release()
		var err error
		got, err = cl.Echo(ctx, interopapi.Record{})
		return err
	}}, results)
	return got, err
}

// FuzzClientResults answers calls made through generated clients with
// arbitrary messages, over a real connection from a hand-written peer
// that sends them as they are: the root of data is the results struct of
// the method index selects. The client's read path must return an error
// for what it cannot read and never panic.
func FuzzClientResults(f *testing.F) {
	f.Fuzz(func(t *testing.T, index uint16, data []byte) {
		m := pick(index)
		msg, err := capnp.Unmarshal(data)
		if err != nil {
			return
		}
		callWithResults(m, msg)
	})
}
