// Command mining-client drives Bitcoin Core's Mining interface over IPC
// the way a Stratum v2 template provider does: it connects to a
// bitcoin-node started with -ipcbind=unix (its <datadir>/node.sock),
// bootstraps Init (the runtime calls construct and makeThread), and runs
// makeMining, isTestChain, getTip, createNewBlock, getBlockHeader,
// waitNext with a timeout, and destroy on the templates, printing what
// it gets.
//
//	bitcoind -regtest -ipcbind=unix        # bitcoin-node v31 or later
//	mining-client -socket ~/.bitcoin/regtest/node.sock
//
// Flags:
//
//	-socket PATH     the node's IPC socket (default ~/.bitcoin/node.sock)
//	-wait DURATION   keep trying to connect this long (default: try once)
//	-timeout MS      waitNext's timeout in milliseconds (default 1000)
//	-cooldown        createNewBlock's cooldown (Core's default true: wait
//	                 while the node is still catching up)
//
// It exits 0 when every call succeeded, 1 when one failed (the error
// names the call), 2 on bad usage.
package main

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"time"

	"github.com/ifacegen/ifacegen/interfaces/coreinit/coreinitipc"
	"github.com/ifacegen/ifacegen/interfaces/coremining"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// config is what the flags say.
type config struct {
	socket   string
	wait     time.Duration
	timeout  float64 // milliseconds
	cooldown bool
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mining-client", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	home, _ := os.UserHomeDir()
	fs.StringVar(&cfg.socket, "socket", filepath.Join(home, ".bitcoin", "node.sock"), "the node's IPC socket (bitcoin-node -ipcbind=unix makes <datadir>/node.sock)")
	fs.DurationVar(&cfg.wait, "wait", 0, "keep trying to connect this long (0: try once)")
	fs.Float64Var(&cfg.timeout, "timeout", 1000, "waitNext's timeout in milliseconds")
	fs.BoolVar(&cfg.cooldown, "cooldown", true, "createNewBlock's cooldown: wait while the node is catching up")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "mining-client: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if cfg.timeout < 0 {
		fmt.Fprintln(stderr, "mining-client: -timeout must not be negative")
		return 2
	}
	if err := session(ctx, cfg, stdout); err != nil {
		fmt.Fprintln(stderr, "mining-client:", err)
		return 1
	}
	return 0
}

// dial connects to the node, retrying for cfg.wait.
func dial(ctx context.Context, cfg config) (*ipc.Conn, error) {
	opts := &ipc.DialOptions{Options: ipc.Options{Dialect: ipc.Libmultiprocess}}
	deadline := time.Now().Add(cfg.wait)
	for {
		conn, err := ipc.Dial(ctx, "unix", cfg.socket, opts)
		if err == nil {
			return conn, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("cannot connect to the node at %s: %w; start bitcoin-node with -ipcbind=unix, or pass -socket", cfg.socket, err)
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
		}
	}
}

// session runs the template provider's call sequence.
func session(ctx context.Context, cfg config, out io.Writer) error {
	conn, err := dial(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	fmt.Fprintf(out, "connected to %s\n", cfg.socket)

	init := coreinitipc.NewInitClient(conn.Bootstrap(ctx))
	defer init.Release()
	// The runtime sends construct and makeThread, pipelined, before this
	// first call on Init.
	mining, err := init.MakeMining(ctx)
	if err != nil {
		return fmt.Errorf("makeMining: %w", err)
	}
	defer release(mining)

	test, err := mining.IsTestChain(ctx)
	if err != nil {
		return fmt.Errorf("isTestChain: %w", err)
	}
	fmt.Fprintf(out, "isTestChain: %v\n", test)

	tip, err := mining.GetTip(ctx)
	if err != nil {
		return fmt.Errorf("getTip: %w", err)
	}
	if tip == nil {
		fmt.Fprintln(out, "tip: none")
	} else {
		fmt.Fprintf(out, "tip: height %d hash %s\n", tip.Height, displayHash(tip.Hash))
	}

	// Core's defaults, written out: a Go value is sent as it is.
	opts := coremining.BlockCreateOptions{UseMempool: true, BlockReservedWeight: 8000, CoinbaseOutputMaxAdditionalSigops: 400}
	tmpl, err := mining.CreateNewBlock(ctx, opts, cfg.cooldown)
	if err != nil {
		return fmt.Errorf("createNewBlock: %w", err)
	}
	if tmpl == nil {
		return errors.New("createNewBlock: the node returned no template (is it shutting down?)")
	}
	defer release(tmpl) // Release calls destroy first

	header, err := tmpl.GetBlockHeader(ctx)
	if err != nil {
		return fmt.Errorf("getBlockHeader: %w", err)
	}
	desc, err := describeHeader(header)
	if err != nil {
		return fmt.Errorf("getBlockHeader: %w", err)
	}
	fmt.Fprintf(out, "template header: %s\n", desc)

	next, err := tmpl.WaitNext(ctx, coremining.BlockWaitOptions{Timeout: cfg.timeout, FeeThreshold: 2_100_000_000_000_000})
	if err != nil {
		return fmt.Errorf("waitNext: %w", err)
	}
	if next == nil {
		fmt.Fprintf(out, "waitNext (timeout %gms): no new template\n", cfg.timeout)
	} else {
		h, err := next.GetBlockHeader(ctx)
		if err == nil {
			var d string
			if d, err = describeHeader(h); err == nil {
				fmt.Fprintf(out, "waitNext (timeout %gms): new template header: %s\n", cfg.timeout, d)
			}
		}
		release(next)
		if err != nil {
			return fmt.Errorf("getBlockHeader of the next template: %w", err)
		}
	}
	fmt.Fprintln(out, "destroying the templates; done")
	return nil
}

// release releases a client (a template's Release calls destroy first).
func release(v any) {
	if r, ok := v.(interface{ Release() }); ok {
		r.Release()
	}
}

// displayHash shows a hash in internal byte order the way Core's RPC does
// (reversed hex).
func displayHash(h []byte) string {
	r := slices.Clone(h)
	slices.Reverse(r)
	return hex.EncodeToString(r)
}

// describeHeader decodes an 80-byte block header (consensus
// serialization).
func describeHeader(h []byte) (string, error) {
	if len(h) != 80 {
		return "", fmt.Errorf("header is %d bytes, want 80", len(h))
	}
	le := binary.LittleEndian
	return fmt.Sprintf("version %#x prev %s time %d bits %#08x",
		le.Uint32(h[0:4]), displayHash(h[4:36]), le.Uint32(h[68:72]), le.Uint32(h[72:76])), nil
}
