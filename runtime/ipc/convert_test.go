package ipc_test

import (
	"cmp"
	"errors"
	"math"
	"testing"

	"capnproto.org/go/capnp/v3"
	"capnproto.org/go/capnp/v3/std/capnp/schema"
	gocmp "github.com/google/go-cmp/cmp"

	"github.com/ifacegen/ifacegen/runtime/ipc"
)

func TestConvertErrorPath(t *testing.T) {
	cause := ipc.LengthError(31, 32)
	err := ipc.InField("opts", ipc.InElem(3, ipc.InField("Hash", cause)))
	var ce *ipc.ConvertError
	if !errors.As(err, &ce) || ce.Path != "opts[3].Hash" || ce.Err != cause {
		t.Fatalf("got %#v, want path opts[3].Hash around the cause", err)
	}
	if got, want := err.Error(), "opts[3].Hash: length 31, want 32"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	err = ipc.InField("m", ipc.InElem(0, ipc.InElem(1, ipc.ErrDuplicateKey)))
	if !errors.Is(err, ipc.ErrDuplicateKey) || err.Error() != "m[0][1]: duplicate map key" {
		t.Errorf("got %v", err)
	}
	if ipc.InField("x", nil) != nil || ipc.InElem(1, nil) != nil {
		t.Error("locating a nil error is not nil")
	}
}

type (
	small  uint8
	signed int8
	wide   int64
)

func TestEnumValue(t *testing.T) {
	for _, tc := range []struct {
		v    wide
		want uint16
		ok   bool
	}{{0, 0, true}, {65535, 65535, true}, {-1, 0, false}, {65536, 0, false}, {math.MinInt64, 0, false}} {
		got, err := ipc.EnumValue(tc.v)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("EnumValue(%d) = %d, %v", tc.v, got, err)
		}
	}
	if got, err := ipc.EnumValue(small(255)); err != nil || got != 255 {
		t.Errorf("EnumValue(small 255) = %d, %v", got, err)
	}
}

type wireEnum uint16

func TestEnumFromWire(t *testing.T) {
	if v, err := ipc.EnumFromWire[small](wireEnum(255)); err != nil || v != 255 {
		t.Errorf("small 255: %d, %v", v, err)
	}
	if _, err := ipc.EnumFromWire[small](wireEnum(256)); err == nil || err.Error() != "enum value 256 does not fit in ipc_test.small" {
		t.Errorf("small 256: %v", err)
	}
	if v, err := ipc.EnumFromWire[signed](wireEnum(127)); err != nil || v != 127 {
		t.Errorf("signed 127: %d, %v", v, err)
	}
	if _, err := ipc.EnumFromWire[signed](wireEnum(128)); err == nil {
		t.Error("signed 128: no error")
	}
	if v, err := ipc.EnumFromWire[wide](wireEnum(65535)); err != nil || v != 65535 {
		t.Errorf("wide 65535: %d, %v", v, err)
	}
}

func TestSortedEntries(t *testing.T) {
	got := ipc.SortedEntries(map[string]int{"b": 2, "": 0, "a": 1, "ab": 3}, cmp.Compare)
	want := []ipc.Entry[string, int]{{"", 0}, {"a", 1}, {"ab", 3}, {"b", 2}}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("strings (-want +got):\n%s", diff)
	}
	bools := ipc.SortedEntries(map[bool]int{true: 1, false: 0}, ipc.CompareBool)
	if len(bools) != 2 || bools[0].Key || !bools[1].Key {
		t.Errorf("bools: %v", bools)
	}
	floats := ipc.SortedEntries(map[float64]int{1: 1, math.Inf(-1): 0, math.NaN(): 2}, cmp.Compare)
	if len(floats) != 3 || !math.IsNaN(floats[0].Key) || floats[1].Key != math.Inf(-1) {
		t.Errorf("floats: %v", floats)
	}
	if got := ipc.SortedEntries(map[int]int(nil), cmp.Compare); len(got) != 0 {
		t.Errorf("nil map: %v", got)
	}
}

func newSegment(t *testing.T) *capnp.Segment {
	t.Helper()
	_, seg, err := capnp.NewMessage(capnp.SingleSegment(nil))
	if err != nil {
		t.Fatal(err)
	}
	return seg
}

func TestDataElements(t *testing.T) {
	seg := newSegment(t)
	dl, err := capnp.NewDataList(seg, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range [][]byte{nil, {}, {1, 2}} {
		if err := ipc.SetDataAt(dl, i, v); err != nil {
			t.Fatal(err)
		}
	}
	for i, want := range [][]byte{nil, {}, {1, 2}} {
		got, err := dl.At(i)
		if err != nil {
			t.Fatal(err)
		}
		if (got == nil) != (want == nil) || string(got) != string(want) {
			t.Errorf("data %d = %#v, want %#v", i, got, want)
		}
	}
}

func TestSchemaSetText(t *testing.T) {
	sc := ipc.NewSchema(schema.RegisterSchema)
	n, err := schema.NewRootNode(newSegment(t))
	if err != nil {
		t.Fatal(err)
	}
	if n.HasDisplayName() {
		t.Fatal("new node has a display name")
	}
	if err := sc.SetText(capnp.Struct(n), schema.Node_TypeID, "displayName", ""); err != nil {
		t.Fatal(err)
	}
	if !n.HasDisplayName() {
		t.Error("SetText wrote a null pointer for \"\"")
	}
	if err := sc.SetText(capnp.Struct(n), schema.Node_TypeID, "displayName", "x.capnp:Y"); err != nil {
		t.Fatal(err)
	}
	if got, _ := n.DisplayName(); got != "x.capnp:Y" {
		t.Errorf("display name = %q", got)
	}
	if err := sc.SetText(capnp.Struct(n), schema.Node_TypeID, "id", "x"); err == nil {
		t.Error("SetText on a data field succeeded")
	}
	if err := sc.SetText(capnp.Struct(n), 0x8000000000000001, "x", "x"); err == nil {
		t.Error("SetText on an unknown struct succeeded")
	}
}
