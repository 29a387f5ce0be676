package wallet

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/ifacegen/ifacegen/interfaces/chain"
)

// Fee and size rules of CreateTransaction.
const (
	// DustLimit is the smallest change output; less is left to the fee.
	DustLimit chain.Amount = 546
	// MaxTxFee is the highest fee CommitTransaction lets the chain accept.
	MaxTxFee chain.Amount = chain.Coin / 10
	// ConfirmTarget is the number of blocks CreateTransaction's fee aims
	// to confirm within.
	ConfirmTarget = 6
)

// Loader is an in-memory WalletLoader: the wallets it creates live in
// memory (in its "wallet directory") and survive being unloaded, not the
// process. Every loaded wallet listens to the chain the Loader was given.
// Its methods are safe for concurrent use.
//
// The Loader uses its chain until Stop. Stop, or Close (which the
// generated server calls once the last remote reference to the loader is
// gone), unloads every wallet and releases the chain if it is a client of
// another process.
type Loader struct {
	chain chain.Chain

	mu       sync.Mutex
	stored   map[string]*walletState // every wallet created, by name
	loaded   []*memWallet            // in the order they were loaded
	stopped  bool
	mockTime int64
	loadFns  callbacks[LoadWalletFn]
}

// NewLoader returns a loader whose wallets use c.
func NewLoader(c chain.Chain) *Loader {
	return &Loader{chain: c, stored: make(map[string]*walletState)}
}

// Verify implements ChainClient.
func (l *Loader) Verify(context.Context) (bool, error) { return true, nil }

// Load implements ChainClient: no wallet is loaded at startup.
func (l *Loader) Load(context.Context) (bool, error) { return true, nil }

// Start implements ChainClient.
func (l *Loader) Start(context.Context) error { return nil }

// Flush implements ChainClient: there is no disk to write to.
func (l *Loader) Flush(context.Context) error { return nil }

// SetMockTime implements ChainClient.
func (l *Loader) SetMockTime(_ context.Context, t int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.mockTime = t
	return nil
}

// Stop implements ChainClient.
func (l *Loader) Stop(ctx context.Context) error {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		return nil
	}
	l.stopped = true
	wallets := slices.Clone(l.loaded) // Remove edits l.loaded
	l.mu.Unlock()
	for _, w := range wallets {
		w.Remove(ctx)
	}
	if r, ok := l.chain.(interface{ Release() }); ok {
		r.Release()
	}
	return nil
}

// Close stops the loader.
func (l *Loader) Close() error { return l.Stop(context.Background()) }

// CreateWallet implements WalletLoader.
func (l *Loader) CreateWallet(ctx context.Context, name, passphrase string, flags uint64) (Wallet, []string, error) {
	l.mu.Lock()
	if err := l.usableLocked(); err != nil {
		l.mu.Unlock()
		return nil, nil, err
	}
	if _, ok := l.stored[name]; ok {
		l.mu.Unlock()
		return nil, nil, fmt.Errorf("wallet %q: %w", name, ErrWalletExists)
	}
	st := &walletState{name: name, mine: make(map[string]bool), txs: make(map[chain.Hash]*WalletTx), coins: make(map[chain.OutPoint]chain.TxOut), last: chain.BlockRef{Height: -1}}
	l.stored[name] = st
	l.mu.Unlock()
	var warnings []string
	if passphrase == "" {
		warnings = append(warnings, "Empty passphrase: the wallet is not encrypted.")
	}
	// A new wallet has no address anyone could have paid: it starts at
	// the tip instead of scanning the chain.
	tip, err := l.chain.GetTip(ctx)
	if err != nil {
		l.forget(name)
		return nil, nil, err
	}
	if tip != nil {
		st.last = *tip
	}
	w, err := l.load(ctx, st)
	if err != nil {
		l.forget(name)
		return nil, nil, err
	}
	return w, warnings, nil
}

// LoadWallet implements WalletLoader.
func (l *Loader) LoadWallet(ctx context.Context, name string) (Wallet, []string, error) {
	l.mu.Lock()
	st, ok := l.stored[name]
	err := l.usableLocked()
	l.mu.Unlock()
	switch {
	case err != nil:
		return nil, nil, err
	case !ok:
		return nil, nil, fmt.Errorf("wallet %q: %w", name, ErrWalletNotFound)
	}
	w, err := l.load(ctx, st)
	if err != nil {
		return nil, nil, err
	}
	return w, nil, nil
}

func (l *Loader) usableLocked() error {
	if l.stopped {
		return errors.New("the wallet loader is stopped")
	}
	return nil
}

