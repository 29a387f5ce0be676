package placement

//ipc:interface
type S struct {
	//ipc:method
	Field int
}

//ipc:enum
type Str string

//ipc:enum
func F() {}

// Plain is not an ipc interface.
type Plain interface {
	//ipc:method
	M()
}

//ipc:interface
const C = 1

//ipc:interface
type (
	A interface{ F() }
	B interface{ F() }
)

type T interface{ F() } //ipc:interface

//ipc:interface

type Floating interface{ F() }

func body() {
	//ipc:enum
}

//ipc:interface
type Alias = Plain

//ipc:enum
type Generic[T any] int

//ipc:method
type I interface {
	F()
}

//ipc:interface
type J interface {
	//ipc:enum
	F()
}
