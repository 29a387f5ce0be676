// Package mining declares the interface an external process (a block
// template provider, a pool's job server) uses to build and check blocks,
// modelled on Bitcoin Core's interfaces::Mining.
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

// BlockTemplate is a candidate block for a miner to complete.
type BlockTemplate struct {
	Header       []byte
	Transactions [][]byte
	// TxFees and TxSigops are per transaction, coinbase excluded.
	TxFees   []int64
	TxSigops []int64
	// CoinbaseCommitment is the witness commitment output script, if any.
	CoinbaseCommitment []byte
	// MerklePath is the hashes needed to recompute the merkle root.
	MerklePath []Hash
	// Target is the proof-of-work target; nil before difficulty is known.
	Target *Hash
}

// Mining lets an external process build and check block templates.
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
	CreateNewBlock(ctx context.Context, opts BlockCreateOptions) (*BlockTemplate, error)
	// WaitNext waits for a template better than the one with the given
	// previous-block hash and total fees; nil when the wait timed out.
	WaitNext(ctx context.Context, prev Hash, fees int64, opts BlockWaitOptions) (*BlockTemplate, error)
	// CheckBlock validates a serialized block without submitting it.
	CheckBlock(ctx context.Context, block []byte, opts BlockCheckOptions) (reason, debug string, ok bool, err error)
	// SubmitSolution submits the solved header fields and coinbase of the
	// last template; ok is false when the solution is rejected.
	SubmitSolution(ctx context.Context, version uint32, timestamp uint32, nonce uint32, coinbase []byte) (ok bool, err error)
	// GetMempoolFees returns the total fees of the mempool's transactions by
	// fee-rate bucket (satoshis per virtual byte).
	GetMempoolFees(ctx context.Context) (map[int64]int64, error)
	// Interrupt wakes every waiting call so that it returns at once.
	Interrupt()
}
