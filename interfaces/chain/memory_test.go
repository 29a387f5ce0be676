package chain_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ifacegen/ifacegen/interfaces/chain"
	"github.com/ifacegen/ifacegen/interfaces/chain/chainipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

// recorder is a chain.Notifications that records the calls it gets, as
// text, and closes closed when the last remote reference to it is gone
// (the first time, if it is served more than once).
type recorder struct {
	mu        sync.Mutex
	events    []string
	fail      error // returned by every method when set
	closed    chan struct{}
	closeOnce sync.Once
}

func newRecorder() *recorder { return &recorder{closed: make(chan struct{})} }

func (r *recorder) add(format string, args ...any) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, fmt.Sprintf(format, args...))
	return r.fail
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.events
	r.events = nil
	return e
}

func (r *recorder) TransactionAddedToMempool(_ context.Context, tx chain.Transaction) error {
	return r.add("added %.8s", tx.TxID())
}

func (r *recorder) TransactionRemovedFromMempool(_ context.Context, tx chain.Transaction, reason chain.RemovalReason) error {
	return r.add("removed %.8s reason %d", tx.TxID(), reason)
}

func (r *recorder) BlockConnected(_ context.Context, b chain.BlockInfo) error {
	return r.add("connected %d %.8s txs %d", b.Height, b.Hash, len(b.Transactions))
}

func (r *recorder) BlockDisconnected(_ context.Context, b chain.BlockInfo) error {
	return r.add("disconnected %d", b.Height)
}

func (r *recorder) UpdatedBlockTip(context.Context) error { return r.add("tip") }

func (r *recorder) ChainStateFlushed(context.Context, []chain.Hash) error { return r.add("flushed") }

func (r *recorder) Close() error {
	r.closeOnce.Do(func() { close(r.closed) })
	return nil
}

// serve returns a client of c over a socket pair.
func serve(t *testing.T, c chain.Chain) *chainipc.ChainClient {
	t.Helper()
	client := chainipc.NewChainClient(ipctest.Pipe(t, chainipc.NewChainServer(c)))
	t.Cleanup(client.Release)
	return client
}

