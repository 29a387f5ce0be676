// Package base declares an //ipc:interface, so its schema holds the types
// its interfaces use, and other packages import them.
package base

import "context"

// Ref is in base's schema.
type Ref struct{ Height int32 }

// Loose is not: no interface of base uses it.
type Loose struct{ N int64 }

//ipc:enum
type Kind uint8

const (
	KindA Kind = iota
	KindB
)

// Done is a callback base's interfaces use.
type Done func(ok bool)

//ipc:interface
type Template interface {
	Ref(ctx context.Context, k Kind, done Done) (Ref, error)
}
