package chain

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// Subsidy is what a block's coinbase may pay on top of the block's fees.
const Subsidy = 50 * Coin

// genesisTime is the time stamp of the genesis block; every later block
// is ten minutes younger than its parent, so that hashes are reproducible.
const genesisTime = 1231006505

// Memory is a Chain kept in memory, with a mempool and a block producer:
// Mine makes a block from the mempool's transactions and a coinbase. It
// has no proof of work, no reorganisations and no coinbase maturity: a
// coinbase output can be spent in the next block.
//
// Events are queued and delivered to the registered Notifications in order,
// one at a time, by a goroutine that runs while the queue is not empty;
// Sync waits for the queue. Memory is safe for concurrent use; its zero
// value is not usable, call NewMemory.
type Memory struct {
	// OnInitMessage, if not nil, receives the messages of InitMessage. Set
	// it before the chain is shared.
	OnInitMessage func(message string)

	mu       sync.Mutex
	blocks   []BlockInfo // the active chain, by height
	byHash   map[Hash]int32
	utxos    map[OutPoint]TxOut
	mempool  []Transaction     // in order of arrival
	inPool   map[Hash]bool     // txids of mempool
	spending map[OutPoint]Hash // outputs spent by mempool transactions
	nextReg  uint64            // numbers registrations, in order
	regs     map[*registration]Notifications

	// The notification queue, guarded by mu.
	queue      []func(context.Context, Notifications) error
	delivering bool
	drained    chan struct{} // closed when the queue is empty and idle
	failures   []error       // delivery failures since the last Sync
}

// NewMemory returns a chain holding only a genesis block, whose coinbase
// pays to no one.
func NewMemory() *Memory {
	c := &Memory{
		byHash:   make(map[Hash]int32),
		utxos:    make(map[OutPoint]TxOut),
		inPool:   make(map[Hash]bool),
		spending: make(map[OutPoint]Hash),
		regs:     make(map[*registration]Notifications),
		drained:  make(chan struct{}),
	}
	close(c.drained)
	c.connectLocked(Transaction{Outputs: []TxOut{{Value: Subsidy}}})
	return c
}

// Mine makes a block on top of the tip holding every mempool transaction
// and a coinbase that pays the subsidy and the fees to address, connects
// it, and queues the notifications: each confirmed transaction's removal
// from the mempool, BlockConnected, UpdatedBlockTip. It returns the block
// without waiting for the listeners (see Sync).
func (c *Memory) Mine(ctx context.Context, address string) (BlockInfo, error) {
	if err := ctx.Err(); err != nil {
		return BlockInfo{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var fees Amount
	for _, tx := range c.mempool {
		fees += c.feeLocked(tx)
	}
	height := int32(len(c.blocks))
	coinbase := Transaction{Outputs: []TxOut{{Value: Subsidy + fees, Address: address}}, LockTime: uint32(height)}
	confirmed := c.mempool
	c.mempool = nil
	clear(c.inPool)
	clear(c.spending)
	block := c.connectLocked(coinbase, confirmed...)
	for _, tx := range confirmed {
		c.enqueueLocked(func(ctx context.Context, n Notifications) error {
			return n.TransactionRemovedFromMempool(ctx, tx, ReasonBlock)
		})
	}
	c.enqueueLocked(func(ctx context.Context, n Notifications) error { return n.BlockConnected(ctx, block) })
	c.enqueueLocked(func(ctx context.Context, n Notifications) error { return n.UpdatedBlockTip(ctx) })
	return block, nil
}

// connectLocked appends a block with coinbase and txs to the chain and
// updates the coins; it returns the block.
func (c *Memory) connectLocked(coinbase Transaction, txs ...Transaction) BlockInfo {
	b := BlockInfo{
		Height:       int32(len(c.blocks)),
		Time:         genesisTime + 600*int64(len(c.blocks)),
		Transactions: append([]Transaction{coinbase}, txs...),
	}
	if b.Height > 0 {
		b.PrevHash = c.blocks[b.Height-1].Hash
	}
	h := sha256.New()
	h.Write(b.PrevHash[:])
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], uint64(b.Time))
	h.Write(buf[:])
	for _, tx := range b.Transactions {
		id := tx.TxID()
		h.Write(id[:])
		for _, in := range tx.Inputs {
			delete(c.utxos, in)
		}
		for i, out := range tx.Outputs {
			c.utxos[OutPoint{TxID: id, Index: uint32(i)}] = out
		}
	}
	b.Hash = Hash(sha256.Sum256(h.Sum(nil)))
	c.blocks = append(c.blocks, b)
	c.byHash[b.Hash] = b.Height
	return b
}

