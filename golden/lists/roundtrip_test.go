package lists_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"capnproto.org/go/capnp/v3"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.uber.org/goleak"

	"github.com/ifacegen/ifacegen/golden/lists"
	"github.com/ifacegen/ifacegen/golden/lists/listsipc"
	"github.com/ifacegen/ifacegen/runtime/capnprpc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// connect offers boot over a real unix socket pair and returns a client
// for it; both ends are closed when the test ends.
func connect(t *testing.T, boot *ipc.Capability) *listsipc.ListsClient {
	t.Helper()
	return listsipc.NewListsClient(ipctest.Pipe(t, boot))
}

type impl struct{}

func (impl) Echo(_ context.Context, v lists.Values) (lists.Values, error) { return v, nil }

func (impl) Sum(_ context.Context, m [][]int32) (int64, error) {
	var sum int64
	for _, row := range m {
		for _, x := range row {
			sum += int64(x)
		}
	}
	return sum, nil
}

func (impl) Strings(_ context.Context, s []string) ([]string, error) { return s, nil }

func ptr[T any](v T) *T { return &v }

var values = map[string]lists.Values{
	"zero": {},
	"empty": {
		Ints: []int64{}, Small: []int8{}, Bools: []bool{}, Floats: []float64{}, Float32s: []float32{},
		Uints: []uint{}, Durations: []time.Duration{}, Strings: []string{}, Bytes: [][]byte{},
		Hashes: [][32]byte{}, Nested: [][]int32{}, Deep: [][][]string{}, Matrix: lists.Matrix{},
		Points: []lists.Point{}, PortLists: [][4]uint16{},
		MaybeInts: []*int32{}, MaybeStrings: []*string{}, MaybePoints: []*lists.Point{}, MaybeMatrix: [][]*float64{},
	},
	"nil elements": {
		MaybeInts:    []*int32{nil, ptr(int32(0)), nil, ptr(int32(math.MinInt32))},
		MaybeStrings: []*string{nil, ptr(""), ptr("x"), nil},
		MaybePoints:  []*lists.Point{nil, {}, {X: 1, Y: -1}, nil},
		MaybePair:    [2]*uint8{nil, ptr(uint8(0))},
		MaybeMatrix:  [][]*float64{nil, {}, {nil}, {ptr(math.Inf(1)), nil, ptr(0.0)}},
	},
	"only nil elements": {
		MaybeInts:    []*int32{nil},
		MaybeStrings: []*string{nil, nil},
		MaybePoints:  []*lists.Point{nil, nil, nil},
	},
	"nil and empty inside": {
		Bytes:   [][]byte{nil, {}, {0}},
		Nested:  [][]int32{nil, {}, {1}},
		Deep:    [][][]string{nil, {}, {nil, {}, {""}}},
		Matrix:  lists.Matrix{{}, nil},
		Strings: []string{"", "", "x"},
		Bytes3:  [3][]byte{nil, {}, {1, 2}},
	},
	"full": {
		Ints:         []int64{math.MinInt64, -1, 0, 1, math.MaxInt64},
		Small:        []int8{math.MinInt8, math.MaxInt8},
		Bools:        []bool{true, false, true, true, false, false, false, false, true},
		Floats:       []float64{math.Inf(-1), -0.5, math.MaxFloat64, math.NaN()},
		Float32s:     []float32{math.MaxFloat32, float32(math.Inf(1))},
		Uints:        []uint{0, math.MaxUint},
		Durations:    []time.Duration{time.Second, -time.Nanosecond, math.MaxInt64},
		Strings:      []string{"a", "\x00", strings.Repeat("long ", 1000)},
		Bytes:        [][]byte{{1}, {2, 3}},
		Hashes:       [][32]byte{{1}, {31: 255}},
		Nested:       [][]int32{{1, 2}, {3}, {math.MinInt32, math.MaxInt32}},
		Deep:         [][][]string{{{"a", "b"}, {"c"}}, {{"d"}}},
		Matrix:       lists.Matrix{{1, 0}, {0, 1}},
		Points:       []lists.Point{{1, 2}, {-3, 4}, {}},
		Ports:        [4]uint16{1, 2, 3, math.MaxUint16},
		Named:        lists.Ports{80, 443, 8080, 8333},
		Grid:         [2][3]int32{{1, 2, 3}, {4, 5, 6}},
		PortLists:    [][4]uint16{{1, 2, 3, 4}, {}},
		Arrays:       [3]lists.Point{{1, 1}, {2, 2}, {3, 3}},
		Bytes3:       [3][]byte{{1}, {2}, {3}},
		MaybeInts:    []*int32{ptr(int32(1)), ptr(int32(2))},
		MaybeStrings: []*string{ptr(strings.Repeat("long ", 100))},
		MaybePoints:  []*lists.Point{{X: math.MaxInt32, Y: math.MinInt32}},
		MaybePair:    [2]*uint8{ptr(uint8(1)), ptr(uint8(math.MaxUint8))},
		MaybeMatrix:  [][]*float64{{ptr(-0.5)}},
	},
}

func TestEcho(t *testing.T) {
	c := connect(t, listsipc.NewListsServer(impl{}))
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

func TestListParamsAndResults(t *testing.T) {
	c := connect(t, listsipc.NewListsServer(impl{}))
	sum, err := c.Sum(context.Background(), [][]int32{{1, 2}, nil, {}, {3}})
	if err != nil {
		t.Fatal(err)
	}
	if sum != 6 {
		t.Errorf("Sum = %d, want 6", sum)
	}
	for _, want := range [][]string{nil, {}, {"", "a", strings.Repeat("b", 1<<20)}} {
		got, err := c.Strings(context.Background(), want)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Strings (-want +got):\n%s", diff)
		}
	}
}

// shortPorts is a peer written against the bindings directly: its echo
// answers with 3 ports, which a [4]uint16 cannot hold.
func shortPorts() *ipc.Capability {
	return capnprpc.NewLocal(capnprpc.ServerFunc(func(_ context.Context, call *capnprpc.Call) error {
		if call.InterfaceID() != listsipc.Lists_TypeID || call.MethodID() != 0 {
			return &capnprpc.Exception{Type: capnprpc.Unimplemented, Reason: "shortPorts serves only Lists.echo"}
		}
		r, err := call.AllocResults(capnp.ObjectSize{PointerCount: 1})
		if err != nil {
			return err
		}
		v, err := listsipc.Lists_echo_Results(r).NewResult()
		if err != nil {
			return err
		}
		_, err = v.NewPorts(3)
		return err
	}))
}

func TestShortArrayIsAnError(t *testing.T) {
	c := connect(t, shortPorts())
	_, err := c.Echo(context.Background(), lists.Values{})
	if want := "lists.Lists.Echo: result.Ports: length 3, want 4"; err == nil || err.Error() != want {
		t.Errorf("got error %v, want %q", err, want)
	}
}
