package mining

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"sync"
	"time"
)

// Header fields of the templates Memory makes.
const (
	templateVersion = 0x20000000
	regtestBits     = 0x207fffff
	genesisTime     = 1231006505
)

// Memory is a Mining over a toy chain kept in memory: blocks are hashes of
// their parent and a counter, AddBlock extends the chain, and so does a
// template's accepted solution (any even nonce). Its mempool always holds
// the same three transactions, so fees never rise and only a tip change
// makes a better template. It is what the examples and tests serve. It is
// safe for concurrent use.
type Memory struct {
	TestChain bool

	mu      sync.Mutex
	tip     *BlockRef
	changed chan struct{} // closed and replaced when the tip changes or on Interrupt
}

// NewMemory returns a chain holding only a genesis block.
func NewMemory() *Memory {
	m := &Memory{TestChain: true, changed: make(chan struct{})}
	m.AddBlock()
	return m
}

// AddBlock appends a block to the chain and wakes waiting calls.
func (m *Memory) AddBlock() BlockRef {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.addBlockLocked()
}

func (m *Memory) addBlockLocked() BlockRef {
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
	tip, _, err := m.waitTip(ctx, currentTip, timeout, nil)
	return tip, err
}

// waitTip waits until the tip is not current, timeout passes, Interrupt
// is called or interrupt is closed, and returns the tip then and whether
// it changed.
func (m *Memory) waitTip(ctx context.Context, current Hash, timeout time.Duration, interrupt <-chan struct{}) (*BlockRef, bool, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	m.mu.Lock()
	tip, changed := m.tip, m.changed
	m.mu.Unlock()
	if tip != nil && tip.Hash != current {
		t := *tip
		return &t, true, nil
	}
	select {
	case <-changed: // a tip change or an Interrupt
	case <-interrupt:
	case <-timer.C:
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
	tip, err := m.GetTip(ctx)
	return tip, tip != nil && tip.Hash != current, err
}

// CreateNewBlock implements Mining.
func (m *Memory) CreateNewBlock(ctx context.Context, opts BlockCreateOptions) (BlockTemplate, error) {
	tip, _ := m.GetTip(ctx)
	if tip == nil {
		return nil, errors.New("no tip to build on")
	}
	return newTemplate(m, *tip, opts), nil
}

// CheckBlock implements Mining: a block must be at least a header long.
func (m *Memory) CheckBlock(_ context.Context, block []byte, opts BlockCheckOptions) (reason, debug string, ok bool, err error) {
	if len(block) < 80 {
		return "bad-blk-length", "block is shorter than a header", false, nil
	}
	return "", "", true, nil
}

// Interrupt implements Mining.
func (m *Memory) Interrupt() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.wakeLocked()
}

// template is a BlockTemplate of a Memory.
type template struct {
	m          *Memory
	opts       BlockCreateOptions
	tip        BlockRef
	block      Block
	fees       []int64
	sigops     []int64
	commitment []byte
	path       []Hash

	interruptOnce sync.Once
	interrupt     chan struct{}
}

// witnessCommitmentHeader starts a witness commitment output script:
// OP_RETURN, a 36-byte push, and the commitment's magic bytes.
var witnessCommitmentHeader = []byte{0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed}

