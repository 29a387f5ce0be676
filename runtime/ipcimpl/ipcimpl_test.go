package ipcimpl_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"capnproto.org/go/capnp/v3"
	"go.uber.org/goleak"

	"github.com/ifacegen/ifacegen/runtime/capnprpc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
	"github.com/ifacegen/ifacegen/runtime/ipcimpl"
)

var get = capnprpc.Method{InterfaceID: 0x8000000000000001, MethodID: 0, Name: "p.I.Get", ParamsSize: capnp.ObjectSize{DataSize: 8}}

// failing answers every call with msg.
func failing(msg string) capnprpc.Server {
	return capnprpc.ServerFunc(func(context.Context, *capnprpc.Call) error { return errors.New(msg) })
}

// pipe serves s on one end of a socket pair and returns the capability
// as the other end sees it.
func pipe(t *testing.T, s capnprpc.Server) *ipc.Capability {
	t.Helper()
	a, b, err := ipc.SocketPair()
	if err != nil {
		t.Fatal(err)
	}
	server := ipc.NewConn(a, &ipc.Options{Bootstrap: capnprpc.NewLocal(s)})
	client := ipc.NewConn(b, nil)
	boot := client.Bootstrap(context.Background())
	t.Cleanup(func() {
		boot.Release()
		client.Close()
		server.Close()
	})
	return boot
}

func TestRecover(t *testing.T) {
	call := func() (err error) {
		defer ipcimpl.Recover(context.Background(), &get, &err)
		panic("boom")
	}
	if err := call(); err == nil || err.Error() != "p.I.Get: panic: boom" {
		t.Errorf("got %v, want p.I.Get: panic: boom", err)
	}
	fine := func() (err error) {
		defer ipcimpl.Recover(context.Background(), &get, &err)
		return nil
	}
	if err := fine(); err != nil {
		t.Errorf("no panic: got %v", err)
	}
}

// Call tells a conversion's error, a cancelled context, a released
// capability and the peer's error apart.
func TestCallErrors(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // after pipe's clean-up
	c := pipe(t, failing("x"))
	ctx := context.Background()
	var ie *ipc.Error
	var re *ipc.RemoteError

	if err := ipcimpl.Call(ctx, c, &get, nil, nil); !errors.As(err, &re) || re.Message != "x" {
		t.Errorf("remote: got %#v, want an *ipc.RemoteError x", err)
	}
	cause := errors.New("enum value 70000 does not fit in 16 bits")
	err := ipcimpl.Call(ctx, c, &get, func(capnp.Struct) error { return cause }, nil)
	if !errors.As(err, &ie) || ie.Err != cause || ie.Method != "p.I.Get" {
		t.Errorf("params: got %#v, want an *ipc.Error whose Err is the writer's error", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := ipcimpl.Call(cancelled, c, &get, nil, nil); !errors.Is(err, context.Canceled) || !errors.As(err, &ie) {
		t.Errorf("cancelled: got %v, want an *ipc.Error wrapping context.Canceled", err)
	}
	if err := ipcimpl.Call(ctx, nil, &get, nil, nil); !errors.Is(err, ipc.ErrReleased) {
		t.Errorf("null: got %v, want ipc.ErrReleased", err)
	}
}

func TestMustCallPanicsWithError(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // after pipe's clean-up
	c := pipe(t, failing("x"))
	defer func() {
		v := recover()
		e, ok := v.(*ipc.Error)
		var re *ipc.RemoteError
		if !ok || e.Method != "p.I.Get" || !errors.As(e, &re) || re.Message != "x" {
			t.Errorf("panicked with %#v, want an *ipc.Error around the *ipc.RemoteError", v)
		}
	}()
	ipcimpl.MustCall(context.Background(), c, &get, nil, nil)
	t.Error("MustCall did not panic")
}

type closer struct {
	capnprpc.Server
	closed chan struct{}
}

func (c *closer) Close() error {
	close(c.closed)
	return nil
}

// An implementation that is an io.Closer is closed once the last of the
// capabilities serving it is released.
func TestNewServerClosesImplementation(t *testing.T) {
	impl := &closer{Server: failing("x"), closed: make(chan struct{})}
	a := ipcimpl.NewServer(impl, impl)
	b := ipcimpl.NewServer(impl, impl)
	if s := ipcimpl.LocalServer(a); s != capnprpc.Server(impl) {
		t.Errorf("LocalServer = %v; want the adapter", s)
	}
	a.Release()
	select {
	case <-impl.closed:
		t.Fatal("closed while another capability serves it")
	default:
	}
	b.Release()
	<-impl.closed
}

// logRecorder is a slog.Handler that keeps every record's message and
// attributes as text.
type logRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *logRecorder) WithGroup(string) slog.Handler            { return r }
func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	line := rec.Level.String() + " " + rec.Message
	rec.Attrs(func(a slog.Attr) bool {
		line += " " + a.Key + "=" + a.Value.String()
		return true
	})
	r.mu.Lock()
	r.lines = append(r.lines, line)
	r.mu.Unlock()
	return nil
}

