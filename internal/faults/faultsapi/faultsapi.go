// Package faultsapi declares the service the fault tests of internal/faults
// call across a process boundary while they break the connection: calls that
// complete at once (Add, Echo), calls that block in the implementation until
// the test lets them go (Hold, Held, Free), a func-typed callback the server
// calls once (Visit), an object the server returns (NewListener) and objects
// and callbacks it keeps (Keep), the serving process's own numbers (Stats),
// and ways for the server to go away (Exit, Hangup).
//
// The generated subpackage faultsapiipc is committed; regenerate it with
//
//	go run ./cmd/ifacegen ./internal/faults/...
package faultsapi

//go:generate go run github.com/ifacegen/ifacegen/cmd/ifacegen .

import "context"

// Service is what a fault test's child process serves.
//
//ipc:interface
type Service interface {
	// Add returns a + b.
	Add(ctx context.Context, a, b int64) (int64, error)
	// Echo returns data unchanged.
	Echo(ctx context.Context, data []byte) ([]byte, error)
	// Hold blocks until Free lets call id go, then returns id; if ctx
	// ends first, it returns ctx's error.
	Hold(ctx context.Context, id int64) (int64, error)
	// Held returns how many Hold calls are blocked in the implementation.
	Held(ctx context.Context) (int64, error)
	// Free lets every blocked Hold call whose id is below below return,
	// and returns how many it let go.
	Free(ctx context.Context, below int64) (int64, error)
	// Visit calls v once with n and returns what v returns.
	Visit(ctx context.Context, n int64, v Visitor) (int64, error)
	// NewListener returns a new Listener served by this process, whose
	// Notify returns n + 1.
	NewListener(ctx context.Context) (Listener, error)
	// Keep keeps l and v past the call: the serving process releases them
	// when its connection is gone, and reports how that went.
	Keep(ctx context.Context, l Listener, v Visitor) error
	// Stats returns numbers about the serving process, after a garbage
	// collection.
	Stats(ctx context.Context) (Stats, error)
	// Exit ends the serving process at once with status code; the call
	// gets no reply.
	Exit(ctx context.Context, code int64) error
	// Hangup closes the connection the call came on, after replying.
	Hangup(ctx context.Context) error
}

// Listener is an object passed both ways: the parent hands its own to Keep,
// and NewListener returns one the child serves.
//
//ipc:interface
type Listener interface {
	// Notify returns n + 1.
	Notify(ctx context.Context, n int64) (int64, error)
}

// Visitor is the callback Service.Visit calls; across processes it travels
// as a capability, and each call of it is a call back into the caller.
type Visitor func(ctx context.Context, n int64) (int64, error)

// Stats describes the serving process, measured after runtime.GC.
type Stats struct {
	Pid        int64 // os.Getpid()
	Goroutines int64 // runtime.NumGoroutine()
	HeapInuse  int64 // runtime.MemStats.HeapInuse, bytes
	HeapAlloc  int64 // runtime.MemStats.HeapAlloc, bytes: the live heap
	// PeakGoroutines is the most goroutines seen so far, sampled every
	// 10 ms (0 if the process does not sample).
	PeakGoroutines int64
}
