package interop_test

import (
	"bufio"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"capnproto.org/go/capnp/v3"

	"github.com/ifacegen/ifacegen/internal/interop/conformapi"
	"github.com/ifacegen/ifacegen/internal/interop/conformapi/conformapiipc"
	"github.com/ifacegen/ifacegen/runtime/capnprpc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
	"github.com/ifacegen/ifacegen/runtime/ipcimpl"
)

// The conformance tests check the RPC engine against Cap'n Proto's C++
// implementation on what values alone do not exercise: promise
// pipelining (both directions), a promise capability that resolves after
// its call returned, embargoes and Disembargo (both directions), Release
// of capabilities with the counts checked on the serving side, and
// cancellation (both directions). cpp/conform.c++ is the C++ side.

// pipes is what every Go Pipe of one test shares.
type pipes struct {
	live      atomic.Int32
	blocking  atomic.Int32
	cancelled atomic.Int32
}

// goPipe is the Go Pipe. It is an io.Closer: its server closes it when
// the last reference to it is released, which Live counts.
type goPipe struct {
	st     *pipes
	depth  int32
	closed atomic.Bool

	mu   sync.Mutex
	seqs []int32
}

func newGoPipe(st *pipes, depth int32) *goPipe {
	st.live.Add(1)
	return &goPipe{st: st, depth: depth}
}

func (p *goPipe) Close() error {
	if p.closed.CompareAndSwap(false, true) {
		p.st.live.Add(-1)
	}
	return nil
}

// hold is how long Next and Reflect hold their answers, so that calls
// pipelined on them arrive first (not a pass/fail timing).
const hold = 50 * time.Millisecond

func (p *goPipe) Next(ctx context.Context) (conformapi.Pipe, error) {
	time.Sleep(hold)
	return newGoPipe(p.st, p.depth+1), nil
}

func (p *goPipe) Depth(context.Context) (int32, error) { return p.depth, nil }

func (p *goPipe) Later(context.Context) (conformapi.Pipe, error) {
	return newGoPipe(p.st, p.depth+1), nil
}

func (p *goPipe) Reflect(_ context.Context, q conformapi.Pipe) (conformapi.Pipe, error) {
	time.Sleep(hold)
	return q, nil
}

func (p *goPipe) Record(_ context.Context, seq int32) (int32, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seqs = append(p.seqs, seq)
	return int32(len(p.seqs)), nil
}

func (p *goPipe) Log(context.Context) ([]int32, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.seqs), nil
}

func (p *goPipe) Block(ctx context.Context) error {
	p.st.blocking.Add(1)
	<-ctx.Done()
	p.st.blocking.Add(-1)
	p.st.cancelled.Add(1)
	return ctx.Err()
}

func (p *goPipe) Blocking(context.Context) (int32, error)  { return p.st.blocking.Load(), nil }
func (p *goPipe) Cancelled(context.Context) (int32, error) { return p.st.cancelled.Load(), nil }
func (p *goPipe) Live(context.Context) (int32, error)      { return p.st.live.Load(), nil }

var _ conformapi.Pipe = (*goPipe)(nil)

