package chain

type BlockRef struct{ B int }
