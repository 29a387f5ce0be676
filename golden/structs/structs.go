// Package structs is a golden case: nested structs, structs from another
// package (one of them sharing a name with a struct here, one with an
// unexported field), a recursive struct through a pointer, and the ipc:"-"
// and ipc:"name" struct tags.
package structs

import (
	"context"

	"github.com/ifacegen/ifacegen/golden/structs/otherpkg"
)

// Point is a struct here; otherpkg.Point has the same name.
type Point struct {
	X, Y int32
}

// Shape nests structs by value, from this package and from otherpkg.
type Shape struct {
	Name   string
	Corner Point
	Where  otherpkg.Point
	Tags   []otherpkg.Tag
	Box    Box
}

// Box nests once more.
type Box struct {
	Min, Max Point
}

// Tree is recursive through pointers and slices.
type Tree struct {
	Value    int64
	Left     *Tree
	Right    *Tree
	Children []Tree
}

// Tagged exercises the struct tags.
type Tagged struct {
	Kept    string
	Skipped string `ipc:"-"`
	Renamed int32  `ipc:"newName" json:"renamed"`
	Other   string `json:"other"`
}

// Structs echoes structs.
//
//ipc:interface
type Structs interface {
	// EchoShape returns s unchanged.
	EchoShape(ctx context.Context, s Shape) (Shape, error)

	// EchoTree returns t unchanged.
	EchoTree(ctx context.Context, t Tree) (Tree, error)

	// EchoTagged returns t as it arrived.
	EchoTagged(ctx context.Context, t Tagged) (Tagged, error)

	// Move returns p moved by d, both from otherpkg.
	Move(ctx context.Context, p otherpkg.Point, d otherpkg.Point) (otherpkg.Point, error)
}
