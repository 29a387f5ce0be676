package calls_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ifacegen/ifacegen/golden/calls"
	"github.com/ifacegen/ifacegen/golden/calls/callsipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// impl implements calls.Calls. Enter reports each call on entered and
// returns when release is closed or its context is done, reporting the
// context's error on cancelled.
type impl struct {
	entered   chan int32
	release   chan struct{}
	cancelled chan error
}

func newImpl() *impl {
	return &impl{entered: make(chan int32, 1000), release: make(chan struct{}), cancelled: make(chan error, 1000)}
}

func (m *impl) Enter(ctx context.Context, id int32) error {
	m.entered <- id
	select {
	case <-m.release:
		return nil
	case <-ctx.Done():
		m.cancelled <- ctx.Err()
		return ctx.Err()
	}
}

func (*impl) Fail(_ context.Context, which string) error {
	switch which {
	case "not-ready":
		return fmt.Errorf("loading block index: %w", calls.ErrNotReady)
	case "gone":
		return calls.ErrGone
	}
	return errors.New("plain failure")
}

// connect serves m over a unix socket pair with the given server options.
func connect(t *testing.T, m calls.Calls, opts ipc.Options) (*callsipc.CallsClient, *ipc.Conn) {
	t.Helper()
	a, b, err := ipc.SocketPair()
	if err != nil {
		t.Fatal(err)
	}
	opts.Bootstrap = callsipc.NewCallsServer(m)
	server := ipc.NewConn(a, &opts)
	conn := ipc.NewConn(b, nil)
	c := callsipc.NewCallsClient(conn.Bootstrap(context.Background()))
	t.Cleanup(func() {
		c.Release()
		conn.Close()
		server.Close()
	})
	return c, server
}

func TestSentinelErrors(t *testing.T) {
	ctx := context.Background()
	c, _ := connect(t, newImpl(), ipc.Options{})
	for _, tc := range []struct {
		which    string
		sentinel error
		message  string
	}{
		{"not-ready", calls.ErrNotReady, "loading block index: calls: not ready"},
		{"gone", calls.ErrGone, "calls: gone"},
		{"other", nil, "plain failure"},
	} {
		err := c.Fail(ctx, tc.which)
		if err == nil || err.Error() != tc.message {
			t.Errorf("Fail(%q) = %v; want the message %q", tc.which, err, tc.message)
		}
		for _, s := range []error{calls.ErrNotReady, calls.ErrGone} {
			if got, want := errors.Is(err, s), s == tc.sentinel; got != want {
				t.Errorf("Fail(%q): errors.Is(err, %v) = %v; want %v", tc.which, s, got, want)
			}
		}
		var re *ipc.RemoteError
		if !errors.As(err, &re) {
			t.Errorf("Fail(%q) = %T; want an *ipc.RemoteError", tc.which, err)
		}
	}
}

// 16 calls on one object run at once: each waits inside the
// implementation until all 16 are inside.
func TestConcurrentCalls(t *testing.T) {
	const n = 16
	m := newImpl()
	c, _ := connect(t, m, ipc.Options{})
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- c.Enter(context.Background(), int32(i)) }()
	}
	for range n {
		<-m.entered // blocks forever (test timeout) if the calls were serialized
	}
	close(m.release)
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// With the default bound, the 65th concurrent call waits until one of the
// 64 running calls returns.
func TestDefaultCallBound(t *testing.T) {
	testCallBound(t, ipc.Options{}, ipc.DefaultMaxConcurrentCalls)
}

func TestConfiguredCallBound(t *testing.T) {
	testCallBound(t, ipc.Options{MaxConcurrentCalls: 3}, 3)
}

func testCallBound(t *testing.T, opts ipc.Options, bound int) {
	m := &impl{entered: make(chan int32, 1000), release: make(chan struct{}), cancelled: make(chan error, 1000)}
	gates := make(map[int32]chan struct{})
	var mu sync.Mutex
	gated := &gatedImpl{impl: m, gates: gates, mu: &mu}
	for i := range bound + 1 {
		gates[int32(i)] = make(chan struct{})
	}
	c, _ := connect(t, gated, opts)
	errs := make(chan error, bound+1)
	for i := range bound {
		go func() { errs <- c.Enter(context.Background(), int32(i)) }()
	}
	for range bound {
		<-m.entered
	}
	go func() { errs <- c.Enter(context.Background(), int32(bound)) }()
	// The extra call must not enter while the bound is reached. (Waiting
	// can only miss a broken bound, never fail a correct one.)
	select {
	case id := <-m.entered:
		t.Fatalf("call %d entered while %d calls were running", id, bound)
	case <-time.After(50 * time.Millisecond):
	}
	// One running call returns, and the waiting one enters.
	close(gates[0])
	if id := <-m.entered; id != int32(bound) {
		t.Fatalf("call %d entered; want %d", id, bound)
	}
	for i := 1; i <= bound; i++ {
		close(gates[int32(i)])
	}
	for range bound + 1 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// gatedImpl lets call id return once gates[id] is closed.
type gatedImpl struct {
	*impl
	mu    *sync.Mutex
	gates map[int32]chan struct{}
}

func (g *gatedImpl) Enter(ctx context.Context, id int32) error {
	g.entered <- id
	g.mu.Lock()
	gate := g.gates[id]
	g.mu.Unlock()
	select {
	case <-gate:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Cancelling the caller's context ends the call on the caller's side and
// cancels the implementation's context.
func TestCancelReachesImplementation(t *testing.T) {
	m := newImpl()
	c, _ := connect(t, m, ipc.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- c.Enter(ctx, 1) }()
	<-m.entered
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("Enter after cancel: %v; want context.Canceled", err)
	}
	if err := <-m.cancelled; !errors.Is(err, context.Canceled) {
		t.Errorf("implementation's context ended with %v; want context.Canceled", err)
	}
}

// Pending and later calls fail with ErrDisconnected when the serving side
// goes away.
func TestDisconnect(t *testing.T) {
	m := newImpl()
	c, server := connect(t, m, ipc.Options{CloseTimeout: time.Second})
	errc := make(chan error, 1)
	go func() { errc <- c.Enter(context.Background(), 1) }()
	<-m.entered
	server.Close()
	if err := <-errc; !errors.Is(err, ipc.ErrDisconnected) {
		t.Errorf("pending call: %v; want ErrDisconnected", err)
	}
	if err := c.Fail(context.Background(), "gone"); !errors.Is(err, ipc.ErrDisconnected) {
		t.Errorf("later call: %v; want ErrDisconnected", err)
	}
	close(m.release)
}
