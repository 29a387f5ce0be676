package enums_test

import (
	"context"
	"errors"
	"testing"

	"capnproto.org/go/capnp/v3"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/ifacegen/ifacegen/golden/enums"
	"github.com/ifacegen/ifacegen/golden/enums/enumsipc"
	"github.com/ifacegen/ifacegen/runtime/capnprpc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// connect offers boot over a real unix socket pair and returns a client
// for it; both ends are closed when the test ends.
func connect(t *testing.T, boot *ipc.Capability) *enumsipc.EnumsClient {
	t.Helper()
	return enumsipc.NewEnumsClient(ipctest.Pipe(t, boot))
}

type echo struct{}

func (echo) Echo(_ context.Context, c enums.Color, s enums.Size) (enums.Color, enums.Size, error) {
	return c, s, nil
}

func (echo) EchoValues(_ context.Context, v enums.Values) (enums.Values, error) { return v, nil }

func ptr[T any](v T) *T { return &v }

func TestEchoValues(t *testing.T) {
	c := connect(t, enumsipc.NewEnumsServer(echo{}))
	for name, want := range map[string]enums.Values{
		"zero": {},
		"empty": {
			Colors: []enums.Color{}, Sizes: []enums.Size{}, ByColor: map[enums.Color]string{}, Named: map[string]enums.Color{},
			Maybes: []*enums.Size{}, SizesBy: map[string]*enums.Size{}, ColorBy: map[enums.Size]*enums.Color{},
		},
		"full": {
			Color: enums.Blue, Size: enums.Large,
			Colors:  []enums.Color{enums.Red, enums.Green, enums.Blue},
			Sizes:   []enums.Size{enums.Large, enums.Small},
			ByColor: map[enums.Color]string{enums.Red: "red", enums.Blue: ""},
			Named:   map[string]enums.Color{"g": enums.Green},
			Maybe:   ptr(enums.Red),
			Maybes:  []*enums.Size{ptr(enums.Small), nil, ptr(enums.Large), nil},
			MaybeS:  ptr(enums.Small),
			SizesBy: map[string]*enums.Size{"nil": nil, "small": ptr(enums.Small), "large": ptr(enums.Large)},
			ColorBy: map[enums.Size]*enums.Color{enums.Small: nil, enums.Large: ptr(enums.Blue)},
		},
		// Values this side's schema does not name pass through, so a newer
		// peer's enumerants survive.
		"unknown": {Color: 65535, Size: 255, Colors: []enums.Color{3, 1000}, Maybe: ptr(enums.Color(42))},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := c.EchoValues(context.Background(), want)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("EchoValues (-want +got):\n%s", diff)
			}
		})
	}
	col, size, err := c.Echo(context.Background(), enums.Green, enums.Large)
	if err != nil || col != enums.Green || size != enums.Large {
		t.Errorf("Echo = %v, %v, %v; want Green, Large, nil", col, size, err)
	}
}

// A Go value that does not fit in the wire's 16 bits is refused on the
// sending side.
func TestOutOfRangeIsAnError(t *testing.T) {
	c := connect(t, enumsipc.NewEnumsServer(echo{}))
	for _, tc := range []struct {
		v    enums.Values
		want string
	}{
		{enums.Values{Color: -1}, "enums.Enums.EchoValues: v.Color: enum value -1 does not fit in 16 bits"},
		{enums.Values{Colors: []enums.Color{0, 1 << 16}}, "enums.Enums.EchoValues: v.Colors[1]: enum value 65536 does not fit in 16 bits"},
		{enums.Values{Maybe: ptr(enums.Color(-7))}, "enums.Enums.EchoValues: v.Maybe: enum value -7 does not fit in 16 bits"},
	} {
		_, err := c.EchoValues(context.Background(), tc.v)
		var ie *ipc.Error
		if !errors.As(err, &ie) || err.Error() != tc.want {
			t.Errorf("got %v, want *ipc.Error %q", err, tc.want)
		}
	}
	if _, _, err := c.Echo(context.Background(), 70000, 0); err == nil {
		t.Error("Echo(70000) succeeded, want an error")
	}
}

// wide is a peer written against the bindings directly: it answers Echo
// with a size of 300, more than the uint8 Size can hold.
func wide() *ipc.Capability {
	return capnprpc.NewLocal(capnprpc.ServerFunc(func(_ context.Context, call *capnprpc.Call) error {
		if call.InterfaceID() != enumsipc.Enums_TypeID || call.MethodID() != 0 {
			return &capnprpc.Exception{Type: capnprpc.Unimplemented, Reason: "wide serves only Enums.echo"}
		}
		r, err := call.AllocResults(capnp.ObjectSize{DataSize: 8})
		if err != nil {
			return err
		}
		res := enumsipc.Enums_echo_Results(r)
		res.SetResult(enumsipc.Color(7))
		res.SetResult1(enumsipc.Size(300))
		return nil
	}))
}

// A wire value the Go type cannot hold is an error, never truncated into
// another enumerant.
func TestNarrowEnumDoesNotTruncate(t *testing.T) {
	c := connect(t, wide())
	_, _, err := c.Echo(context.Background(), enums.Red, enums.Small)
	if want := "enums.Enums.Echo: result1: enum value 300 does not fit in enums.Size"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}
