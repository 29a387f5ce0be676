package optionals_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"capnproto.org/go/capnp/v3"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.uber.org/goleak"

	"github.com/ifacegen/ifacegen/golden/optionals"
	"github.com/ifacegen/ifacegen/golden/optionals/optionalsipc"
	"github.com/ifacegen/ifacegen/runtime/capnprpc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// connect offers boot over a real unix socket pair and returns a client
// for it; both ends are closed when the test ends.
func connect(t *testing.T, boot *ipc.Capability) *optionalsipc.OptionalsClient {
	t.Helper()
	return optionalsipc.NewOptionalsClient(ipctest.Pipe(t, boot))
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
		Pair: [2]*uint8{ptr(uint8(0)), ptr(uint8(0))}, Durations: []*time.Duration{ptr(time.Duration(0))},
		Flags: []*bool{ptr(false)}, Grid: [][]*int32{{ptr(int32(0))}}, PortLists: []*[2]uint16{{}},
		RefPair: [2]*optionals.Ref{{}, {}}, FloatsBy: map[string]*float64{"": ptr(0.0)}, HashesBy: map[string]*[4]byte{"": {}},
	},
	"nil elements and values": {
		Ints:      []*int32{nil, ptr(int32(0)), nil, ptr(int32(7)), nil},
		Refs:      []*optionals.Ref{nil, {}, nil, {Height: 3, Hash: [4]byte{3}}},
		Texts:     []*string{nil},
		Hashes:    []*[4]byte{nil, nil},
		Labels:    []*optionals.Label{nil},
		Pair:      [2]*uint8{nil, ptr(uint8(255))},
		Durations: []*time.Duration{nil, ptr(-time.Second)},
		Flags:     []*bool{nil, ptr(false), ptr(true)},
		Grid:      [][]*int32{nil, {}, {nil}, {ptr(int32(1)), nil}},
		PortLists: []*[2]uint16{nil, {1, 2}, nil},
		RefPair:   [2]*optionals.Ref{nil, {Height: 9}},
		ByName:    map[string]*int32{"nil": nil},
		RefsBy:    map[string]*optionals.Ref{"a": nil, "b": nil},
		TextsBy:   map[int32]*string{-1: nil},
		LabelsBy:  map[optionals.Label]*optionals.Label{"": nil},
		FloatsBy:  map[string]*float64{"nil": nil, "nan": ptr(math.NaN()), "zero": ptr(0.0)},
		HashesBy:  map[string]*[4]byte{"nil": nil, "set": {1, 2, 3, 4}},
	},
	"values": {
		Int: ptr(int64(math.MinInt64)), Uint: ptr(uint(math.MaxUint)), Bool: ptr(true), Float: ptr(math.Inf(-1)),
		Duration: ptr(time.Hour), Text: ptr("text"), Ref: &optionals.Ref{Height: 1, Hash: [4]byte{1, 2, 3, 4}},
		Hash: &[4]byte{9, 9, 9, 9}, Ports: &[2]uint16{80, 443},
		Ints:      []*int32{ptr(int32(0)), ptr(int32(math.MinInt32))},
		Refs:      []*optionals.Ref{{Height: 2}, {}},
		Texts:     []*string{nil, ptr(""), ptr("x"), nil},
		Hashes:    []*[4]byte{nil, {1}, nil},
		ByName:    map[string]*int32{"nil": nil, "zero": ptr(int32(0)), "one": ptr(int32(1))},
		RefsBy:    map[string]*optionals.Ref{"nil": nil, "zero": {}, "one": {Height: 1}},
		TextsBy:   map[int32]*string{0: nil, 1: ptr(""), 2: ptr("two")},
		Label:     ptr(optionals.Label("")),
		Labels:    []*optionals.Label{nil, ptr(optionals.Label("")), ptr(optionals.Label("l"))},
		LabelsBy:  map[optionals.Label]*optionals.Label{"nil": nil, "empty": ptr(optionals.Label(""))},
		Pair:      [2]*uint8{ptr(uint8(1)), ptr(uint8(2))},
		Durations: []*time.Duration{ptr(time.Duration(math.MinInt64)), ptr(time.Duration(math.MaxInt64))},
		Flags:     []*bool{ptr(true)},
		Grid:      [][]*int32{{ptr(int32(math.MaxInt32))}},
		PortLists: []*[2]uint16{{80, 443}},
		RefPair:   [2]*optionals.Ref{{Height: 1}, {Height: 2}},
		FloatsBy:  map[string]*float64{"inf": ptr(math.Inf(1))},
		HashesBy:  map[string]*[4]byte{"x": {0xff}},
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
			if diff := cmp.Diff(want, got, cmpopts.EquateNaNs()); diff != "" {
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

// wirePeer is a peer written against the bindings: it reports what an
// Echo call's arguments hold on the wire for nil and non-nil elements and
// map values, and answers with the zero Values.
type wirePeer struct {
	seen chan []string
}

func (p wirePeer) Dispatch(_ context.Context, call *capnprpc.Call) error {
	if call.InterfaceID() != optionalsipc.Optionals_TypeID || call.MethodID() != 0 {
		return &capnprpc.Exception{Type: capnprpc.Unimplemented, Reason: "wirePeer serves only Optionals.echo"}
	}
	var seen []string
	v, err := optionalsipc.Optionals_echo_Params(call.Params()).V()
	if err != nil {
		return err
	}
	ints, err := v.Ints()
	if err != nil {
		return err
	}
	for i := range ints.Len() {
		b := ints.At(i)
		seen = append(seen, fmt.Sprintf("ints[%d]: hasValue=%v value=%d", i, b.HasValue(), b.Value()))
	}
	refs, err := v.Refs()
	if err != nil {
		return err
	}
	for i := range refs.Len() {
		seen = append(seen, fmt.Sprintf("refs[%d]: value pointer set=%v", i, refs.At(i).HasValue()))
	}
	texts, err := v.Texts()
	if err != nil {
		return err
	}
	for i := range texts.Len() {
		seen = append(seen, fmt.Sprintf("texts[%d]: value pointer set=%v", i, texts.At(i).HasValue()))
	}
	byName, err := v.ByName()
	if err != nil {
		return err
	}
	for i := range byName.Len() {
		e := byName.At(i)
		k, err := e.Key()
		if err != nil {
			return err
		}
		seen = append(seen, fmt.Sprintf("byName[%q]: hasValue=%v value=%d", k, e.HasValue(), e.Value()))
	}
	refsBy, err := v.RefsBy()
	if err != nil {
		return err
	}
	for i := range refsBy.Len() {
		e := refsBy.At(i)
		k, err := e.Key()
		if err != nil {
			return err
		}
		seen = append(seen, fmt.Sprintf("refsBy[%q]: value pointer set=%v", k, e.HasValue()))
	}
	p.seen <- seen
	// The zero Values, which has two arrays of optionals: two empty boxes
	// each.
	res, err := call.AllocResults(capnp.ObjectSize{PointerCount: 1})
	if err != nil {
		return err
	}
	r, err := optionalsipc.Optionals_echo_Results(res).NewResult()
	if err != nil {
		return err
	}
	if _, err := r.NewPair(2); err != nil {
		return err
	}
	_, err = r.NewRefPair(2)
	return err
}

// TestWireOfNilElements checks the wire convention itself: a list of
// optionals is a list of boxes, a nil element a box without a value (has
// flag false, or a null pointer); an optional map value is the entry's own
// value field, likewise.
func TestWireOfNilElements(t *testing.T) {
	peer := wirePeer{seen: make(chan []string, 1)}
	c := connect(t, capnprpc.NewLocal(peer))
	got, err := c.Echo(context.Background(), optionals.Values{
		Ints:   []*int32{nil, ptr(int32(0)), ptr(int32(5))},
		Refs:   []*optionals.Ref{{}, nil},
		Texts:  []*string{nil, ptr("")},
		ByName: map[string]*int32{"nil": nil, "zero": ptr(int32(0))},
		RefsBy: map[string]*optionals.Ref{"nil": nil, "zero": {}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"ints[0]: hasValue=false value=0",
		"ints[1]: hasValue=true value=0",
		"ints[2]: hasValue=true value=5",
		"refs[0]: value pointer set=true",
		"refs[1]: value pointer set=false",
		"texts[0]: value pointer set=false",
		"texts[1]: value pointer set=true",
		`byName["nil"]: hasValue=false value=0`,
		`byName["zero"]: hasValue=true value=0`,
		`refsBy["nil"]: value pointer set=false`,
		`refsBy["zero"]: value pointer set=true`,
	}
	if diff := cmp.Diff(want, <-peer.seen); diff != "" {
		t.Errorf("wire form (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(optionals.Values{}, got); diff != "" {
		t.Errorf("Echo from the peer (-want +got):\n%s", diff)
	}
}
