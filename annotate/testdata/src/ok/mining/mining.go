// Package mining is a cut-down interfaces::Mining.
package mining

import (
	"context"
	"time"

	"example.com/t/lib/chain"
)

// BlockRef is mining's own block reference; chain has one too.
type BlockRef struct {
	Hash   chain.Hash
	Height int32
}

// Options controls CreateNewBlock.
type Options struct {
	UseMempool bool
	// Timeout bounds the wait.
	Timeout  time.Duration
	MaxFee   *int64 `ipc:",was=maxFees"` // nil: no limit
	Tip      *chain.BlockRef
	Previous BlockRef
	Kinds    []chain.Kind
	Skip     func() `ipc:"-"`
	Renamed  int16  `ipc:"weight,was=oldWeight" json:"w"`
	internal int    `ipc:"-"` // unexported: must say so
}

// Mining lets an external process build blocks.
//
// It is the second paragraph.
//
//ipc:interface id=0xc2a8f3e1d0b4a697
type Mining interface {
	// IsTestChain reports whether the node runs a test network.
	IsTestChain(ctx context.Context) (bool, error)

	// GetTip returns the best block, or nil.
	GetTip(ctx context.Context) (*chain.BlockRef, error)

	//ipc:method was=NewBlock
	//ipc:param opts was=options
	//ipc:result fees was=feesByTx
	CreateNewBlock(ctx context.Context, opts Options) (template []byte, fees map[string]int64, err error)

	CheckBlock(context.Context, []byte, *uint32) (reason, debug string, ok bool, err error)
	Interrupt()
}
