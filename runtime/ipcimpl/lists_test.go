package ipcimpl_test

import (
	"bytes"
	"cmp"
	"errors"
	"reflect"
	"testing"
	"time"

	"capnproto.org/go/capnp/v3"

	"github.com/ifacegen/ifacegen/runtime/ipc"
	"github.com/ifacegen/ifacegen/runtime/ipcimpl"
)

// root returns the pointer field 0 of the root struct of a new message.
func root(t *testing.T) ipcimpl.Pointer {
	t.Helper()
	_, seg, err := capnp.NewMessage(capnp.SingleSegment(nil))
	if err != nil {
		t.Fatal(err)
	}
	s, err := capnp.NewRootStruct(seg, capnp.ObjectSize{PointerCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	return ipcimpl.Field(s, 0)
}

// wantPath fails unless err is a *ipc.ConvertError at path wrapping want.
func wantPath(t *testing.T, err error, path string, want error) {
	t.Helper()
	var ce *ipc.ConvertError
	if !errors.As(err, &ce) || ce.Path != path {
		t.Fatalf("got error %v, want one at %s", err, path)
	}
	if want != nil && !errors.Is(err, want) {
		t.Fatalf("got error %v, want one wrapping %v", err, want)
	}
}

type level uint8 // a named number, narrower than its wire type

func TestScalarListRoundTrip(t *testing.T) {
	at := root(t)
	in := []time.Duration{-1, 0, time.Hour}
	if err := ipcimpl.WriteScalarList(at, capnp.NewInt64List, in); err != nil {
		t.Fatal(err)
	}
	var out []time.Duration
	if err := ipcimpl.ReadScalarList[capnp.Int64List](at, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("read %v, wrote %v", out, in)
	}
	// The same list read as an array of uint16 … of the wrong length.
	var arr [2]uint16
	if err := ipcimpl.ReadScalarArray[capnp.Int64List](at, arr[:]); err == nil || err.Error() != ipcimpl.LengthError(3, 2).Error() {
		t.Errorf("read 3 elements into [2]: got %v, want %v", err, ipcimpl.LengthError(3, 2))
	}
}

func TestNilSliceIsNullAndNullLeavesDst(t *testing.T) {
	at := root(t)
	if err := ipcimpl.WriteScalarList(at, capnp.NewUInt64List, []uint(nil)); err != nil {
		t.Fatal(err)
	}
	if !at.IsNull() {
		t.Fatal("a nil slice was not written as a null pointer")
	}
	out := []uint{7}
	if err := ipcimpl.ReadScalarList[capnp.UInt64List](at, &out); err != nil || !reflect.DeepEqual(out, []uint{7}) {
		t.Errorf("reading null: got %v, %v; want [7] untouched, nil", out, err)
	}
	if err := ipcimpl.WriteBoolList(at, []bool{}); err != nil {
		t.Fatal(err)
	}
	var bools []bool
	if err := ipcimpl.ReadBoolList(at, &bools); err != nil || bools == nil || len(bools) != 0 {
		t.Errorf("an empty list read as %#v, %v; want an empty non-nil slice", bools, err)
	}
}

func TestEnumListChecksEachElement(t *testing.T) {
	at := root(t)
	err := ipcimpl.WriteEnumList(at, capnp.NewEnumList[uint16], []int{1, 70000})
	wantPath(t, err, "[1]", nil)
	if err := ipcimpl.WriteEnumList(at, capnp.NewEnumList[uint16], []int{1, 65535}); err != nil {
		t.Fatal(err)
	}
	var ints []int
	if err := ipcimpl.ReadScalarList[capnp.EnumList[uint16]](at, &ints); err != nil || !reflect.DeepEqual(ints, []int{1, 65535}) {
		t.Errorf("read %v, %v; want [1 65535]", ints, err)
	}

	if err := ipcimpl.WriteScalarList(at, capnp.NewEnumList[uint16], []uint16{1, 300}); err != nil {
		t.Fatal(err)
	}
	var levels []level
	wantPath(t, ipcimpl.ReadEnumList[capnp.EnumList[uint16]](at, &levels), "[1]", nil)
	var wide [2]int32
	if err := ipcimpl.ReadEnumArray[capnp.EnumList[uint16]](at, wide[:]); err != nil || wide != [2]int32{1, 300} {
		t.Errorf("read %v, %v; want [1 300]", wide, err)
	}
}

func TestTextAndDataLists(t *testing.T) {
	at := root(t)
	type name string
	in := []name{"a", "", "ccc"}
	if err := ipcimpl.WriteTextList(at, in); err != nil {
		t.Fatal(err)
	}
	var out []name
	if err := ipcimpl.ReadTextList(at, &out); err != nil || !reflect.DeepEqual(in, out) {
		t.Errorf("read %q, %v; wrote %q", out, err, in)
	}
	var arr [3]string
	if err := ipcimpl.ReadTextArray(at, arr[:]); err != nil || arr != [3]string{"a", "", "ccc"} {
		t.Errorf("read %q, %v as an array", arr, err)
	}

	blobs := [][]byte{nil, {}, []byte("x")}
	if err := ipcimpl.WriteDataList(at, blobs); err != nil {
		t.Fatal(err)
	}
	var got [][]byte
	if err := ipcimpl.ReadDataList(at, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0] != nil || got[1] == nil || len(got[1]) != 0 || !bytes.Equal(got[2], []byte("x")) {
		t.Errorf("read %#v; want nil, empty and x kept apart", got)
	}
}

// pair is a Go struct converted to a capnp struct of two data words.
type pair struct{ A, B int64 }

var pairSize = capnp.ObjectSize{DataSize: 16}

func newPairs(seg *capnp.Segment, n int32) (capnp.StructList[capnp.Struct], error) {
	l, err := capnp.NewCompositeList(seg, pairSize, n)
	return capnp.StructList[capnp.Struct](l), err
}

var errNegative = errors.New("negative")

func writePair(s capnp.Struct, v *pair) error {
	if v.A < 0 {
		return errNegative
	}
	s.SetUint64(0, uint64(v.A))
	s.SetUint64(8, uint64(v.B))
	return nil
}

func readPair(s capnp.Struct, v *pair) error {
	v.A, v.B = int64(s.Uint64(0)), int64(s.Uint64(8))
	if v.A < 0 {
		return errNegative
	}
	return nil
}

func TestStructList(t *testing.T) {
	at := root(t)
	in := []pair{{1, 2}, {3, 4}}
	if err := ipcimpl.WriteStructList(at, newPairs, in, writePair); err != nil {
		t.Fatal(err)
	}
	var out []pair
	if err := ipcimpl.ReadStructList[capnp.StructList[capnp.Struct]](at, &out, readPair); err != nil || !reflect.DeepEqual(in, out) {
		t.Errorf("read %v, %v; wrote %v", out, err, in)
	}
	wantPath(t, ipcimpl.WriteStructList(at, newPairs, []pair{{1, 1}, {-1, 0}}, writePair), "[1]", errNegative)
}

func TestPointerListAndByteArrays(t *testing.T) {
	at := root(t)
	writeHash := func(at ipcimpl.Pointer, v [4]byte) error { return at.SetData(v[:]) }
	readHash := func(from ipcimpl.Pointer, dst *[4]byte) error { return ipcimpl.ReadByteArray(from, dst[:]) }
	in := [][4]byte{{1, 2, 3, 4}, {5, 6, 7, 8}}
	if err := ipcimpl.WritePointerList(at, capnp.NewDataList, in, writeHash); err != nil {
		t.Fatal(err)
	}
	var out [][4]byte
	if err := ipcimpl.ReadPointerList[capnp.DataList](at, &out, readHash); err != nil || !reflect.DeepEqual(in, out) {
		t.Errorf("read %v, %v; wrote %v", out, err, in)
	}
	if err := ipcimpl.WriteDataList(at, [][]byte{{1, 2, 3, 4}, {1}}); err != nil {
		t.Fatal(err)
	}
	wantPath(t, ipcimpl.ReadPointerList[capnp.DataList](at, &out, readHash), "[1]", nil)
}

func TestMapRoundTripAndDuplicates(t *testing.T) {
	at := root(t)
	writeEntry := func(e capnp.Struct, key, value int64) error {
		e.SetUint64(0, uint64(key))
		e.SetUint64(8, uint64(value))
		return nil
	}
	readEntry := func(e capnp.Struct) (int64, int64, error) {
		return int64(e.Uint64(0)), int64(e.Uint64(8)), nil
	}
	in := map[int64]int64{3: 30, 1: 10, 2: 20}
	if err := ipcimpl.WriteMap(at, newPairs, in, cmp.Compare, writeEntry); err != nil {
		t.Fatal(err)
	}
	l, err := ipcimpl.List[capnp.StructList[capnp.Struct]](at)
	if err != nil || l.Len() != 3 || l.At(0).Uint64(0) != 1 || l.At(2).Uint64(0) != 3 {
		t.Fatalf("entries are not sorted by key (err %v)", err)
	}
	var out map[int64]int64
	if err := ipcimpl.ReadMap[capnp.StructList[capnp.Struct]](at, &out, readEntry); err != nil || !reflect.DeepEqual(in, out) {
		t.Errorf("read %v, %v; wrote %v", out, err, in)
	}
	l.At(2).SetUint64(0, 1) // entry 2 now repeats entry 0's key
	wantPath(t, ipcimpl.ReadMap[capnp.StructList[capnp.Struct]](at, &out, readEntry), "[2]", ipc.ErrDuplicateKey)
}

func TestBoxListAndOptionals(t *testing.T) {
	at := root(t)
	// A box of one data word and a has flag in the second.
	writeBox := func(box capnp.Struct, v *int64) error {
		if v != nil {
			box.SetUint64(0, uint64(*v))
			box.SetUint64(8, 1)
		}
		return nil
	}
	readBox := func(box capnp.Struct) (*int64, error) {
		return ipcimpl.Optional(box.Uint64(8) == 1, int64(box.Uint64(0))), nil
	}
	seven := int64(7)
	if err := ipcimpl.WriteBoxList(at, newPairs, []*int64{nil, &seven}, writeBox); err != nil {
		t.Fatal(err)
	}
	var out []*int64
	if err := ipcimpl.ReadBoxList[capnp.StructList[capnp.Struct]](at, &out, readBox); err != nil || len(out) != 2 || out[0] != nil || *out[1] != 7 {
		t.Errorf("read %v, %v; want [nil 7]", out, err)
	}

	empty := root(t)
	s := new(string)
	if err := ipcimpl.ReadOptional(empty, &s, ipcimpl.ReadText); err != nil || s == nil {
		t.Errorf("a null pointer changed *dst: %v, %v", s, err)
	}
	if err := empty.SetNewText(""); err != nil {
		t.Fatal(err)
	}
	s = nil
	if err := ipcimpl.ReadOptional(empty, &s, ipcimpl.ReadText); err != nil || s == nil || *s != "" {
		t.Errorf("an empty Text read as %v, %v; want a pointer to \"\"", s, err)
	}

	var p *pair
	if err := ipcimpl.ReadOptionalStruct(root(t), &p, readPair); err != nil || p != nil {
		t.Errorf("a null struct pointer read as %v, %v; want nil", p, err)
	}
	ps, err := ipcimpl.NewStruct(at, func(seg *capnp.Segment) (capnp.Struct, error) { return capnp.NewStruct(seg, pairSize) })
	if err != nil {
		t.Fatal(err)
	}
	if err := writePair(ps, &pair{5, 6}); err != nil {
		t.Fatal(err)
	}
	if err := ipcimpl.ReadOptionalStruct(at, &p, readPair); err != nil || p == nil || *p != (pair{5, 6}) {
		t.Errorf("read %v, %v; want &{5 6}", p, err)
	}
}
