// Package interopapi is the interface set the C++ interop test drives: one
// //ipc:interface whose methods carry structs, lists, optionals, maps,
// enums, byte arrays, several results and an error, so that a peer built
// from the emitted schema by Cap'n Proto's own C++ code generator proves the
// schema and the Go conversions right.
//
// The generated subpackage interopapiipc is committed; regenerate it with
//
//	go run ./cmd/ifacegen ./internal/interop/...
package interopapi

//go:generate go run github.com/ifacegen/ifacegen/cmd/ifacegen .

import "context"

// Kind classifies a Record.
//
//ipc:enum
type Kind uint16

// The kinds.
const (
	KindBlock Kind = iota
	KindTransaction
	KindHeader
)

// Point is a small struct used in lists and behind pointers.
type Point struct {
	X, Y int32
}

// Record holds one field of every kind the test exercises.
type Record struct {
	Name   string
	Kind   Kind
	Hash   [4]byte
	Data   []byte
	Points []Point
	Tags   map[string]int64
	Kinds  []Kind
	Lines  [][]string
	// Parent is a struct behind a pointer: nil is a null pointer.
	Parent *Point
	// Weight is a scalar behind a pointer: nil is a has flag set false.
	Weight *int64
	// Note is a string behind a pointer: nil is a null pointer.
	Note *string
	// Maybe is a list of optional scalars: each element is a box.
	Maybe []*int32
	// ByKind is a map with enum keys and optional struct values.
	ByKind map[Kind]*Point
}

// Tree is a recursive type: a hostile peer can nest it as deep as it
// likes, or make it a cycle, and the reader must stop with an error.
type Tree struct {
	Label    string
	Children []Tree
}

// Interop is served and called by both the Go and the C++ side of the
// interop test.
//
//ipc:interface
type Interop interface {
	// Add returns a + b.
	Add(ctx context.Context, a, b int64) (int64, error)

	// Echo returns r unchanged.
	Echo(ctx context.Context, r Record) (Record, error)

	// Stats summarises values; it fails when values is empty.
	Stats(ctx context.Context, values []int64) (sum, min, max int64, count int32, err error)

	// Lookup returns the value stored under key in table, or nil when
	// there is none.
	Lookup(ctx context.Context, table map[string]int64, key string) (*int64, error)

	// Count counts how often each kind occurs in kinds.
	Count(ctx context.Context, kinds []Kind) (map[Kind]int32, error)

	// Fail always fails with message.
	Fail(ctx context.Context, message string) error

	// Size returns how many nodes t has and how deep it is (a leaf has
	// depth 1).
	Size(ctx context.Context, t Tree) (nodes, depth int32, err error)
}
