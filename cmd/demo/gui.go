package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/ifacegen/ifacegen/interfaces/init/procinitipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// guiConfig is the gui role's configuration.
type guiConfig struct {
	connect string // -ipcconnect
	wait    bool   // -ipcwait
	opts    ipc.Options
}

// guiWait bounds how long -ipcwait waits for the node.
const guiWait = 30 * time.Second

// runGUI runs the gui role: connect to the node, query it, disconnect.
func runGUI(ctx context.Context, cfg guiConfig) error {
	out := printer{os.Stdout, "gui"}
	if cfg.connect == "" {
		return errors.New("-ipcconnect is required: the address of a node started with demo node -ipcbind=ADDRESS")
	}
	network, address, err := parseAddress("ipcconnect", cfg.connect)
	if err != nil {
		return err
	}
	conn, err := dialNode(ctx, network, address, cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	node := procinitipc.NewInitClient(conn.Bootstrap(ctx))
	defer node.Release()
	out.printf("connected to the node")

	ch, err := node.MakeChain(ctx)
	if err != nil {
		return fmt.Errorf("MakeChain: %w", err)
	}
	defer release(ch)
	tip, err := ch.GetTip(ctx)
	if err != nil {
		return fmt.Errorf("GetTip: %w", err)
	}
	if tip == nil {
		out.printf("the chain is empty")
	} else {
		out.printf("tip height %d, block %.16s…", tip.Height, tip.Hash)
	}

	loader, err := node.MakeWalletLoader(ctx, nil)
	if err != nil {
		return fmt.Errorf("MakeWalletLoader: %w", err)
	}
	defer release(loader)
	wallets, err := loader.GetWallets(ctx)
	if err != nil {
		return fmt.Errorf("GetWallets: %w", err)
	}
	out.printf("%d wallet(s) loaded", len(wallets))
	for _, w := range wallets {
		defer release(w)
		name, err := w.GetWalletName(ctx)
		if err != nil {
			return err
		}
		balance, err := w.GetBalance(ctx)
		if err != nil {
			return err
		}
		txs, err := w.GetWalletTxs(ctx)
		if err != nil {
			return err
		}
		out.printf("wallet %q: balance %v, %d transactions", name, balance, len(txs))
	}
	out.printf("disconnecting")
	return nil
}

// dialNode connects to the node; with -ipcwait it retries until the node
// listens or guiWait passes.
func dialNode(ctx context.Context, network, address string, cfg guiConfig) (*ipc.Conn, error) {
	opts := &ipc.DialOptions{Options: cfg.opts}
	if !cfg.wait {
		conn, err := ipc.Dial(ctx, network, address, opts)
		if err != nil {
			var op *net.OpError
			if errors.As(err, &op) {
				err = op.Err // the message below names the address already
			}
			return nil, fmt.Errorf("cannot connect to the node at %s: %v; start one with \"demo node -ipcbind=%s\", or pass -ipcwait to wait for it", cfg.connect, err, cfg.connect)
		}
		return conn, nil
	}
	ctx, cancel := context.WithTimeout(ctx, guiWait)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		conn, err := ipc.Dial(ctx, network, address, opts)
		if err == nil {
			return conn, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("no node listening at %s after %v: %w", cfg.connect, guiWait, err)
		case <-tick.C:
		}
	}
}
