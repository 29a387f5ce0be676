// Package mining declares the interfaces an external process (a block
// template provider, a pool's job server, a Stratum v2 sidecar) uses to
// build and check blocks, modelled on Bitcoin Core's interfaces::Mining and
// interfaces::BlockTemplate: CreateNewBlock returns a live BlockTemplate
// object that the node holds until the caller releases it, and that can
// wait for a better template (WaitNext) and take the solved block
// (SubmitSolution).
//
// Memory is an in-memory Mining over a toy chain:
//
//	m := mining.NewMemory()
//	tmpl, _ := m.CreateNewBlock(ctx, mining.BlockCreateOptions{UseMempool: true})
//	header, _ := tmpl.GetBlockHeader(ctx)
//	ok, _ := tmpl.SubmitSolution(ctx, header.Version, header.Time, 42, nil) // even nonces win
//	next, _ := tmpl.WaitNext(ctx, mining.BlockWaitOptions{Timeout: time.Second})
package mining

//go:generate go run github.com/ifacegen/ifacegen/cmd/ifacegen .

import (
	"context"
	"time"
)

// Hash is a block or transaction hash.
type Hash [32]byte

// BlockRef identifies a block on the chain.
type BlockRef struct {
	Hash   Hash
	Height int32
}

// BlockCreateOptions controls how a new block template is assembled.
type BlockCreateOptions struct {
	// UseMempool fills the block from the mempool; false gives an empty block.
	UseMempool bool
	// BlockReservedWeight is weight kept free for the coinbase and extra data.
	BlockReservedWeight uint64
	// CoinbaseOutputMaxAdditionalSigops is the sigop budget of the coinbase.
	CoinbaseOutputMaxAdditionalSigops uint64
	// CoinbaseOutputScript pays the block reward; nil means a placeholder.
	CoinbaseOutputScript []byte
}

// BlockWaitOptions bounds how long to wait for a better template.
type BlockWaitOptions struct {
	Timeout time.Duration
	// FeeThreshold is the fee increase, in satoshis, worth a new template.
	FeeThreshold int64
}

// BlockCheckOptions selects the checks CheckBlock performs.
type BlockCheckOptions struct {
	CheckMerkleRoot bool
	CheckPow        bool
}

// BlockHeader is a block's header.
type BlockHeader struct {
	Version    uint32
	PrevBlock  Hash
	MerkleRoot Hash
	Time       uint32
	Bits       uint32
	Nonce      uint32
}

// Block is a block: its header and its serialized transactions, the
// coinbase first.
type Block struct {
	Header       BlockHeader
	Transactions [][]byte
}

// BlockTemplate is a candidate block on top of a tip, held by the node
// until the caller releases it. Its methods are safe for concurrent use.
//
//ipc:interface
type BlockTemplate interface {
	// GetBlockHeader returns the template's header; the miner varies its
	// Time and Nonce.
	GetBlockHeader(ctx context.Context) (BlockHeader, error)
	// GetBlock returns the whole block.
	GetBlock(ctx context.Context) (Block, error)
	// GetTxFees returns the fee of each transaction, coinbase excluded.
	GetTxFees(ctx context.Context) ([]int64, error)
	// GetTxSigops returns the signature operations of each transaction,
	// coinbase excluded.
	GetTxSigops(ctx context.Context) ([]int64, error)
	// GetCoinbaseTx returns the serialized coinbase transaction.
	GetCoinbaseTx(ctx context.Context) ([]byte, error)
	// GetCoinbaseCommitment returns the witness commitment output script,
	// empty if the block has none.
	GetCoinbaseCommitment(ctx context.Context) ([]byte, error)
	// GetWitnessCommitmentIndex returns the index of the witness
	// commitment output in the coinbase, or -1.
	GetWitnessCommitmentIndex(ctx context.Context) (int32, error)
	// GetCoinbaseMerklePath returns the hashes needed to recompute the
	// merkle root from the coinbase's hash.
	GetCoinbaseMerklePath(ctx context.Context) ([]Hash, error)
	// SubmitSolution submits the solved header fields and coinbase
	// (nil: the template's own); ok is false when the solution is
	// rejected, e.g. because the tip moved on.
	SubmitSolution(ctx context.Context, version uint32, timestamp uint32, nonce uint32, coinbase []byte) (ok bool, err error)
	// WaitNext waits until a template better than this one can be made
	// (the tip changed, or the fees rose by opts.FeeThreshold) and returns
	// it; nil when opts.Timeout passed first or the wait was interrupted.
	WaitNext(ctx context.Context, opts BlockWaitOptions) (BlockTemplate, error)
	// InterruptWait makes a WaitNext of this template return nil at once.
	InterruptWait()
}

// Mining lets an external process build and check blocks.
//
//ipc:interface
type Mining interface {
	// IsTestChain reports whether the node runs a test network.
	IsTestChain(ctx context.Context) (bool, error)
	// IsInitialBlockDownload reports whether the node is still catching up.
	IsInitialBlockDownload(ctx context.Context) (bool, error)
	// GetTip returns the best block, or nil before the genesis block is loaded.
	GetTip(ctx context.Context) (*BlockRef, error)
	// WaitTipChanged waits until the tip differs from currentTip or timeout
	// passes, and returns the tip then (nil if there is none).
	WaitTipChanged(ctx context.Context, currentTip Hash, timeout time.Duration) (*BlockRef, error)
	// CreateNewBlock assembles a block template on top of the current tip.
	// The caller owns the template and releases it when done.
	CreateNewBlock(ctx context.Context, opts BlockCreateOptions) (BlockTemplate, error)
	// CheckBlock validates a serialized block without submitting it.
	CheckBlock(ctx context.Context, block []byte, opts BlockCheckOptions) (reason, debug string, ok bool, err error)
	// Interrupt wakes every waiting call (WaitTipChanged, WaitNext) so
	// that it returns at once.
	Interrupt()
}
