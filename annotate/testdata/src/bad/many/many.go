package many

import "context"

type Req struct {
	C chan int
}

// ipc:enum
type Level int

//ipc:enum
type Kind int

const KindOne Kind = 1

//ipc:interface id=0x12
type Service interface {
	Do(ctx context.Context, r Req) (any, error)
	//ipc:metod
	Other(f func()) error
	//ipc:param nothing was=x
	Third(n int32) error
}
