// Package store is version 1 of a small key-value interface.
package store

//go:generate go run github.com/ifacegen/ifacegen/cmd/ifacegen .

import "context"

// Stats summarizes a store.
type Stats struct {
	Count int64
	Bytes int64
}

// Store keeps text values by key.
//
//ipc:interface id=0xc0a7e5b1d2f30411
type Store interface {
	// Get returns the value of key and whether it exists.
	Get(ctx context.Context, key string) (value string, ok bool, err error)
	// Put sets key to value.
	Put(ctx context.Context, key, value string) error
	// Delete removes key.
	Delete(ctx context.Context, key string) error
	// Stats describes the store.
	Stats(ctx context.Context) (Stats, error)
}
