package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ifacegen/ifacegen/interfaces/chain"
	"github.com/ifacegen/ifacegen/interfaces/echo"
	procinit "github.com/ifacegen/ifacegen/interfaces/init"
	"github.com/ifacegen/ifacegen/interfaces/init/procinitipc"
	"github.com/ifacegen/ifacegen/interfaces/mining"
	"github.com/ifacegen/ifacegen/interfaces/wallet"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// What the node does at startup.
const (
	startBlocks   = 3               // blocks mined to the wallet
	paymentAmount = 10 * chain.Coin // the wallet's payment
	walletName    = "demo"
	// payee is the address the wallet pays: someone else's.
	payee = "bcrt1qpayee000000000000000000000000000"
	// startTimeout bounds starting the wallet process and each step of
	// the node's startup.
	startTimeout = 30 * time.Second
)

// nodeConfig is the node role's configuration.
type nodeConfig struct {
	bind    string // -ipcbind; empty: do not listen
	opts    ipc.Options
	dataDir string      // -datadir; empty: a temporary directory, removed at shutdown
	sandbox sandboxMode // -sandbox: how the wallet process is confined
}

// node is the node process: it owns the chain, a mining interface and the
// wallet process, and serves its Init to gui processes.
type node struct {
	out    printer
	opts   ipc.Options
	chain  *chain.Memory
	mining *mining.Memory

	dataDir   string // the node's own files (dataDir/node) and the wallet's (dataDir/wallets)
	removeDir bool   // dataDir is temporary: remove it at shutdown
	sandbox   sandboxMode

	proc       *ipc.Process
	walletInit *procinitipc.InitClient

	mu      sync.Mutex
	loader  wallet.WalletLoader // the wallet process's loader; nil once it is gone
	wallet  wallet.Wallet
	address string // the wallet's mining address
	ln      *ipc.Listener
}

// runNode runs the node role: start, listen if asked, and run until
// SIGINT or SIGTERM, then shut down cleanly.
func runNode(ctx context.Context, cfg nodeConfig) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	n, err := startNode(ctx, cfg)
	if err != nil {
		return err
	}
	if cfg.bind != "" {
		if err := n.listen(ctx, cfg.bind, cfg.bind); err != nil {
			n.shutdown()
			return err
		}
	}
	n.out.printf("ready; interrupt (Ctrl-C) to stop")
	<-ctx.Done()
	stop()
	n.out.printf("interrupted; shutting down")
	return n.shutdown()
}

// startNode starts a node: its data directory, its chain, the wallet
// process with wallet "demo", a few blocks paying the wallet, and a
// payment from it.
func startNode(ctx context.Context, cfg nodeConfig) (*node, error) {
	n := &node{out: printer{os.Stdout, "node"}, opts: cfg.opts, chain: chain.NewMemory(), mining: mining.NewMemory(), sandbox: cfg.sandbox}
	n.chain.OnInitMessage = func(m string) { n.out.printf("init message: %s", m) }
	if err := n.makeDataDir(cfg.dataDir); err != nil {
		return nil, err
	}
	if err := n.startWallet(ctx); err != nil {
		n.shutdown()
		return nil, err
	}
	if err := n.startBlocks(ctx); err != nil {
		n.shutdown()
		return nil, err
	}
	return n, nil
}

