package ipcimpl

import (
	"capnproto.org/go/capnp/v3"
)

// Generated code converts a Go slice or array to and from a capnp list at
// a Pointer with one call of the functions below, one family per kind of
// element:
//
//	ScalarList   numbers and enums, converted like int64(v[i])
//	EnumList     enums whose Go type does not match the wire's 16 bits,
//	             checked like EnumValue and EnumFromWire
//	BoolList     bools
//	TextList     strings
//	DataList     []byte, nil and empty kept apart
//	StructList   structs, each converted by a generated function
//	BoxList      optionals, each in a box struct converted by a generated
//	             function
//	PointerList  anything else behind a pointer (lists, maps, [N]byte),
//	             each converted by a generated function
//
// Write<Kind>List points the pointer at a new list holding the elements of
// a slice; a nil slice leaves it null. Read<Kind>List reads the list into a
// new slice in *dst, whose length ListLen checks against the message's read
// budget; a null pointer leaves *dst as it was. An element's error is
// located at its index (InElem).
//
// The element functions of StructList and PointerList are called through
// a function value, so the elements they are handed escape: that costs
// nothing for a slice, which lives on the heap anyway, but would move an
// array held in a parameter to the heap. Arrays therefore have helpers only
// for the kinds converted without a function value (Read<Kind>Array reads
// a list that must hold len(dst) elements, LengthError otherwise; an
// array is written as v[:]), and generated loops otherwise.

// number is a Go type that converts to and from the elements of a capnp
// list of numbers or enums.
type number interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 |
		~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr |
		~float32 | ~float64
}

// valueList is a capnp list whose elements are values of W held in the
// list itself: capnp.Int64List, capnp.BitList, capnp.EnumList[Kind].
type valueList[W any] interface {
	~capnp.ListKind
	At(i int) W
	Set(i int, v W)
}

// structList is a capnp list of the bindings' structs S: Point_List.
type structList[S any] interface {
	~capnp.ListKind
	At(i int) S
}

// WriteScalarList writes v as a list made by alloc (capnp.NewInt64List,
// NewKind_List), converting each element to the list's element type. The
// conversion must keep the value: the generator passes only element types
// whose values all fit, such as uint for a UInt64List.
func WriteScalarList[L valueList[W], E, W number](at Pointer, alloc func(*capnp.Segment, int32) (L, error), v []E) error {
	if v == nil {
		return nil
	}
	l, err := NewList(at, alloc, len(v))
	if err != nil {
		return err
	}
	for i, e := range v {
		l.Set(i, W(e))
	}
	return nil
}

// ReadScalarList reads a list of type L into a new slice in *dst,
// converting each element to E.
func ReadScalarList[L valueList[W], D ~[]E, E, W number](from Pointer, dst *D) error {
	l, n, err := ListLen[L, E](from)
	if err != nil || n < 0 {
		return err
	}
	v := make(D, n)
	for i := range v {
		v[i] = E(l.At(i))
	}
	*dst = v
	return nil
}

// ReadScalarArray reads a list of type L that must hold len(dst) elements
// into dst, converting each element to E.
func ReadScalarArray[L valueList[W], E, W number](from Pointer, dst []E) error {
	l, err := arrayList[L](from, len(dst))
	if err != nil {
		return err
	}
	for i := range dst {
		dst[i] = E(l.At(i))
	}
	return nil
}

// WriteEnumList writes v as a list of enums made by alloc (NewKind_List),
// failing on an element that does not fit the wire's 16 bits
// (EnumValue). An enum whose Go type always fits is written by
// WriteScalarList.
func WriteEnumList[L valueList[W], E integer, W ~uint16](at Pointer, alloc func(*capnp.Segment, int32) (L, error), v []E) error {
	if v == nil {
		return nil
	}
	l, err := NewList(at, alloc, len(v))
	if err != nil {
		return err
	}
	for i, e := range v {
		w, err := EnumValue(e)
		if err != nil {
			return InElem(i, err)
		}
		l.Set(i, W(w))
	}
	return nil
}

// ReadEnumList reads a list of enums of type L into a new slice in *dst,
// failing on a value the Go type E cannot hold (EnumFromWire). An
// enum whose Go type holds every wire value is read by ReadScalarList.
func ReadEnumList[L valueList[W], D ~[]E, E integer, W ~uint16](from Pointer, dst *D) error {
	l, n, err := ListLen[L, E](from)
	if err != nil || n < 0 {
		return err
	}
	v := make(D, n)
	if err := readEnums(l, v); err != nil {
		return err
	}
	*dst = v
	return nil
}

