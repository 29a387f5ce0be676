package interop_test

import (
	"bufio"
	"context"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ifacegen/ifacegen/internal/interop/interopapi"
	"github.com/ifacegen/ifacegen/internal/interop/interopapi/interopapiipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

func TestMain(m *testing.M) {
	code := m.Run()
	interopPeer.remove()
	conformPeer.remove()
	os.Exit(code)
}

func ptr[T any](v T) *T { return &v }

// fullRecord is cpp/interop.c++'s fillFull: every field set, and nil kept
// apart from empty and zero wherever Go can tell them apart.
func fullRecord() interopapi.Record {
	return interopapi.Record{
		Name:   "block ✓",
		Kind:   interopapi.KindHeader,
		Hash:   [4]byte{0xde, 0xad, 0xbe, 0xef},
		Data:   []byte{0, 1, 2, 0xff},
		Points: []interopapi.Point{{X: 1, Y: 2}, {X: -3, Y: math.MaxInt32}},
		Tags:   map[string]int64{"a": 1, "b": math.MinInt64},
		Kinds:  []interopapi.Kind{interopapi.KindTransaction, interopapi.KindBlock, interopapi.KindHeader},
		Lines:  [][]string{{"x", ""}, {}, nil},
		Parent: &interopapi.Point{X: 5, Y: 6},
		Weight: ptr(int64(0)),
		Note:   ptr(""),
		Maybe:  []*int32{ptr(int32(7)), nil, ptr(int32(0))},
		ByKind: map[interopapi.Kind]*interopapi.Point{interopapi.KindBlock: nil, interopapi.KindHeader: {X: 9, Y: 10}},
	}
}

// call is one call the Go implementation received.
type call struct {
	Method string
	Args   []any
}

// goPeer is the Go Peer the C++ client calls. It records every call
// it receives, in order, and the subscriptions it returned.
type goPeer struct {
	base context.Context // what outlives a call: the test's context

	mu              sync.Mutex
	calls           []call
	subs            []*goSubscription
	released        int           // subscriptions closed so far
	releasedChanged chan struct{} // closed and replaced when released grows
}

func newGoPeer(base context.Context) *goPeer {
	return &goPeer{base: base, releasedChanged: make(chan struct{})}
}

func (g *goPeer) record(method string, args ...any) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls = append(g.calls, call{method, args})
}

func (g *goPeer) received() []call {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.calls)
}

func (g *goPeer) Add(_ context.Context, a, b int64) (int64, error) {
	g.record("Add", a, b)
	return a + b, nil
}

func (g *goPeer) Echo(_ context.Context, r interopapi.Record) (interopapi.Record, error) {
	g.record("Echo", r)
	return r, nil
}

func (g *goPeer) Stats(_ context.Context, values []int64) (sum, lo, hi int64, count int32, err error) {
	g.record("Stats", values)
	if len(values) == 0 {
		return 0, 0, 0, 0, errors.New("stats: no values")
	}
	lo, hi = values[0], values[0]
	for _, v := range values {
		sum += v
		lo, hi = min(lo, v), max(hi, v)
	}
	return sum, lo, hi, int32(len(values)), nil
}

func (g *goPeer) Lookup(_ context.Context, table map[string]int64, key string) (*int64, error) {
	g.record("Lookup", table, key)
	if v, ok := table[key]; ok {
		return &v, nil
	}
	return nil, nil
}

func (g *goPeer) Count(_ context.Context, kinds []interopapi.Kind) (map[interopapi.Kind]int32, error) {
	g.record("Count", kinds)
	counts := make(map[interopapi.Kind]int32)
	for _, k := range kinds {
		counts[k]++
	}
	return counts, nil
}

func (g *goPeer) Fail(_ context.Context, message string) error {
	g.record("Fail", message)
	return errors.New(message)
}

func (g *goPeer) Size(_ context.Context, t interopapi.Tree) (nodes, depth int32, err error) {
	g.record("Size", t)
	nodes, depth = treeSize(t)
	return nodes, depth, nil
}

func treeSize(t interopapi.Tree) (nodes, depth int32) {
	nodes = 1
	var deepest int32
	for _, c := range t.Children {
		n, d := treeSize(c)
		nodes += n
		deepest = max(deepest, d)
	}
	return nodes, deepest + 1
}

// sampleTree is cpp/interop.c++'s fillTree: 4 nodes, 3 deep.
func sampleTree() interopapi.Tree {
	return interopapi.Tree{Label: "a", Children: []interopapi.Tree{
		{Label: "b", Children: []interopapi.Tree{{Label: "c"}}},
		{Label: "d", Children: []interopapi.Tree{}},
	}}
}

var _ interopapi.Peer = (*goPeer)(nil)