// forget removes a wallet whose creation failed.
func (l *Loader) forget(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.stored, name)
}

// load loads st: it registers for chain notifications, catches up with
// the chain, and tells the HandleLoadWallet callbacks.
func (l *Loader) load(ctx context.Context, st *walletState) (*memWallet, error) {
	w := &memWallet{loader: l, st: st}
	l.mu.Lock()
	if slices.ContainsFunc(l.loaded, func(o *memWallet) bool { return o.st == st }) {
		l.mu.Unlock()
		return nil, fmt.Errorf("wallet %q is loaded: %w", st.name, ErrWalletExists)
	}
	l.loaded = append(l.loaded, w)
	l.mu.Unlock()
	if err := l.chain.InitMessage(ctx, fmt.Sprintf("Loading wallet %q…", st.name)); err != nil {
		w.Remove(ctx)
		return nil, err
	}
	h, err := l.chain.HandleNotifications(ctx, &listener{w})
	if err != nil {
		w.Remove(ctx)
		return nil, err
	}
	w.mu.Lock()
	w.handler = h
	w.mu.Unlock()
	// Catch up: connecting the tip scans every block since the last one
	// the wallet saw. Notifications that arrive meanwhile are skipped or
	// fill the same gap.
	tip, err := l.chain.GetTip(ctx)
	if err == nil && tip != nil {
		var b *chain.BlockInfo
		if b, err = l.chain.FindBlock(ctx, tip.Hash); err == nil && b != nil {
			err = w.blockConnected(ctx, *b)
		}
	}
	if err != nil {
		w.Remove(ctx)
		return nil, err
	}
	l.loadFns.call(func(fn LoadWalletFn) error { return fn(ctx, w) })
	return w, nil
}

// unload removes w from the loaded wallets.
func (l *Loader) unload(w *memWallet) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.loaded = slices.DeleteFunc(l.loaded, func(o *memWallet) bool { return o == w })
}

// GetWalletDir implements WalletLoader.
func (l *Loader) GetWalletDir(context.Context) (string, error) { return "(in memory)", nil }

// ListWalletDir implements WalletLoader.
func (l *Loader) ListWalletDir(context.Context) ([]string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	names := make([]string, 0, len(l.stored))
	for name := range l.stored {
		names = append(names, name)
	}
	slices.Sort(names)
	return names, nil
}

// GetWallets implements WalletLoader.
func (l *Loader) GetWallets(context.Context) ([]Wallet, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ws := make([]Wallet, len(l.loaded))
	for i, w := range l.loaded {
		ws[i] = w
	}
	return ws, nil
}

// HandleLoadWallet implements WalletLoader.
func (l *Loader) HandleLoadWallet(_ context.Context, fn LoadWalletFn) (chain.Handler, error) {
	return l.loadFns.add(fn), nil
}

// walletState is what a wallet keeps while it is not loaded: its keys,
// transactions and coins, and the last block it saw.
type walletState struct {
	name     string
	addrs    []AddressInfo
	mine     map[string]bool
	nextKey  uint32
	txs      map[chain.Hash]*WalletTx
	order    []chain.Hash // txs, oldest first
	coins    map[chain.OutPoint]chain.TxOut
	last     chain.BlockRef // height -1: none
	lastTime int64          // last's time stamp
}

// memWallet is a loaded wallet. mu guards st and the fields below it;
// scan serializes blockConnected, which calls the chain without mu.
type memWallet struct {
	loader *Loader
	st     *walletState
	scan   sync.Mutex

	mu      sync.Mutex
	handler chain.Handler // the chain registration; nil once removed
	removed bool

	balanceFns callbacks[BalanceChangedFn]
	txFns      callbacks[TransactionChangedFn]
}

// GetWalletName implements Wallet.
func (w *memWallet) GetWalletName(context.Context) (string, error) { return w.st.name, nil }

// GetNewAddress implements Wallet.
func (w *memWallet) GetNewAddress(_ context.Context, label string) (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.newAddressLocked(label, false), nil
}

// newAddressLocked derives the wallet's next address from its name and
// key counter: reproducible, and different for every wallet name.
func (w *memWallet) newAddressLocked(label string, change bool) string {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], w.st.nextKey)
	w.st.nextKey++
	sum := sha256.Sum256(append([]byte(w.st.name+"\x00"), n[:]...))
	addr := "bcrt1q" + hex.EncodeToString(sum[:16])
	w.st.addrs = append(w.st.addrs, AddressInfo{Address: addr, Label: label, IsChange: change})
	w.st.mine[addr] = true
	return addr
}

// GetAddresses implements Wallet.
func (w *memWallet) GetAddresses(context.Context) ([]AddressInfo, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.st.addrs), nil
}