// startWallet spawns the wallet process, hands it the chain and creates
// the wallet.
func (n *node) startWallet(ctx context.Context) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	spawnCtx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	walletDir := filepath.Join(n.dataDir, "wallets")
	args := append([]string{"wallet", "-walletdir=" + walletDir}, debugArgs(n.opts)...)
	proc, boot, err := ipc.Spawn(spawnCtx, self, args, &ipc.SpawnOptions{Options: n.opts, Sandbox: n.sandbox.policy(walletDir)})
	if err != nil {
		if n.sandbox != sandboxOff {
			err = fmt.Errorf("%w\n(to run the demo here anyway: -sandbox=best-effort, or -sandbox=off)", err)
		}
		return fmt.Errorf("starting the wallet process: %w", err)
	}
	n.proc, n.walletInit = proc, procinitipc.NewInitClient(boot)
	n.out.printf("spawned the wallet process, %s", n.sandbox.describe())

	// The wallet gets a capability for the node's chain; it calls the
	// chain back (GetTip, HandleNotifications, InitMessage) from inside
	// the calls below.
	loader, err := n.walletInit.MakeWalletLoader(ctx, n.chain)
	if err != nil {
		return fmt.Errorf("MakeWalletLoader: %w", err)
	}
	w, _, err := loader.CreateWallet(ctx, walletName, "", 0)
	if err != nil {
		release(loader)
		return fmt.Errorf("CreateWallet: %w", err)
	}
	addr, err := w.GetNewAddress(ctx, "mining")
	if err != nil {
		release(w)
		release(loader)
		return fmt.Errorf("GetNewAddress: %w", err)
	}
	n.mu.Lock()
	n.loader, n.wallet, n.address = loader, w, addr
	n.mu.Unlock()
	n.out.printf("wallet %q ready; mining to its address %s", walletName, addr)
	return n.probeWallet(ctx)
}

// makeDataDir makes the node's data directory, dir or a temporary one,
// with the node's own file and the wallet process's directory in it.
func (n *node) makeDataDir(dir string) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "ifacegen-demo-node-")
		if err != nil {
			return err
		}
		dir, n.removeDir = tmp, true
	}
	n.dataDir = dir
	if err := os.MkdirAll(filepath.Join(dir, "wallets"), 0o700); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "node"), 0o700); err != nil {
		return err
	}
	return os.WriteFile(n.peersFile(), []byte("the node's peers: nothing for a wallet to read\n"), 0o600)
}

// peersFile is a file of the node's own, which the wallet has no
// business reading.
func (n *node) peersFile() string { return filepath.Join(n.dataDir, "node", "peers.dat") }

// probeWallet shows what the sandbox is for: it asks the wallet process
// to load a "wallet" at the path of a file of the node's (a wallet may be
// loaded by path, as in Bitcoin Core). The node reads the file itself;
// a sandboxed wallet may not.
func (n *node) probeWallet(ctx context.Context) error {
	if _, err := os.ReadFile(n.peersFile()); err != nil {
		return err
	}
	n.out.printf("asking the wallet to load the node's file …/node/peers.dat as a wallet")
	w, _, err := n.loader.LoadWallet(ctx, n.peersFile())
	switch {
	case err == nil:
		release(w)
		return errors.New("the wallet loaded the node's peers file as a wallet")
	case strings.Contains(err.Error(), "permission denied"):
		n.out.printf("the wallet may not read it: permission denied")
	case strings.Contains(err.Error(), errNotWalletFile.Error()):
		n.out.printf("the wallet read it (it is not sandboxed), but it is no wallet")
	default:
		return fmt.Errorf("LoadWallet(%s): %w", n.peersFile(), err)
	}
	return nil
}

// startBlocks mines blocks paying the wallet, has the wallet pay someone,
// and mines that payment.
func (n *node) startBlocks(ctx context.Context) error {
	for range startBlocks {
		if err := n.mine(ctx, n.address); err != nil {
			return err
		}
	}
	txid, err := n.wallet.SendToAddress(ctx, payee, paymentAmount)
	if err != nil {
		return fmt.Errorf("SendToAddress: %w", err)
	}
	if err := n.chain.Sync(ctx); err != nil {
		return err
	}
	inPool, _ := n.chain.IsInMempool(ctx, txid)
	n.out.printf("the wallet paid %v in transaction %.16s…; in the mempool: %v", paymentAmount, txid, inPool)
	return n.mine(ctx, n.address)
}

// mine mines a block paying address and waits until every listener has
// heard of it.
func (n *node) mine(ctx context.Context, address string) error {
	height, _, _ := n.chain.GetHeight(ctx)
	n.out.printf("mining block %d", height+1)
	if _, err := n.chain.Mine(ctx, address); err != nil {
		return err
	}
	return n.chain.Sync(ctx)
}

