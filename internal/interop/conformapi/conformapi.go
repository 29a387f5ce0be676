// Package conformapi is the interface the RPC engine's conformance test
// against Cap'n Proto's C++ implementation drives (internal/interop
// conform_test.go and cpp/conform.c++): a Pipe is an object whose methods
// return more Pipes, so that a caller can pipeline calls on answers it has
// not seen yet, receive promises that resolve later, send a Pipe of its own
// and get it back (which needs an embargo and a Disembargo), release Pipes
// and count them, and cancel a call in progress.
//
// The generated subpackage conformapiipc is committed; regenerate it with
//
//	go run ./cmd/ifacegen ./internal/interop/...
package conformapi

//go:generate go run github.com/ifacegen/ifacegen/cmd/ifacegen .

import "context"

// Pipe is served and called by both sides of the conformance test.
//
//ipc:interface
type Pipe interface {
	// Next returns a new Pipe one level deeper than this one. The server
	// may hold its answer for a while, so that calls pipelined on it
	// arrive first.
	Next(ctx context.Context) (Pipe, error)

	// Depth returns how deep this Pipe is: the bootstrap Pipe is 0.
	Depth(ctx context.Context) (int32, error)

	// Later returns a Pipe one level deeper through a promise that
	// resolves after the call returned (in C++: a capability made from a
	// promise; in Go: an ordinary capability).
	Later(ctx context.Context) (Pipe, error)

	// Reflect returns p, after holding its answer for a while.
	Reflect(ctx context.Context, p Pipe) (Pipe, error)

	// Record appends seq to this Pipe's log and returns the log's length.
	Record(ctx context.Context, seq int32) (int32, error)

	// Log returns the seqs Record appended, in the order the calls
	// arrived.
	Log(ctx context.Context) ([]int32, error)

	// Block returns once its call is cancelled (its context ends), and
	// counts that.
	Block(ctx context.Context) error

	// Blocking returns how many Block calls are running on the serving
	// side.
	Blocking(ctx context.Context) (int32, error)

	// Cancelled returns how many Block calls the serving side saw
	// cancelled.
	Cancelled(ctx context.Context) (int32, error)

	// Live returns how many Pipes the serving side has created (the
	// bootstrap one included) that are still referenced by anyone.
	Live(ctx context.Context) (int32, error)
}
