package maps_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"capnproto.org/go/capnp/v3"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/ifacegen/ifacegen/golden/maps"
	"github.com/ifacegen/ifacegen/golden/maps/mapsipc"
	"github.com/ifacegen/ifacegen/runtime/capnprpc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// connect offers boot over a real unix socket pair and returns a client
// for it; both ends are closed when the test ends.
func connect(t *testing.T, boot *ipc.Capability) *mapsipc.MapsClient {
	t.Helper()
	return mapsipc.NewMapsClient(ipctest.Pipe(t, boot))
}

type echo struct{}

func (echo) Echo(_ context.Context, v maps.Values) (maps.Values, error) { return v, nil }

func (echo) Counts(_ context.Context, m map[string]int64) (map[string]int64, error) { return m, nil }

func ptr[T any](v T) *T { return &v }

var values = map[string]maps.Values{
	"zero": {},
	"empty": {
		Counts: map[string]int64{}, Lists: map[int32][]string{}, Items: map[string]maps.Item{},
		Set: map[[4]byte]bool{}, Flags: map[bool]string{}, Floats: map[float64]uint8{},
		Uints: map[uint]int{}, Nested: map[string]map[string]int32{}, Bytes: map[int64][]byte{},
		Index: maps.Index{}, ListOfM: []map[string]int32{},
		MaybeCounts: map[string]*int32{}, MaybeItems: map[string]*maps.Item{}, MaybeNames: map[int64]*string{},
		MaybeLists: map[string]*[2]int32{},
	},
	"nil and zero values": {
		MaybeCounts: map[string]*int32{"nil": nil, "zero": ptr(int32(0)), "one": ptr(int32(1))},
		MaybeItems:  map[string]*maps.Item{"nil": nil, "zero": {}, "one": {Name: "one", Count: 1}},
		MaybeNames:  map[int64]*string{-1: nil, 0: ptr(""), 1: ptr("one")},
		MaybeLists:  map[string]*[2]int32{"nil": nil, "zero": {}, "full": {math.MinInt32, math.MaxInt32}},
	},
	"only nil values": {
		MaybeCounts: map[string]*int32{"": nil},
		MaybeItems:  map[string]*maps.Item{"": nil},
		MaybeNames:  map[int64]*string{0: nil},
		MaybeLists:  map[string]*[2]int32{"": nil},
	},
	"full": {
		Counts:  map[string]int64{"": 0, "a": math.MinInt64, "b": math.MaxInt64, "\xff": 1},
		Lists:   map[int32][]string{-1: nil, 0: {}, 1: {"x", ""}},
		Items:   map[string]maps.Item{"one": {Name: "one", Count: 1}, "zero": {}},
		Set:     map[[4]byte]bool{{}: true, {1, 2, 3, 4}: false, {255}: true},
		Flags:   map[bool]string{true: "yes", false: "no"},
		Floats:  map[float64]uint8{math.Inf(-1): 1, -0.5: 2, math.MaxFloat64: 3},
		Uints:   map[uint]int{math.MaxUint: math.MinInt, 0: math.MaxInt},
		Nested:  map[string]map[string]int32{"nil": nil, "empty": {}, "full": {"k": 1}},
		Bytes:   map[int64][]byte{1: nil, 2: {}, 3: {3}},
		Index:   maps.Index{"x": 1},
		ListOfM: []map[string]int32{nil, {}, {"a": 1}},
	},
}

func TestEcho(t *testing.T) {
	c := connect(t, mapsipc.NewMapsServer(echo{}))
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

// NaN keys are never equal to themselves, so every one of them crosses.
func TestNaNKeys(t *testing.T) {
	c := connect(t, mapsipc.NewMapsServer(echo{}))
	want := map[float64]uint8{math.NaN(): 1, math.NaN(): 2, 0: 3}
	got, err := c.Echo(context.Background(), maps.Values{Floats: want})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Floats) != 3 || got.Floats[0] != 3 {
		t.Errorf("got %v, want %v", got.Floats, want)
	}
}

// recorder is a peer written against the bindings directly: it keeps the
// entries of the counts map in the order they arrived and answers with a
// map that holds a key twice.
type recorder struct {
	keys chan<- []string
}

func (r recorder) Dispatch(_ context.Context, call *capnprpc.Call) error {
	if call.InterfaceID() != mapsipc.Maps_TypeID || call.MethodID() != 1 {
		return &capnprpc.Exception{Type: capnprpc.Unimplemented, Reason: "recorder serves only Maps.counts"}
	}
	l, err := mapsipc.Maps_counts_Params(call.Params()).M()
	if err != nil {
		return err
	}
	var keys []string
	for i := range l.Len() {
		k, err := l.At(i).Key()
		if err != nil {
			return err
		}
		keys = append(keys, k)
	}
	r.keys <- keys
	res, err := call.AllocResults(capnp.ObjectSize{PointerCount: 1})
	if err != nil {
		return err
	}
	out, err := mapsipc.Maps_counts_Results(res).NewResult(2)
	if err != nil {
		return err
	}
	for i := range 2 {
		if err := out.At(i).SetKey("twice"); err != nil {
			return err
		}
	}
	return nil
}

func TestEntriesAreSortedAndDuplicatesRejected(t *testing.T) {
	keys := make(chan []string, 1)
	c := connect(t, capnprpc.NewLocal(recorder{keys: keys}))
	_, err := c.Counts(context.Background(), map[string]int64{"b": 2, "c": 3, "a": 1, "": 0, "ab": 4})
	if diff := cmp.Diff([]string{"", "a", "ab", "b", "c"}, <-keys); diff != "" {
		t.Errorf("entries on the wire (-want +got):\n%s", diff)
	}
	if !errors.Is(err, ipc.ErrDuplicateKey) {
		t.Fatalf("got %v, want ipc.ErrDuplicateKey", err)
	}
	if want := "maps.Maps.Counts: result[1]: duplicate map key"; err.Error() != want {
		t.Errorf("message = %q, want %q", err.Error(), want)
	}
}