// A panic in an implementation reaches the caller as its error, and the
// serving process logs it with its stack through the connection's logger.
func TestPanicIsLoggedWithItsStack(t *testing.T) {
	a, b, err := ipc.SocketPair()
	if err != nil {
		t.Fatal(err)
	}
	var log logRecorder
	panicking := capnprpc.ServerFunc(func(ctx context.Context, call *capnprpc.Call) (err error) {
		defer ipcimpl.Recover(ctx, &get, &err)
		panic("boom")
	})
	server := ipc.NewConn(a, &ipc.Options{Bootstrap: capnprpc.NewLocal(panicking), Logger: slog.New(&log)})
	defer server.Close()
	client := ipc.NewConn(b, nil)
	defer client.Close()
	boot := client.Bootstrap(context.Background())
	defer boot.Release()

	var re *ipc.RemoteError
	if err := ipcimpl.Call(context.Background(), boot, &get, nil, nil); !errors.As(err, &re) || re.Message != "p.I.Get: panic: boom" {
		t.Fatalf("the caller got %v, want the panic as a remote error", err)
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	for _, line := range log.lines {
		if strings.HasPrefix(line, "ERROR ipc: panic serving a call method=p.I.Get panic=boom stack=goroutine ") &&
			strings.Contains(line, "ipcimpl_test.TestPanicIsLoggedWithItsStack") {
			return
		}
	}
	t.Errorf("the serving side logged %q, want the panic with its stack at error level", log.lines)
}

// A generated client method with one result returns it only when the call
// succeeded: a failed call's result is zero even when reading it had begun.
func TestZeroOnError(t *testing.T) {
	if got, err := ipcimpl.ZeroOnError([]int{1, 2}, nil); err != nil || len(got) != 2 {
		t.Errorf("ZeroOnError(v, nil) = %v, %v; want v, nil", got, err)
	}
	failed := errors.New("failed")
	if got, err := ipcimpl.ZeroOnError([]int{1, 2}, failed); err != failed || got != nil {
		t.Errorf("ZeroOnError(v, err) = %v, %v; want nil, err", got, err)
	}
	if got, err := ipcimpl.ZeroOnError(7, failed); err != failed || got != 0 {
		t.Errorf("ZeroOnError(7, err) = %v, %v; want 0, err", got, err)
	}
}

// Results hands the implementation's error to the caller as
// ipcimpl.ServerError makes it, without writing results.
func TestResultsImplementationError(t *testing.T) {
	implErr := errors.New("impl failed")
	err := ipcimpl.Results(nil, &get, capnp.ObjectSize{DataSize: 8}, implErr, func(capnp.Struct) error {
		t.Error("write called for a failed implementation")
		return nil
	})
	if !errors.Is(err, implErr) || err.Error() != ipcimpl.ServerError(implErr).Error() {
		t.Errorf("Results = %v; want ipcimpl.ServerError(%v)", err, implErr)
	}
	unimpl := fmt.Errorf("old server: %w", ipc.ErrUnimplemented)
	var exc *capnprpc.Exception
	if err := ipcimpl.Results(nil, &get, capnp.ObjectSize{}, unimpl, nil); !errors.As(err, &exc) || exc.Type != capnprpc.Unimplemented {
		t.Errorf("Results(…, %v, …) = %v; want the unimplemented exception ipcimpl.ServerError makes", unimpl, err)
	}
}

// LocalServer finds no adapter behind a null capability or one the peer
// serves.
func TestLocalServerOfRemoteCapability(t *testing.T) {
	if s := ipcimpl.LocalServer(nil); s != nil {
		t.Errorf("LocalServer(nil) = %v; want nil", s)
	}
	remote := pipe(t, failing("x"))
	if s := ipcimpl.LocalServer(remote); s != nil {
		t.Errorf("LocalServer(remote) = %v; want nil", s)
	}
}
