// Package user is the second half of the golden case for types of another
// annotated package: its methods take and return package base's struct,
// enum and interface, in parameters, results, its own struct, a list and
// a map, so its schema imports base's.
package user

import (
	"context"

	"github.com/ifacegen/ifacegen/golden/crosspkg/base"
)

// Job pairs base's types with a name.
type Job struct {
	Name     string
	Tip      base.BlockRef
	Template base.BlockTemplate
	Kinds    []base.Kind
}

// Pool hands out and takes back base's objects.
//
//ipc:interface
type Pool interface {
	// Best returns the best of refs.
	Best(ctx context.Context, refs []base.BlockRef) (*base.BlockRef, error)
	// Submit takes a template and returns what it builds on.
	Submit(ctx context.Context, t base.BlockTemplate) (base.BlockRef, error)
	// Template returns a template for tip.
	Template(ctx context.Context, tip base.BlockRef) (base.BlockTemplate, error)
	// Swap returns job with its name reversed, and byName as it came.
	Swap(ctx context.Context, job Job, byName map[string]base.BlockRef) (Job, map[string]base.BlockRef, error)
	// Kind returns the kind of ref.
	Kind(ctx context.Context, ref base.BlockRef) (base.Kind, error)
}
