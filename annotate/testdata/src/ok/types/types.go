// Package types exercises every type mapping.
package types

import (
	"context"
	"time"

	"example.com/t/ok/shared"
)

type (
	Height   int32
	Hash     [32]byte
	Script   []byte
	Fees     map[string]int64
	Heights  []Height
	Duration = time.Duration
)

// Scalars has one field of each scalar type.
type Scalars struct {
	B   bool
	I8  int8
	I16 int16
	I32 int32
	I64 int64
	I   int
	U8  uint8
	U16 uint16
	U32 uint32
	U64 uint64
	U   uint
	By  byte
	R   rune
	F32 float32
	F64 float64
	S   string
}

// Node is recursive through a pointer, a slice and a map.
type Node struct {
	Parent   *Node
	Children []Node
	ByName   map[string]Node
}

// Keywords has fields whose wire names are Cap'n Proto keywords.
type Keywords struct {
	Struct, Interface, Import, Using, Const, Enum, Union, Void int8
}

// Optionals has optional scalars (has flags) and other optionals.
type Optionals struct {
	Count  *int64
	Level  *shared.Level
	Text   *string
	Hash   *Hash
	Node   *Node
	HasAll bool
}

// Lists has lists and arrays.
type Lists struct {
	Bytes     []byte
	Script    Script
	Hash      Hash
	Hashes    []Hash
	Quad      [4]int16
	Matrix    [][]float64
	Heights   Heights
	MaybeInts []*int64
	MaybeText []*string
	Levels    []*shared.Level
	Nodes     []*Node
	Pair      [2]*uint8
	Hashes2   [2]*Hash
}

// Maps has maps.
type Maps struct {
	Plain   map[string]int64
	Named   Fees
	ByHash  map[Hash]bool
	ByLevel map[shared.Level][]int32
	Nested  map[int32]map[string]*uint32
	Maybe   map[string]*uint32
	Again   map[string]int64
	Structs map[uint64]shared.Data
	Texts   map[string]*string
	Nodes   map[string]*Node
}

// URLPath has names that exercise lowerCamel.
type URLPath struct {
	ID         int32
	HTTPServer string
	GetURL     string
	Max_Size   uint32
}

// Types takes and returns every kind of type.
//
//ipc:interface
type Types interface {
	Scalars(ctx context.Context, s Scalars) (Scalars, error)
	Named(h Height, d Duration, t time.Duration, hash Hash) (Heights, error)
	Node(n *Node) *Node
	Keywords(k Keywords) Keywords
	Optionals(o Optionals, count *int32, lvl *shared.Level) (maybe *bool, err error)
	Lists(l Lists) Lists
	Maps(m Maps, fees map[string]int64) Maps
	URLPath(u URLPath, _ int, _ string) (URLPath, int, string)
	Data(d shared.Data, l shared.Level) error
	Shared(t shared.Types)
}
