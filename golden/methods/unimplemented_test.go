package methods_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ifacegen/ifacegen/golden/methods"
	"github.com/ifacegen/ifacegen/golden/methods/methodsipc"
	"github.com/ifacegen/ifacegen/interfaces/echo"
	"github.com/ifacegen/ifacegen/interfaces/echo/echoipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// partial implements only Split; UnimplementedMethods answers the rest,
// as it would for a method added to Methods after partial was written.
type partial struct {
	methodsipc.UnimplementedMethods
}

var _ methods.Methods = partial{}

func (partial) Split(_ context.Context, a, b int64) (int64, int64, error) { return a / b, a % b, nil }

func TestUnimplementedMethods(t *testing.T) {
	c := connect(t, methodsipc.NewMethodsServer(partial{})).client
	ctx := context.Background()
	if q, r, err := c.Split(ctx, 7, 2); err != nil || q != 3 || r != 1 {
		t.Errorf("Split(7, 2) = %d, %d, %v; want 3, 1, nil (the method partial implements)", q, r, err)
	}

	// A method with an error result fails with ErrUnimplemented on the
	// client's side too: the implementation's error, with its message;
	// its other results are zero.
	err := c.Fail(ctx, "x")
	var re *ipc.RemoteError
	if !errors.Is(err, ipc.ErrUnimplemented) || !errors.As(err, &re) || re.Message != "methods.Methods.Fail: ipc: unimplemented" {
		t.Errorf("Fail: got %T %v, want an *ipc.RemoteError %q wrapping ipc.ErrUnimplemented", err, err, "methods.Methods.Fail: ipc: unimplemented")
	}
	reason, debug, ok, err := c.Check(ctx, []byte{1})
	if !errors.Is(err, ipc.ErrUnimplemented) || reason != "" || debug != "" || ok {
		t.Errorf("Check = %q, %q, %v, %v; want zero results and ipc.ErrUnimplemented", reason, debug, ok, err)
	}

	// A method without an error result returns zero values.
	c.Add(5)
	if got := c.Total(); got != 0 {
		t.Errorf("Total = %d, want 0", got)
	}
	c.Ping()

	// Locally, the embedded methods return ipcimpl.Unimplemented.
	if err := (partial{}).Wait(ctx); !errors.Is(err, ipc.ErrUnimplemented) || err.Error() != "methods.Methods.Wait: ipc: unimplemented" {
		t.Errorf("Wait: got %v, want methods.Methods.Wait: ipc: unimplemented", err)
	}
}

// A client whose server does not know its methods (here a generated server
// of another interface, as a server built from an older version of
// Methods would be for a method added since) gets ErrUnimplemented, not a
// crash; the server lives on.
func TestUnknownMethodIsUnimplemented(t *testing.T) {
	other := echoipc.NewEchoServer(echo.Local{})
	c := connect(t, other).client
	err := c.Fail(context.Background(), "x")
	var ie *ipc.Error
	if !errors.Is(err, ipc.ErrUnimplemented) || !errors.As(err, &ie) || ie.Method != "methods.Methods.Fail" {
		t.Errorf("Fail: got %T %v, want an *ipc.Error for methods.Methods.Fail wrapping ipc.ErrUnimplemented", err, err)
	}
	// The server names the method it does not know by its place on the
	// wire: Methods.fail is method @2 of interface Methods.
	if want := fmt.Sprintf("method @2 of interface %#x", uint64(methodsipc.Methods_TypeID)); !strings.Contains(err.Error(), want) {
		t.Errorf("Fail: message %q does not name the capnp method (%q)", err, want)
	}
	// Without an error result, the client panics with that *ipc.Error.
	v := recovered(func() { c.Total() })
	if ie, ok := v.(*ipc.Error); !ok || ie.Method != "methods.Methods.Total" || !errors.Is(ie, ipc.ErrUnimplemented) {
		t.Errorf("Total panicked with %T %v, want an *ipc.Error for methods.Methods.Total wrapping ipc.ErrUnimplemented", v, v)
	}
	if _, _, err := c.Split(context.Background(), 1, 1); !errors.Is(err, ipc.ErrUnimplemented) {
		t.Errorf("Split after the others: got %v, want ipc.ErrUnimplemented", err)
	}
}