// ReadEnumArray reads a list of enums of type L that must hold len(dst)
// elements into dst, failing on a value E cannot hold.
func ReadEnumArray[L valueList[W], E integer, W ~uint16](from Pointer, dst []E) error {
	l, err := arrayList[L](from, len(dst))
	if err != nil {
		return err
	}
	return readEnums(l, dst)
}

func readEnums[L valueList[W], E integer, W ~uint16](l L, dst []E) error {
	for i := range dst {
		e, err := EnumFromWire[E](l.At(i))
		if err != nil {
			return InElem(i, err)
		}
		dst[i] = e
	}
	return nil
}

// WriteBoolList writes v as a capnp.BitList.
func WriteBoolList[E ~bool](at Pointer, v []E) error {
	if v == nil {
		return nil
	}
	l, err := NewList(at, capnp.NewBitList, len(v))
	if err != nil {
		return err
	}
	for i, e := range v {
		l.Set(i, bool(e))
	}
	return nil
}

// ReadBoolList reads a capnp.BitList into a new slice in *dst.
func ReadBoolList[D ~[]E, E ~bool](from Pointer, dst *D) error {
	l, n, err := ListLen[capnp.BitList, E](from)
	if err != nil || n < 0 {
		return err
	}
	v := make(D, n)
	for i := range v {
		v[i] = E(l.At(i))
	}
	*dst = v
	return nil
}

// ReadBoolArray reads a capnp.BitList that must hold len(dst) elements
// into dst.
func ReadBoolArray[E ~bool](from Pointer, dst []E) error {
	l, err := arrayList[capnp.BitList](from, len(dst))
	if err != nil {
		return err
	}
	for i := range dst {
		dst[i] = E(l.At(i))
	}
	return nil
}

// WriteTextList writes v as a capnp.TextList.
func WriteTextList[E ~string](at Pointer, v []E) error {
	if v == nil {
		return nil
	}
	l, err := NewList(at, capnp.NewTextList, len(v))
	if err != nil {
		return err
	}
	for i, e := range v {
		if err := l.Set(i, string(e)); err != nil {
			return InElem(i, err)
		}
	}
	return nil
}

// ReadTextList reads a capnp.TextList into a new slice in *dst; a null
// element is "".
func ReadTextList[D ~[]E, E ~string](from Pointer, dst *D) error {
	l, n, err := ListLen[capnp.TextList, E](from)
	if err != nil || n < 0 {
		return err
	}
	v := make(D, n)
	if err := readTexts(l, v); err != nil {
		return err
	}
	*dst = v
	return nil
}

// ReadTextArray reads a capnp.TextList that must hold len(dst) elements
// into dst.
func ReadTextArray[E ~string](from Pointer, dst []E) error {
	l, err := arrayList[capnp.TextList](from, len(dst))
	if err != nil {
		return err
	}
	return readTexts(l, dst)
}

func readTexts[E ~string](l capnp.TextList, dst []E) error {
	for i := range dst {
		if err := ReadText(Elem(l, i), &dst[i]); err != nil {
			return InElem(i, err)
		}
	}
	return nil
}

// WriteDataList writes v as a capnp.DataList: a nil element is a null
// pointer, an empty one a zero-length Data.
func WriteDataList[E ~[]byte](at Pointer, v []E) error {
	if v == nil {
		return nil
	}
	l, err := NewList(at, capnp.NewDataList, len(v))
	if err != nil {
		return err
	}
	for i, e := range v {
		if err := SetDataAt(l, i, []byte(e)); err != nil {
			return InElem(i, err)
		}
	}
	return nil
}

// ReadDataList reads a capnp.DataList into a new slice in *dst, copying
// each element: nil for a null pointer, empty for a zero-length Data.
func ReadDataList[D ~[]E, E ~[]byte](from Pointer, dst *D) error {
	l, n, err := ListLen[capnp.DataList, E](from)
	if err != nil || n < 0 {
		return err
	}
	v := make(D, n)
	if err := readData(l, v); err != nil {
		return err
	}
	*dst = v
	return nil
}

// ReadDataArray reads a capnp.DataList that must hold len(dst) elements
// into dst, copying each element.
func ReadDataArray[E ~[]byte](from Pointer, dst []E) error {
	l, err := arrayList[capnp.DataList](from, len(dst))
	if err != nil {
		return err
	}
	return readData(l, dst)
}

func readData[E ~[]byte](l capnp.DataList, dst []E) error {
	for i := range dst {
		if err := ReadData(Elem(l, i), &dst[i]); err != nil {
			return InElem(i, err)
		}
	}
	return nil
}

