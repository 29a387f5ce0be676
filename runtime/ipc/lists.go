package ipc

import (
	"errors"
	"fmt"
	"math/bits"
	"unsafe"

	"capnproto.org/go/capnp/v3"
)

// ErrReleased is the cause when a call fails because the client it was
// made on had been released (or was a null capability).
var ErrReleased = errors.New("ipc: call on a released or null capability")

// SliceLen returns the length of l, a list read from a message, for a
// generated reader that is about to make a Go slice of that many elements
// of type E. It fails with an error wrapping ErrListTooLong when the slice
// would take more memory than the read budget of l's message: its
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

// MapLen is SliceLen for a generated reader that is about to make a Go map
// of K to V with room for every entry of l.
func MapLen[K comparable, V any, L ~capnp.ListKind](l L) (int, error) {
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
			ErrListTooLong, n, size, budget)
	}
	return n, nil
}
