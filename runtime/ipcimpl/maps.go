package ipcimpl

import (
	"capnproto.org/go/capnp/v3"

	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// A Go map travels as a list of entry structs of two fields, key and
// value (TextInt64Entry_List), sorted by key so that equal maps encode to
// equal bytes. Generated code converts one entry in a function of its own
// and the whole map with one call:
//
//	func writeStringInt64Map(at ipcimpl.Pointer, v map[string]int64) error {
//		return ipcimpl.WriteMap(at, NewTextInt64Entry_List, v, cmp.Compare, writeStringInt64MapEntry)
//	}
//
//	func readStringInt64Map(from ipcimpl.Pointer, dst *map[string]int64) error {
//		return ipcimpl.ReadMap[TextInt64Entry_List](from, dst, readStringInt64MapEntry)
//	}

// WriteMap points at at a new list of m's entries made by alloc
// (NewTextInt64Entry_List), sorted by key with compare (cmp.Compare),
// writing entry i with write; a nil m leaves at null. write's error is
// located at the entry's index (InElem).
func WriteMap[L structList[S], S ~capnp.StructKind, M ~map[K]V, K comparable, V any](at Pointer, alloc func(*capnp.Segment, int32) (L, error), m M, compare func(a, b K) int, write func(entry S, key K, value V) error) error {
	if m == nil {
		return nil
	}
	l, err := NewList(at, alloc, len(m))
	if err != nil {
		return err
	}
	for i, e := range SortedEntries(m, compare) {
		if err := write(l.At(i), e.Key, e.Value); err != nil {
			return InElem(i, err)
		}
	}
	return nil
}

// ReadMap reads the list of entries of type L from points to into a new
// map in *dst, reading entry i with read; a null pointer leaves *dst as it
// was. The map's size is checked against the message's read budget
// (MapSize), a key that comes twice is an error wrapping
// ipc.ErrDuplicateKey, and read's error is located at the entry's index
// (InElem). read reads the whole entry before the key is looked up,
// so an entry whose key comes twice and whose value is bad reports the
// value's error.
func ReadMap[L structList[S], S ~capnp.StructKind, M ~map[K]V, K comparable, V any](from Pointer, dst *M, read func(entry S) (K, V, error)) error {
	l, n, err := MapLen[L, K, V](from)
	if err != nil || n < 0 {
		return err
	}
	m := make(M, n)
	for i := range n {
		key, value, err := read(l.At(i))
		if err != nil {
			return InElem(i, err)
		}
		if _, dup := m[key]; dup {
			return InElem(i, ipc.ErrDuplicateKey)
		}
		m[key] = value
	}
	*dst = m
	return nil
}