func newTemplate(m *Memory, tip BlockRef, opts BlockCreateOptions) *template {
	t := &template{m: m, opts: opts, tip: tip, interrupt: make(chan struct{})}
	height := tip.Height + 1
	coinbase := binary.LittleEndian.AppendUint32(nil, uint32(height))
	coinbase = append(coinbase, opts.CoinbaseOutputScript...)
	t.block.Transactions = [][]byte{coinbase}
	if opts.UseMempool {
		for i := range 3 {
			t.block.Transactions = append(t.block.Transactions, []byte{byte(i), 0xAB})
			t.fees = append(t.fees, int64(1000*(i+1)))
			t.sigops = append(t.sigops, int64(4*(i+1)))
		}
	}
	hashes := make([]Hash, len(t.block.Transactions))
	for i, tx := range t.block.Transactions {
		hashes[i] = doubleSHA256(tx)
	}
	root, path := merkle(hashes)
	t.path = path
	if opts.UseMempool {
		c := sha256.Sum256(root[:])
		t.commitment = append(append([]byte{}, witnessCommitmentHeader...), c[:]...)
	}
	t.block.Header = BlockHeader{
		Version:    templateVersion,
		PrevBlock:  tip.Hash,
		MerkleRoot: root,
		Time:       uint32(genesisTime + 600*int64(height)),
		Bits:       regtestBits,
	}
	return t
}

func doubleSHA256(b []byte) Hash {
	h := sha256.Sum256(b)
	return sha256.Sum256(h[:])
}

// merkle returns the merkle root of hashes and the branch that proves the
// first hash (the coinbase's) under it.
func merkle(hashes []Hash) (root Hash, path []Hash) {
	level := hashes
	for len(level) > 1 {
		path = append(path, level[1])
		if len(level)%2 == 1 {
			level = append(level, level[len(level)-1])
		}
		next := make([]Hash, len(level)/2)
		for i := range next {
			next[i] = doubleSHA256(append(level[2*i][:], level[2*i+1][:]...))
		}
		level = next
	}
	return level[0], path
}

// GetBlockHeader implements BlockTemplate.
func (t *template) GetBlockHeader(context.Context) (BlockHeader, error) { return t.block.Header, nil }

// GetBlock implements BlockTemplate.
func (t *template) GetBlock(context.Context) (Block, error) { return t.block, nil }

// GetTxFees implements BlockTemplate.
func (t *template) GetTxFees(context.Context) ([]int64, error) { return t.fees, nil }

// GetTxSigops implements BlockTemplate.
func (t *template) GetTxSigops(context.Context) ([]int64, error) { return t.sigops, nil }

// GetCoinbaseTx implements BlockTemplate.
func (t *template) GetCoinbaseTx(context.Context) ([]byte, error) {
	return t.block.Transactions[0], nil
}

// GetCoinbaseCommitment implements BlockTemplate.
func (t *template) GetCoinbaseCommitment(context.Context) ([]byte, error) { return t.commitment, nil }

// GetWitnessCommitmentIndex implements BlockTemplate: the commitment, if
// any, follows the output paying the reward.
func (t *template) GetWitnessCommitmentIndex(context.Context) (int32, error) {
	if t.commitment == nil {
		return -1, nil
	}
	return 1, nil
}

// GetCoinbaseMerklePath implements BlockTemplate.
func (t *template) GetCoinbaseMerklePath(context.Context) ([]Hash, error) { return t.path, nil }

// SubmitSolution implements BlockTemplate: a solution is accepted when its
// nonce is even and the template still builds on the tip, and then
// extends the chain.
func (t *template) SubmitSolution(_ context.Context, version, timestamp, nonce uint32, coinbase []byte) (bool, error) {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	if nonce%2 != 0 || t.m.tip == nil || t.m.tip.Hash != t.tip.Hash {
		return false, nil
	}
	t.m.addBlockLocked()
	return true, nil
}

// WaitNext implements BlockTemplate.
func (t *template) WaitNext(ctx context.Context, opts BlockWaitOptions) (BlockTemplate, error) {
	tip, changed, err := t.m.waitTip(ctx, t.tip.Hash, opts.Timeout, t.interrupt)
	if err != nil || !changed {
		return nil, err
	}
	return newTemplate(t.m, *tip, t.opts), nil
}

// InterruptWait implements BlockTemplate.
func (t *template) InterruptWait() {
	t.interruptOnce.Do(func() { close(t.interrupt) })
}

var (
	_ Mining        = (*Memory)(nil)
	_ BlockTemplate = (*template)(nil)
)
