package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ifacegen/ifacegen/interfaces/chain"
	"github.com/ifacegen/ifacegen/interfaces/echo"
	procinit "github.com/ifacegen/ifacegen/interfaces/init"
	"github.com/ifacegen/ifacegen/interfaces/init/procinitipc"
	"github.com/ifacegen/ifacegen/interfaces/mining"
	"github.com/ifacegen/ifacegen/interfaces/wallet"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// runWallet runs the wallet process: it serves its Init to the node that
// spawned it until the node releases it, keeping wallet files in dir.
func runWallet(opts ipc.Options, dir string) error {
	out := printer{os.Stdout, "wallet"}
	if dir == "" && os.Getenv(ipc.SpawnFDEnv) != "" {
		return errors.New("-walletdir is required")
	}
	err := ipc.ServeSpawned(procinitipc.NewInitServer(walletInit{out, dir}), &opts)
	if errors.Is(err, ipc.ErrNotSpawned) {
		return errors.New("the wallet process is started by the node (demo node); it cannot be run directly")
	}
	if err == nil {
		out.printf("the node released its Init; exiting")
	}
	return err
}

// walletInit is the wallet process's procinit.Init: it makes wallet
// loaders on the chain it is given, which keep wallet files in dir, and
// has no chain or mining of its own.
type walletInit struct {
	out printer
	dir string
}

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
	loader := &fileLoader{Loader: wallet.NewLoader(c), dir: i.dir}
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

// fileLoader is the wallet process's loader: the in-memory loader, which
// also writes a file for each wallet it creates, and loads a wallet by
// path (as Bitcoin Core's loadwallet does) from such a file.
type fileLoader struct {
	*wallet.Loader
	dir string // where created wallets' files go
}

// errNotWalletFile is the error of loading a file that is not a wallet's.
var errNotWalletFile = errors.New("not a wallet file")

// walletFileHeader starts every wallet file; the wallet's name follows.
const walletFileHeader = "ifacegen demo wallet "

// CreateWallet implements wallet.WalletLoader: it creates the wallet and
// writes its file, dir/NAME.wallet.
func (l *fileLoader) CreateWallet(ctx context.Context, name, passphrase string, flags uint64) (wallet.Wallet, []string, error) {
	if name == "" || filepath.Base(name) != name {
		return nil, nil, fmt.Errorf("wallet name %q: want a plain name, not a path", name)
	}
	w, warnings, err := l.Loader.CreateWallet(ctx, name, passphrase, flags)
	if err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(filepath.Join(l.dir, name+".wallet"), []byte(walletFileHeader+name+"\n"), 0o600); err != nil {
		w.Remove(ctx)
		return nil, nil, err
	}
	return w, warnings, nil
}

// LoadWallet implements wallet.WalletLoader: name is a wallet's name, or
// the absolute path of a wallet file, which it reads for the name.
func (l *fileLoader) LoadWallet(ctx context.Context, name string) (wallet.Wallet, []string, error) {
	if filepath.IsAbs(name) {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, nil, err
		}
		walletName, ok := strings.CutPrefix(strings.TrimSpace(string(b)), walletFileHeader)
		if !ok {
			return nil, nil, fmt.Errorf("%s: %w", name, errNotWalletFile)
		}
		name = walletName
	}
	return l.Loader.LoadWallet(ctx, name)
}
