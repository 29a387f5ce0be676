package capnprpc

import "context"

// ServerFunc is a Server whose Dispatch is the function itself: a server
// that answers whatever it is asked, for tests and hand-written peers.
type ServerFunc func(ctx context.Context, call *Call) error

// Dispatch calls f.
func (f ServerFunc) Dispatch(ctx context.Context, call *Call) error { return f(ctx, call) }
