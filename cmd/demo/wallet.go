package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/ifacegen/ifacegen/interfaces/chain"
	"github.com/ifacegen/ifacegen/interfaces/echo"
	procinit "github.com/ifacegen/ifacegen/interfaces/init"
	"github.com/ifacegen/ifacegen/interfaces/init/procinitipc"
	"github.com/ifacegen/ifacegen/interfaces/mining"
	"github.com/ifacegen/ifacegen/interfaces/wallet"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// runWallet runs the wallet process: it serves its Init to the node that
// spawned it until the node releases it.
func runWallet(opts ipc.Options) error {
	out := printer{os.Stdout, "wallet"}
	err := ipc.ServeSpawned(procinitipc.NewInitServer(walletInit{out}), &opts)
	if errors.Is(err, ipc.ErrNotSpawned) {
		return errors.New("the wallet process is started by the node (demo node); it cannot be run directly")
	}
	if err == nil {
		out.printf("the node released its Init; exiting")
	}
	return err
}

// walletInit is the wallet process's procinit.Init: it makes wallet
// loaders on the chain it is given, and has no chain or mining of its own.
type walletInit struct{ out printer }

// MakeEcho implements procinit.Init.
func (walletInit) MakeEcho(context.Context) (echo.Echo, error) { return echo.Local{}, nil }

// MakeChain implements procinit.Init.
func (walletInit) MakeChain(context.Context) (chain.Chain, error) {
	return nil, fmt.Errorf("the wallet process has no chain: %w", procinit.ErrNotAvailable)
}

// MakeMining implements procinit.Init.
func (walletInit) MakeMining(context.Context) (mining.Mining, error) {
	return nil, fmt.Errorf("the wallet process does not mine: %w", procinit.ErrNotAvailable)
}

// MakeWalletLoader implements procinit.Init: a loader on c that prints
// each wallet's balance whenever it changes.
func (i walletInit) MakeWalletLoader(ctx context.Context, c chain.Chain) (wallet.WalletLoader, error) {
	if c == nil {
		return nil, errors.New("MakeWalletLoader: the wallet needs the node's chain")
	}
	loader := wallet.NewLoader(c)
	loader.HandleLoadWallet(ctx, func(ctx context.Context, w wallet.Wallet) error {
		name, err := w.GetWalletName(ctx)
		if err != nil {
			return err
		}
		i.out.printf("loaded wallet %q", name)
		_, err = w.HandleBalanceChanged(ctx, func(_ context.Context, b wallet.Balances) error {
			if b.UnconfirmedBalance != 0 {
				i.out.printf("%q balance %v (unconfirmed %v)", name, b.Balance, b.UnconfirmedBalance)
			} else {
				i.out.printf("%q balance %v", name, b.Balance)
			}
			return nil
		})
		return err
	})
	return loader, nil
}
