// Package lists is a golden case: slices and arrays of every kind of
// element, nested, with nil and empty kept apart at every level, and nil
// elements kept in lists of pointers (each element is a box).
package lists

import (
	"context"
	"time"
)

// Point is a struct used as a list element.
type Point struct {
	X, Y int32
}

// Ports is a named array.
type Ports [4]uint16

// Matrix is a named nested slice.
type Matrix [][]int32

// Lists echoes lists.
//
//ipc:interface
type Lists interface {
	// Echo returns v unchanged.
	Echo(ctx context.Context, v Values) (Values, error)

	// Sum returns the sum of every element of m.
	Sum(ctx context.Context, m [][]int32) (int64, error)

	// Strings returns s unchanged.
	Strings(ctx context.Context, s []string) ([]string, error)
}

// Values holds one list of every element kind.
type Values struct {
	Ints      []int64
	Small     []int8
	Bools     []bool
	Floats    []float64
	Float32s  []float32
	Uints     []uint
	Durations []time.Duration
	Strings   []string
	Bytes     [][]byte
	Hashes    [][32]byte
	Nested    [][]int32
	Deep      [][][]string
	Matrix    Matrix
	Points    []Point
	Ports     [4]uint16
	Named     Ports
	Grid      [2][3]int32
	PortLists [][4]uint16
	Arrays    [3]Point
	Bytes3    [3][]byte

	MaybeInts    []*int32
	MaybeStrings []*string
	MaybePoints  []*Point
	MaybePair    [2]*uint8
	MaybeMatrix  [][]*float64
}