// feeLocked returns what tx's inputs hold beyond its outputs; its inputs
// must be coins of the chain.
func (c *Memory) feeLocked(tx Transaction) Amount {
	var fee Amount
	for _, in := range tx.Inputs {
		fee += c.utxos[in].Value
	}
	for _, out := range tx.Outputs {
		fee -= out.Value
	}
	return fee
}

// Sync waits until every notification queued so far has been delivered,
// and returns the delivery failures since the previous Sync, joined; each
// failure names its listener and wraps the listener's error, so that
// errors.Is(err, ipc.ErrDisconnected) tells a listener whose process went
// away. A listener that failed has been dropped.
func (c *Memory) Sync(ctx context.Context) error {
	if err := c.waitDrained(ctx); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	err := errors.Join(c.failures...)
	c.failures = nil
	return err
}

// Listeners returns how many Notifications are registered.
func (c *Memory) Listeners() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.regs)
}

func (c *Memory) waitDrained(ctx context.Context) error {
	c.mu.Lock()
	drained := c.drained
	c.mu.Unlock()
	select {
	case <-drained:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// enqueueLocked queues a notification for every listener registered when
// it is delivered, and starts the delivering goroutine if it is idle.
func (c *Memory) enqueueLocked(event func(context.Context, Notifications) error) {
	c.queue = append(c.queue, event)
	if c.delivering {
		return
	}
	c.delivering = true
	c.drained = make(chan struct{})
	go c.deliver()
}

// deliver delivers queued events until the queue is empty. A listener
// whose call fails is dropped and the failure kept for Sync.
func (c *Memory) deliver() {
	ctx := context.Background()
	for {
		c.mu.Lock()
		if len(c.queue) == 0 {
			c.delivering = false
			close(c.drained)
			c.mu.Unlock()
			return
		}
		event := c.queue[0]
		c.queue = c.queue[1:]
		regs := c.sortedRegsLocked()
		c.mu.Unlock()
		for _, r := range regs {
			if err := event(ctx, r.listener); err != nil {
				if r.drop() { // not disconnected meanwhile: a real failure
					c.mu.Lock()
					c.failures = append(c.failures, fmt.Errorf("chain: listener %d dropped: %w", r.id, err))
					c.mu.Unlock()
				}
			}
		}
	}
}

// regListener is a registration and its listener, as delivery sees them.
type regListener struct {
	*registration
	listener Notifications
}

func (c *Memory) sortedRegsLocked() []regListener {
	regs := make([]regListener, 0, len(c.regs))
	for r, n := range c.regs {
		regs = append(regs, regListener{r, n})
	}
	slices.SortFunc(regs, func(a, b regListener) int { return int(a.id) - int(b.id) })
	return regs
}

// GetHeight implements Chain.
func (c *Memory) GetHeight(context.Context) (int32, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return int32(len(c.blocks)) - 1, len(c.blocks) > 0, nil
}

// GetBlockHash implements Chain.
func (c *Memory) GetBlockHash(_ context.Context, height int32) (Hash, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if height < 0 || int(height) >= len(c.blocks) {
		return Hash{}, fmt.Errorf("no block at height %d: %w", height, ErrUnknownBlock)
	}
	return c.blocks[height].Hash, nil
}

// GetTip implements Chain.
func (c *Memory) GetTip(context.Context) (*BlockRef, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.blocks) == 0 {
		return nil, nil
	}
	tip := c.blocks[len(c.blocks)-1]
	return &BlockRef{Hash: tip.Hash, Height: tip.Height}, nil
}

// HaveBlockOnDisk implements Chain: a Memory prunes nothing.
func (c *Memory) HaveBlockOnDisk(_ context.Context, height int32) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return height >= 0 && int(height) < len(c.blocks), nil
}

// FindBlock implements Chain.
func (c *Memory) FindBlock(_ context.Context, hash Hash) (*BlockInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	height, ok := c.byHash[hash]
	if !ok {
		return nil, nil
	}
	b := c.blocks[height]
	return &b, nil
}

// FindAncestorByHeight implements Chain.
func (c *Memory) FindAncestorByHeight(_ context.Context, blockHash Hash, ancestorHeight int32) (*BlockInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	height, ok := c.byHash[blockHash]
	if !ok || ancestorHeight < 0 || ancestorHeight > height {
		return nil, nil
	}
	b := c.blocks[ancestorHeight]
	return &b, nil
}

