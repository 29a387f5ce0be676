// Package benchapi declares the small service every implementation in
// internal/bench carries between processes: a call with two small arguments
// and one small result (Add), a call that moves a payload both ways (Echo), and
// a call that calls back into the caller once (Visit).
// Its ifacegen output lives in benchapiipc; the other implementations (go-capnp
// by hand, gRPC, go-plugin, net/rpc, a raw socket) serve the same behaviour
// through their own client types, which also implement Bench.
package benchapi

//go:generate go run github.com/ifacegen/ifacegen/cmd/ifacegen .

import "context"

// Bench is the benchmarked service.
//
//ipc:interface
type Bench interface {
	// Add returns a + b.
	Add(ctx context.Context, a, b int64) (int64, error)
	// Echo returns data unchanged.
	Echo(ctx context.Context, data []byte) ([]byte, error)
	// Visit calls v once with n and returns what v returns.
	Visit(ctx context.Context, n int64, v Visitor) (int64, error)
}

// Visitor is the callback Bench.Visit calls; across processes it travels as
// a capability and each call of it is a call back into the caller's process.
type Visitor func(ctx context.Context, n int64) (int64, error)

// Local is the in-process implementation every server serves.
type Local struct{}

// Add returns a + b.
func (Local) Add(_ context.Context, a, b int64) (int64, error) { return a + b, nil }

// Echo returns data. The result aliases the argument; servers copy it into
// their reply.
func (Local) Echo(_ context.Context, data []byte) ([]byte, error) { return data, nil }

// Visit returns v(ctx, n).
func (Local) Visit(ctx context.Context, n int64, v Visitor) (int64, error) { return v(ctx, n) }
