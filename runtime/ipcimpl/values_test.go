package ipcimpl_test

import (
	"cmp"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"capnproto.org/go/capnp/v3"
	gocmp "github.com/google/go-cmp/cmp"

	"github.com/ifacegen/ifacegen/runtime/ipc"
	"github.com/ifacegen/ifacegen/runtime/ipcimpl"
)

func TestConvertErrorPath(t *testing.T) {
	cause := ipcimpl.LengthError(31, 32)
	err := ipcimpl.InField("opts", ipcimpl.InElem(3, ipcimpl.InField("Hash", cause)))
	var ce *ipc.ConvertError
	if !errors.As(err, &ce) || ce.Path != "opts[3].Hash" || ce.Err != cause {
		t.Fatalf("got %#v, want path opts[3].Hash around the cause", err)
	}
	if got, want := err.Error(), "opts[3].Hash: length 31, want 32"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	err = ipcimpl.InField("m", ipcimpl.InElem(0, ipcimpl.InElem(1, ipc.ErrDuplicateKey)))
	if !errors.Is(err, ipc.ErrDuplicateKey) || err.Error() != "m[0][1]: duplicate map key" {
		t.Errorf("got %v", err)
	}
	if ipcimpl.InField("x", nil) != nil || ipcimpl.InElem(1, nil) != nil {
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
		got, err := ipcimpl.EnumValue(tc.v)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("EnumValue(%d) = %d, %v", tc.v, got, err)
		}
	}
	if got, err := ipcimpl.EnumValue(small(255)); err != nil || got != 255 {
		t.Errorf("EnumValue(small 255) = %d, %v", got, err)
	}
}

type wireEnum uint16

func TestEnumFromWire(t *testing.T) {
	if v, err := ipcimpl.EnumFromWire[small](wireEnum(255)); err != nil || v != 255 {
		t.Errorf("small 255: %d, %v", v, err)
	}
	if _, err := ipcimpl.EnumFromWire[small](wireEnum(256)); err == nil || err.Error() != "enum value 256 does not fit in ipcimpl_test.small" {
		t.Errorf("small 256: %v", err)
	}
	if v, err := ipcimpl.EnumFromWire[signed](wireEnum(127)); err != nil || v != 127 {
		t.Errorf("signed 127: %d, %v", v, err)
	}
	if _, err := ipcimpl.EnumFromWire[signed](wireEnum(128)); err == nil {
		t.Error("signed 128: no error")
	}
	if v, err := ipcimpl.EnumFromWire[wide](wireEnum(65535)); err != nil || v != 65535 {
		t.Errorf("wide 65535: %d, %v", v, err)
	}
}

func TestSortedEntries(t *testing.T) {
	got := ipcimpl.SortedEntries(map[string]int{"b": 2, "": 0, "a": 1, "ab": 3}, cmp.Compare)
	want := []ipcimpl.Entry[string, int]{{"", 0}, {"a", 1}, {"ab", 3}, {"b", 2}}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("strings (-want +got):\n%s", diff)
	}
	bools := ipcimpl.SortedEntries(map[bool]int{true: 1, false: 0}, ipcimpl.CompareBool)
	if len(bools) != 2 || bools[0].Key || !bools[1].Key {
		t.Errorf("bools: %v", bools)
	}
	floats := ipcimpl.SortedEntries(map[float64]int{1: 1, math.Inf(-1): 0, math.NaN(): 2}, cmp.Compare)
	if len(floats) != 3 || !math.IsNaN(floats[0].Key) || floats[1].Key != math.Inf(-1) {
		t.Errorf("floats: %v", floats)
	}
	if got := ipcimpl.SortedEntries(map[int]int(nil), cmp.Compare); len(got) != 0 {
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
		if err := ipcimpl.SetDataAt(dl, i, v); err != nil {
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

// SliceLen and MapSize let a list through when its Go form fits the read
// budget of its message, and refuse it otherwise.
func TestListLen(t *testing.T) {
	msg, seg, err := capnp.NewMessage(capnp.SingleSegment(nil))
	if err != nil {
		t.Fatal(err)
	}
	// The traversal limit a connection gives a small received message.
	msg.TraverseLimit = 64 << 10
	// A list of zero-sized structs: 8 Mi elements in a few bytes.
	empty, err := capnp.NewCompositeList(seg, capnp.ObjectSize{}, 8<<20)
	if err != nil {
		t.Fatal(err)
	}
	small, err := capnp.NewCompositeList(seg, capnp.ObjectSize{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	type tree struct {
		Label    string
		Children []tree
	}
	var got []string
	record := func(n int, err error) {
		got = append(got, strings.TrimSpace(strings.Join([]string{strconv.Itoa(n), errKind(err)}, " ")))
	}
	record(ipcimpl.SliceLen[tree](empty))     // 320 MiB of trees: refused
	record(ipcimpl.SliceLen[struct{}](empty)) // no memory: allowed
	record(ipcimpl.SliceLen[bool](empty))     // 8 MiB, over the 64 KiB of a small message
	record(ipcimpl.SliceLen[tree](small))
	record(ipcimpl.MapSize[string, tree](empty))
	record(ipcimpl.MapSize[string, tree](small))
	record(ipcimpl.SliceLen[tree](capnp.List{})) // null
	want := []string{"0 too-long", "8388608", "0 too-long", "100", "0 too-long", "100", "0"}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("lengths (-want +got):\n%s", diff)
	}
}

func errKind(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ipc.ErrListTooLong):
		return "too-long"
	}
	return err.Error()
}
