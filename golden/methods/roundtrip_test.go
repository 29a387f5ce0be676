package methods_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ifacegen/ifacegen/golden/methods"
	"github.com/ifacegen/ifacegen/golden/methods/methodsipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// pair is a client and the two ends of its connection.
type pair struct {
	client       *methodsipc.MethodsClient
	conn, server *ipc.Conn
}

// connect offers boot over a real unix socket pair and returns a client
// for it; everything is closed when the test ends.
func connect(t *testing.T, boot *ipc.Capability) pair {
	t.Helper()
	a, b, err := ipc.SocketPair()
	if err != nil {
		t.Fatal(err)
	}
	p := pair{server: ipc.NewConn(a, &ipc.Options{Bootstrap: boot}), conn: ipc.NewConn(b, nil)}
	p.client = methodsipc.NewMethodsClient(p.conn.Bootstrap(context.Background()))
	t.Cleanup(func() {
		p.client.Release()
		p.conn.Close()
		p.server.Close()
	})
	return p
}

// impl implements methods.Methods; it is safe for concurrent use.
var _ methods.Methods = (*impl)(nil)

type impl struct {
	mu      sync.Mutex
	total   int64
	waiting chan struct{} // Wait closes it once it waits, if not nil
	closed  chan struct{} // Close closes it, if not nil
}

func (*impl) Split(_ context.Context, a, b int64) (int64, int64, error) {
	if b == 0 {
		return 0, 0, errors.New("split: division by zero")
	}
	return a / b, a % b, nil
}

func (*impl) Check(_ context.Context, block []byte) (string, string, bool, error) {
	if len(block) == 0 {
		return "bad-blk-empty", "block has no bytes", false, nil
	}
	return "", "", true, nil
}

func (*impl) Fail(_ context.Context, message string) error { return errors.New(message) }

func (m *impl) Add(n int32) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.total += int64(n)
}

func (m *impl) Total() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.total
}

func (*impl) Ping() {}

func (*impl) Panic(_ context.Context, message string) (int32, error) { panic(message) }

func (m *impl) Wait(ctx context.Context) error {
	if m.waiting != nil {
		close(m.waiting)
	}
	<-ctx.Done()
	return ctx.Err()
}

func (*impl) Name(c, f, p, r, s, err, call, release, argErr, ipc, capnp string) (string, error) {
	return strings.Join([]string{c, f, p, r, s, err, call, release, argErr, ipc, capnp}, ","), nil
}

// Close closes m.closed; NewMethodsServer calls it when the capability is gone.
func (m *impl) Close() error {
	if m.closed != nil {
		close(m.closed)
	}
	return nil
}

func TestResults(t *testing.T) {
	c := connect(t, methodsipc.NewMethodsServer(&impl{})).client
	q, r, err := c.Split(context.Background(), -7, 2)
	if err != nil || q != -3 || r != -1 {
		t.Errorf("Split(-7, 2) = %d, %d, %v; want -3, -1, nil", q, r, err)
	}
	reason, debug, ok, err := c.Check(context.Background(), nil)
	if err != nil || reason != "bad-blk-empty" || debug != "block has no bytes" || ok {
		t.Errorf("Check(nil) = %q, %q, %v, %v", reason, debug, ok, err)
	}
	if _, _, ok, err := c.Check(context.Background(), []byte{1}); err != nil || !ok {
		t.Errorf("Check([1]) = %v, %v; want true, nil", ok, err)
	}
	name, err := c.Name("c", "f", "p", "r", "s", "err", "call", "release", "argErr", "ipc", "capnp")
	if want := "c,f,p,r,s,err,call,release,argErr,ipc,capnp"; err != nil || name != want {
		t.Errorf("Name = %q, %v; want %q", name, err, want)
	}
}

