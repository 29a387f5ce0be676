package ipc_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"capnproto.org/go/capnp/v3/std/capnp/persistent"
	"go.uber.org/goleak"

	"github.com/ifacegen/ifacegen/runtime/capnprpc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// saver is a capnp Persistent server whose save fails with a fixed message,
// or blocks until its context ends when block is set.
type saver struct {
	msg   string
	block bool
}

func (s saver) Dispatch(ctx context.Context, call *capnprpc.Call) error {
	if s.block {
		<-ctx.Done()
		return ctx.Err()
	}
	return errors.New(s.msg)
}

// persistentSave is Persistent.save on the wire.
var persistentSave = capnprpc.Method{InterfaceID: persistent.Persistent_TypeID, MethodID: 0, Name: "persistent.Persistent.Save"}

// pair connects a server offering bootstrap and a client over a real unix
// socket pair, closing both when the test ends.
func pair(t *testing.T, srv saver) (server, client *ipc.Conn) {
	t.Helper()
	a, b, err := ipc.SocketPair()
	if err != nil {
		t.Fatal(err)
	}
	server = ipc.NewConn(a, &ipc.Options{Bootstrap: capnprpc.NewLocal(srv)})
	client = ipc.NewConn(b, nil)
	t.Cleanup(func() {
		client.Close()
		server.Close()
	})
	return server, client
}

func save(ctx context.Context, c *ipc.Conn) error {
	p := c.Bootstrap(ctx)
	defer p.Release()
	return ipc.CallError(persistentSave.Name, p.Call(ctx, &persistentSave, nil, nil))
}

func TestRemoteErrorKeepsMessage(t *testing.T) {
	defer goleak.VerifyNone(t)
	_, client := pair(t, saver{msg: "disk full: 3 bytes left"})
	err := save(context.Background(), client)
	var re *ipc.RemoteError
	if !errors.As(err, &re) {
		t.Fatalf("got %T %v, want *ipc.RemoteError", err, err)
	}
	if got, want := err.Error(), "disk full: 3 bytes left"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	client.Close()
}

func TestDisconnectFailsPendingCall(t *testing.T) {
	defer goleak.VerifyNone(t)
	server, client := pair(t, saver{block: true})
	errc := make(chan error, 1)
	go func() { errc <- save(context.Background(), client) }()
	time.Sleep(50 * time.Millisecond) // let the call reach the server; not a pass/fail timing
	server.Close()
	err := <-errc
	if !errors.Is(err, ipc.ErrDisconnected) {
		t.Fatalf("got %v, want ErrDisconnected", err)
	}
	<-client.Done()
	if err := save(context.Background(), client); !errors.Is(err, ipc.ErrDisconnected) {
		t.Fatalf("call after disconnect: got %v, want ErrDisconnected", err)
	}
}

func TestCallErrorClassifiesStreamFailuresAsDisconnected(t *testing.T) {
	for _, cause := range []error{io.EOF, io.ErrUnexpectedEOF, net.ErrClosed, syscall.EPIPE, syscall.ECONNRESET} {
		// A failed send: a Disconnected exception, or a plain stream
		// error wrapped.
		err := fmt.Errorf("send: %w", &net.OpError{Op: "write", Net: "unix", Err: cause})
		if got := ipc.CallError("echo.Echo.Echo", err); !errors.Is(got, ipc.ErrDisconnected) {
			t.Errorf("CallError(%v) = %v, want it to wrap ErrDisconnected", err, got)
		}
	}
}
