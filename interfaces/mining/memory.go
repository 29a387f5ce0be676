package mining

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"maps"
	"sync"
	"time"
)

// Memory is a Mining over a toy chain kept in memory: blocks are hashes of
// their parent and a counter, and AddBlock extends the chain. It is what
// the examples and tests serve. It is safe for concurrent use.
type Memory struct {
	TestChain bool

	mu      sync.Mutex
	tip     *BlockRef
	changed chan struct{} // closed and replaced when the tip changes or on Interrupt
	fees    map[int64]int64
}

// NewMemory returns a chain holding only a genesis block.
func NewMemory() *Memory {
	m := &Memory{TestChain: true, changed: make(chan struct{}), fees: map[int64]int64{1: 1200, 5: 40000, 20: 310000}}
	m.AddBlock()
	return m
}

// AddBlock appends a block to the chain and wakes waiting calls.
func (m *Memory) AddBlock() BlockRef {
	m.mu.Lock()
	defer m.mu.Unlock()
	next := BlockRef{}
	var prev Hash
	if m.tip != nil {
		prev, next.Height = m.tip.Hash, m.tip.Height+1
	}
	var buf [36]byte
	copy(buf[:], prev[:])
	binary.LittleEndian.PutUint32(buf[32:], uint32(next.Height))
	next.Hash = sha256.Sum256(buf[:])
	m.tip = &next
	m.wakeLocked()
	return next
}

func (m *Memory) wakeLocked() {
	close(m.changed)
	m.changed = make(chan struct{})
}

// IsTestChain implements Mining.
func (m *Memory) IsTestChain(context.Context) (bool, error) { return m.TestChain, nil }

// IsInitialBlockDownload implements Mining: a toy chain is always caught up.
func (m *Memory) IsInitialBlockDownload(context.Context) (bool, error) { return false, nil }

// GetTip implements Mining.
func (m *Memory) GetTip(context.Context) (*BlockRef, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tip == nil {
		return nil, nil
	}
	tip := *m.tip
	return &tip, nil
}

// WaitTipChanged implements Mining.
func (m *Memory) WaitTipChanged(ctx context.Context, currentTip Hash, timeout time.Duration) (*BlockRef, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		m.mu.Lock()
		tip, changed := m.tip, m.changed
		m.mu.Unlock()
		if tip != nil && tip.Hash != currentTip {
			t := *tip
			return &t, nil
		}
		select {
		case <-changed:
			// Re-check: a tip change or an Interrupt.
			m.mu.Lock()
			tip = m.tip
			m.mu.Unlock()
			if tip == nil || tip.Hash == currentTip {
				return m.GetTip(ctx) // interrupted
			}
		case <-timer.C:
			return m.GetTip(ctx)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// CreateNewBlock implements Mining.
func (m *Memory) CreateNewBlock(ctx context.Context, opts BlockCreateOptions) (*BlockTemplate, error) {
	tip, _ := m.GetTip(ctx)
	if tip == nil {
		return nil, errors.New("no tip to build on")
	}
	t := &BlockTemplate{
		Header:             append(append([]byte{}, tip.Hash[:]...), 0, 0, 0, 0),
		CoinbaseCommitment: opts.CoinbaseOutputScript,
	}
	if opts.UseMempool {
		for i := range 3 {
			t.Transactions = append(t.Transactions, []byte{byte(i), 0xAB})
			t.TxFees = append(t.TxFees, int64(1000*(i+1)))
			t.TxSigops = append(t.TxSigops, int64(4*(i+1)))
		}
	}
	t.MerklePath = []Hash{tip.Hash}
	return t, nil
}

// WaitNext implements Mining: it waits for the tip to move past prev.
func (m *Memory) WaitNext(ctx context.Context, prev Hash, fees int64, opts BlockWaitOptions) (*BlockTemplate, error) {
	tip, err := m.WaitTipChanged(ctx, prev, opts.Timeout)
	if err != nil || tip == nil || tip.Hash == prev {
		return nil, err
	}
	return m.CreateNewBlock(ctx, BlockCreateOptions{UseMempool: true})
}

// CheckBlock implements Mining: a block must be at least a header long.
func (m *Memory) CheckBlock(_ context.Context, block []byte, opts BlockCheckOptions) (reason, debug string, ok bool, err error) {
	if len(block) < 80 {
		return "bad-blk-length", "block is shorter than a header", false, nil
	}
	return "", "", true, nil
}

// SubmitSolution implements Mining: a solution is accepted when its nonce is
// even, and then extends the chain.
func (m *Memory) SubmitSolution(_ context.Context, version, timestamp, nonce uint32, coinbase []byte) (bool, error) {
	if nonce%2 != 0 {
		return false, nil
	}
	m.AddBlock()
	return true, nil
}

// GetMempoolFees implements Mining.
func (m *Memory) GetMempoolFees(context.Context) (map[int64]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.fees), nil
}

// Interrupt implements Mining.
func (m *Memory) Interrupt() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.wakeLocked()
}

var _ Mining = (*Memory)(nil)
