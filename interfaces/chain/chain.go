// Package chain declares how the rest of a node's processes see its block
// chain and mempool, modelled on Bitcoin Core's interfaces::Chain: a wallet
// process queries blocks and fees through Chain, broadcasts transactions
// with it, and registers Notifications to learn about new blocks and
// mempool transactions, until it disconnects the Handler it got back.
//
// Memory is a small in-memory Chain with a block producer (Memory.Mine)
// that the demo's node drives:
//
//	c := chain.NewMemory()
//	h, _ := c.HandleNotifications(ctx, listener) // listener gets every block
//	c.Mine(ctx, "bcrt1q…")                       // a block paying 50 BTC
//	c.Sync(ctx)                                  // wait until listeners heard of it
//	h.Disconnect(ctx)
package chain

//go:generate go run github.com/ifacegen/ifacegen/cmd/ifacegen .

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
)

// Hash is a block or transaction hash.
type Hash [32]byte

// String returns the hash in hex, most significant byte first, as Bitcoin
// Core prints hashes.
func (h Hash) String() string {
	var r Hash
	for i := range h {
		r[i] = h[len(h)-1-i]
	}
	return hex.EncodeToString(r[:])
}

// Amount is a number of satoshis.
type Amount int64

// Coin is the number of satoshis in one bitcoin.
const Coin Amount = 100_000_000

// String formats a as bitcoins with eight decimals, e.g. "50.00000000 BTC".
func (a Amount) String() string {
	sign := ""
	if a < 0 {
		sign, a = "-", -a
	}
	return fmt.Sprintf("%s%d.%08d BTC", sign, a/Coin, a%Coin)
}

// BlockRef names a block on the chain.
type BlockRef struct {
	Hash   Hash
	Height int32
}

// OutPoint names an output of a transaction.
type OutPoint struct {
	TxID  Hash
	Index uint32
}

// TxOut is a transaction output: an amount paid to an address.
type TxOut struct {
	Value   Amount
	Address string
}

// Transaction moves coins from the outputs it spends to new outputs. A
// coinbase transaction spends nothing and pays the block reward.
type Transaction struct {
	// Inputs are the outputs this transaction spends; none for a coinbase.
	Inputs  []OutPoint
	Outputs []TxOut
	// LockTime makes otherwise equal transactions differ; a coinbase
	// holds its block's height here.
	LockTime uint32
}

// IsCoinbase reports whether tx is a coinbase transaction.
func (tx Transaction) IsCoinbase() bool { return len(tx.Inputs) == 0 }

// TxID returns the transaction's hash.
func (tx Transaction) TxID() Hash {
	h := sha256.New()
	var buf [8]byte
	for _, in := range tx.Inputs {
		h.Write(in.TxID[:])
		binary.LittleEndian.PutUint32(buf[:4], in.Index)
		h.Write(buf[:4])
	}
	for _, out := range tx.Outputs {
		binary.LittleEndian.PutUint64(buf[:], uint64(out.Value))
		h.Write(buf[:])
		binary.LittleEndian.PutUint32(buf[:4], uint32(len(out.Address)))
		h.Write(buf[:4])
		h.Write([]byte(out.Address))
	}
	binary.LittleEndian.PutUint32(buf[:4], tx.LockTime)
	h.Write(buf[:4])
	return Hash(sha256.Sum256(h.Sum(nil)))
}

// BlockInfo describes a block and carries its transactions.
type BlockInfo struct {
	Hash     Hash
	PrevHash Hash
	Height   int32
	// Time is the block's time stamp, in seconds since 1970.
	Time int64
	// Transactions are the block's transactions, the coinbase first.
	Transactions []Transaction
}

// RemovalReason says why a transaction left the mempool.
//
//ipc:enum
type RemovalReason int32

// The reasons a transaction leaves the mempool (Bitcoin Core's
// MemPoolRemovalReason).
const (
	ReasonExpiry    RemovalReason = iota // it stayed too long
	ReasonSizeLimit                      // the mempool was full and its fee rate too low
	ReasonReorg                          // a reorganisation made it invalid
	ReasonBlock                          // a block confirmed it
	ReasonConflict                       // a block confirmed a transaction spending the same outputs
	ReasonReplaced                       // a transaction paying more replaced it
)

// ErrUnknownBlock is the error of a query about a block height or hash
// the chain does not have; errors.Is holds across processes too.
//
//ipc:error
var ErrUnknownBlock = errors.New("unknown block")

