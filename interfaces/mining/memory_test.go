package mining_test

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ifacegen/ifacegen/interfaces/mining"
	"github.com/ifacegen/ifacegen/interfaces/mining/miningipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

func serve(t *testing.T, m mining.Mining) *miningipc.MiningClient {
	t.Helper()
	client := miningipc.NewMiningClient(ipctest.Pipe(t, miningipc.NewMiningServer(m)))
	t.Cleanup(client.Release)
	return client
}

func newTemplate(t *testing.T, client *miningipc.MiningClient, opts mining.BlockCreateOptions) *miningipc.BlockTemplateClient {
	t.Helper()
	tmpl, err := client.CreateNewBlock(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := tmpl.(*miningipc.BlockTemplateClient)
	if !ok {
		t.Fatalf("CreateNewBlock returned a %T, want a *miningipc.BlockTemplateClient", tmpl)
	}
	t.Cleanup(c.Release)
	return c
}

func doubleSHA256(b []byte) mining.Hash {
	h := sha256.Sum256(b)
	return sha256.Sum256(h[:])
}

// CreateNewBlock returns a template object living in the serving process;
// its header builds on the tip and its merkle path proves the coinbase.
func TestBlockTemplate(t *testing.T) {
	ctx := context.Background()
	m := mining.NewMemory()
	client := serve(t, m)
	tip, err := client.GetTip(ctx)
	if err != nil || tip == nil {
		t.Fatalf("GetTip = %v, %v", tip, err)
	}
	tmpl := newTemplate(t, client, mining.BlockCreateOptions{UseMempool: true, CoinbaseOutputScript: []byte{0x51}})

	header, err := tmpl.GetBlockHeader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if header.PrevBlock != tip.Hash {
		t.Errorf("header.PrevBlock = %x, want the tip %x", header.PrevBlock, tip.Hash)
	}
	block, err := tmpl.GetBlock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(header, block.Header); diff != "" {
		t.Errorf("GetBlock's header differs from GetBlockHeader (-want +got):\n%s", diff)
	}
	coinbase, err := tmpl.GetCoinbaseTx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(block.Transactions) != 4 || !cmp.Equal(block.Transactions[0], coinbase) {
		t.Errorf("GetBlock: %d transactions, coinbase %x; want 4, the coinbase %x first", len(block.Transactions), block.Transactions[0], coinbase)
	}
	path, err := tmpl.GetCoinbaseMerklePath(ctx)
	if err != nil {
		t.Fatal(err)
	}
	root := doubleSHA256(coinbase)
	for _, h := range path {
		root = doubleSHA256(append(root[:], h[:]...))
	}
	if root != header.MerkleRoot {
		t.Errorf("the coinbase and its merkle path give root %x, want the header's %x", root, header.MerkleRoot)
	}
	fees, err := tmpl.GetTxFees(ctx)
	if err != nil || !cmp.Equal(fees, []int64{1000, 2000, 3000}) {
		t.Errorf("GetTxFees = %v, %v; want [1000 2000 3000]", fees, err)
	}
	sigops, err := tmpl.GetTxSigops(ctx)
	if err != nil || !cmp.Equal(sigops, []int64{4, 8, 12}) {
		t.Errorf("GetTxSigops = %v, %v; want [4 8 12]", sigops, err)
	}
	commitment, err := tmpl.GetCoinbaseCommitment(ctx)
	if err != nil || len(commitment) != 38 {
		t.Errorf("GetCoinbaseCommitment = %x, %v; want a 38-byte script", commitment, err)
	}
	if i, err := tmpl.GetWitnessCommitmentIndex(ctx); err != nil || i != 1 {
		t.Errorf("GetWitnessCommitmentIndex = %d, %v; want 1", i, err)
	}

	empty := newTemplate(t, client, mining.BlockCreateOptions{})
	if i, err := empty.GetWitnessCommitmentIndex(ctx); err != nil || i != -1 {
		t.Errorf("an empty block's GetWitnessCommitmentIndex = %d, %v; want -1", i, err)
	}
}

// SubmitSolution takes a good solution of a current template, which
// extends the chain and makes every other template of that tip stale.
func TestSubmitSolution(t *testing.T) {
	ctx := context.Background()
	client := serve(t, mining.NewMemory())
	a := newTemplate(t, client, mining.BlockCreateOptions{})
	b := newTemplate(t, client, mining.BlockCreateOptions{})
	header, err := a.GetBlockHeader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := a.SubmitSolution(ctx, header.Version, header.Time, 1, nil); err != nil || ok {
		t.Errorf("SubmitSolution with an odd nonce = %v, %v; want false", ok, err)
	}
	if ok, err := a.SubmitSolution(ctx, header.Version, header.Time, 2, nil); err != nil || !ok {
		t.Errorf("SubmitSolution with an even nonce = %v, %v; want true", ok, err)
	}
	if tip, err := client.GetTip(ctx); err != nil || tip.Height != 1 {
		t.Errorf("GetTip after the solution = %v, %v; want height 1", tip, err)
	}
	if ok, err := b.SubmitSolution(ctx, header.Version, header.Time, 2, nil); err != nil || ok {
		t.Errorf("SubmitSolution of a stale template = %v, %v; want false", ok, err)
	}
}

// WaitNext returns nil while the tip stays, a new template on the new tip
// once it moves, and nil at once after InterruptWait.
func TestWaitNext(t *testing.T) {
	ctx := context.Background()
	m := mining.NewMemory()
	client := serve(t, m)
	tmpl := newTemplate(t, client, mining.BlockCreateOptions{UseMempool: true})

	next, err := tmpl.WaitNext(ctx, mining.BlockWaitOptions{})
	if err != nil || next != nil {
		t.Fatalf("WaitNext without a new tip = %v, %v; want nil, nil", next, err)
	}

	// A wait for up to an hour, woken by a new block.
	done := make(chan mining.BlockTemplate, 1)
	go func() {
		next, err := tmpl.WaitNext(ctx, mining.BlockWaitOptions{Timeout: time.Hour})
		if err != nil {
			t.Error(err)
		}
		done <- next
	}()
	tip := m.AddBlock()
	next = <-done
	if next == nil {
		t.Fatal("WaitNext after a new block returned nil")
	}
	defer next.(*miningipc.BlockTemplateClient).Release()
	header, err := next.GetBlockHeader(ctx)
	if err != nil || header.PrevBlock != tip.Hash {
		t.Errorf("the next template builds on %x (%v); want the new tip %x", header.PrevBlock, err, tip.Hash)
	}

	// A wait for up to an hour, interrupted.
	waiting := newTemplate(t, client, mining.BlockCreateOptions{})
	go func() {
		next, err := waiting.WaitNext(ctx, mining.BlockWaitOptions{Timeout: time.Hour})
		if err != nil {
			t.Error(err)
		}
		done <- next
	}()
	waiting.InterruptWait()
	if next := <-done; next != nil {
		t.Errorf("WaitNext after InterruptWait = %v, want nil", next)
	}
}

// Interrupt wakes WaitTipChanged, which returns the unchanged tip.
func TestInterrupt(t *testing.T) {
	ctx := context.Background()
	m := mining.NewMemory()
	client := serve(t, m)
	tip, _ := client.GetTip(ctx)
	done := make(chan *mining.BlockRef, 1)
	go func() {
		got, err := client.WaitTipChanged(ctx, tip.Hash, time.Hour)
		if err != nil {
			t.Error(err)
		}
		done <- got
	}()
	// Interrupt until the waiting call returns: an Interrupt that comes
	// before the call waits would be lost.
	for {
		client.Interrupt()
		select {
		case got := <-done:
			if got == nil || *got != *tip {
				t.Errorf("WaitTipChanged after Interrupt = %v, want the tip %v", got, *tip)
			}
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
}
