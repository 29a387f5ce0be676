// Package optionals is a golden case: pointers cross as optional values.
// A nil pointer arrives nil and a pointer to a zero value arrives as a
// pointer to a zero value, wherever the pointer is: scalars through a has
// flag, strings, structs and arrays through null pointers, in struct
// fields, parameters, results and map values alike; list elements through
// box structs holding the same has flag or null pointer, so nil elements
// survive in every kind of list.
package optionals

import (
	"context"
	"time"
)

// Ref is a struct used behind pointers.
type Ref struct {
	Height int32
	Hash   [4]byte
}

// Label is a named string behind pointers.
type Label string

// Optionals echoes optional values.
//
//ipc:interface
type Optionals interface {
	// Echo returns v unchanged.
	Echo(ctx context.Context, v Values) (Values, error)

	// Tip returns the current tip, or nil when there is none.
	Tip(ctx context.Context, want bool) (*Ref, error)

	// Pick returns n, or nil.
	Pick(ctx context.Context, n *int64, s *string) (*int64, *string, error)
}

// Values holds optionals of every kind.
type Values struct {
	Int      *int64
	Uint     *uint
	Bool     *bool
	Float    *float64
	Duration *time.Duration
	Text     *string
	Ref      *Ref
	Hash     *[4]byte
	Ports    *[2]uint16
	Ints     []*int32
	Refs     []*Ref
	Texts    []*string
	Hashes   []*[4]byte
	ByName   map[string]*int32
	RefsBy   map[string]*Ref
	TextsBy  map[int32]*string
	Label    *Label
	Labels   []*Label
	LabelsBy map[Label]*Label

	Pair      [2]*uint8
	Durations []*time.Duration
	Flags     []*bool
	Grid      [][]*int32
	PortLists []*[2]uint16
	RefPair   [2]*Ref
	FloatsBy  map[string]*float64
	HashesBy  map[string]*[4]byte
}
