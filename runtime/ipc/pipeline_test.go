package ipc_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"capnproto.org/go/capnp/v3"
	"github.com/google/go-cmp/cmp"

	"github.com/ifacegen/ifacegen/golden/lists"
	"github.com/ifacegen/ifacegen/golden/lists/listsipc"
	"github.com/ifacegen/ifacegen/golden/objects"
	"github.com/ifacegen/ifacegen/golden/objects/objectsipc"
	"github.com/ifacegen/ifacegen/runtime/capnprpc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// heldFactory is an objects.Factory whose NewCounter waits until release
// is closed, so that the answer is still a promise when a call pipelined
// on it arrives. Its other methods are not used.
type heldFactory struct {
	objects.Factory
	release chan struct{}
}

func (f *heldFactory) NewCounter(ctx context.Context, start int64) (objects.Counter, error) {
	select {
	case <-f.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return &plainCounter{value: start}, nil
}

type plainCounter struct{ value int64 }

func (c *plainCounter) Add(_ context.Context, n int64) (int64, error) {
	c.value += n
	return c.value, nil
}

// incomingCalls is a slog.Handler that sends on calls for every call the
// debug log records as received.
type incomingCalls struct {
	calls chan struct{}
}

func (h incomingCalls) Enabled(context.Context, slog.Level) bool { return true }
func (h incomingCalls) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h incomingCalls) WithGroup(string) slog.Handler            { return h }
func (h incomingCalls) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "ipc call" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "dir" && a.Value.String() == "in" {
			h.calls <- struct{}{}
			return false
		}
		return true
	})
	return nil
}

// TestPipelinedCall makes a call on the capability a call returns before
// that call has returned (promise pipelining): the second call's target is
// the promised answer to the first, which the engine queues until the
// answer is known and then delivers to the capability in it.
func TestPipelinedCall(t *testing.T) {
	a, b, err := ipc.SocketPair()
	if err != nil {
		t.Fatal(err)
	}
	impl := &heldFactory{release: make(chan struct{})}
	seen := incomingCalls{calls: make(chan struct{}, 4)}
	server := ipc.NewConn(a, &ipc.Options{
		Bootstrap: objectsipc.NewFactoryServer(impl),
		Logger:    slog.New(seen),
		Debug:     true,
	})
	defer server.Close()
	client := ipc.NewConn(b, nil)
	defer client.Close()

	ctx := t.Context()
	factory := client.Bootstrap(ctx)
	defer factory.Release()
	newCounter := capnprpc.Method{InterfaceID: objectsipc.Factory_TypeID, MethodID: 0, Name: "objects.Factory.NewCounter",
		ParamsSize: capnp.ObjectSize{DataSize: 8}}
	add := capnprpc.Method{InterfaceID: objectsipc.Counter_TypeID, MethodID: 0, Name: "objects.Counter.Add",
		ParamsSize: capnp.ObjectSize{DataSize: 8}}
	made := factory.Send(ctx, &newCounter, func(p capnp.Struct) error {
		objectsipc.Factory_newCounter_Params(p).SetStart(40)
		return nil
	})
	defer made.Release()
	counter := made.Pipeline(0) // NewCounter's result, pointer 0
	defer counter.Release()
	added := counter.Send(ctx, &add, func(p capnp.Struct) error {
		objectsipc.Counter_add_Params(p).SetN(2)
		return nil
	})
	defer added.Release()

	// Both calls reach the server while NewCounter still holds its
	// answer: the client has no capability but the promise to call Add
	// on, so Add's target is NewCounter's promised answer.
	for range 2 {
		select {
		case <-seen.calls:
		case <-server.Done():
			t.Fatal("the server's connection shut down before both calls arrived")
		}
	}
	close(impl.release)

	var got int64
	err = added.Wait(ctx, func(r capnp.Struct) error {
		got = objectsipc.Counter_add_Results(r).Result()
		return nil
	})
	if err != nil {
		t.Fatalf("Add pipelined on NewCounter's answer: %v", err)
	}
	if got != 42 {
		t.Errorf("Add(2) on a counter that starts at 40 = %d, want 42", got)
	}
	select {
	case <-server.Done():
		t.Error("the server's connection shut down after a pipelined call")
	default:
	}
}

// echoLists is a lists.Lists whose Echo returns its argument.
type echoLists struct{ lists.Lists }

func (echoLists) Echo(_ context.Context, v lists.Values) (lists.Values, error) { return v, nil }

// TestReadBudgetAdmitsBoolLists sends a list of 1 Mi bools both ways, with
// the debug log on at both ends: go-capnp charges each bool 8 bytes of
// the read budget although it takes one bit, the densest charge any
// honest message has, and the log reads every message once more.
func TestReadBudgetAdmitsBoolLists(t *testing.T) {
	a, b, err := ipc.SocketPair()
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug}))
	server := ipc.NewConn(a, &ipc.Options{Bootstrap: listsipc.NewListsServer(echoLists{}), Logger: logger, Debug: true})
	defer server.Close()
	client := ipc.NewConn(b, &ipc.Options{Logger: logger, Debug: true})
	defer client.Close()
	proxy := listsipc.NewListsClient(client.Bootstrap(t.Context()))
	defer proxy.Release()

	bools := make([]bool, 1<<20)
	for i := range bools {
		bools[i] = i%3 == 0
	}
	got, err := proxy.Echo(t.Context(), lists.Values{Bools: bools})
	if err != nil {
		t.Fatalf("Echo of %d bools: %v", len(bools), err)
	}
	if diff := cmp.Diff(bools, got.Bools); diff != "" {
		t.Errorf("Echo of %d bools changed them (-want +got):\n%s", len(bools), diff)
	}
}
