package fuzz_test

// This file holds the regression tests of crashes and gaps fuzzing found
// whose fixes live outside this package (see doc.go).

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"

	"capnproto.org/go/capnp/v3"

	"github.com/ifacegen/ifacegen/internal/interop/interopapi"
	"github.com/ifacegen/ifacegen/internal/interop/interopapi/interopapiipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

func TestMain(m *testing.M) {
	ipctest.RunChild(map[string]func(){
		"cyclic-tree":    cyclicTreeChild,
		"deep-tree":      deepTreeChild,
		"self-pipelined": selfPipelinedChild,
		"unknown-target": unknownTargetChild,
	})
	os.Exit(m.Run())
}

// TestCyclicTree is a crash found while fuzzing: a call to a generated
// server whose argument is a recursive type (Tree), sent over a
// connection as a message whose list of children contains itself,
// overflowed the server's stack, a fatal error no recover catches. The
// cycle takes under 200 bytes; a message that small is stopped by the
// read budget runtime/ipc gives it (64 KiB, a few thousand turns of the
// cycle), so the test pads the message to 1 MiB, whose budget (64 MiB)
// would let the recursion run 4 Mi levels deep, past the 1 GB stack.
//
// Cause: go-capnp v3.1.0-alpha.2 List.Struct (list.go) sets the
// element's depth limit to the list's minus one without checking for
// zero, so a list read at depth limit 0 yields elements with a limit of
// 2^64-1 and the 64-pointer depth limit stops applying. Fix: the
// generated readers of recursive structs count levels themselves and
// refuse a value nested deeper than ipc.MaxNesting (gen/proxy
// nesting.go), failing that call only.
//
// The call runs in a child process, so that a regression is reported
// as this test's failure rather than killing the test binary.
func TestCyclicTree(t *testing.T) {
	runChild(t, "cyclic-tree")
}

// TestDeepTree is the same cause without a cycle: an honest Tree 1,000
// levels deep crossed a connection, though the depth limit should refuse
// anything over 64 pointers (about 30 levels). It is now refused at
// ipc.MaxNesting levels.
func TestDeepTree(t *testing.T) {
	runChild(t, "deep-tree")
}

func runChild(t *testing.T, child string) {
	out, err := ipctest.Command(child).CombinedOutput()
	if err != nil {
		lines := strings.SplitN(string(out), "\n", 6)
		t.Fatalf("the child serving %s failed: %v\n%s", child, err, strings.Join(lines[:min(len(lines), 5)], "\n"))
	}
}

// TestZeroSizedListInLargeMessage calls Interop.Size over a connection
// with a tree whose list of children holds 7 Mi zero-sized structs, in a
// message padded to 1 MiB: its read budget (64 MiB) admits the list (8
// bytes of traversal per element), and the generated read path allocated
// a Go slice of 7 Mi Trees (280 MiB) for it. Generated readers now ask
// ipcimpl.SliceLen, which refuses a slice whose Go form exceeds the read
// budget of its message, so the call fails before anything is allocated
// for the list. The test fails if the call makes the process (client and
// server together) allocate more than 32 MiB; the message itself takes
// about 2.
func TestZeroSizedListInLargeMessage(t *testing.T) {
	a, b, err := ipc.SocketPair()
	if err != nil {
		t.Fatal(err)
	}
	server := ipc.NewConn(a, &ipc.Options{Bootstrap: interopapiipc.NewInteropServer(&echoInterop{})})
	defer server.Close()
	client := ipc.NewConn(b, nil)
	defer client.Close()
	boot := client.Bootstrap(t.Context())
	defer boot.Release()
	cl := interopapiipc.NewInteropClient(boot.AddRef())
	defer cl.Release()
	// The bootstrap capability has resolved once a call on it returned.
	if sum, err := cl.Add(t.Context(), 1, 2); err != nil || sum != 3 {
		t.Fatalf("Add(1, 2) before the call = %d, %v; want 3, nil", sum, err)
	}

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err = boot.Call(t.Context(), sizeMethod(), func(s capnp.Struct) error {
		tree, err := interopapiipc.Interop_size_Params(s).NewT()
		if err != nil {
			return err
		}
		if err := tree.SetLabel(strings.Repeat("x", 1<<20)); err != nil {
			return err
		}
		children, err := capnp.NewCompositeList(s.Segment(), capnp.ObjectSize{}, 7<<20)
		if err != nil {
			return err
		}
		return capnp.Struct(tree).SetPtr(1, children.ToPtr()) // Tree.children
	}, nil)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), ipc.ErrListTooLong.Error()) {
		t.Errorf("Size of a tree with 7 Mi zero-sized children in 1 MiB: got error %v, want %q", err, ipc.ErrListTooLong)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 32<<20 {
		t.Errorf("the call made the process allocate %d MiB", grew>>20)
	}

	// The connection outlives the refused call.
	if sum, err := cl.Add(t.Context(), 2, 40); err != nil || sum != 42 {
		t.Errorf("Add(2, 40) after the refused call = %d, %v; want 42, nil", sum, err)
	}
}

