package ipcimpl

import (
	"fmt"
	"math/bits"
	"slices"
	"unsafe"

	"capnproto.org/go/capnp/v3"

	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// integer is every Go integer type an //ipc:enum type can have.
type integer interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 |
		~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// EnumValue returns v as the uint16 an enum is on the wire, or an error if
// v does not fit.
func EnumValue[T integer](v T) (uint16, error) {
	if v < 0 || uint64(v) > 0xffff {
		return 0, fmt.Errorf("enum value %d does not fit in 16 bits", v)
	}
	return uint16(v), nil
}

// EnumFromWire returns the wire value w of an enum as the Go enum type T.
// Any value T can hold passes through, so enumerants a newer peer added
// survive; a value T cannot hold (300 for a uint8 enum) is an error rather
// than being truncated into another enumerant.
func EnumFromWire[T integer, W ~uint16](w W) (T, error) {
	v := T(w)
	if v < 0 || uint64(v) != uint64(w) {
		return 0, fmt.Errorf("enum value %d does not fit in %T", w, v)
	}
	return v, nil
}

// Entry is one key and value of a map.
type Entry[K comparable, V any] struct {
	Key   K
	Value V
}

// SortedEntries returns the entries of m ordered by compare on their keys,
// the order in which a map is written to the wire, so that equal maps
// encode to equal bytes. compare is cmp.Compare for ordered keys.
func SortedEntries[M ~map[K]V, K comparable, V any](m M, compare func(a, b K) int) []Entry[K, V] {
	es := make([]Entry[K, V], 0, len(m))
	for k, v := range m {
		es = append(es, Entry[K, V]{k, v})
	}
	slices.SortFunc(es, func(a, b Entry[K, V]) int { return compare(a.Key, b.Key) })
	return es
}

// CompareBool orders false before true, like cmp.Compare for bool keys.
func CompareBool[T ~bool](a, b T) int {
	switch {
	case a == b:
		return 0
	case !bool(a):
		return -1
	default:
		return 1
	}
}

// SetDataAt sets element i of l to v, keeping nil and empty apart: nil is a
// null pointer, an empty slice a zero-length Data. (capnp.DataList.Set
// writes null for both.)
func SetDataAt(l capnp.DataList, i int, v []byte) error {
	if v == nil {
		return capnp.PointerList(l).Set(i, capnp.Ptr{})
	}
	d, err := capnp.NewData(l.Segment(), v)
	if err != nil {
		return err
	}
	return capnp.PointerList(l).Set(i, d.ToPtr())
}

// SliceLen returns the length of l, a list read from a message, for a
// generated reader that is about to make a Go slice of that many elements
// of type E. It fails with an error wrapping ipc.ErrListTooLong when the
// slice would take more memory than the read budget of l's message: its
// traversal limit, which a connection sets on every message it receives
// (capnprpc.Limits.TraverseLimitMult: by default 64 times its size, at
// least 64 KiB, at most 64 MiB), or go-capnp's 64 MiB for a message
// without one.
//
// The traversal limit bounds what is read, not what is allocated: an
// element of a list of zero-sized structs takes no byte in the message
// and is charged 8 bytes of traversal, yet becomes a Go value of any
// size. Without this bound a 1 MiB message could make a reader allocate
// 8 Mi Go values. An honest message never comes near it: the Go form of
// an element that is written in full takes at most a few times its wire
// size.
func SliceLen[E any, L ~capnp.ListKind](l L) (int, error) {
	var e E
	return listLen(capnp.List(l), uint64(unsafe.Sizeof(e)))
}

// MapSize is SliceLen for a generated reader that is about to make a Go
// map of K to V with room for every entry of l.
func MapSize[K comparable, V any, L ~capnp.ListKind](l L) (int, error) {
	var k K
	var v V
	// A map slot also holds a control byte; the rest of a map's
	// overhead is proportional to its slots.
	return listLen(capnp.List(l), uint64(unsafe.Sizeof(k)+unsafe.Sizeof(v))+1)
}

// The budgets listLen assumes: every message may be traversed at least
// minReadBudget bytes (the engine's floor), and one without a traversal
// limit of its own has go-capnp's default.
const (
	minReadBudget     = 64 << 10
	defaultReadBudget = 64 << 20
)

// listLen returns l.Len(), or an error if that many Go values of size
// bytes each exceed the read budget of l's message.
func listLen(l capnp.List, size uint64) (int, error) {
	n := l.Len()
	overflow, need := bits.Mul64(uint64(n), size)
	if overflow == 0 && need <= minReadBudget {
		return n, nil // within the budget of any message
	}
	budget := uint64(defaultReadBudget)
	if m := l.Message(); m != nil && m.TraverseLimit > 0 {
		budget = m.TraverseLimit
	}
	if overflow != 0 || need > budget {
		return 0, fmt.Errorf("%w: %d elements of %d bytes in Go exceed the read budget of their message (%d bytes)",
			ipc.ErrListTooLong, n, size, budget)
	}
	return n, nil
}