// TestConformCppClientGoServer serves a Go Pipe and runs the C++ client,
// which pipelines two levels deep, reflects a Pipe of its own with a call
// pipelined on the answer (C++ embargoes, the Go engine reflects the
// Disembargo), releases the Pipes Go made and cancels a call; it checks
// each answer and exits non-zero on a mismatch.
func TestConformCppClientGoServer(t *testing.T) {
	exe := conformPeer.program(t)
	st := &pipes{}
	socket := filepath.Join(t.TempDir(), "conform.sock")
	l, err := ipc.Listen(t.Context(), "unix", socket, func() *ipc.Capability {
		return conformapiipc.NewPipeServer(newGoPipe(st, 0))
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	out, err := exec.CommandContext(t.Context(), exe, "client", socket).CombinedOutput()
	if err != nil {
		t.Fatalf("C++ client: %v\n%s", err, out)
	}
	if n := st.cancelled.Load(); n != 1 {
		t.Errorf("Block calls cancelled by the C++ client: %d, want 1", n)
	}
}

// The Pipe methods the Go side calls through the engine directly, to
// pipeline: the generated client always waits for each answer.
var (
	pipeNext    = capnprpc.Method{InterfaceID: conformapiipc.Pipe_TypeID, MethodID: 0, Name: "conformapi.Pipe.Next"}
	pipeDepth   = capnprpc.Method{InterfaceID: conformapiipc.Pipe_TypeID, MethodID: 1, Name: "conformapi.Pipe.Depth"}
	pipeReflect = capnprpc.Method{InterfaceID: conformapiipc.Pipe_TypeID, MethodID: 3, Name: "conformapi.Pipe.Reflect",
		ParamsSize: capnp.ObjectSize{PointerCount: 1}}
	pipeRecord = capnprpc.Method{InterfaceID: conformapiipc.Pipe_TypeID, MethodID: 4, Name: "conformapi.Pipe.Record",
		ParamsSize: capnp.ObjectSize{DataSize: 8}}
)

// TestConformGoClientCppServer runs the C++ server and calls it from Go:
// release counts, a promise capability, pipelining two levels deep, an
// embargo on the Go side, and cancellation.
func TestConformGoClientCppServer(t *testing.T) {
	exe := conformPeer.program(t)
	socket := filepath.Join(t.TempDir(), "conform.sock")
	cmd := exec.CommandContext(t.Context(), exe, "server", socket)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "listening\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("C++ server did not start: %q, %v\n%s", line, err, stderr.String())
	}
	conn, err := ipc.Dial(t.Context(), "unix", socket, nil)
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal(err)
	}
	ctx := t.Context()
	boot := conn.Bootstrap(ctx)
	root := conformapiipc.NewPipeClient(boot.AddRef())

	t.Run("release", func(t *testing.T) {
		a, err := root.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b, err := a.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if live, err := root.Live(ctx); err != nil || live != 3 {
			t.Errorf("live C++ pipes while holding two: %d, %v; want 3", live, err)
		}
		a.(*conformapiipc.PipeClient).Release()
		b.(*conformapiipc.PipeClient).Release()
		if live := poll(t, 1, root.Live); live != 1 {
			t.Errorf("live C++ pipes after releasing both: %d, want 1", live)
		}
	})

	t.Run("promise", func(t *testing.T) {
		// later() answers with a capability that is a promise on the
		// C++ side (senderPromise); calls on it wait for its Resolve.
		p, err := root.Later(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer p.(*conformapiipc.PipeClient).Release()
		if d, err := p.Depth(ctx); err != nil || d != 1 {
			t.Errorf("depth of the resolved promise: %d, %v; want 1", d, err)
		}
	})

	t.Run("pipeline", func(t *testing.T) {
		a1 := boot.Send(ctx, &pipeNext, nil)
		defer a1.Release()
		p1 := a1.Pipeline(0)
		defer p1.Release()
		a2 := p1.Send(ctx, &pipeNext, nil)
		defer a2.Release()
		p2 := a2.Pipeline(0)
		defer p2.Release()
		var depth int32
		err := p2.Call(ctx, &pipeDepth, nil, func(r capnp.Struct) error {
			depth = conformapiipc.Pipe_depth_Results(r).Result()
			return nil
		})
		if err != nil || depth != 2 {
			t.Errorf("depth two levels deep: %d, %v; want 2", depth, err)
		}
	})

	t.Run("embargo", func(t *testing.T) {
		// A Go Pipe sent to C++ and reflected back, with record(1)
		// pipelined on the answer: when the answer says the Pipe is
		// ours, the engine must hold record(2) until the Disembargo it
		// sends comes back, so that record(1), forwarded by C++, arrives
		// first.
		own := newGoPipe(&pipes{}, 100)
		ownCap := conformapiipc.NewPipeServer(own)
		a := boot.Send(ctx, &pipeReflect, func(p capnp.Struct) error {
			return ipcimpl.SetCap(p, 0, ownCap)
		})
		defer a.Release()
		reflected := a.Pipeline(0)
		defer reflected.Release()
		record := func(seq int32) *capnprpc.Answer {
			return reflected.Send(ctx, &pipeRecord, func(p capnp.Struct) error {
				conformapiipc.Pipe_record_Params(p).SetSeq(seq)
				return nil
			})
		}
		first := record(1)
		defer first.Release()
		if err := a.Wait(ctx, nil); err != nil {
			t.Fatal(err)
		}
		second := record(2)
		defer second.Release()
		for _, r := range []*capnprpc.Answer{first, second} {
			if err := r.Wait(ctx, nil); err != nil {
				t.Fatal(err)
			}
		}
		if got, _ := own.Log(ctx); !slices.Equal(got, []int32{1, 2}) {
			t.Errorf("records on the reflected Go pipe: %v, want [1 2]", got)
		}
	})

	t.Run("cancel", func(t *testing.T) {
		blockCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- root.Block(blockCtx) }()
		if n := poll(t, 1, root.Blocking); n != 1 {
			t.Fatalf("block() running on the C++ side: %d, want 1", n)
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled Block: %v, want context.Canceled", err)
		}
		if n := poll(t, 1, root.Cancelled); n != 1 {
			t.Errorf("block() calls the C++ side saw cancelled: %d, want 1", n)
		}
	})

	root.Release()
	boot.Release()
	conn.Close()
	if err := cmd.Wait(); err != nil {
		t.Errorf("C++ server: %v\n%s", err, stderr.String())
	}
}

// poll calls ask until it answers want, up to about five seconds, and
// returns the last answer (or -1 after an error).
func poll(t *testing.T, want int32, ask func(context.Context) (int32, error)) int32 {
	t.Helper()
	got := int32(-1)
	for range 250 {
		n, err := ask(t.Context())
		if err != nil {
			t.Errorf("poll: %v", err)
			return -1
		}
		if got = n; got == want {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return got
}