// GetBalance implements Wallet.
func (w *memWallet) GetBalance(ctx context.Context) (chain.Amount, error) {
	b, err := w.GetBalances(ctx)
	return b.Balance, err
}

// GetBalances implements Wallet.
func (w *memWallet) GetBalances(context.Context) (Balances, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.balancesLocked(), nil
}

func (w *memWallet) balancesLocked() Balances {
	var b Balances
	for op, out := range w.st.coins {
		if w.trustedLocked(op.TxID) {
			b.Balance += out.Value
		} else {
			b.UnconfirmedBalance += out.Value
		}
	}
	return b
}

// trustedLocked reports whether the coins of wallet transaction txid are
// spendable: it is confirmed, or it is the wallet's own payment.
func (w *memWallet) trustedLocked(txid chain.Hash) bool {
	tx := w.st.txs[txid]
	return tx.BlockHeight != nil || tx.Debit > 0
}

// GetWalletTx implements Wallet.
func (w *memWallet) GetWalletTx(_ context.Context, txid chain.Hash) (*WalletTx, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	tx, ok := w.st.txs[txid]
	if !ok {
		return nil, nil
	}
	c := *tx
	return &c, nil
}

// GetWalletTxs implements Wallet.
func (w *memWallet) GetWalletTxs(context.Context) ([]WalletTx, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	txs := make([]WalletTx, len(w.st.order))
	for i, id := range w.st.order {
		txs[i] = *w.st.txs[id]
	}
	return txs, nil
}

// CreateTransaction implements Wallet. It spends trusted coins, largest
// first, and pays the fee the chain estimates for ConfirmTarget blocks.
func (w *memWallet) CreateTransaction(ctx context.Context, recipients []Recipient) (chain.Transaction, chain.Amount, error) {
	if len(recipients) == 0 {
		return chain.Transaction{}, 0, errors.New("CreateTransaction: no recipients")
	}
	var target chain.Amount
	subtract := -1
	for i, r := range recipients {
		if r.Amount <= 0 {
			return chain.Transaction{}, 0, fmt.Errorf("CreateTransaction: amount %v to %s is not positive", r.Amount, r.Address)
		}
		target += r.Amount
		if r.SubtractFeeFromAmount && subtract < 0 {
			subtract = i
		}
	}
	feeRate, _, err := w.loader.chain.EstimateSmartFee(ctx, ConfirmTarget, false)
	if err != nil {
		return chain.Transaction{}, 0, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.removed {
		return chain.Transaction{}, 0, errors.New("the wallet is unloaded")
	}
	type coin struct {
		op  chain.OutPoint
		out chain.TxOut
	}
	var coins []coin
	for op, out := range w.st.coins {
		if w.trustedLocked(op.TxID) {
			coins = append(coins, coin{op, out})
		}
	}
	slices.SortFunc(coins, func(a, b coin) int {
		return cmp.Or(cmp.Compare(b.out.Value, a.out.Value), slices.Compare(a.op.TxID[:], b.op.TxID[:]), cmp.Compare(a.op.Index, b.op.Index))
	})
	fee := func(inputs, outputs int) chain.Amount {
		vsize := chain.Amount(11 + 68*inputs + 31*outputs)
		return feeRate * vsize / 1000
	}
	tx := chain.Transaction{}
	for _, r := range recipients {
		tx.Outputs = append(tx.Outputs, chain.TxOut{Value: r.Amount, Address: r.Address})
	}
	var in chain.Amount
	for _, c := range coins {
		tx.Inputs = append(tx.Inputs, c.op)
		in += c.out.Value
		need := target
		if subtract < 0 {
			need += fee(len(tx.Inputs), len(tx.Outputs)+1)
		}
		if in >= need {
			break
		}
	}
	total := fee(len(tx.Inputs), len(tx.Outputs)+1)
	if subtract < 0 && in < target+total || in < target {
		return chain.Transaction{}, 0, fmt.Errorf("paying %v needs more than the balance %v: %w", target, in, ErrInsufficientFunds)
	}
	if subtract >= 0 {
		tx.Outputs[subtract].Value -= total
		if tx.Outputs[subtract].Value <= DustLimit {
			return chain.Transaction{}, 0, fmt.Errorf("the fee %v leaves nothing to pay %s", total, recipients[subtract].Address)
		}
		in -= target // the recipient pays the fee: the rest is change
	} else {
		in -= target + total
	}
	if in >= DustLimit {
		tx.Outputs = append(tx.Outputs, chain.TxOut{Value: in, Address: w.newAddressLocked("", true)})
	} else {
		total += in // dust is left to the fee
	}
	return tx, total, nil
}

// CommitTransaction implements Wallet.
func (w *memWallet) CommitTransaction(ctx context.Context, tx chain.Transaction) error {
	ok, reason, err := w.loader.chain.BroadcastTransaction(ctx, tx, MaxTxFee, true)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("the chain refused the transaction: %s", reason)
	}
	// The chain's TransactionAddedToMempool may have recorded it already;
	// recording is idempotent.
	w.record(ctx, func() []txChange { return w.addTxLocked(tx, nil, w.tipTimeLocked()) })
	return nil
}