// Notifications receives the chain's events, in the order they happened,
// one at a time. A Notifications registered with Chain.HandleNotifications
// is called from the chain's notification queue, not from inside the call
// that caused the event: a listener may call back into the Chain, except
// for the methods that wait for the queue (WaitForNotificationsIfTipChanged),
// which would wait for themselves.
//
// A method that returns an error (say, the listener's process is gone)
// ends the registration: the chain drops the listener.
//
//ipc:interface
type Notifications interface {
	// TransactionAddedToMempool announces a transaction accepted into the
	// mempool.
	TransactionAddedToMempool(ctx context.Context, tx Transaction) error
	// TransactionRemovedFromMempool announces a transaction that left the
	// mempool, and why.
	TransactionRemovedFromMempool(ctx context.Context, tx Transaction, reason RemovalReason) error
	// BlockConnected announces a block added to the tip of the chain.
	BlockConnected(ctx context.Context, block BlockInfo) error
	// BlockDisconnected announces a block removed from the tip of the
	// chain by a reorganisation.
	BlockDisconnected(ctx context.Context, block BlockInfo) error
	// UpdatedBlockTip announces that the tip changed; it follows the
	// BlockConnected and BlockDisconnected calls of one change.
	UpdatedBlockTip(ctx context.Context) error
	// ChainStateFlushed announces that the chain state reached disk, up
	// to the block locator's first hash.
	ChainStateFlushed(ctx context.Context, locator []Hash) error
}

// Handler keeps a registration (of Notifications, of a callback) alive.
// Disconnect ends it; so does releasing the last reference to the Handler,
// or the connection to its holder going away.
//
//ipc:interface
type Handler interface {
	// Disconnect ends the registration: no call reaches the listener
	// after Disconnect returns (one already running may finish), and the
	// registrar releases it. Disconnecting again does nothing.
	Disconnect(ctx context.Context) error
}

// Chain is the node's block chain and mempool as other processes see it.
// Its methods are safe for concurrent use.
//
//ipc:interface
type Chain interface {
	// GetHeight returns the height of the tip; ok is false when the chain
	// holds no block at all.
	GetHeight(ctx context.Context) (height int32, ok bool, err error)
	// GetBlockHash returns the hash of the block at height on the active
	// chain, or an error wrapping ErrUnknownBlock.
	GetBlockHash(ctx context.Context, height int32) (Hash, error)
	// GetTip returns the tip, or nil when the chain holds no block.
	GetTip(ctx context.Context) (*BlockRef, error)
	// HaveBlockOnDisk reports whether the block at height is stored with
	// its transactions (a pruned node drops old ones).
	HaveBlockOnDisk(ctx context.Context, height int32) (bool, error)
	// FindBlock returns the block with hash, on the active chain or not,
	// or nil when the chain does not know it.
	FindBlock(ctx context.Context, hash Hash) (*BlockInfo, error)
	// FindAncestorByHeight returns the ancestor at ancestorHeight of the
	// block with blockHash, or nil when there is none.
	FindAncestorByHeight(ctx context.Context, blockHash Hash, ancestorHeight int32) (*BlockInfo, error)
	// IsInMempool reports whether the transaction txid is in the mempool.
	IsInMempool(ctx context.Context, txid Hash) (bool, error)
	// BroadcastTransaction adds tx to the mempool and, when relay is
	// true, relays it to peers. ok is false, with the reason, when tx is
	// refused: it spends unknown or already spent outputs, it pays more
	// than it spends, or its fee is above maxTxFee (zero: no limit).
	BroadcastTransaction(ctx context.Context, tx Transaction, maxTxFee Amount, relay bool) (ok bool, reason string, err error)
	// EstimateSmartFee returns the fee rate, in satoshis per 1000 virtual
	// bytes, a transaction needs to confirm within numBlocks blocks, and
	// the number of blocks the estimate is for.
	EstimateSmartFee(ctx context.Context, numBlocks int32, conservative bool) (feeRate Amount, returnedTarget int32, err error)
	// RelayMinFee returns the lowest fee rate, in satoshis per 1000
	// virtual bytes, at which the node relays transactions.
	RelayMinFee(ctx context.Context) (Amount, error)
	// IsInitialBlockDownload reports whether the node is still catching up
	// with the network.
	IsInitialBlockDownload(ctx context.Context) (bool, error)
	// InitMessage shows message as the node's progress while it starts
	// (the GUI's splash screen, the log).
	InitMessage(ctx context.Context, message string) error
	// HandleNotifications registers n for every later chain event, until
	// the returned Handler is disconnected or released. The chain keeps
	// (and finally releases) n; the caller owns the Handler.
	HandleNotifications(ctx context.Context, n Notifications) (Handler, error)
	// WaitForNotificationsIfTipChanged waits, if the tip is no longer
	// oldTip, until every notification queued so far has been delivered.
	// Do not call it from inside a notification.
	WaitForNotificationsIfTipChanged(ctx context.Context, oldTip Hash) error
	// RequestMempoolTransactions calls n.TransactionAddedToMempool for
	// every transaction in the mempool, before it returns.
	RequestMempoolTransactions(ctx context.Context, n Notifications) error
}
