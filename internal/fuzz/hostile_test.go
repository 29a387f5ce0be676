package fuzz_test

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"

	"capnproto.org/go/capnp/v3"
	rpccp "capnproto.org/go/capnp/v3/std/capnp/rpc"

	"github.com/ifacegen/ifacegen/internal/interop/interopapi/interopapiipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

// TestSelfPipelinedCall sends a connection served by a generated server a
// Call message (question 1) whose target is the promised answer of
// question 1, its own. go-capnp v3.1.0-alpha.2's rpc dereferenced a nil
// PipelineCaller on it (rpc.go:961, in handleCall) in a background
// goroutine, which took the whole process down; FuzzServerConn found it
// in 10 seconds. Any peer can send it before or without a bootstrap; the
// message is 150 bytes. The engine (runtime/capnprpc) must refuse the
// message: the connection is aborted with a reason that names the
// promised answer, and the process lives on.
//
// The hostile peer runs in a child process so that a regression is
// reported as a failure rather than crashing the test binary.
func TestSelfPipelinedCall(t *testing.T) {
	out, err := ipctest.Command("self-pipelined").CombinedOutput()
	if err != nil {
		lines := strings.SplitN(string(out), "\n", 6)
		t.Fatalf("the child serving a self-pipelined call failed: %v\n%s", err, strings.Join(lines[:min(len(lines), 5)], "\n"))
	}
}

// selfPipelinedChild writes, as a hostile peer, a call that targets its
// own answer to a connection served by a generated server, and exits 0
// if the server aborts the connection saying why.
func selfPipelinedChild() {
	hostileChild(selfPipelinedCall, "promised answer")
}

// TestUnknownCallTarget sends a connection served by a generated server
// a Bootstrap and then a Call whose target is of a kind that does not
// exist (union tag 7). FuzzServerConn found that the engine's first
// reader read the target's kind after releasing the message, to name it
// in the Abort, and panicked (runtime/capnprpc call.go, handleCall): a
// 100-byte message from any peer took the whole process down. The connection must
// be aborted with a reason that names the target, and the process live
// on. The hostile peer runs in a child process so that a regression is
// reported as a failure rather than crashing the test binary.
func TestUnknownCallTarget(t *testing.T) {
	out, err := ipctest.Command("unknown-target").CombinedOutput()
	if err != nil {
		lines := strings.SplitN(string(out), "\n", 6)
		t.Fatalf("the child serving a call with an unknown target failed: %v\n%s", err, strings.Join(lines[:min(len(lines), 5)], "\n"))
	}
}

func unknownTargetChild() {
	hostileChild(unknownTargetCall, "target")
}

// hostileChild writes, as a hostile peer, the frames frames returns to a
// connection served by a generated server, and exits 0 if the server
// aborts the connection with a reason that contains want.
func hostileChild(frames func() ([]byte, error), want string) {
	check := func(err error) {
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	a, b, err := ipc.SocketPair()
	check(err)
	server := ipc.NewConn(a, &ipc.Options{Bootstrap: interopapiipc.NewInteropServer(&echoInterop{})})
	defer server.Close()
	defer b.Close()

	frame, err := frames()
	check(err)
	_, err = b.Write(frame)
	check(err)

	// The stream stays open: only the server can end it, and it must
	// say why in an Abort before it does.
	dec := capnp.NewDecoder(b)
	for {
		msg, err := dec.Decode()
		if err != nil {
			fmt.Fprintf(os.Stderr, "the server ended the stream (%v) without aborting the connection\n", err)
			os.Exit(1)
		}
		m, err := rpccp.ReadRootMessage(msg)
		check(err)
		if m.Which() != rpccp.Message_Which_abort {
			continue
		}
		e, err := m.Abort()
		check(err)
		reason, err := e.Reason()
		check(err)
		if !strings.Contains(reason, want) {
			fmt.Fprintf(os.Stderr, "the server aborted the connection with %q; want the reason to contain %q\n", reason, want)
			os.Exit(1)
		}
		<-server.Done()
		return
	}
}

// unknownTargetCall returns a framed Bootstrap (question 0) and a Call on
// Interop.Add (question 1) whose target's union tag is 7, a kind
// MessageTarget does not have.
func unknownTargetCall() ([]byte, error) {
	env, m, err := newEnvelope()
	if err != nil {
		return nil, err
	}
	boot, err := m.NewBootstrap()
	if err != nil {
		return nil, err
	}
	boot.SetQuestionId(0)
	frame, err := wireFrame(env, nil)
	if err != nil {
		return nil, err
	}
	env, m, err = newEnvelope()
	if err != nil {
		return nil, err
	}
	call, err := m.NewCall()
	if err != nil {
		return nil, err
	}
	call.SetQuestionId(1)
	call.SetInterfaceId(interopapiipc.Interop_TypeID)
	target, err := call.NewTarget()
	if err != nil {
		return nil, err
	}
	target.SetImportedCap(0)
	capnp.Struct(target).SetUint16(4, 7) // MessageTarget's union tag
	if _, err := call.NewParams(); err != nil {
		return nil, err
	}
	call2, err := wireFrame(env, nil)
	if err != nil {
		return nil, err
	}
	return append(frame, call2...), nil
}

// selfPipelinedCall returns a framed Call message (question 1) on
// Interop.Add whose target is the promised answer to question 1, its own.
func selfPipelinedCall() ([]byte, error) {
	_, seg := capnp.NewSingleSegmentMessage(nil)
	m, err := rpccp.NewRootMessage(seg)
	if err != nil {
		return nil, err
	}
	call, err := m.NewCall()
	if err != nil {
		return nil, err
	}
	call.SetQuestionId(1)
	call.SetInterfaceId(interopapiipc.Interop_TypeID)
	call.SetMethodId(0)
	target, err := call.NewTarget()
	if err != nil {
		return nil, err
	}
	promised, err := target.NewPromisedAnswer()
	if err != nil {
		return nil, err
	}
	promised.SetQuestionId(1) // the call's own question
	if _, err := call.NewParams(); err != nil {
		return nil, err
	}
	return seg.Message().Marshal()
}

// TestZeroSizedList calls Interop.Size over a connection with a tree
// whose list of children holds just under 8 Mi zero-sized structs: 8
// bytes in a message of a few hundred, yet go-capnp's default traversal
// limit (64 MiB, 8 bytes per such element) admits it, and the generated read
// path then allocates a Go slice of 8 Mi Trees (320 MiB). The connection
// gives every message a read budget of a bounded multiple of its size, so
// reading the list fails with the traversal limit before anything is
// allocated for it. The test fails if the call allocates more than 16 MiB
// in the process (client and server together).
func TestZeroSizedList(t *testing.T) {
	a, b, err := ipc.SocketPair()
	if err != nil {
		t.Fatal(err)
	}
	impl := &echoInterop{}
	server := ipc.NewConn(a, &ipc.Options{Bootstrap: interopapiipc.NewInteropServer(impl)})
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
		children, err := capnp.NewCompositeList(s.Segment(), capnp.ObjectSize{}, 8<<20-1024)
		if err != nil {
			return err
		}
		return capnp.Struct(tree).SetPtr(1, children.ToPtr()) // Tree.children
	}, nil)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "traversal limit") {
		t.Errorf("Size of a tree with 8 Mi zero-sized children: got error %v, want the traversal limit", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Errorf("the call made the process allocate %d MiB", grew>>20)
	}

	// The connection outlives the refused call.
	if sum, err := cl.Add(t.Context(), 2, 40); err != nil || sum != 42 {
		t.Errorf("Add(2, 40) after the refused call = %d, %v; want 42, nil", sum, err)
	}
}
