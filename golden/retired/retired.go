// Package retired is a golden case for the placeholders the schema lock
// keeps for what was removed from the Go code: Store once had a method
// Delete, a parameter ttl of Put, a result found of Get, and Item had
// fields Version and Meta. Their ordinals stay retired in the schema;
// the server answers a call to the retired method with "unimplemented",
// and retired fields are never read or written.
package retired

import "context"

// Store keeps items by key.
//
//ipc:interface
type Store interface {
	// Get returns the item stored under key.
	Get(ctx context.Context, key string) (item Item, err error)

	// Put stores item under item.Key.
	Put(ctx context.Context, item Item) error

	// Count returns how many items are stored.
	Count(ctx context.Context) (n int64, err error)
}

// Item is a stored value.
type Item struct {
	Key   string
	Value []byte
}
