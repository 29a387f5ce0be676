package wallet_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ifacegen/ifacegen/interfaces/chain"
	"github.com/ifacegen/ifacegen/interfaces/chain/chainipc"
	"github.com/ifacegen/ifacegen/interfaces/wallet"
	"github.com/ifacegen/ifacegen/interfaces/wallet/walletipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

// setup connects the pieces as the demo's processes do, over socket
// pairs: a node's chain served to a wallet loader, and the loader served
// to the test, which plays the node.
func setup(t *testing.T) (*chain.Memory, *walletipc.WalletLoaderClient) {
	t.Helper()
	c := chain.NewMemory()
	chainClient := chainipc.NewChainClient(ipctest.Pipe(t, chainipc.NewChainServer(c)))
	loader := walletipc.NewWalletLoaderClient(ipctest.Pipe(t, walletipc.NewWalletLoaderServer(wallet.NewLoader(chainClient))))
	t.Cleanup(loader.Release)
	return c, loader
}

// balances records what a BalanceChangedFn receives.
type balances struct {
	mu  sync.Mutex
	got []chain.Amount
}

func (b *balances) changed(_ context.Context, bs wallet.Balances) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.got = append(b.got, bs.Balance)
	return nil
}

func (b *balances) take() []chain.Amount {
	b.mu.Lock()
	defer b.mu.Unlock()
	got := b.got
	b.got = nil
	return got
}

func mine(t *testing.T, c *chain.Memory, address string) chain.BlockInfo {
	t.Helper()
	b, err := c.Mine(context.Background(), address)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	return b
}

