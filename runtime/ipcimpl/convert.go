package ipcimpl

import (
	"bytes"

	"capnproto.org/go/capnp/v3"
)

// Generated code converts each wire type once, in a function of its own,
// and calls it wherever a value of that type sits. A value whose wire form
// is a pointer (a list, a map's entry list, the Data of a [N]byte, an
// optional's Text, a hooked type whose wire type is Text or Data) is
// converted at a Pointer, which is either a pointer field of a struct or
// an element of a list of pointers:
//
//	func writeInt32List(at ipcimpl.Pointer, v []int32) error
//	func readInt32List(from ipcimpl.Pointer, dst *[]int32) error
//
//	err := writeInt32List(ipcimpl.Field(s, 2), v.Items)     // a struct field
//	err := writeInt32List(ipcimpl.Elem(l, i), v[i])         // a list element
//
// A value whose wire form is a struct is converted by a writer and reader
// of the struct's bindings type instead (WriteBlockRef(s BlockRef, v
// *mining.BlockRef) error), since a list of structs holds them inline.
//
// A conversion function is called directly wherever the pointer handed to
// it may point to a caller's stack, so that it does not escape; only the
// helpers of lists.go, maps.go and optionals.go call element functions
// through a function value, with pointers into a slice or a new value,
// which are on the heap anyway.

// Pointer is where a pointer sits in a message: a pointer field of a
// struct, or an element of a list of pointers. It is a small value; pass
// it by value.
type Pointer struct {
	s    capnp.Struct
	l    capnp.PointerList
	i    int
	elem bool
}

// Field returns the Pointer of pointer field i of s.
func Field[S ~capnp.StructKind](s S, i uint16) Pointer {
	return Pointer{s: capnp.Struct(s), i: int(i)}
}

// Elem returns the Pointer of element i of l, a list of pointers.
func Elem[L ~capnp.ListKind](l L, i int) Pointer {
	return Pointer{l: capnp.PointerList(l), i: i, elem: true}
}

// Segment returns the segment that holds the pointer: where a new object
// for it is best allocated.
func (p Pointer) Segment() *capnp.Segment {
	if p.elem {
		return p.l.Segment()
	}
	return p.s.Segment()
}

// Get returns the object the pointer points to; a null pointer is the
// zero capnp.Ptr.
func (p Pointer) Get() (capnp.Ptr, error) {
	if p.elem {
		return p.l.At(p.i)
	}
	return p.s.Ptr(uint16(p.i))
}

// Set points the pointer at v; the zero capnp.Ptr makes it null.
func (p Pointer) Set(v capnp.Ptr) error {
	if p.elem {
		return p.l.Set(p.i, v)
	}
	return p.s.SetPtr(uint16(p.i), v)
}

// IsNull reports whether the pointer is null. For a field it does not
// count against the message's read limit.
func (p Pointer) IsNull() bool {
	if p.elem {
		v, err := p.l.At(p.i)
		return err != nil || !v.IsValid()
	}
	return !p.s.HasPtr(uint16(p.i))
}

// SetText points the pointer at a new Text holding v; "" leaves it null,
// as capnpc-go's setters do.
func (p Pointer) SetText(v string) error {
	if v == "" {
		return p.Set(capnp.Ptr{})
	}
	return p.SetNewText(v)
}

// SetNewText points the pointer at a new Text holding v, even for "":
// an optional string tells nil from "".
func (p Pointer) SetNewText(v string) error {
	t, err := capnp.NewText(p.Segment(), v)
	if err != nil {
		return err
	}
	return p.Set(t.ToPtr())
}

// SetData points the pointer at a new Data holding v; nil leaves it null,
// and an empty v is a zero-length Data.
func (p Pointer) SetData(v []byte) error {
	if v == nil {
		return p.Set(capnp.Ptr{})
	}
	d, err := capnp.NewData(p.Segment(), v)
	if err != nil {
		return err
	}
	return p.Set(d.ToPtr())
}

// NewList allocates a list of n elements with alloc (a bindings or capnp
// list constructor: NewBlockRef_List, capnp.NewInt32List) and points the
// pointer at it.
func NewList[L ~capnp.ListKind](at Pointer, alloc func(*capnp.Segment, int32) (L, error), n int) (L, error) {
	l, err := alloc(at.Segment(), int32(n))
	if err != nil {
		return l, err
	}
	return l, at.Set(capnp.List(l).ToPtr())
}

// NewStruct allocates a struct with alloc (a bindings constructor:
// NewBlockRef) and points the pointer at it.
func NewStruct[S ~capnp.StructKind](at Pointer, alloc func(*capnp.Segment) (S, error)) (S, error) {
	s, err := alloc(at.Segment())
	if err != nil {
		return s, err
	}
	return s, at.Set(capnp.Struct(s).ToPtr())
}

// List returns the list the pointer points to as the list type L; a null
// pointer is a list whose IsValid is false.
func List[L ~capnp.ListKind](from Pointer) (L, error) {
	p, err := from.Get()
	return L(p.List()), err
}

// ListLen returns the list the pointer points to as the list type L, and
// the length of the Go slice of E to make for it: -1 for a null pointer,
// and an error for a length whose slice would exceed the read budget of
// the message (SliceLen).
func ListLen[L ~capnp.ListKind, E any](from Pointer) (L, int, error) {
	p, err := from.Get()
	l := L(p.List())
	if err != nil || !p.List().IsValid() {
		return l, -1, err
	}
	n, err := SliceLen[E](l)
	return l, n, err
}

// MapLen is ListLen for a list of map entries, to be read into a Go map of
// K to V (MapSize).
func MapLen[L ~capnp.ListKind, K comparable, V any](from Pointer) (L, int, error) {
	p, err := from.Get()
	l := L(p.List())
	if err != nil || !p.List().IsValid() {
		return l, -1, err
	}
	n, err := MapSize[K, V](l)
	return l, n, err
}

// Struct returns the struct the pointer points to as the bindings type S.
func Struct[S ~capnp.StructKind](from Pointer) (S, error) {
	p, err := from.Get()
	return S(p.Struct()), err
}

// ReadText sets *dst to the Text the pointer points to ("" for null).
func ReadText[T ~string](from Pointer, dst *T) error {
	p, err := from.Get()
	if err != nil {
		return err
	}
	*dst = T(p.Text())
	return nil
}

// ReadData sets *dst to a copy of the Data the pointer points to: nil for
// null, empty for a zero-length Data.
func ReadData[T ~[]byte](from Pointer, dst *T) error {
	p, err := from.Get()
	if err != nil {
		return err
	}
	*dst = T(bytes.Clone(p.Data()))
	return nil
}

// Optional returns a pointer to a new copy of v when has is true, and nil
// otherwise: an optional scalar field read with its has flag.
func Optional[T any](has bool, v T) *T {
	if !has {
		return nil
	}
	p := new(T)
	*p = v
	return p
}