func TestRemoteErrorKeepsMessage(t *testing.T) {
	c := connect(t, methodsipc.NewMethodsServer(&impl{})).client
	_, _, err := c.Split(context.Background(), 1, 0)
	var re *ipc.RemoteError
	if !errors.As(err, &re) || err.Error() != "split: division by zero" {
		t.Errorf("Split(1, 0): got %T %v, want *ipc.RemoteError %q", err, err, "split: division by zero")
	}
	msg := "a message: with colons\nand a second line"
	if err := c.Fail(context.Background(), msg); !errors.As(err, &re) || re.Message != msg {
		t.Errorf("Fail: got %v, want *ipc.RemoteError %q", err, msg)
	}
}

func TestWithoutContextOrError(t *testing.T) {
	c := connect(t, methodsipc.NewMethodsServer(&impl{})).client
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() { c.Add(int32(i)) })
	}
	wg.Wait()
	if got := c.Total(); got != 190 {
		t.Errorf("Total = %d, want 190", got)
	}
	c.Ping()
}

func TestPanicBecomesTheCallsError(t *testing.T) {
	c := connect(t, methodsipc.NewMethodsServer(&impl{})).client
	_, err := c.Panic(context.Background(), "boom")
	var re *ipc.RemoteError
	if !errors.As(err, &re) || re.Message != "methods.Methods.Panic: panic: boom" {
		t.Errorf("Panic: got %T %v, want *ipc.RemoteError %q", err, err, "methods.Methods.Panic: panic: boom")
	}
	// The server lives on.
	if q, _, err := c.Split(context.Background(), 4, 2); err != nil || q != 2 {
		t.Errorf("Split after the panic = %d, %v", q, err)
	}
}

func TestCancellationReachesTheImplementation(t *testing.T) {
	m := &impl{waiting: make(chan struct{})}
	c := connect(t, methodsipc.NewMethodsServer(m)).client
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- c.Wait(ctx) }()
	<-m.waiting
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("Wait: got %v, want context.Canceled", err)
	}
}

// recovered returns what f panics with.
func recovered(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

func TestDisconnect(t *testing.T) {
	p := connect(t, methodsipc.NewMethodsServer(&impl{}))
	p.client.Ping() // the bootstrap capability has resolved
	p.server.Close()
	<-p.conn.Done()
	if _, _, err := p.client.Split(context.Background(), 1, 1); !errors.Is(err, ipc.ErrDisconnected) {
		t.Errorf("Split: got %v, want ipc.ErrDisconnected", err)
	}
	// A method without an error result panics with an *ipc.Error.
	v := recovered(p.client.Ping)
	ie, ok := v.(*ipc.Error)
	if !ok || ie.Method != "methods.Methods.Ping" || !errors.Is(ie, ipc.ErrDisconnected) {
		t.Errorf("Ping panicked with %T %v, want an *ipc.Error for methods.Methods.Ping wrapping ipc.ErrDisconnected", v, v)
	}
}

func TestCallAfterReleaseFails(t *testing.T) {
	c := connect(t, methodsipc.NewMethodsServer(&impl{})).client
	c.Release()
	c.Release() // harmless
	var ie *ipc.Error
	if _, _, err := c.Split(context.Background(), 1, 1); !errors.As(err, &ie) {
		t.Errorf("Split after Release: got %T %v, want an *ipc.Error", err, err)
	}
}

func TestCloserIsClosedWhenTheCapabilityIsGone(t *testing.T) {
	m := &impl{closed: make(chan struct{})}
	p := connect(t, methodsipc.NewMethodsServer(m))
	p.client.Ping()
	p.client.Release()
	p.conn.Close()
	p.server.Close()
	<-m.closed // the test times out if the server never closes it
}

// A client dropped without Release releases its capability when it is
// garbage collected: here the last reference to a local server, which then
// closes its implementation.
func TestUnreachableClientReleasesTheCapability(t *testing.T) {
	m := &impl{closed: make(chan struct{})}
	func() {
		c := methodsipc.NewMethodsClient(methodsipc.NewMethodsServer(m))
		c.Ping()
	}()
	for {
		runtime.GC()
		select {
		case <-m.closed:
			return
		case <-time.After(10 * time.Millisecond): // paces the retries; a regression shows as a test timeout
		}
	}
}
