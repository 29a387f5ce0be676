package fuzz_test

import (
	"context"
	"testing"

	"capnproto.org/go/capnp/v3"
	"github.com/google/go-cmp/cmp"

	"github.com/ifacegen/ifacegen/internal/interop/interopapi"
	"github.com/ifacegen/ifacegen/internal/interop/interopapi/interopapiipc"
)

// fuzzTraverseLimit replaces the 64 MiB traversal limit of the messages
// the conversion targets read. At 64 MiB a 50-byte input can make the read
// path allocate hundreds of MiB and run for seconds (see doc.go, Known
// gaps), which slows fuzzing to a crawl; 1 MiB still lets lists of
// 128 Ki elements through.
const fuzzTraverseLimit = 1 << 20

// pick returns the method an input's index selects.
func pick(index uint16) method { return methods[int(index)%len(methods)] }

// FuzzServerParams hands arbitrary messages to generated servers as call
// arguments, bypassing the RPC layer (so nothing normalizes them): the
// root of data is the params struct of the method index selects. The read
// path must refuse what it cannot read with an error, never panic (a
// panic would be turned into an error by ipc.Recover; the target fails on
// it all the same), and a record Interop.Echo read must survive being
// written as results and read by the generated client unchanged.
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
		msg.ResetReadLimit(fuzzTraverseLimit)
		root, err := msg.Root()
		if err != nil {
			return
		}
		// A cancelled context makes the waiting methods return at once;
		// the arguments are read before the implementation runs.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		sharedInterop.takeLast()
		rec := serve(ctx, m, root.Struct())
		if panicked(rec.err) {
			t.Fatalf("%s panicked on its arguments: %v", m.name, rec.err)
		}
		if m.name != "Interop.Echo" {
			return
		}
		got := sharedInterop.takeLast()
		if got == nil || rec.err != nil {
			return
		}
		var again interopapi.Record
		again, err = echoResults(rec.results.ToPtr())
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
func echoResults(results capnp.Ptr) (interopapi.Record, error) {
	var got interopapi.Record
	_, err := callWithResults(method{call: func(ctx context.Context, c capnp.Client) error {
		cl := interopapiipc.NewInteropClient(c)
		defer cl.Release()
		var err error
		got, err = cl.Echo(ctx, interopapi.Record{})
		return err
	}}, results)
	return got, err
}

// FuzzClientResults answers calls made through generated clients with
// arbitrary messages: the root of data is the results struct of the
// method index selects. The client's read path must return an error for
// what it cannot read and never panic.
func FuzzClientResults(f *testing.F) {
	f.Fuzz(func(t *testing.T, index uint16, data []byte) {
		m := pick(index)
		msg, err := capnp.Unmarshal(data)
		if err != nil {
			return
		}
		msg.ResetReadLimit(fuzzTraverseLimit)
		root, err := msg.Root()
		if err != nil {
			return
		}
		callWithResults(m, root)
	})
}
