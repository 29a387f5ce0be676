package collide

import (
	a "example.com/t/bad/collide/a/chain"
	b "example.com/t/bad/collide/b/chain"
)

//ipc:interface
type Service interface {
	F(x a.BlockRef, y b.BlockRef)
}
