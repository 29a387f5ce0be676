// Package objects is a golden case for //ipc:interface types used as
// values: an interface result that is a live object, interface parameters
// (nil included), interfaces inside a struct, a slice and a map, and an
// object sent back to the process that serves it.
package objects

import "context"

// Counter is a remote object with state.
//
//ipc:interface
type Counter interface {
	// Add adds n and returns the new value.
	Add(ctx context.Context, n int64) (int64, error)
}

// Factory makes and inspects Counters.
//
//ipc:interface
type Factory interface {
	// NewCounter returns a new counter that starts at start.
	NewCounter(ctx context.Context, start int64) (Counter, error)
	// Same reports whether a and b are the same counter of this factory.
	Same(ctx context.Context, a, b Counter) (bool, error)
	// Echo returns c, which may be nil.
	Echo(ctx context.Context, c Counter) (Counter, error)
	// Sum adds 0 to every counter and returns the sum of their values; a
	// nil element counts 0.
	Sum(ctx context.Context, cs []Counter) (int64, error)
	// Swap returns b with Main and the counters of Named swapped around:
	// Main becomes Named["main"] and Named["main"] becomes Main.
	Swap(ctx context.Context, b Bundle) (Bundle, error)
}

// Bundle carries counters in a field, a map and a list.
type Bundle struct {
	Name  string
	Main  Counter
	Named map[string]Counter
	All   []Counter
}
