package ipc_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ifacegen/ifacegen/runtime/capnprpc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// serverMessage is what the listeners' savers fail with.
const serverMessage = "saved by the server"

// saverBootstrap returns a bootstrap function serving srv.
func saverBootstrap(srv capnprpc.Server) func() *ipc.Capability {
	return func() *ipc.Capability {
		return capnprpc.NewLocal(srv)
	}
}

// listen starts a listener serving a saver, closed when the test ends.
func listen(t *testing.T, network, address string, opts *ipc.ListenOptions) *ipc.Listener {
	t.Helper()
	l, err := ipc.Listen(context.Background(), network, address, saverBootstrap(saver{msg: serverMessage}), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// dialAndSave connects to l, makes one call and disconnects; it returns
// the call's error, which is the server's remote error when all went well.
func dialAndSave(ctx context.Context, l *ipc.Listener, opts *ipc.DialOptions) error {
	c, err := ipc.Dial(ctx, l.Addr().Network(), l.Addr().String(), opts)
	if err != nil {
		return err
	}
	defer c.Close()
	boot := c.Bootstrap(ctx)
	defer boot.Release()
	return saveOn(ctx, boot)
}

// wantServed fails the test unless err is the server's remote error.
func wantServed(t *testing.T, err error) {
	t.Helper()
	var re *ipc.RemoteError
	if !errors.As(err, &re) || re.Message != serverMessage {
		t.Fatalf("call: got %v, want remote error %q", err, serverMessage)
	}
}

// socketPath returns a socket path in a new private directory.
func socketPath(t *testing.T) string {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "node.sock")
}

func TestListenUnixServes(t *testing.T) {
	l := listen(t, "unix", socketPath(t), nil)
	wantServed(t, dialAndSave(context.Background(), l, nil))
}

func TestListenUnixSocketMode(t *testing.T) {
	path := socketPath(t)
	listen(t, "unix", path, nil)
	info, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Type() != fs.ModeSocket || info.Mode().Perm() != 0o600 {
		t.Fatalf("socket file mode %v, want a socket with permissions 0600", info.Mode())
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("socket directory holds %d entries, want only the socket (no temporary left behind)", len(entries))
	}
}

func TestListenReplacesStaleSocket(t *testing.T) {
	path := socketPath(t)
	// A server that died leaves its socket file behind.
	dead, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	dead.(*net.UnixListener).SetUnlinkOnClose(false)
	dead.Close()
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("stale socket file: %v", err)
	}

	l := listen(t, "unix", path, nil)
	wantServed(t, dialAndSave(context.Background(), l, nil))
}

func TestListenRefusesLiveSocket(t *testing.T) {
	path := socketPath(t)
	l := listen(t, "unix", path, nil)
	_, err := ipc.Listen(context.Background(), "unix", path, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "another process is listening") {
		t.Fatalf("second Listen on a live socket: got %v, want an error saying another process listens", err)
	}
	// The first listener is unharmed.
	wantServed(t, dialAndSave(context.Background(), l, nil))
}

