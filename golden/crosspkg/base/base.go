// Package base is the first half of the golden case for types of another
// annotated package: its struct, enum and interface live in base's own
// schema, and package user's schema imports them from there.
package base

import "context"

// BlockRef names a block.
type BlockRef struct {
	Hash   [4]byte
	Height int32
	Kind   Kind
}

// Kind is the kind of a block.
//
//ipc:enum
type Kind int32

const (
	KindFull Kind = iota
	KindHeader
)

// BlockTemplate is a block being built.
//
//ipc:interface
type BlockTemplate interface {
	// Ref returns the block the template builds on.
	Ref(ctx context.Context) (BlockRef, error)
	// Next returns the template that follows this one.
	Next(ctx context.Context) (BlockTemplate, error)
}

// Miner makes templates.
//
//ipc:interface
type Miner interface {
	// Create returns a template that builds on tip.
	Create(ctx context.Context, tip BlockRef) (BlockTemplate, error)
}
