// Package store is version 2 of the key-value interface of ../v1: see the
// package comment of ../ for what changed.
package store

//go:generate go run github.com/ifacegen/ifacegen/cmd/ifacegen .

import "context"

// Stats summarizes a store.
type Stats struct {
	// Evictions is new in version 2; a version 1 peer leaves it zero.
	Evictions int64
	Count     int64
	Bytes     int64
}

// Store keeps text values by key.
//
//ipc:interface id=0xc0a7e5b1d2f30411
type Store interface {
	// Stats describes the store.
	Stats(ctx context.Context) (Stats, error)
	// Keys lists the keys in order; new in version 2.
	Keys(ctx context.Context) ([]string, error)
	// Set sets key to value; version 1 called it Put, and its second
	// parameter value.
	//
	//ipc:method was=Put
	//ipc:param text was=value
	Set(ctx context.Context, key, text string) error
	// Get returns the value of key and whether it exists.
	Get(ctx context.Context, key string) (value string, ok bool, err error)
}