// connectInterop serves an Interop over a socket pair in this process and
// returns the client end's bootstrap capability.
func connectInterop() (*ipc.Capability, func()) {
	a, b, err := ipc.SocketPair()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	server := ipc.NewConn(a, &ipc.Options{Bootstrap: interopapiipc.NewInteropServer(&echoInterop{})})
	client := ipc.NewConn(b, nil)
	boot := client.Bootstrap(context.Background())
	return boot, func() {
		boot.Release()
		client.Close()
		server.Close()
	}
}

// cyclicTreeChild sends Interop.Size a tree whose children list contains
// itself, and exits 0 if the call fails with the nesting limit's error.
func cyclicTreeChild() {
	boot, done := connectInterop()
	defer done()
	err := boot.Call(context.Background(), sizeMethod(), func(s capnp.Struct) error {
		tree, err := interopapiipc.Interop_size_Params(s).NewT()
		if err != nil {
			return err
		}
		// A message over 1 MiB gets the largest read budget a
		// connection gives (64 MiB, 4 Mi turns of the cycle), so
		// that the budget does not stop the recursion first.
		if err := tree.SetLabel(strings.Repeat("x", 1<<20)); err != nil {
			return err
		}
		children, err := tree.NewChildren(1)
		if err != nil {
			return err
		}
		return children.At(0).SetChildren(children) // the cycle
	}, nil)
	if err == nil || !strings.Contains(err.Error(), ipc.ErrTooDeep.Error()) {
		fmt.Fprintf(os.Stderr, "a cyclic tree: got error %v, want %q\n", err, ipc.ErrTooDeep)
		os.Exit(1)
	}
}

// deepTreeChild sends Interop.Size an honest tree 1,000 levels deep and
// exits 0 if the nesting limit refuses it, and one ipc.MaxNesting levels
// deep and exits 0 if it crosses.
func deepTreeChild() {
	boot, done := connectInterop()
	defer done()
	client := interopapiipc.NewInteropClient(boot.AddRef())
	defer client.Release()
	tree := interopapi.Tree{Label: "leaf"}
	for range 999 {
		tree = interopapi.Tree{Children: []interopapi.Tree{tree}}
	}
	if _, depth, err := client.Size(context.Background(), tree); err == nil || !strings.Contains(err.Error(), ipc.ErrTooDeep.Error()) {
		fmt.Fprintf(os.Stderr, "a tree 1000 levels deep: got depth %d, error %v; want %q\n", depth, err, ipc.ErrTooDeep)
		os.Exit(1)
	}
	tree = interopapi.Tree{Label: "leaf"}
	for range ipc.MaxNesting - 1 {
		tree = interopapi.Tree{Children: []interopapi.Tree{tree}}
	}
	if _, depth, err := client.Size(context.Background(), tree); err != nil || depth != ipc.MaxNesting {
		fmt.Fprintf(os.Stderr, "a tree %d levels deep: got depth %d, error %v\n", ipc.MaxNesting, depth, err)
		os.Exit(1)
	}
}
