// Package chain is a dependency of the test packages that the patterns do
// not match: annotate reads it from its files, not from go/packages' syntax.
package chain

// Hash is a block hash.
type Hash [32]byte

// BlockRef identifies a block on the chain.
type BlockRef struct {
	// Hash of the block.
	Hash   Hash
	Height int32 // counted from genesis

	cache []byte
}

// Kind says what a chain object is.
//
//ipc:enum
type Kind uint8

// The kinds. kindMax is unexported: it still crosses.
const (
	// KindBlock is a block.
	KindBlock Kind = iota
	KindTx         // a transaction
	kindMax
)