// A wallet hears of blocks and its own payments through the chain's
// notifications, and its balance callback, registered from another
// process, is called with each new balance.
func TestBalanceUpdates(t *testing.T) {
	ctx := context.Background()
	c, loader := setup(t)
	w, warnings, err := loader.CreateWallet(ctx, "alice", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.(*walletipc.WalletClient).Release()
	if len(warnings) != 1 {
		t.Errorf("CreateWallet without a passphrase: warnings %q, want one", warnings)
	}
	var seen balances
	h, err := w.HandleBalanceChanged(ctx, seen.changed)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := w.GetNewAddress(ctx, "mining")
	if err != nil {
		t.Fatal(err)
	}
	mine(t, c, addr)
	mine(t, c, addr)
	mine(t, c, "someone else")
	if diff := cmp.Diff([]chain.Amount{50 * chain.Coin, 100 * chain.Coin}, seen.take()); diff != "" {
		t.Errorf("balances after two blocks (-want +got):\n%s", diff)
	}

	txid, err := w.SendToAddress(ctx, "bob", 10*chain.Coin)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	const fee = 141 // 1000 sat/kvB for one input and two outputs
	afterPayment := 90*chain.Coin - fee
	if diff := cmp.Diff([]chain.Amount{afterPayment}, seen.take()); diff != "" {
		t.Errorf("balances after the payment (-want +got):\n%s", diff)
	}
	wtx, err := w.GetWalletTx(ctx, txid)
	if err != nil || wtx == nil {
		t.Fatalf("GetWalletTx = %v, %v", wtx, err)
	}
	if wtx.BlockHeight != nil || wtx.Net() != -10*chain.Coin-fee {
		t.Errorf("the payment: height %v, net %v; want unconfirmed, -(10 BTC + fee)", wtx.BlockHeight, wtx.Net())
	}

	b := mine(t, c, "someone else")
	wtx, err = w.GetWalletTx(ctx, txid)
	if err != nil || wtx == nil || wtx.BlockHeight == nil || *wtx.BlockHeight != b.Height {
		t.Errorf("the payment after block %d: %+v, %v; want it confirmed there", b.Height, wtx, err)
	}
	if got := seen.take(); len(got) != 0 {
		t.Errorf("confirming the payment changed the balance: %v", got)
	}
	txs, err := w.GetWalletTxs(ctx)
	if err != nil || len(txs) != 3 {
		t.Errorf("GetWalletTxs = %d transactions, %v; want 3 (two coinbases, the payment)", len(txs), err)
	}
	bs, err := w.GetBalances(ctx)
	if err != nil || bs != (wallet.Balances{Balance: afterPayment}) {
		t.Errorf("GetBalances = %+v, %v; want %v", bs, err, afterPayment)
	}

	// After Disconnect the callback hears nothing more.
	if err := h.Disconnect(ctx); err != nil {
		t.Fatal(err)
	}
	mine(t, c, addr)
	if got := seen.take(); len(got) != 0 {
		t.Errorf("balance callback after Disconnect: %v", got)
	}
	if got, err := w.GetBalance(ctx); err != nil || got != afterPayment+50*chain.Coin {
		t.Errorf("GetBalance = %v, %v; want %v", got, err, afterPayment+50*chain.Coin)
	}
}

// Coins someone else pays the wallet are unconfirmed until a block
// confirms them.
func TestUnconfirmedIncoming(t *testing.T) {
	ctx := context.Background()
	c, loader := setup(t)
	alice, _, err := loader.CreateWallet(ctx, "alice", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	bob, _, err := loader.CreateWallet(ctx, "bob", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := alice.GetNewAddress(ctx, "")
	b, _ := bob.GetNewAddress(ctx, "")
	mine(t, c, a)
	if _, err := alice.SendToAddress(ctx, b, 5*chain.Coin); err != nil {
		t.Fatal(err)
	}
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if bs, err := bob.GetBalances(ctx); err != nil || bs != (wallet.Balances{UnconfirmedBalance: 5 * chain.Coin}) {
		t.Errorf("bob's balances before a block: %+v, %v; want 5 BTC unconfirmed", bs, err)
	}
	mine(t, c, "")
	if bs, err := bob.GetBalances(ctx); err != nil || bs != (wallet.Balances{Balance: 5 * chain.Coin}) {
		t.Errorf("bob's balances after a block: %+v, %v; want 5 BTC", bs, err)
	}
}

// A wallet removed and loaded again catches up with the blocks it missed;
// the loader's errors survive errors.Is across the process boundary.
func TestLoadCatchesUp(t *testing.T) {
	ctx := context.Background()
	c, loader := setup(t)
	w, _, err := loader.CreateWallet(ctx, "alice", "secret", 0)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := w.GetNewAddress(ctx, "")
	mine(t, c, addr)
	if _, _, err := loader.CreateWallet(ctx, "alice", "", 0); !errors.Is(err, wallet.ErrWalletExists) {
		t.Errorf("CreateWallet of an existing wallet: %v; want wallet.ErrWalletExists", err)
	}
	if err := w.Remove(ctx); err != nil {
		t.Fatal(err)
	}
	w.(*walletipc.WalletClient).Release()
	if ws, err := loader.GetWallets(ctx); err != nil || len(ws) != 0 {
		t.Errorf("GetWallets after Remove = %d wallets, %v; want none", len(ws), err)
	}
	mine(t, c, addr) // the unloaded wallet misses these
	mine(t, c, addr)
	if _, _, err := loader.LoadWallet(ctx, "bob"); !errors.Is(err, wallet.ErrWalletNotFound) {
		t.Errorf("LoadWallet of an unknown wallet: %v; want wallet.ErrWalletNotFound", err)
	}
	w, _, err = loader.LoadWallet(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	defer w.(*walletipc.WalletClient).Release()
	if got, err := w.GetBalance(ctx); err != nil || got != 150*chain.Coin {
		t.Errorf("GetBalance after loading = %v, %v; want 150 BTC", got, err)
	}
	names, err := loader.ListWalletDir(ctx)
	if err != nil || !cmp.Equal(names, []string{"alice"}) {
		t.Errorf("ListWalletDir = %q, %v; want [alice]", names, err)
	}
	ws, err := loader.GetWallets(ctx)
	if err != nil || len(ws) != 1 {
		t.Fatalf("GetWallets = %d wallets, %v; want 1", len(ws), err)
	}
	defer ws[0].(*walletipc.WalletClient).Release()
	if name, err := ws[0].GetWalletName(ctx); err != nil || name != "alice" {
		t.Errorf("GetWallets()[0].GetWalletName = %q, %v; want alice", name, err)
	}
}

// A payment beyond the balance fails with ErrInsufficientFunds on the
// caller's side.
func TestInsufficientFunds(t *testing.T) {
	ctx := context.Background()
	c, loader := setup(t)
	w, _, err := loader.CreateWallet(ctx, "alice", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.(*walletipc.WalletClient).Release()
	addr, _ := w.GetNewAddress(ctx, "")
	mine(t, c, addr)
	if _, err := w.SendToAddress(ctx, "bob", 50*chain.Coin); !errors.Is(err, wallet.ErrInsufficientFunds) {
		t.Errorf("paying the whole balance plus a fee: %v; want wallet.ErrInsufficientFunds", err)
	}
	tx, fee, err := w.CreateTransaction(ctx, []wallet.Recipient{{Address: "bob", Amount: 50 * chain.Coin, SubtractFeeFromAmount: true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(tx.Outputs) != 1 || tx.Outputs[0].Value != 50*chain.Coin-fee {
		t.Errorf("paying everything, fee subtracted: outputs %+v, fee %v", tx.Outputs, fee)
	}
}

// HandleLoadWallet's callback receives each wallet loaded later, as an
// object it can call.
func TestHandleLoadWallet(t *testing.T) {
	ctx := context.Background()
	_, loader := setup(t)
	var (
		mu    sync.Mutex
		names []string
	)
	h, err := loader.HandleLoadWallet(ctx, func(ctx context.Context, w wallet.Wallet) error {
		name, err := w.GetWalletName(ctx)
		mu.Lock()
		defer mu.Unlock()
		names = append(names, name)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer h.(*chainipc.HandlerClient).Release()
	for _, name := range []string{"alice", "bob"} {
		w, _, err := loader.CreateWallet(ctx, name, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		w.(*walletipc.WalletClient).Release()
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{"alice", "bob"}, names); diff != "" {
		t.Errorf("HandleLoadWallet saw (-want +got):\n%s", diff)
	}
}
