// Package methods is a golden case for method shapes: several results,
// named and unnamed; a trailing error whose message reaches the caller;
// methods without results, without an error, without a context, and
// without anything at all; a panicking implementation.
package methods

import "context"

// Methods has one method of every shape.
//
//ipc:interface
type Methods interface {
	// Split returns the quotient and remainder of a divided by b, and
	// fails when b is zero.
	Split(ctx context.Context, a, b int64) (quotient, remainder int64, err error)

	// Check returns a verdict in several unnamed results.
	Check(ctx context.Context, block []byte) (string, string, bool, error)

	// Fail always fails with message.
	Fail(ctx context.Context, message string) error

	// Add adds n to a counter; it has no context and no error.
	Add(n int32)

	// Total returns the counter; it has no context and no error.
	Total() int64

	// Ping does nothing.
	Ping()

	// Panic panics with message in the implementation.
	Panic(ctx context.Context, message string) (int32, error)

	// Wait blocks until ctx is done and returns its error.
	Wait(ctx context.Context) error

	// Name uses parameter names that generated code uses for itself.
	Name(c, f, p, r, s, err, call, release, argErr, ipc, capnp string) (string, error)
}