// IsInMempool implements Chain.
func (c *Memory) IsInMempool(_ context.Context, txid Hash) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.inPool[txid], nil
}

// BroadcastTransaction implements Chain. A transaction may spend outputs
// of the chain, not of other mempool transactions.
func (c *Memory) BroadcastTransaction(_ context.Context, tx Transaction, maxTxFee Amount, relay bool) (bool, string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := tx.TxID()
	switch {
	case tx.IsCoinbase():
		return false, "coinbase", nil
	case c.inPool[id]:
		return false, "txn-already-in-mempool", nil
	}
	for _, in := range tx.Inputs {
		if _, ok := c.utxos[in]; !ok {
			return false, "bad-txns-inputs-missingorspent", nil
		}
		if _, ok := c.spending[in]; ok {
			return false, "txn-mempool-conflict", nil
		}
	}
	fee := c.feeLocked(tx)
	switch {
	case fee < 0:
		return false, "bad-txns-in-belowout", nil
	case maxTxFee > 0 && fee > maxTxFee:
		return false, "max-fee-exceeded", nil
	}
	c.mempool = append(c.mempool, tx)
	c.inPool[id] = true
	for _, in := range tx.Inputs {
		c.spending[in] = id
	}
	c.enqueueLocked(func(ctx context.Context, n Notifications) error { return n.TransactionAddedToMempool(ctx, tx) })
	return true, "", nil
}

// EstimateSmartFee implements Chain: 1000 satoshis per 1000 virtual bytes
// for any target of two blocks or more, twice that for the next block.
func (c *Memory) EstimateSmartFee(_ context.Context, numBlocks int32, conservative bool) (Amount, int32, error) {
	if numBlocks < 2 {
		return 2000, 1, nil
	}
	return 1000, numBlocks, nil
}

// RelayMinFee implements Chain.
func (c *Memory) RelayMinFee(context.Context) (Amount, error) { return 1000, nil }

// IsInitialBlockDownload implements Chain: a Memory is always caught up.
func (c *Memory) IsInitialBlockDownload(context.Context) (bool, error) { return false, nil }

// InitMessage implements Chain: it passes message to OnInitMessage.
func (c *Memory) InitMessage(_ context.Context, message string) error {
	if c.OnInitMessage != nil {
		c.OnInitMessage(message)
	}
	return nil
}

// HandleNotifications implements Chain. The Handler it returns is an
// io.Closer, so that a remote Handler released without Disconnect (or
// lost with its connection) ends the registration too.
func (c *Memory) HandleNotifications(_ context.Context, n Notifications) (Handler, error) {
	if n == nil {
		return nil, errors.New("HandleNotifications: nil Notifications")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nextReg++
	r := &registration{chain: c, id: c.nextReg}
	c.regs[r] = n
	return r, nil
}

// WaitForNotificationsIfTipChanged implements Chain.
func (c *Memory) WaitForNotificationsIfTipChanged(ctx context.Context, oldTip Hash) error {
	c.mu.Lock()
	changed := c.blocks[len(c.blocks)-1].Hash != oldTip
	c.mu.Unlock()
	if !changed {
		return nil
	}
	return c.waitDrained(ctx)
}

// RequestMempoolTransactions implements Chain.
func (c *Memory) RequestMempoolTransactions(ctx context.Context, n Notifications) error {
	c.mu.Lock()
	txs := slices.Clone(c.mempool)
	c.mu.Unlock()
	for _, tx := range txs {
		if err := n.TransactionAddedToMempool(ctx, tx); err != nil {
			return err
		}
	}
	return nil
}

// registration is the Handler of one HandleNotifications call.
type registration struct {
	chain *Memory
	id    uint64
}

// Disconnect implements Handler.
func (r *registration) Disconnect(context.Context) error {
	r.drop()
	return nil
}

// Close disconnects; the generated server calls it once the last remote
// reference to the Handler is gone.
func (r *registration) Close() error {
	r.drop()
	return nil
}

// drop removes the registration and releases its listener if that is a
// client of another process. It reports whether the registration was
// still there.
func (r *registration) drop() bool {
	c := r.chain
	c.mu.Lock()
	n, ok := c.regs[r]
	delete(c.regs, r)
	c.mu.Unlock()
	if rel, isClient := n.(interface{ Release() }); ok && isClient {
		rel.Release()
	}
	return ok
}

var (
	_ Chain   = (*Memory)(nil)
	_ Handler = (*registration)(nil)
)