// TestCppClientGoServer serves a Go Peer on a unix socket and runs the
// C++ client against it: the C++ program checks every answer (and exits
// non-zero on a mismatch), this test checks every argument received.
func TestCppClientGoServer(t *testing.T) {
	exe := cppProgram(t)
	impl := newGoPeer(t.Context())
	socket := filepath.Join(t.TempDir(), "interop.sock")
	l, err := ipc.Listen(t.Context(), "unix", socket, func() *ipc.Capability {
		return interopapiipc.NewPeerServer(impl)
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	out, err := exec.CommandContext(t.Context(), exe, "client", socket).CombinedOutput()
	if err != nil {
		t.Fatalf("C++ client: %v\n%s", err, out)
	}

	table := map[string]int64{"a": 1, "b": 2}
	want := []call{
		{"Add", []any{int64(2), int64(40)}},
		{"Add", []any{int64(math.MaxInt64), int64(1)}},
		{"Echo", []any{fullRecord()}},
		// C++ leaves every pointer null but hash: nil slices, maps and
		// optionals in Go.
		{"Echo", []any{interopapi.Record{}}},
		// The record with a 3-byte hash is refused before the
		// implementation runs.
		{"Stats", []any{[]int64{3, -1, 10}}},
		{"Stats", []any{[]int64{}}},
		{"Lookup", []any{table, "b"}},
		{"Lookup", []any{table, "z"}},
		{"Count", []any{[]interopapi.Kind{interopapi.KindHeader, interopapi.KindBlock, interopapi.KindHeader, 7}}},
		{"Fail", []any{"boom from C++"}},
		{"Size", []any{sampleTree()}},
		{"Subscribe", []any{int32(0)}},
		{"Subscribe", []any{int32(eventCount)}},
		{"AwaitReleased", []any{int32(1)}},
		// secondRecord is cpp/interop.c++'s fillSecond; Forward stops at the
		// refused record, so the C++ listener sees it but not the third.
		{"Forward", []any{[]interopapi.Record{fullRecord(), secondRecord()}}},
		{"Forward", []any{[]interopapi.Record{secondRecord(), {Name: refusedRecord}, secondRecord()}}},
	}
	if diff := cmp.Diff(want, impl.received()); diff != "" {
		t.Errorf("calls the Go server received from C++ (-want +got):\n%s", diff)
	}

	// The C++ client checked every Notify call it got and the deliveries
	// the Go subscription reported; here the Go side checks what C++'s
	// Notify answered, including the failure, and that C++'s release of
	// the subscription reached the Go implementation (AwaitReleased
	// returned before the C++ client exited).
	subs := impl.subscriptions()
	if len(subs) != 1 {
		t.Fatalf("the Go server returned %d subscriptions, want 1", len(subs))
	}
	deliveries, closed := subs[0].recorded()
	if diff := cmp.Diff(wantDeliveries("C++"), deliveries); diff != "" {
		t.Errorf("what the C++ Notify answered the Go subscription (-want +got):\n%s", diff)
	}
	if !closed {
		t.Errorf("the subscription the C++ client released was not closed")
	}
}

// TestGoClientCppServer runs the C++ server on a unix socket and calls
// every method with the generated Go client.
func TestGoClientCppServer(t *testing.T) {
	exe := cppProgram(t)
	socket := filepath.Join(t.TempDir(), "interop.sock")
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
	// The server prints "listening" once the socket accepts connections.
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
	client := interopapiipc.NewPeerClient(conn.Bootstrap(t.Context()))
	callCppServer(t, client)
	client.Release()
	conn.Close()

	// The server exits once its one connection is gone.
	if err := cmd.Wait(); err != nil {
		t.Errorf("C++ server: %v\n%s", err, stderr.String())
	}
}

func callCppServer(t *testing.T, c *interopapiipc.PeerClient) {
	ctx := t.Context()
	// check reports a diff between want and got, or err.
	check := func(what string, want, got any, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", what, err)
			return
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", what, diff)
		}
	}
	// checkRemote reports unless err is a remote error with message want.
	checkRemote := func(what string, want string, err error) {
		t.Helper()
		var re *ipc.RemoteError
		if !errors.As(err, &re) {
			t.Errorf("%s: got error %v, want a remote error %q", what, err, want)
			return
		}
		if diff := cmp.Diff(want, re.Message); diff != "" {
			t.Errorf("%s: remote error message (-want +got):\n%s", what, diff)
		}
	}

	sum, err := c.Add(ctx, 2, 40)
	check("Add(2, 40)", int64(42), sum, err)
	sum, err = c.Add(ctx, math.MaxInt64, 1)
	check("Add(MaxInt64, 1)", int64(math.MinInt64), sum, err)

	empty := interopapi.Record{
		Data: []byte{}, Points: []interopapi.Point{}, Tags: map[string]int64{}, Kinds: []interopapi.Kind{},
		Lines: [][]string{}, Parent: &interopapi.Point{}, Weight: ptr(int64(0)), Note: ptr(""),
		Maybe: []*int32{}, ByKind: map[interopapi.Kind]*interopapi.Point{},
	}
	for _, tc := range []struct {
		name string
		r    interopapi.Record
	}{{"full", fullRecord()}, {"zero", interopapi.Record{}}, {"empty", empty}} {
		got, err := c.Echo(ctx, tc.r)
		check("Echo("+tc.name+")", tc.r, got, err)
	}

	s, lo, hi, n, err := c.Stats(ctx, []int64{3, -1, 10})
	check("Stats", []any{int64(12), int64(-1), int64(10), int32(3)}, []any{s, lo, hi, n}, err)
	_, _, _, _, err = c.Stats(ctx, nil)
	checkRemote("Stats(nil)", "stats: no values", err)

	table := map[string]int64{"a": 1, "b": 2}
	v, err := c.Lookup(ctx, table, "b")
	check("Lookup(b)", ptr(int64(2)), v, err)
	v, err = c.Lookup(ctx, table, "z")
	check("Lookup(z)", (*int64)(nil), v, err)

	counts, err := c.Count(ctx, []interopapi.Kind{interopapi.KindHeader, interopapi.KindBlock, interopapi.KindHeader, 7})
	check("Count", map[interopapi.Kind]int32{interopapi.KindBlock: 1, interopapi.KindHeader: 2, 7: 1}, counts, err)

	checkRemote("Fail", "boom from Go", c.Fail(ctx, "boom from Go"))

	nodes, depth, err := c.Size(ctx, sampleTree())
	check("Size", []int32{4, 3}, []int32{nodes, depth}, err)

	callCppSubscription(t, c)
	callCppForward(t, c)
}
