package chain

import (
	"context"
	"time"
)

// BlockWaitOptions bounds how long WaitNext waits.
type BlockWaitOptions struct {
	Timeout time.Duration
	// FeeThreshold is the fee increase, in satoshis, worth a new template.
	FeeThreshold int64
}

// Mining builds block templates, modelled on Bitcoin Core's
// interfaces::Mining.
//
//ipc:interface
type Mining interface {
	// CreateNewBlock returns a template on top of the current tip.
	CreateNewBlock(ctx context.Context, useMempool bool) (BlockTemplate, error)
}

// BlockTemplate is a live block template held by the node until released.
//
//ipc:interface
type BlockTemplate interface {
	// GetBlockHeader returns the serialized header.
	GetBlockHeader(ctx context.Context) ([]byte, error)
	// GetTxFees returns the fee of each transaction.
	GetTxFees(ctx context.Context) ([]int64, error)
	// WaitNext returns a better template once there is one, or nil when
	// opts.Timeout passes first.
	WaitNext(ctx context.Context, opts BlockWaitOptions) (BlockTemplate, error)
}
