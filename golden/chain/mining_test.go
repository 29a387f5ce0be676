package chain_test

import (
	"context"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ifacegen/ifacegen/golden/chain"
	"github.com/ifacegen/ifacegen/golden/chain/chainipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

// miner implements chain.Mining over a tip that tests advance.
type miner struct {
	mu      sync.Mutex
	height  uint32
	changed chan struct{}
	live    atomic.Int64 // templates not yet closed
}

func newMiner() *miner { return &miner{changed: make(chan struct{})} }

func (m *miner) advance() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.height++
	close(m.changed)
	m.changed = make(chan struct{})
}

func (m *miner) CreateNewBlock(_ context.Context, useMempool bool) (chain.BlockTemplate, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.templateLocked(useMempool), nil
}

func (m *miner) templateLocked(useMempool bool) *template {
	m.live.Add(1)
	t := &template{miner: m, height: m.height, changed: m.changed}
	if useMempool {
		t.fees = []int64{1000, 2000}
	}
	return t
}

// template implements chain.BlockTemplate and io.Closer.
type template struct {
	miner   *miner
	height  uint32
	fees    []int64
	changed <-chan struct{}
	closed  atomic.Bool
}

func (t *template) GetBlockHeader(context.Context) ([]byte, error) {
	return binary.LittleEndian.AppendUint32(nil, t.height), nil
}

func (t *template) GetTxFees(context.Context) ([]int64, error) { return t.fees, nil }

func (t *template) WaitNext(ctx context.Context, opts chain.BlockWaitOptions) (chain.BlockTemplate, error) {
	timer := time.NewTimer(opts.Timeout)
	defer timer.Stop()
	select {
	case <-t.changed:
		t.miner.mu.Lock()
		defer t.miner.mu.Unlock()
		return t.miner.templateLocked(true), nil
	case <-timer.C:
		return nil, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (t *template) Close() error {
	if !t.closed.Swap(true) {
		t.miner.live.Add(-1)
	}
	return nil
}

func TestBlockTemplateWaitNext(t *testing.T) {
	ctx := context.Background()
	m := newMiner()
	c := chainipc.NewMiningClient(ipctest.Pipe(t, chainipc.NewMiningServer(m)))
	defer c.Release()

	tmpl, err := c.CreateNewBlock(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if h, err := tmpl.GetBlockHeader(ctx); err != nil || binary.LittleEndian.Uint32(h) != 0 {
		t.Fatalf("GetBlockHeader = %x, %v; want height 0", h, err)
	}
	// No new tip: WaitNext times out with nil.
	next, err := tmpl.WaitNext(ctx, chain.BlockWaitOptions{Timeout: time.Millisecond})
	if err != nil || next != nil {
		t.Fatalf("WaitNext without a new tip = %v, %v; want nil, nil", next, err)
	}
	// A new tip while waiting: another live template.
	done := make(chan struct{})
	go func() {
		defer close(done)
		next, err = tmpl.WaitNext(ctx, chain.BlockWaitOptions{Timeout: time.Hour})
	}()
	m.advance()
	<-done
	if err != nil || next == nil {
		t.Fatalf("WaitNext after a new tip = %v, %v; want a template", next, err)
	}
	if h, err := next.GetBlockHeader(ctx); err != nil || binary.LittleEndian.Uint32(h) != 1 {
		t.Fatalf("next GetBlockHeader = %x, %v; want height 1", h, err)
	}
	if fees, err := next.GetTxFees(ctx); err != nil || len(fees) != 2 {
		t.Fatalf("next GetTxFees = %v, %v", fees, err)
	}
	tmpl.(*chainipc.BlockTemplateClient).Release()
	next.(*chainipc.BlockTemplateClient).Release()
	waitUntil(t, func() bool { return m.live.Load() == 0 })
}

// Thousands of templates created and released: the node closes every one.
func TestBlockTemplateCycles(t *testing.T) {
	ctx := context.Background()
	m := newMiner()
	c := chainipc.NewMiningClient(ipctest.Pipe(t, chainipc.NewMiningServer(m)))
	defer c.Release()
	for range 2000 {
		tmpl, err := c.CreateNewBlock(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		tmpl.(*chainipc.BlockTemplateClient).Release()
	}
	waitUntil(t, func() bool { return m.live.Load() == 0 })
}

// waitUntil polls cond; the test's deadline bounds it.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for !cond() {
		time.Sleep(time.Millisecond)
	}
}
