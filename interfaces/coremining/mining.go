// Package coremining is a Go rendition of Bitcoin Core's IPC Mining
// interface (src/ipc/capnp/mining.capnp and common.capnp, the v32-era copy
// in ../shared/peers/bitcoin-core-ipc/), in the libmultiprocess dialect: its
// generated schema is wire-identical to Core's — the same file, interface
// and struct IDs, ordinals, field offsets and types, and defaults — which
// TestConformsToCore checks with ifacegen -conform. A Go client built on it
// can drive bitcoin-node -ipcbind=unix (node.sock) like Stratum v2 template
// providers do, and a Go server can stand in for the node in tests.
//
// Conventions of the wire, as Core documents them: Data fields hold
// Bitcoin's consensus serialization; hashes are 32 bytes in internal byte
// order; timeouts are float64 milliseconds.
//
// The package interfaces/mining stays ifacegen's own, idiomatic Mining API;
// this one follows Core's schema method for method.
//
//ipc:package dialect=libmultiprocess id=0xc77d03df6a41b505
package coremining

//go:generate go run github.com/ifacegen/ifacegen/cmd/ifacegen .

import "context"

// Mining is Core's interfaces::Mining.
//
//ipc:interface
type Mining interface {
	// IsTestChain reports whether the node runs a test chain.
	IsTestChain(ctx context.Context) (bool, error)
	// IsInitialBlockDownload reports whether the node is still syncing.
	IsInitialBlockDownload(ctx context.Context) (bool, error)
	// GetTip returns the tip, or nil when there is none yet.
	GetTip(ctx context.Context) (*BlockRef, error)
	// WaitTipChanged waits until the tip is no longer currentTip, or the
	// timeout (milliseconds) passes, and returns the tip.
	//
	//ipc:param timeout default=1.7976931348623157e308
	WaitTipChanged(ctx context.Context, currentTip []byte, timeout float64) (BlockRef, error)
	// CreateNewBlock returns a new block template.
	//
	//ipc:param cooldown default=true
	CreateNewBlock(ctx context.Context, options BlockCreateOptions, cooldown bool) (BlockTemplate, error)
	// CheckBlock checks a block; result false comes with the reason.
	CheckBlock(ctx context.Context, block []byte, options BlockCheckOptions) (reason, debug string, result bool, err error)
	// Interrupt makes pending waits return; it runs on the node's event loop.
	//
	//ipc:method noctx
	Interrupt(ctx context.Context) error
	// SubmitBlock submits a full block (consensus serialization).
	SubmitBlock(ctx context.Context, block []byte) (reason, debug string, result bool, err error)
	// GetTransactionsByTxID returns the transactions of the mempool with
	// these txids (empty entries for unknown ones).
	GetTransactionsByTxID(ctx context.Context, txids [][]byte) ([][]byte, error)
	// GetTransactionsByWitnessID is GetTransactionsByTxID by wtxid.
	GetTransactionsByWitnessID(ctx context.Context, wtxids [][]byte) ([][]byte, error)
}

// BlockTemplate is Core's interfaces::BlockTemplate. Release the client
// when done: its Destroy is called first, as Core expects.
//
//ipc:interface
type BlockTemplate interface {
	// Destroy frees the template on the node.
	Destroy(ctx context.Context) error
	GetBlockHeader(ctx context.Context) ([]byte, error)
	GetBlock(ctx context.Context) ([]byte, error)
	GetTxFees(ctx context.Context) ([]int64, error)
	GetTxSigops(ctx context.Context) ([]int64, error)
	GetCoinbaseTx(ctx context.Context) (CoinbaseTx, error)
	GetCoinbaseMerklePath(ctx context.Context) ([][]byte, error)
	// SubmitSolution submits the proof of work for this template.
	//
	//ipc:method ordinal=10
	SubmitSolution(ctx context.Context, version, timestamp, nonce uint32, coinbase []byte) (reason, debug string, result bool, err error)
	// WaitNext waits for a template better than this one (by the fee
	// threshold) or for the timeout, and returns it (nil after a timeout).
	//
	//ipc:method ordinal=8
	WaitNext(ctx context.Context, options BlockWaitOptions) (BlockTemplate, error)
	// InterruptWait makes a pending WaitNext return.
	//
	//ipc:method ordinal=9 noctx
	InterruptWait(ctx context.Context) error
	// SubmitSolutionOld7 is the deprecated form of SubmitSolution.
	//
	//ipc:method ordinal=7
	SubmitSolutionOld7(ctx context.Context, version, timestamp, nonce uint32, coinbase []byte) (bool, error)
}

// BlockRef is Core's interfaces::BlockRef, declared in common.capnp (hence
// the pinned ID, that of BlockRef in the file @0xcd2c6232cb484a28).
//
//ipc:struct id=0xb3be4b8949350369
type BlockRef struct {
	Hash   []byte // 32 bytes, internal byte order
	Height int32
}

// BlockCreateOptions is Core's node::BlockCreateOptions.
type BlockCreateOptions struct {
	UseMempool                        bool   `ipc:",default=true"`
	BlockReservedWeight               uint64 `ipc:",default=8000"`
	CoinbaseOutputMaxAdditionalSigops uint64 `ipc:",default=400"`
}

// BlockWaitOptions is Core's node::BlockWaitOptions.
type BlockWaitOptions struct {
	Timeout      float64 `ipc:",default=1.7976931348623157e308"` // milliseconds
	FeeThreshold int64   `ipc:",default=2100000000000000"`       // satoshis
}

// BlockCheckOptions is Core's node::BlockCheckOptions.
type BlockCheckOptions struct {
	CheckMerkleRoot bool `ipc:",default=true"`
	CheckPow        bool `ipc:",default=true"`
}

// CoinbaseTx is Core's node::CoinbaseTx.
type CoinbaseTx struct {
	Version              uint32
	Sequence             uint32
	ScriptSigPrefix      []byte
	Witness              []byte
	BlockRewardRemaining int64
	RequiredOutputs      [][]byte
	LockTime             uint32
}
