// Package coreinit is Bitcoin Core's IPC bootstrap interface, Init, in Go
// (src/ipc/capnp/init.capnp, file @0xf2c5cfa319406aa6, as bitcoin-node
// v31 and later serve it on node.sock), in the libmultiprocess dialect:
// construct @0 (added by the dialect), makeEcho @1, the retired
// makeMiningOld2 @2 () -> () and makeMining @3. A Go client bootstraps it
// to reach Core's Mining interface (package coremining).
//
// Unlike coremining, this package is not checked against Core's file:
// ../shared/peers/ has no copy of init.capnp. The file ID, the interface
// name (hence its ID) and the ordinals are Core's as published; Echo is
// declared here with Core's shape (destroy @0, echo @1) but under this
// file, so its interface ID is not Core's — which no peer checks, as
// capabilities carry no type on the wire. Later Init methods (makeRpc @4,
// makeChain @5, …) are not declared: a client never needs them to reach
// Mining.
//
//ipc:package dialect=libmultiprocess id=0xf2c5cfa319406aa6
package coreinit

//go:generate go run github.com/ifacegen/ifacegen/cmd/ifacegen .

import (
	"context"

	"github.com/ifacegen/ifacegen/interfaces/coremining"
)

// Init is Core's interfaces::Init, the capability node.sock serves.
//
//ipc:interface
//ipc:retired name=makeMiningOld ordinal=2
type Init interface {
	// MakeEcho returns an Echo, for testing the connection.
	MakeEcho(ctx context.Context) (Echo, error)
	// MakeMining returns the node's Mining interface.
	//
	//ipc:method ordinal=3
	MakeMining(ctx context.Context) (coremining.Mining, error)
}

// Echo is Core's interfaces::Echo.
//
//ipc:interface
type Echo interface {
	// Destroy frees the Echo on the node.
	Destroy(ctx context.Context) error
	// Echo returns its argument.
	Echo(ctx context.Context, echo string) (string, error)
}