// SendToAddress implements Wallet.
func (w *memWallet) SendToAddress(ctx context.Context, address string, amount chain.Amount) (chain.Hash, error) {
	tx, _, err := w.CreateTransaction(ctx, []Recipient{{Address: address, Amount: amount}})
	if err != nil {
		return chain.Hash{}, err
	}
	if err := w.CommitTransaction(ctx, tx); err != nil {
		return chain.Hash{}, err
	}
	return tx.TxID(), nil
}

// HandleBalanceChanged implements Wallet.
func (w *memWallet) HandleBalanceChanged(_ context.Context, fn BalanceChangedFn) (chain.Handler, error) {
	return w.balanceFns.add(fn), nil
}

// HandleTransactionChanged implements Wallet.
func (w *memWallet) HandleTransactionChanged(_ context.Context, fn TransactionChangedFn) (chain.Handler, error) {
	return w.txFns.add(fn), nil
}

// Remove implements Wallet.
func (w *memWallet) Remove(ctx context.Context) error {
	w.mu.Lock()
	h := w.handler
	w.handler, w.removed = nil, true
	w.mu.Unlock()
	w.loader.unload(w)
	if h == nil {
		return nil
	}
	err := h.Disconnect(ctx)
	if r, ok := h.(interface{ Release() }); ok {
		r.Release()
	}
	return err
}

// txChange is a wallet transaction that changed, and how.
type txChange struct {
	id     chain.Hash
	status ChangeType
}

// record runs apply under mu and then tells the callbacks what changed:
// the balance, if it did, and each changed transaction.
func (w *memWallet) record(ctx context.Context, apply func() []txChange) {
	w.mu.Lock()
	before := w.balancesLocked()
	changes := apply()
	after := w.balancesLocked()
	w.mu.Unlock()
	for _, c := range changes {
		w.txFns.call(func(fn TransactionChangedFn) error { return fn(ctx, c.id, c.status) })
	}
	if after != before {
		w.balanceFns.call(func(fn BalanceChangedFn) error { return fn(ctx, after) })
	}
}

// addTxLocked records tx if it pays the wallet or spends its coins, as
// confirmed at height (nil: unconfirmed). A transaction recorded before
// only has its confirmation updated.
func (w *memWallet) addTxLocked(tx chain.Transaction, height *int32, time int64) []txChange {
	id := tx.TxID()
	if wtx, ok := w.st.txs[id]; ok {
		if (wtx.BlockHeight == nil) == (height == nil) {
			return nil
		}
		wtx.BlockHeight = height
		return []txChange{{id, ChangeUpdated}}
	}
	var debit, credit chain.Amount
	for _, in := range tx.Inputs {
		if out, ok := w.st.coins[in]; ok {
			debit += out.Value
		}
	}
	for _, out := range tx.Outputs {
		if w.st.mine[out.Address] {
			credit += out.Value
		}
	}
	if debit == 0 && credit == 0 {
		return nil
	}
	for _, in := range tx.Inputs {
		delete(w.st.coins, in)
	}
	for i, out := range tx.Outputs {
		if w.st.mine[out.Address] {
			w.st.coins[chain.OutPoint{TxID: id, Index: uint32(i)}] = out
		}
	}
	w.st.txs[id] = &WalletTx{TxID: id, Tx: tx, Credit: credit, Debit: debit, BlockHeight: height, Time: time}
	w.st.order = append(w.st.order, id)
	return []txChange{{id, ChangeNew}}
}

// tipTimeLocked is the time stamp a mempool transaction is recorded with.
func (w *memWallet) tipTimeLocked() int64 {
	w.loader.mu.Lock()
	defer w.loader.mu.Unlock()
	if t := w.loader.mockTime; t != 0 {
		return t
	}
	return w.st.lastTime
}

