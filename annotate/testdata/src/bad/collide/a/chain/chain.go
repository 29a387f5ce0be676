package chain

type BlockRef struct{ A int }