// Notifications registered through a proxy receive blocks and mempool
// transactions in order, after the calls that caused them, until the
// Handler is disconnected; then the chain releases the listener.
func TestNotifications(t *testing.T) {
	ctx := context.Background()
	c := chain.NewMemory()
	client := serve(t, c)
	rec := newRecorder()
	h, err := client.HandleNotifications(ctx, rec)
	if err != nil {
		t.Fatal(err)
	}
	defer h.(*chainipc.HandlerClient).Release()

	b1, err := c.Mine(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	pay := chain.Transaction{
		Inputs:  []chain.OutPoint{{TxID: b1.Transactions[0].TxID(), Index: 0}},
		Outputs: []chain.TxOut{{Value: 49 * chain.Coin, Address: "bob"}},
	}
	ok, reason, err := client.BroadcastTransaction(ctx, pay, chain.Coin, true)
	if err != nil || !ok {
		t.Fatalf("BroadcastTransaction = %v, %q, %v; want true", ok, reason, err)
	}
	if in, err := client.IsInMempool(ctx, pay.TxID()); err != nil || !in {
		t.Errorf("IsInMempool = %v, %v; want true", in, err)
	}
	b2, err := c.Mine(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{
		fmt.Sprintf("connected 1 %.8s txs 1", b1.Hash),
		"tip",
		fmt.Sprintf("added %.8s", pay.TxID()),
		fmt.Sprintf("removed %.8s reason %d", pay.TxID(), chain.ReasonBlock),
		fmt.Sprintf("connected 2 %.8s txs 2", b2.Hash),
		"tip",
	}
	if diff := cmp.Diff(want, rec.take()); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
	if got := b2.Transactions[0].Outputs[0].Value; got != chain.Subsidy+chain.Coin {
		t.Errorf("block 2's coinbase pays %v, want the subsidy and the 1 BTC fee", got)
	}

	if err := h.Disconnect(ctx); err != nil {
		t.Fatal(err)
	}
	<-rec.closed // the chain released the listener
	if _, err := c.Mine(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rec.take(); len(got) != 0 {
		t.Errorf("notifications after Disconnect: %q", got)
	}
	if n := c.Listeners(); n != 0 {
		t.Errorf("%d listeners after Disconnect, want 0", n)
	}
}

// Releasing the Handler without Disconnect ends the registration too.
func TestHandlerRelease(t *testing.T) {
	ctx := context.Background()
	c := chain.NewMemory()
	client := serve(t, c)
	rec := newRecorder()
	h, err := client.HandleNotifications(ctx, rec)
	if err != nil {
		t.Fatal(err)
	}
	h.(*chainipc.HandlerClient).Release()
	<-rec.closed // the registration ended and released the listener
	if n := c.Listeners(); n != 0 {
		t.Errorf("%d listeners after the Handler's release, want 0", n)
	}
}

// A listener whose notification fails is dropped, and Sync reports it.
func TestFailingListener(t *testing.T) {
	ctx := context.Background()
	c := chain.NewMemory()
	client := serve(t, c)
	rec := newRecorder()
	rec.fail = errors.New("listener broke")
	h, err := client.HandleNotifications(ctx, rec)
	if err != nil {
		t.Fatal(err)
	}
	defer h.(*chainipc.HandlerClient).Release()
	if _, err := c.Mine(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	err = c.Sync(ctx)
	if err == nil || err.Error() != "chain: listener 1 dropped: listener broke" {
		t.Errorf("Sync = %v; want the listener's failure", err)
	}
	if n := c.Listeners(); n != 0 {
		t.Errorf("%d listeners after a failure, want 0", n)
	}
	if got := rec.take(); len(got) != 1 {
		t.Errorf("the failing listener got %q, want one call", got)
	}
	if err := c.Sync(ctx); err != nil {
		t.Errorf("second Sync = %v, want nil: failures are reported once", err)
	}
}

// Queries answer through the proxy; an unknown height is ErrUnknownBlock
// on the caller's side too.
func TestQueries(t *testing.T) {
	ctx := context.Background()
	c := chain.NewMemory()
	var (
		mu       sync.Mutex // the race detector cannot see the order the socket imposes
		messages []string
	)
	c.OnInitMessage = func(m string) {
		mu.Lock()
		defer mu.Unlock()
		messages = append(messages, m)
	}
	client := serve(t, c)
	b1, _ := c.Mine(ctx, "alice")
	if h, ok, err := client.GetHeight(ctx); err != nil || !ok || h != 1 {
		t.Errorf("GetHeight = %d, %v, %v; want 1, true", h, ok, err)
	}
	if hash, err := client.GetBlockHash(ctx, 1); err != nil || hash != b1.Hash {
		t.Errorf("GetBlockHash(1) = %v, %v; want %v", hash, err, b1.Hash)
	}
	if _, err := client.GetBlockHash(ctx, 7); !errors.Is(err, chain.ErrUnknownBlock) {
		t.Errorf("GetBlockHash(7) error = %v; want chain.ErrUnknownBlock", err)
	}
	tip, err := client.GetTip(ctx)
	if err != nil || tip == nil || *tip != (chain.BlockRef{Hash: b1.Hash, Height: 1}) {
		t.Errorf("GetTip = %v, %v; want block 1", tip, err)
	}
	got, err := client.FindBlock(ctx, b1.Hash)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&b1, got); diff != "" {
		t.Errorf("FindBlock (-want +got):\n%s", diff)
	}
	if b, err := client.FindBlock(ctx, chain.Hash{1}); err != nil || b != nil {
		t.Errorf("FindBlock(unknown) = %v, %v; want nil, nil", b, err)
	}
	genesis, err := client.FindAncestorByHeight(ctx, b1.Hash, 0)
	if err != nil || genesis == nil || genesis.Hash != b1.PrevHash {
		t.Errorf("FindAncestorByHeight(0) = %v, %v; want the genesis block", genesis, err)
	}
	if fee, target, err := client.EstimateSmartFee(ctx, 6, false); err != nil || fee != 1000 || target != 6 {
		t.Errorf("EstimateSmartFee(6) = %v, %d, %v; want 1000, 6", fee, target, err)
	}
	if err := client.InitMessage(ctx, "Loading…"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{"Loading…"}, messages); diff != "" {
		t.Errorf("InitMessage (-want +got):\n%s", diff)
	}
}

// BroadcastTransaction refuses what the chain cannot accept, with Bitcoin
// Core's reasons.
func TestBroadcastRefusals(t *testing.T) {
	ctx := context.Background()
	c := chain.NewMemory()
	client := serve(t, c)
	b1, _ := c.Mine(ctx, "alice")
	coin := chain.OutPoint{TxID: b1.Transactions[0].TxID()}
	spend := func(value chain.Amount, lockTime uint32) chain.Transaction {
		return chain.Transaction{Inputs: []chain.OutPoint{coin}, Outputs: []chain.TxOut{{Value: value, Address: "bob"}}, LockTime: lockTime}
	}
	first := spend(chain.Subsidy-1000, 0)
	if ok, reason, err := client.BroadcastTransaction(ctx, first, 0, true); err != nil || !ok {
		t.Fatalf("BroadcastTransaction = %v, %q, %v; want true", ok, reason, err)
	}
	for _, tc := range []struct {
		name   string
		tx     chain.Transaction
		maxFee chain.Amount
		want   string
	}{
		{"coinbase", chain.Transaction{Outputs: []chain.TxOut{{Value: 1}}}, 0, "coinbase"},
		{"again", first, 0, "txn-already-in-mempool"},
		{"double spend", spend(1, 1), 0, "txn-mempool-conflict"},
		{"unknown input", chain.Transaction{Inputs: []chain.OutPoint{{Index: 9}}}, 0, "bad-txns-inputs-missingorspent"},
	} {
		ok, reason, err := client.BroadcastTransaction(ctx, tc.tx, tc.maxFee, true)
		if err != nil || ok || reason != tc.want {
			t.Errorf("%s: BroadcastTransaction = %v, %q, %v; want false, %q", tc.name, ok, reason, err, tc.want)
		}
	}
	c.Mine(ctx, "alice") // confirms first; block 2's coinbase is spendable
	b2, _ := c.FindAncestorByHeight(ctx, mustTip(t, c).Hash, 2)
	coin = chain.OutPoint{TxID: b2.Transactions[0].TxID()}
	for _, tc := range []struct {
		name   string
		tx     chain.Transaction
		maxFee chain.Amount
		want   string
	}{
		{"spent", first, 0, "bad-txns-inputs-missingorspent"},
		{"pays more than it spends", spend(b2.Transactions[0].Outputs[0].Value+1, 0), 0, "bad-txns-in-belowout"},
		{"fee above the maximum", spend(1, 0), chain.Coin, "max-fee-exceeded"},
	} {
		ok, reason, err := client.BroadcastTransaction(ctx, tc.tx, tc.maxFee, true)
		if err != nil || ok || reason != tc.want {
			t.Errorf("%s: BroadcastTransaction = %v, %q, %v; want false, %q", tc.name, ok, reason, err, tc.want)
		}
	}
}

func mustTip(t *testing.T, c chain.Chain) chain.BlockRef {
	t.Helper()
	tip, err := c.GetTip(context.Background())
	if err != nil || tip == nil {
		t.Fatalf("GetTip = %v, %v", tip, err)
	}
	return *tip
}

func TestAmountString(t *testing.T) {
	for a, want := range map[chain.Amount]string{
		0:                  "0.00000000 BTC",
		50 * chain.Coin:    "50.00000000 BTC",
		chain.Coin/10 + 41: "0.10000041 BTC",
		-chain.Coin - 1:    "-1.00000001 BTC",
	} {
		if got := a.String(); got != want {
			t.Errorf("Amount(%d).String() = %q, want %q", int64(a), got, want)
		}
	}
}

// RequestMempoolTransactions replays the mempool to a listener before it
// returns; WaitForNotificationsIfTipChanged returns once the listeners
// heard of the blocks after oldTip.
func TestMempoolReplayAndWait(t *testing.T) {
	ctx := context.Background()
	c := chain.NewMemory()
	client := serve(t, c)
	genesis := mustTip(t, c)
	b1, _ := c.Mine(ctx, "alice")
	pay := chain.Transaction{
		Inputs:  []chain.OutPoint{{TxID: b1.Transactions[0].TxID()}},
		Outputs: []chain.TxOut{{Value: chain.Coin, Address: "bob"}},
	}
	if ok, reason, err := client.BroadcastTransaction(ctx, pay, 0, false); err != nil || !ok {
		t.Fatalf("BroadcastTransaction = %v, %q, %v", ok, reason, err)
	}
	rec := newRecorder()
	if err := client.RequestMempoolTransactions(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{fmt.Sprintf("added %.8s", pay.TxID())}, rec.take()); diff != "" {
		t.Errorf("RequestMempoolTransactions (-want +got):\n%s", diff)
	}

	h, err := client.HandleNotifications(ctx, rec)
	if err != nil {
		t.Fatal(err)
	}
	defer h.(*chainipc.HandlerClient).Release()
	b2, _ := c.Mine(ctx, "alice")
	if err := client.WaitForNotificationsIfTipChanged(ctx, genesis.Hash); err != nil {
		t.Fatal(err)
	}
	want := []string{
		fmt.Sprintf("removed %.8s reason %d", pay.TxID(), chain.ReasonBlock),
		fmt.Sprintf("connected 2 %.8s txs 2", b2.Hash),
		"tip",
	}
	if diff := cmp.Diff(want, rec.take()); diff != "" {
		t.Errorf("notifications after WaitForNotificationsIfTipChanged (-want +got):\n%s", diff)
	}
	if err := client.WaitForNotificationsIfTipChanged(ctx, b2.Hash); err != nil {
		t.Errorf("WaitForNotificationsIfTipChanged(the tip) = %v", err)
	}
}
