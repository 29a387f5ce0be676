// Package procinit declares Init, the first capability each process of a
// multiprocess program offers to the process that started it or connected
// to it, modelled on Bitcoin Core's interfaces::Init: it hands out the
// process's other interfaces. The directory is interfaces/init, as in
// Bitcoin Core; the package is procinit ("process init") because a
// package named init cannot be imported by its name.
//
// A parent spawns a child and asks its Init for what it needs; releasing
// the Init is the parent's way of telling the child to shut down:
//
//	proc, boot, err := ipc.Spawn(ctx, exe, []string{"wallet"}, nil)
//	child := procinitipc.NewInitClient(boot)
//	loader, err := child.MakeWalletLoader(ctx, node) // hand the wallet the node's chain
//	...
//	loader.(*walletipc.WalletLoaderClient).Release()
//	child.Release() // the child's ServeSpawned returns; it exits 0
//	err = proc.Wait()
//
// A process implements only the methods that make sense for it; the others
// return an error wrapping ErrNotAvailable.
package procinit

//go:generate go run github.com/ifacegen/ifacegen/cmd/ifacegen .

import (
	"context"
	"errors"

	"github.com/ifacegen/ifacegen/interfaces/chain"
	"github.com/ifacegen/ifacegen/interfaces/echo"
	"github.com/ifacegen/ifacegen/interfaces/mining"
	"github.com/ifacegen/ifacegen/interfaces/wallet"
)

// ErrNotAvailable is the error of an Init method whose interface the
// process does not offer (a wallet process has no Chain of its own);
// errors.Is holds across processes too.
//
//ipc:error
var ErrNotAvailable = errors.New("not available in this process")

// Init hands out a process's interfaces. Each method returns a new object
// the caller owns and releases when done. Its methods are safe for
// concurrent use.
//
//ipc:interface
type Init interface {
	// MakeEcho returns an Echo, to check that the process answers.
	MakeEcho(ctx context.Context) (echo.Echo, error)
	// MakeChain returns the node's block chain.
	MakeChain(ctx context.Context) (chain.Chain, error)
	// MakeMining returns the node's block template provider.
	MakeMining(ctx context.Context) (mining.Mining, error)
	// MakeWalletLoader returns a wallet loader whose wallets use c. A
	// wallet process makes one on the chain it is given; a node hands out
	// the loader of the wallet process it runs, which already has the
	// node's chain, and ignores c (pass nil).
	MakeWalletLoader(ctx context.Context, c chain.Chain) (wallet.WalletLoader, error)
}
