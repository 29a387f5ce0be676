package mining

import "context"

// Height counts blocks from the genesis block.
type Height int32

// BlockRef identifies a block.
type BlockRef struct {
	Hash   [32]byte
	Height Height
}

// Mining builds blocks.
//
//ipc:interface
type Mining interface {
	// GetTip returns the best block; nil before there is one.
	GetTip(ctx context.Context) (*BlockRef, error)
	//ipc:method was=Interrupt
	Stop()
}
