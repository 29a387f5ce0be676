package iface

import (
	"context"
	"io"
)

//ipc:interface
type Generic[T any] interface{ F(T) }

//ipc:interface
type Embeds interface {
	io.Closer
	F()
}

//ipc:interface
type TypeSet interface {
	~int | ~string
	F()
}

//ipc:interface
type unexported interface{ F() }

//ipc:interface
type Methods interface {
	lower()
	Variadic(xs ...int)
	LateContext(x int, ctx context.Context)
	EarlyError() (error, int)
	ID()
	Id()
	Params(URL string, url string)
	Flags(x *int, hasX bool)
	Results() (ID, Id int)
	//ipc:method was=Old
	A()
	//ipc:method was=Old
	B()
	//ipc:method was=Self
	Self()
}

//ipc:interface id=0x8000000000000001
type One interface{ F() }

//ipc:interface id=0x8000000000000001
type Two interface{ F() }

//ipc:interface
type Text interface{ F() }

//ipc:interface
type Under_Score interface{ F() }