// WriteStructList writes v as a list of structs made by alloc
// (NewPoint_List), writing each element with write (WritePoint).
func WriteStructList[L structList[S], S ~capnp.StructKind, E any](at Pointer, alloc func(*capnp.Segment, int32) (L, error), v []E, write func(S, *E) error) error {
	return writeList(at, alloc, v, func(l L, i int, e *E) error { return write(l.At(i), e) })
}

// ReadStructList reads a list of structs of type L (Point_List) into a new
// slice in *dst, reading each element with read (ReadPoint).
func ReadStructList[L structList[S], S ~capnp.StructKind, D ~[]E, E any](from Pointer, dst *D, read func(S, *E) error) error {
	return readList(from, dst, func(l L, i int, e *E) error { return read(l.At(i), e) })
}

// WritePointerList writes v as a list made by alloc (capnp.NewPointerList,
// capnp.NewDataList), writing each element at its Pointer with write
// (writeInt32List).
func WritePointerList[L ~capnp.ListKind, E any](at Pointer, alloc func(*capnp.Segment, int32) (L, error), v []E, write func(Pointer, E) error) error {
	return writeList(at, alloc, v, func(l L, i int, e *E) error { return write(Elem(l, i), *e) })
}

// ReadPointerList reads a list of type L (capnp.PointerList) into a new
// slice in *dst, reading each element at its Pointer with read
// (readInt32List).
func ReadPointerList[L ~capnp.ListKind, D ~[]E, E any](from Pointer, dst *D, read func(Pointer, *E) error) error {
	return readList(from, dst, func(l L, i int, e *E) error { return read(Elem(l, i), e) })
}

// WriteBoxList writes v, a slice of optionals, as a list of boxes made by
// alloc (NewOptionalInt32_List), each written by write
// (writeOptionalInt32ListElem), which leaves the box of a nil element
// empty.
func WriteBoxList[L structList[S], S ~capnp.StructKind, E any](at Pointer, alloc func(*capnp.Segment, int32) (L, error), v []E, write func(box S, v E) error) error {
	if v == nil {
		return nil
	}
	l, err := NewList(at, alloc, len(v))
	if err != nil {
		return err
	}
	for i, e := range v {
		if err := write(l.At(i), e); err != nil {
			return InElem(i, err)
		}
	}
	return nil
}

// ReadBoxList reads a list of boxes of type L (OptionalInt32_List) into a
// new slice of optionals in *dst, each read by read
// (readOptionalInt32ListElem), which returns nil for an empty box.
func ReadBoxList[L structList[S], S ~capnp.StructKind, D ~[]E, E any](from Pointer, dst *D, read func(box S) (E, error)) error {
	return readList(from, dst, func(l L, i int, e *E) error {
		v, err := read(l.At(i))
		*e = v
		return err
	})
}

// writeList writes v as a list made by alloc, setting element i with set;
// a nil v leaves at null.
func writeList[L ~capnp.ListKind, E any](at Pointer, alloc func(*capnp.Segment, int32) (L, error), v []E, set func(l L, i int, e *E) error) error {
	if v == nil {
		return nil
	}
	l, err := NewList(at, alloc, len(v))
	if err != nil {
		return err
	}
	for i := range v {
		if err := set(l, i, &v[i]); err != nil {
			return InElem(i, err)
		}
	}
	return nil
}

// readList reads the list from points to into a new slice in *dst,
// reading element i with get; a null pointer leaves *dst as it was.
func readList[L ~capnp.ListKind, D ~[]E, E any](from Pointer, dst *D, get func(l L, i int, e *E) error) error {
	l, n, err := ListLen[L, E](from)
	if err != nil || n < 0 {
		return err
	}
	v := make(D, n)
	for i := range v {
		if err := get(l, i, &v[i]); err != nil {
			return InElem(i, err)
		}
	}
	*dst = v
	return nil
}

// ReadByteArray copies the Data the pointer points to, which must hold
// len(dst) bytes, into dst: the wire form of a [N]byte.
func ReadByteArray(from Pointer, dst []byte) error {
	p, err := from.Get()
	if err != nil {
		return err
	}
	data := p.Data()
	if len(data) != len(dst) {
		return LengthError(len(data), len(dst))
	}
	copy(dst, data)
	return nil
}

// arrayList returns the list from points to, which must hold n elements.
func arrayList[L ~capnp.ListKind](from Pointer, n int) (L, error) {
	l, err := List[L](from)
	if err != nil {
		return l, err
	}
	if got := capnp.List(l).Len(); got != n {
		return l, LengthError(got, n)
	}
	return l, nil
}
