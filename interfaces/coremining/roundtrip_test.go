package coremining_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"

	"capnproto.org/go/capnp/v3"

	"github.com/ifacegen/ifacegen/interfaces/coremining"
	"github.com/ifacegen/ifacegen/interfaces/coremining/coreminingipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

// node is an in-memory coremining.Mining for the tests: it records what
// reached it.
type node struct {
	mu        sync.Mutex
	tip       *coremining.BlockRef
	options   []coremining.BlockCreateOptions
	cooldowns []bool
	destroyed int
}

func (n *node) IsTestChain(context.Context) (bool, error)            { return true, nil }
func (n *node) IsInitialBlockDownload(context.Context) (bool, error) { return false, nil }
func (n *node) GetTip(context.Context) (*coremining.BlockRef, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.tip, nil
}
func (n *node) WaitTipChanged(_ context.Context, current []byte, timeout float64) (coremining.BlockRef, error) {
	return coremining.BlockRef{Hash: current, Height: int32(timeout)}, nil
}
func (n *node) CreateNewBlock(_ context.Context, o coremining.BlockCreateOptions, cooldown bool) (coremining.BlockTemplate, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.options = append(n.options, o)
	n.cooldowns = append(n.cooldowns, cooldown)
	return &template{n: n, height: 101}, nil
}
func (n *node) CheckBlock(context.Context, []byte, coremining.BlockCheckOptions) (string, string, bool, error) {
	return "bad-blk", "debug", false, nil
}
func (n *node) Interrupt(context.Context) error { return nil }
func (n *node) SubmitBlock(context.Context, []byte) (string, string, bool, error) {
	return "", "", true, nil
}
func (n *node) GetTransactionsByTxID(_ context.Context, ids [][]byte) ([][]byte, error) {
	return ids, nil
}
func (n *node) GetTransactionsByWitnessID(_ context.Context, ids [][]byte) ([][]byte, error) {
	return nil, errors.New("no witness index")
}

type template struct {
	coreminingipc.UnimplementedBlockTemplate
	n      *node
	height int
}

func (t *template) Destroy(context.Context) error {
	t.n.mu.Lock()
	defer t.n.mu.Unlock()
	t.n.destroyed++
	return nil
}
func (t *template) GetBlockHeader(context.Context) ([]byte, error) { return make([]byte, 80), nil }
func (t *template) WaitNext(_ context.Context, o coremining.BlockWaitOptions) (coremining.BlockTemplate, error) {
	if o.FeeThreshold > 0 {
		return nil, nil // the timeout passed without a better template
	}
	return &template{n: t.n, height: t.height + 1}, nil
}
func (t *template) SubmitSolution(_ context.Context, version, timestamp, nonce uint32, coinbase []byte) (string, string, bool, error) {
	return "", "", nonce == 42 && len(coinbase) > 0, nil
}

