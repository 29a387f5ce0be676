package fuzz_test

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"capnproto.org/go/capnp/v3"

	"github.com/ifacegen/ifacegen/interfaces/mining/miningipc"
	"github.com/ifacegen/ifacegen/internal/interop/interopapi"
	"github.com/ifacegen/ifacegen/internal/interop/interopapi/interopapiipc"
	"github.com/ifacegen/ifacegen/runtime/capnprpc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

// methodNamed returns the entry of methods called name.
func methodNamed(t *testing.T, name string) method {
	t.Helper()
	for _, m := range methods {
		if m.name == name {
			return m
		}
	}
	t.Fatalf("no method %s", name)
	return method{}
}

// sizeMethod is Interop.Size on the wire, for calls with hand-made
// params (one pointer: the Tree).
func sizeMethod() *capnprpc.Method {
	for _, m := range methods {
		if m.name == "Interop.Size" {
			return &capnprpc.Method{InterfaceID: m.iface, MethodID: m.id, Name: "interopapi.Interop.Size", ParamsSize: capnp.ObjectSize{PointerCount: 1}}
		}
	}
	panic("no method Interop.Size")
}

// TestOversizedFrame announces a 72 MiB message, over the 64 MiB the
// decoder accepts: the connection is closed without reading or allocating
// the body, and the process serves other connections as before.
func TestOversizedFrame(t *testing.T) {
	a, b, err := ipc.SocketPair()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	server := ipc.NewConn(a, &ipc.Options{Bootstrap: interopapiipc.NewInteropServer(&echoInterop{})})
	defer server.Close()
	drained := make(chan struct{})
	go func() {
		io.Copy(io.Discard, b)
		close(drained)
	}()

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := b.Write(frameHeader(0, 9<<20)); err != nil {
		t.Fatal(err)
	}
	<-server.Done() // the stream stays open: only the header ends it
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Errorf("refusing the frame allocated %d MiB; want the body never allocated", grew>>20)
	}
	<-drained

	client := interopapiipc.NewInteropClient(ipctest.Pipe(t, interopapiipc.NewInteropServer(&echoInterop{})))
	defer client.Release()
	if sum, err := client.Add(t.Context(), 2, 40); err != nil || sum != 42 {
		t.Errorf("another connection after the oversized frame: Add(2, 40) = %d, %v; want 42, nil", sum, err)
	}
}

// TestOversizedCall sends a call whose arguments exceed 64 MiB: the
// receiving side refuses the message and drops the connection, so the
// call fails with ErrDisconnected instead of being served.
func TestOversizedCall(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates and sends 65 MiB; skipped in -short mode")
	}
	impl := &echoInterop{}
	client := interopapiipc.NewInteropClient(ipctest.Pipe(t, interopapiipc.NewInteropServer(impl)))
	defer client.Release()
	_, err := client.Echo(t.Context(), interopapi.Record{Data: make([]byte, 65<<20)})
	if !errors.Is(err, ipc.ErrDisconnected) {
		t.Errorf("Echo with 65 MiB of data: got error %v, want ipc.ErrDisconnected", err)
	}
	if impl.takeLast() != nil {
		t.Error("the implementation received the oversized call")
	}
}

// isolatedTestEnv is set in a test binary run again for one test.
const isolatedTestEnv = "IFACEGEN_FUZZ_ISOLATED"

// TestTraversalLimit answers BlockTemplate.GetBlock with 1 MiB of data
// that 100 list elements all point to: a small message that would read as
// 100 MiB. The traversal limit (64 MiB per message) stops the client's
// read path with an error before it copies that much.
//
// It runs in a process of its own (the test binary again, with only this
// test): its allocation bound reads the process's memory statistics,
// which connections left by earlier tests would disturb.
func TestTraversalLimit(t *testing.T) {
	if os.Getenv(isolatedTestEnv) == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestTraversalLimit$", "-test.count=1")
		cmd.Env = append(os.Environ(), isolatedTestEnv+"=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("TestTraversalLimit in a process of its own: %v\n%s", err, out)
		}
		return
	}
	msg, seg := capnp.NewSingleSegmentMessage(nil)
	res, err := miningipc.NewRootBlockTemplate_getBlock_Results(seg)
	if err != nil {
		t.Fatal(err)
	}
	block, err := res.NewResult()
	if err != nil {
		t.Fatal(err)
	}
	header, err := block.NewHeader()
	if err != nil {
		t.Fatal(err)
	}
	// The header's hashes are read first and must have their length.
	if err := header.SetPrevBlock(make([]byte, 32)); err != nil {
		t.Fatal(err)
	}
	if err := header.SetMerkleRoot(make([]byte, 32)); err != nil {
		t.Fatal(err)
	}
	txs, err := block.NewTransactions(100)
	if err != nil {
		t.Fatal(err)
	}
	if err := txs.Set(0, make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	pl := capnp.PointerList(txs)
	blob, err := pl.At(0)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < pl.Len(); i++ {
		if err := pl.Set(i, blob); err != nil { // points to the same bytes
			t.Fatal(err)
		}
	}
	if size, err := seg.Message().TotalSize(); err != nil || size > 2<<20 {
		t.Fatalf("the message holds %d bytes; the test wants the elements to share one blob", size)
	}

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = callWithResults(methodNamed(t, "BlockTemplate.GetBlock"), msg)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "traversal limit") {
		t.Errorf("reading 100 MiB through shared pointers: got error %v, want the traversal limit", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 80<<20 {
		t.Errorf("the read allocated %d MiB; want it stopped at the 64 MiB traversal limit", grew>>20)
	}
}

// TestDepthLimit gives Interop.Size, over a connection, a tree whose
// children list contains itself in a small message: a cycle a recursive
// reader would follow until the stack overflows. The call must fail with
// a limit's error, not a panic. Which limit: go-capnp's depth limit (64
// pointers from the root of the message) stops it when the arguments are
// read at an odd depth, as when they were the root of their own message
// (read in process, before the engine); in an RPC Call they sit at an
// even depth, where go-capnp's List.Struct lets the cycle through the
// limit (see doc.go, Nesting), and the nesting limit of generated readers
// (ipc.ErrTooDeep) stops it. TestCyclicTree pads the message to 1 MiB so
// that the read budget does not stop it first either.
func TestDepthLimit(t *testing.T) {
	_, seg := capnp.NewSingleSegmentMessage(nil)
	params, err := interopapiipc.NewRootInterop_size_Params(seg)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := params.NewT()
	if err != nil {
		t.Fatal(err)
	}
	children, err := tree.NewChildren(1)
	if err != nil {
		t.Fatal(err)
	}
	if err := children.At(0).SetChildren(children); err != nil { // the cycle
		t.Fatal(err)
	}

	// Sent as it is by a hand-written peer (serve): a struct being built
	// carries no depth limit, one read from a received message does.
	out := serve(methodNamed(t, "Interop.Size"), seg.Message(), true)
	if out.err == nil || panicked(out.err) ||
		!strings.Contains(out.err.Error(), "depth limit") && !strings.Contains(out.err.Error(), ipc.ErrTooDeep.Error()) {
		t.Errorf("a cyclic tree: got error %v, want the depth limit or %q", out.err, ipc.ErrTooDeep)
	}
}
