// Package maps is a golden case: maps cross the wire as lists of entries
// sorted by key, so equal maps encode to equal bytes; nil and empty maps
// stay apart, and so do nil and non-nil optional values (the entry's value
// field carries a has flag or a null pointer).
package maps

import "context"

// Item is a struct used as a map value.
type Item struct {
	Name  string
	Count int32
}

// Index is a named map.
type Index map[string]int64

// Maps echoes maps.
//
//ipc:interface
type Maps interface {
	// Echo returns v unchanged.
	Echo(ctx context.Context, v Values) (Values, error)

	// Counts returns m unchanged.
	Counts(ctx context.Context, m map[string]int64) (map[string]int64, error)
}

// Values holds maps with every kind of key and several kinds of value.
type Values struct {
	Counts  map[string]int64
	Lists   map[int32][]string
	Items   map[string]Item
	Set     map[[4]byte]bool
	Flags   map[bool]string
	Floats  map[float64]uint8
	Uints   map[uint]int
	Nested  map[string]map[string]int32
	Bytes   map[int64][]byte
	Index   Index
	ListOfM []map[string]int32

	MaybeCounts map[string]*int32
	MaybeItems  map[string]*Item
	MaybeNames  map[int64]*string
	MaybeLists  map[string]*[2]int32
}
