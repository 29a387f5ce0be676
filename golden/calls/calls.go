// Package calls is a golden case for how calls behave: //ipc:error
// sentinels that survive the trip (errors.Is holds on the caller's side),
// calls on one object that run concurrently, bounded per connection, and
// cancellation that reaches the implementation.
package calls

import (
	"context"
	"errors"
)

// ErrNotReady is returned while the node is still starting.
//
//ipc:error
var ErrNotReady = errors.New("calls: not ready")

// ErrGone is returned once the node shut down.
//
//ipc:error
var ErrGone = errors.New("calls: gone")

// Calls is served by an implementation the tests control.
//
//ipc:interface
type Calls interface {
	// Enter runs until the implementation lets it return (or ctx is done).
	Enter(ctx context.Context, id int32) error
	// Fail returns the sentinel named by which ("not-ready", "gone"),
	// wrapped with context, or a plain error for anything else.
	Fail(ctx context.Context, which string) error
}
