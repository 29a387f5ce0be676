package main

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/ifacegen/ifacegen/interfaces/chain"
	procinit "github.com/ifacegen/ifacegen/interfaces/init"
	"github.com/ifacegen/ifacegen/interfaces/init/procinitipc"
	"github.com/ifacegen/ifacegen/interfaces/mining"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

// The wallet process's Init makes loaders only; its other methods fail
// with procinit.ErrNotAvailable on the caller's side.
func TestWalletInit(t *testing.T) {
	ctx := context.Background()
	client := procinitipc.NewInitClient(ipctest.Pipe(t, procinitipc.NewInitServer(walletInit{printer{io.Discard, "wallet"}, t.TempDir()})))
	defer client.Release()
	if _, err := client.MakeChain(ctx); !errors.Is(err, procinit.ErrNotAvailable) {
		t.Errorf("MakeChain: %v; want procinit.ErrNotAvailable", err)
	}
	if _, err := client.MakeMining(ctx); !errors.Is(err, procinit.ErrNotAvailable) {
		t.Errorf("MakeMining: %v; want procinit.ErrNotAvailable", err)
	}
	if _, err := client.MakeWalletLoader(ctx, nil); err == nil {
		t.Error("MakeWalletLoader without a chain succeeded")
	}
	e, err := client.MakeEcho(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release(e)
	if got, err := e.Echo(ctx, "ping"); err != nil || got != "ping" {
		t.Errorf("Echo = %q, %v; want ping", got, err)
	}
	loader, err := client.MakeWalletLoader(ctx, chain.NewMemory())
	if err != nil {
		t.Fatal(err)
	}
	defer release(loader)
	if names, err := loader.ListWalletDir(ctx); err != nil || len(names) != 0 {
		t.Errorf("a new loader's ListWalletDir = %q, %v; want none", names, err)
	}
}

// The node's Init hands out its chain and mining, and no wallet loader
// once the wallet process is gone.
func TestNodeInit(t *testing.T) {
	ctx := context.Background()
	n := &node{chain: chain.NewMemory(), mining: mining.NewMemory()}
	client := procinitipc.NewInitClient(ipctest.Pipe(t, procinitipc.NewInitServer(nodeInit{n})))
	defer client.Release()
	ch, err := client.MakeChain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release(ch)
	if height, ok, err := ch.GetHeight(ctx); err != nil || !ok || height != 0 {
		t.Errorf("GetHeight = %d, %v, %v; want the genesis block", height, ok, err)
	}
	m, err := client.MakeMining(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release(m)
	if test, err := m.IsTestChain(ctx); err != nil || !test {
		t.Errorf("IsTestChain = %v, %v; want true", test, err)
	}
	if _, err := client.MakeWalletLoader(ctx, nil); !errors.Is(err, procinit.ErrNotAvailable) {
		t.Errorf("MakeWalletLoader without a wallet process: %v; want procinit.ErrNotAvailable", err)
	}
}