// blockConnected records block's transactions. A block the wallet has seen
// is skipped; one beyond the next height first has the blocks between
// fetched from the chain and recorded.
func (w *memWallet) blockConnected(ctx context.Context, block chain.BlockInfo) error {
	w.scan.Lock()
	defer w.scan.Unlock()
	w.mu.Lock()
	last := w.st.last.Height
	w.mu.Unlock()
	if block.Height <= last {
		return nil
	}
	for h := last + 1; h < block.Height; h++ {
		hash, err := w.loader.chain.GetBlockHash(ctx, h)
		if err != nil {
			return err
		}
		missed, err := w.loader.chain.FindBlock(ctx, hash)
		if err != nil {
			return err
		}
		if missed == nil {
			return fmt.Errorf("the chain lost block %d (%s)", h, hash)
		}
		w.connect(ctx, *missed)
	}
	w.connect(ctx, block)
	return nil
}

func (w *memWallet) connect(ctx context.Context, b chain.BlockInfo) {
	w.record(ctx, func() []txChange {
		var changes []txChange
		for _, tx := range b.Transactions {
			height := b.Height
			changes = append(changes, w.addTxLocked(tx, &height, b.Time)...)
		}
		w.st.last = chain.BlockRef{Hash: b.Hash, Height: b.Height}
		w.st.lastTime = b.Time
		return changes
	})
}

// listener is a wallet's chain.Notifications.
type listener struct{ w *memWallet }

// TransactionAddedToMempool implements chain.Notifications.
func (l *listener) TransactionAddedToMempool(ctx context.Context, tx chain.Transaction) error {
	l.w.record(ctx, func() []txChange { return l.w.addTxLocked(tx, nil, l.w.tipTimeLocked()) })
	return nil
}

// TransactionRemovedFromMempool implements chain.Notifications: a
// transaction leaving the mempool stays in the wallet, unconfirmed, until
// a block confirms it.
func (l *listener) TransactionRemovedFromMempool(context.Context, chain.Transaction, chain.RemovalReason) error {
	return nil
}

// BlockConnected implements chain.Notifications.
func (l *listener) BlockConnected(ctx context.Context, block chain.BlockInfo) error {
	return l.w.blockConnected(ctx, block)
}

// BlockDisconnected implements chain.Notifications: the block's wallet
// transactions become unconfirmed.
func (l *listener) BlockDisconnected(ctx context.Context, block chain.BlockInfo) error {
	l.w.record(ctx, func() []txChange {
		var changes []txChange
		for _, tx := range block.Transactions {
			changes = append(changes, l.w.addTxLocked(tx, nil, block.Time)...)
		}
		l.w.st.last = chain.BlockRef{Hash: block.PrevHash, Height: block.Height - 1}
		return changes
	})
	return nil
}

// UpdatedBlockTip implements chain.Notifications.
func (l *listener) UpdatedBlockTip(context.Context) error { return nil }

// ChainStateFlushed implements chain.Notifications.
func (l *listener) ChainStateFlushed(context.Context, []chain.Hash) error { return nil }

// callbacks is a set of registered callbacks of type F, each ended by its
// Handler. Its methods are safe for concurrent use.
type callbacks[F any] struct {
	mu   sync.Mutex
	next uint64
	fns  map[uint64]F
}

// add registers fn and returns the Handler that ends the registration.
func (c *callbacks[F]) add(fn F) chain.Handler {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fns == nil {
		c.fns = make(map[uint64]F)
	}
	c.next++
	id := c.next
	c.fns[id] = fn
	return &callbackHandler{remove: func() { c.remove(id) }}
}

func (c *callbacks[F]) remove(id uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.fns, id)
}

// call calls each callback, in the order they were registered, through
// invoke; a callback that fails is dropped.
func (c *callbacks[F]) call(invoke func(F) error) {
	c.mu.Lock()
	ids := make([]uint64, 0, len(c.fns))
	for id := range c.fns {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	fns := make([]F, len(ids))
	for i, id := range ids {
		fns[i] = c.fns[id]
	}
	c.mu.Unlock()
	for i, fn := range fns {
		if err := invoke(fn); err != nil {
			c.remove(ids[i])
		}
	}
}

// callbackHandler is the Handler of one callback. It is an io.Closer, so
// that a remote Handler released without Disconnect ends the
// registration too.
type callbackHandler struct {
	once   sync.Once
	remove func()
}

// Disconnect implements chain.Handler.
func (h *callbackHandler) Disconnect(context.Context) error {
	h.once.Do(h.remove)
	return nil
}

// Close disconnects.
func (h *callbackHandler) Close() error { return h.Disconnect(context.Background()) }

var (
	_ WalletLoader        = (*Loader)(nil)
	_ Wallet              = (*memWallet)(nil)
	_ chain.Notifications = (*listener)(nil)
)
