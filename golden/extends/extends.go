// Package extends is a golden case for embedded //ipc:interface types: the
// capnp interface extends the embedded ones, and the client proxy of the
// derived interface implements all of them.
package extends

import "context"

// Reader reads bytes.
//
//ipc:interface
type Reader interface {
	// Read returns up to n bytes; none at the end.
	Read(ctx context.Context, n int32) ([]byte, error)
}

// Stopper can be stopped.
//
//ipc:interface
type Stopper interface {
	// Stop stops it; later reads fail.
	Stop(ctx context.Context) error
}

// Stream is a Reader and a Stopper with a position.
//
//ipc:interface
type Stream interface {
	Reader
	Stopper
	// Position returns how many bytes were read.
	Position(ctx context.Context) (int64, error)
}

// Opener opens streams.
//
//ipc:interface
type Opener interface {
	// Open returns a stream of data.
	Open(ctx context.Context, data []byte) (Stream, error)
	// ReadAll reads r to its end.
	ReadAll(ctx context.Context, r Reader) ([]byte, error)
}