// listen serves the node's Init at bind (an -ipcbind value) to every
// connection; shown is how the node names bind in its output.
func (n *node) listen(ctx context.Context, bind, shown string) error {
	network, address, err := parseAddress("ipcbind", bind)
	if err != nil {
		return err
	}
	ln, err := ipc.Listen(ctx, network, address, func() *ipc.Capability {
		return procinitipc.NewInitServer(nodeInit{n})
	}, &ipc.ListenOptions{Options: n.opts})
	if err != nil {
		return err
	}
	n.mu.Lock()
	n.ln = ln
	n.mu.Unlock()
	if network == "tcp" {
		shown = "tcp:" + ln.Addr().String() // the port chosen for :0
	}
	n.out.printf("listening on %s", shown)
	return nil
}

// killWallet kills the wallet process as a crash would, and checks that
// the node notices: the process is gone and its proxies fail with
// ipc.ErrDisconnected.
func (n *node) killWallet(ctx context.Context) error {
	n.out.printf("killing the wallet process (SIGKILL)")
	if err := n.proc.Kill(); err != nil {
		return err
	}
	var ee *ipc.ExitError
	if err := n.proc.Wait(); !errors.As(err, &ee) {
		return fmt.Errorf("the wallet process ended with %v, want it killed", err)
	}
	n.out.printf("the wallet process is gone: %v", ee.State)
	_, err := n.wallet.GetBalance(ctx)
	if !errors.Is(err, ipc.ErrDisconnected) {
		return fmt.Errorf("GetBalance on the dead wallet: got %v, want ipc.ErrDisconnected", err)
	}
	n.out.printf("calls to the wallet now fail: %v", ipc.ErrDisconnected)
	n.dropWallet()
	return nil
}

// dropWallet releases the node's proxies of the wallet process.
func (n *node) dropWallet() {
	n.mu.Lock()
	w, loader := n.wallet, n.loader
	n.wallet, n.loader = nil, nil
	n.mu.Unlock()
	release(w)
	release(loader)
}

// shutdown stops listening, stops the wallet process (gracefully: it is
// asked to stop, then its Init is released and it exits) and checks how
// it ended.
func (n *node) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	var errs []error
	n.mu.Lock()
	ln, loader := n.ln, n.loader
	n.mu.Unlock()
	if ln != nil {
		errs = append(errs, ln.Shutdown(ctx))
	}
	if loader != nil {
		errs = append(errs, loader.Stop(ctx))
	}
	n.dropWallet()
	if n.walletInit != nil {
		n.walletInit.Release() // the wallet's cue to exit
	}
	if n.proc != nil {
		select {
		case <-n.proc.Done():
			// It had exited (or was killed) already.
		default:
			if err := n.proc.Close(ctx); err != nil {
				errs = append(errs, fmt.Errorf("the wallet process: %w", err))
			} else {
				n.out.printf("the wallet process exited cleanly")
			}
		}
	}
	errs = append(errs, n.chain.Sync(ctx))
	if n.removeDir {
		errs = append(errs, os.RemoveAll(n.dataDir))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	n.out.printf("shut down cleanly")
	return nil
}

// nodeInit is the node's procinit.Init, served to gui connections.
type nodeInit struct{ n *node }

// MakeEcho implements procinit.Init.
func (nodeInit) MakeEcho(context.Context) (echo.Echo, error) { return echo.Local{}, nil }

// MakeChain implements procinit.Init.
func (i nodeInit) MakeChain(context.Context) (chain.Chain, error) { return i.n.chain, nil }

// MakeMining implements procinit.Init.
func (i nodeInit) MakeMining(context.Context) (mining.Mining, error) { return i.n.mining, nil }

// MakeWalletLoader implements procinit.Init: it hands out the wallet
// process's loader, which has the node's chain already; c is not used.
func (i nodeInit) MakeWalletLoader(_ context.Context, c chain.Chain) (wallet.WalletLoader, error) {
	release(c)
	i.n.mu.Lock()
	defer i.n.mu.Unlock()
	if i.n.loader == nil {
		return nil, fmt.Errorf("the wallet process is not running: %w", procinit.ErrNotAvailable)
	}
	return i.n.loader, nil
}