// TestRoundTrip runs a template provider's call sequence through the
// generated client and server over a socket: the Go-visible side of the
// dialect (has flags, defaults, pinned ordinals, noctx methods, a returned
// capability) works between Go peers.
func TestRoundTrip(t *testing.T) {
	n := &node{}
	ctx := t.Context()
	m := coreminingipc.NewMiningClient(ipctest.Pipe(t, coreminingipc.NewMiningServer(n)))
	defer m.Release()

	if test, err := m.IsTestChain(ctx); err != nil || !test {
		t.Fatalf("IsTestChain = %v, %v", test, err)
	}
	if tip, err := m.GetTip(ctx); err != nil || tip != nil {
		t.Fatalf("GetTip without a tip = %+v, %v; want nil", tip, err)
	}
	n.mu.Lock()
	n.tip = &coremining.BlockRef{Hash: bytes.Repeat([]byte{7}, 32), Height: 100}
	n.mu.Unlock()
	tip, err := m.GetTip(ctx)
	if err != nil || tip == nil || tip.Height != 100 || !bytes.Equal(tip.Hash, n.tip.Hash) {
		t.Fatalf("GetTip = %+v, %v; want height 100", tip, err)
	}
	if ref, err := m.WaitTipChanged(ctx, tip.Hash, 250); err != nil || ref.Height != 250 {
		t.Fatalf("WaitTipChanged = %+v, %v", ref, err)
	}

	// Go values are literal: zero options arrive as zero, not as Core's
	// defaults, and so does cooldown=false.
	tmpl, err := m.CreateNewBlock(ctx, coremining.BlockCreateOptions{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.CreateNewBlock(ctx, coremining.BlockCreateOptions{UseMempool: true, BlockReservedWeight: 8000}, true); err != nil {
		t.Fatal(err)
	}
	n.mu.Lock()
	gotOptions, gotCooldowns := n.options, n.cooldowns
	n.mu.Unlock()
	if gotOptions[0] != (coremining.BlockCreateOptions{}) || gotCooldowns[0] {
		t.Errorf("zero options arrived as %+v, cooldown %v", gotOptions[0], gotCooldowns[0])
	}
	if gotOptions[1] != (coremining.BlockCreateOptions{UseMempool: true, BlockReservedWeight: 8000}) || !gotCooldowns[1] {
		t.Errorf("options arrived as %+v, cooldown %v", gotOptions[1], gotCooldowns[1])
	}

	if h, err := tmpl.GetBlockHeader(ctx); err != nil || len(h) != 80 {
		t.Fatalf("GetBlockHeader = %d bytes, %v", len(h), err)
	}
	if _, err := tmpl.GetBlock(ctx); err == nil {
		t.Error("GetBlock of a server without it succeeded")
	}
	next, err := tmpl.WaitNext(ctx, coremining.BlockWaitOptions{Timeout: 10})
	if err != nil || next == nil {
		t.Fatalf("WaitNext = %v, %v", next, err)
	}
	if none, err := tmpl.WaitNext(ctx, coremining.BlockWaitOptions{Timeout: 10, FeeThreshold: 1}); err != nil || none != nil {
		t.Fatalf("WaitNext after a timeout = %v, %v; want nil", none, err)
	}
	if _, _, ok, err := tmpl.SubmitSolution(ctx, 4, 1700000000, 42, []byte{1}); err != nil || !ok {
		t.Fatalf("SubmitSolution = %v, %v", ok, err)
	}
	if err := tmpl.InterruptWait(ctx); err == nil {
		t.Error("InterruptWait of a server without it succeeded")
	}
	if err := m.Interrupt(ctx); err != nil {
		t.Fatal(err)
	}
	if reason, _, ok, err := m.CheckBlock(ctx, []byte{1}, coremining.BlockCheckOptions{}); err != nil || ok || reason != "bad-blk" {
		t.Fatalf("CheckBlock = %q, %v, %v", reason, ok, err)
	}
	if _, err := m.GetTransactionsByWitnessID(ctx, nil); err == nil || !bytes.Contains([]byte(err.Error()), []byte("no witness index")) {
		t.Fatalf("GetTransactionsByWitnessID error = %v", err)
	}
	if err := tmpl.Destroy(ctx); err != nil {
		t.Fatal(err)
	}
	n.mu.Lock()
	destroyed := n.destroyed
	n.mu.Unlock()
	if destroyed != 1 {
		t.Errorf("destroyed %d templates, want 1", destroyed)
	}
}

// TestDefaultsOnTheWire reads the encoding: Core's defaults are stored as
// zero bits (Cap'n Proto stores a value XOR its default), so a C++ reader
// with Core's schema sees what Go wrote.
func TestDefaultsOnTheWire(t *testing.T) {
	_, seg := capnp.NewSingleSegmentMessage(nil)
	o, err := coreminingipc.NewRootBlockCreateOptions(seg)
	if err != nil {
		t.Fatal(err)
	}
	o.SetUseMempool(true)
	o.SetBlockReservedWeight(8000)
	o.SetCoinbaseOutputMaxAdditionalSigops(400)
	raw := capnp.Struct(o)
	for word := range 3 {
		if v := raw.Uint64(capnp.DataOffset(8 * word)); v != 0 {
			t.Errorf("data word %d of Core's default options = %#x, want 0", word, v)
		}
	}
	o.SetUseMempool(false)
	if raw.Uint64(0)&1 != 1 {
		t.Errorf("useMempool=false is not stored as a set bit: %#x", raw.Uint64(0))
	}
}
