package optionals_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"capnproto.org/go/capnp/v3"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/ifacegen/ifacegen/golden/optionals"
	"github.com/ifacegen/ifacegen/golden/optionals/optionalsipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// connect offers boot over a real unix socket pair and returns a client
// for it; both ends are closed when the test ends.
func connect(t *testing.T, boot capnp.Client) *optionalsipc.OptionalsClient {
	t.Helper()
	a, b, err := ipc.SocketPair()
	if err != nil {
		t.Fatal(err)
	}
	server := ipc.NewConn(a, &ipc.Options{Bootstrap: boot})
	conn := ipc.NewConn(b, nil)
	client := optionalsipc.NewOptionalsClient(conn.Bootstrap(context.Background()))
	t.Cleanup(func() {
		client.Release()
		conn.Close()
		server.Close()
	})
	return client
}

type impl struct{}

func (impl) Echo(_ context.Context, v optionals.Values) (optionals.Values, error) { return v, nil }

func (impl) Tip(_ context.Context, want bool) (*optionals.Ref, error) {
	if !want {
		return nil, nil
	}
	return &optionals.Ref{Height: 840000, Hash: [4]byte{0xde, 0xad, 0xbe, 0xef}}, nil
}

func (impl) Pick(_ context.Context, n *int64, s *string) (*int64, *string, error) { return n, s, nil }

func ptr[T any](v T) *T { return &v }

var values = map[string]optionals.Values{
	"nil": {},
	"pointers to zero values": {
		Int: ptr(int64(0)), Uint: ptr(uint(0)), Bool: ptr(false), Float: ptr(0.0), Duration: ptr(time.Duration(0)),
		Text: ptr(""), Ref: &optionals.Ref{}, Hash: &[4]byte{}, Ports: &[2]uint16{},
		Ints: []*int32{}, Refs: []*optionals.Ref{}, Texts: []*string{}, Hashes: []*[4]byte{},
		ByName: map[string]*int32{}, RefsBy: map[string]*optionals.Ref{}, TextsBy: map[int32]*string{},
		Label: ptr(optionals.Label("")), Labels: []*optionals.Label{}, LabelsBy: map[optionals.Label]*optionals.Label{},
	},
	"values": {
		Int: ptr(int64(math.MinInt64)), Uint: ptr(uint(math.MaxUint)), Bool: ptr(true), Float: ptr(math.Inf(-1)),
		Duration: ptr(time.Hour), Text: ptr("text"), Ref: &optionals.Ref{Height: 1, Hash: [4]byte{1, 2, 3, 4}},
		Hash: &[4]byte{9, 9, 9, 9}, Ports: &[2]uint16{80, 443},
		Ints:     []*int32{ptr(int32(0)), ptr(int32(math.MinInt32))},
		Refs:     []*optionals.Ref{{Height: 2}, {}},
		Texts:    []*string{nil, ptr(""), ptr("x"), nil},
		Hashes:   []*[4]byte{nil, {1}, nil},
		ByName:   map[string]*int32{"nil": nil, "zero": ptr(int32(0)), "one": ptr(int32(1))},
		RefsBy:   map[string]*optionals.Ref{"nil": nil, "zero": {}, "one": {Height: 1}},
		TextsBy:  map[int32]*string{0: nil, 1: ptr(""), 2: ptr("two")},
		Label:    ptr(optionals.Label("")),
		Labels:   []*optionals.Label{nil, ptr(optionals.Label("")), ptr(optionals.Label("l"))},
		LabelsBy: map[optionals.Label]*optionals.Label{"nil": nil, "empty": ptr(optionals.Label(""))},
	},
}

func TestEcho(t *testing.T) {
	c := connect(t, optionalsipc.NewOptionalsServer(impl{}))
	for name, want := range values {
		t.Run(name, func(t *testing.T) {
			got, err := c.Echo(context.Background(), want)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Echo (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOptionalResults(t *testing.T) {
	c := connect(t, optionalsipc.NewOptionalsServer(impl{}))
	tip, err := c.Tip(context.Background(), false)
	if err != nil || tip != nil {
		t.Errorf("Tip(false) = %v, %v; want nil, nil", tip, err)
	}
	tip, err = c.Tip(context.Background(), true)
	if want := (&optionals.Ref{Height: 840000, Hash: [4]byte{0xde, 0xad, 0xbe, 0xef}}); err != nil || !cmp.Equal(tip, want) {
		t.Errorf("Tip(true) = %v, %v; want %v", tip, err, want)
	}
	for _, want := range []struct {
		n *int64
		s *string
	}{{nil, nil}, {ptr(int64(0)), ptr("")}, {ptr(int64(-5)), ptr("five")}} {
		n, s, err := c.Pick(context.Background(), want.n, want.s)
		if err != nil {
			t.Fatal(err)
		}
		if !cmp.Equal(n, want.n) || !cmp.Equal(s, want.s) {
			t.Errorf("Pick(%v, %v) = %v, %v", want.n, want.s, n, s)
		}
	}
}

// A list of structs or boxes has no null elements, so a nil element is
// refused on the sending side, naming where it is.
func TestNilInListOfStructsIsAnError(t *testing.T) {
	c := connect(t, optionalsipc.NewOptionalsServer(impl{}))
	for _, tc := range []struct {
		v    optionals.Values
		path string
	}{
		{optionals.Values{Ints: []*int32{ptr(int32(1)), nil}}, "v.Ints[1]"},
		{optionals.Values{Refs: []*optionals.Ref{nil}}, "v.Refs[0]"},
	} {
		_, err := c.Echo(context.Background(), tc.v)
		var ce *ipc.ConvertError
		if !errors.Is(err, ipc.ErrNilElement) || !errors.As(err, &ce) || ce.Path != tc.path {
			t.Errorf("got %v, want ipc.ErrNilElement at %s", err, tc.path)
		}
	}
}