func TestListenRefusesOtherFiles(t *testing.T) {
	path := socketPath(t)
	if err := os.WriteFile(path, []byte("data"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := ipc.Listen(context.Background(), "unix", path, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("Listen on a regular file: got %v, want an error saying it is not a socket", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "data" {
		t.Fatal("Listen changed the regular file in its way")
	}
}

func TestListenChecksDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	_, err := ipc.Listen(context.Background(), "unix", filepath.Join(dir, "s"), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "writable by everyone") {
		t.Fatalf("Listen in a world-writable directory: got %v, want it refused", err)
	}
	// With the sticky bit, as /tmp has, others cannot replace the socket.
	if err := os.Chmod(dir, 0o777|fs.ModeSticky); err != nil {
		t.Fatal(err)
	}
	listen(t, "unix", filepath.Join(dir, "s"), nil)

	_, err = ipc.Listen(context.Background(), "unix", filepath.Join(dir, "missing", "s"), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "socket directory") {
		t.Fatalf("Listen in a missing directory: got %v, want it refused", err)
	}
}

func TestListenerCloseRemovesSocket(t *testing.T) {
	path := socketPath(t)
	l, err := ipc.Listen(context.Background(), "unix", path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("socket file after Close: %v, want it removed", err)
	}
}

// logBuffer is a slog handler's output, safe for concurrent writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestListenMaxConns(t *testing.T) {
	var logs logBuffer
	l := listen(t, "unix", socketPath(t), &ipc.ListenOptions{
		Options:  ipc.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))},
		MaxConns: 1,
	})
	ctx := context.Background()
	first, err := ipc.Dial(ctx, "unix", l.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	boot := first.Bootstrap(ctx)
	wantServed(t, saveOn(ctx, boot)) // the first connection holds the one slot

	wantRefused(t, "call over a connection beyond the limit", dialAndSave(ctx, l, nil))
	if !strings.Contains(logs.String(), "connection limit reached") {
		t.Errorf("log lacks the refused connection:\n%s", logs.String())
	}

	// Once the first connection ends, its slot is free again (the server
	// notices the end a little later).
	boot.Release()
	first.Close()
	for deadline := time.Now().Add(giveUp); ; {
		err := dialAndSave(ctx, l, nil)
		if errors.As(err, new(*ipc.RemoteError)) {
			wantServed(t, err)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the slot of a closed connection was not freed: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// wantRefused fails the test unless err is the failure of a call (what)
// over a connection the server closed at once.
//
// It is ErrDisconnected whichever end meets the closed socket first.
func wantRefused(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, ipc.ErrDisconnected) {
		t.Fatalf("%s: got %v, want it cut off with ipc.ErrDisconnected", what, err)
	}
}

// gate is a Persistent server whose save signals entered, waits until
// proceed is closed (or the call is canceled), and fails with
// serverMessage.
type gate struct {
	entered chan struct{}
	proceed chan struct{}
}

func (g gate) Dispatch(ctx context.Context, call *capnprpc.Call) error {
	close(g.entered)
	select {
	case <-g.proceed:
		return errors.New(serverMessage)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// busyListener serves a gate on one connection and a saver on the
// others; it returns the listener, the gate, and a channel with the error
// of a call already running on the gate.
func busyListener(t *testing.T) (*ipc.Listener, gate, chan error) {
	t.Helper()
	g := gate{entered: make(chan struct{}), proceed: make(chan struct{})}
	var once sync.Once
	bootstrap := func() *ipc.Capability {
		var srv capnprpc.Server = saver{msg: serverMessage}
		once.Do(func() { srv = g })
		return capnprpc.NewLocal(srv)
	}
	l, err := ipc.Listen(context.Background(), "unix", socketPath(t), bootstrap, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	busy := make(chan error, 1)
	go func() { busy <- dialAndSave(context.Background(), l, nil) }()
	select {
	case <-g.entered:
	case <-time.After(giveUp):
		t.Fatal("call did not reach the server")
	}
	return l, g, busy
}

func TestShutdownWaitsForCallInProgress(t *testing.T) {
	l, g, busy := busyListener(t)
	ctx := context.Background()
	idle, err := ipc.Dial(ctx, "unix", l.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	boot := idle.Bootstrap(ctx)
	wantServed(t, saveOn(ctx, boot))
	boot.Release()

	shutdown := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), giveUp)
		defer cancel()
		shutdown <- l.Shutdown(ctx)
	}()
	// Shutdown closes the idle connection at once...
	select {
	case <-idle.Done():
	case <-time.After(giveUp):
		t.Fatal("Shutdown did not close the idle connection")
	}
	// ...but not the busy one: its call is still running and completes.
	select {
	case err := <-shutdown:
		t.Fatalf("Shutdown returned (%v) while a call was in progress", err)
	default:
	}
	close(g.proceed)
	wantServed(t, <-busy)
	if err := <-shutdown; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if _, err := ipc.Dial(ctx, "unix", l.Addr().String(), nil); err == nil {
		t.Fatal("Dial after Shutdown succeeded")
	}
}

func TestShutdownDeadlineClosesBusyConnections(t *testing.T) {
	l, _, busy := busyListener(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown past its deadline: got %v, want context.Canceled", err)
	}
	if err := <-busy; !errors.Is(err, ipc.ErrDisconnected) {
		t.Fatalf("call cut off by Shutdown: got %v, want ErrDisconnected", err)
	}
}

func TestConnectDisconnectDoesNotLeak(t *testing.T) {
	l := listen(t, "unix", socketPath(t), nil)
	ctx := context.Background()
	wantServed(t, dialAndSave(ctx, l, nil)) // warm up lazily started goroutines
	waitFDs(t, countFDs(t))                 // and let that connection go
	ignore := goleak.IgnoreCurrent()
	before := countFDs(t)

	for i := range 1000 {
		if err := dialAndSave(ctx, l, nil); !errors.As(err, new(*ipc.RemoteError)) {
			t.Fatalf("connection %d: %v", i, err)
		}
	}

	waitFDs(t, before)
	goleak.VerifyNone(t, ignore)
}

// countFDs returns the number of open file descriptors of this process.
func countFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		entries, err = os.ReadDir("/dev/fd") // the BSDs and macOS
	}
	if err != nil {
		t.Skipf("cannot count file descriptors: %v", err)
	}
	return len(entries)
}

// waitFDs waits until at most want file descriptors are open: the server
// side closes a connection shortly after the client does.
func waitFDs(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(giveUp)
	for {
		n := countFDs(t)
		if n <= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d file descriptors open, want %d: connections leak", n, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
