package types

import (
	"time"
	"unsafe"
)

type Options struct {
	Done  chan struct{}
	Inner Inner
}

type Inner struct {
	Callback func()
}

type Pair[T any] struct{ A, B T }

type hidden struct{ X int }

type Opaque struct{ x int }

type Embeds struct {
	Inner
	Ok int
}

type Tagged struct {
	A int `ipc:"Bad_name"`
	B int `ipc:""`
	C int `ipc:"fine"`
	D int `ipc:"fine"`
}

type Collide struct {
	URL  int
	Url  int
	X    *int
	HasX bool
}

// TextInt64Entry has the name of the entry struct of map[string]int64.
type TextInt64Entry struct{ K string }

// Callback is an //ipc:interface used as a value.
//
//ipc:interface
type Callback interface{ Call() }

//ipc:interface
type Types interface {
	Chan(c chan int)
	Func(f func())
	Any(a any)
	Err(e error, x int)
	Reader(r interface{ Read([]byte) (int, error) })
	Cap(c *Callback)
	Complex(c complex64)
	Uintptr(u uintptr)
	Unsafe(p unsafe.Pointer)
	Anon(s struct{ X int })
	Generic(p Pair[int])
	Hidden(h hidden)
	Opaque(o Opaque)
	Embeds(e Embeds)
	Tagged(t Tagged)
	Collide(c Collide)
	Nested(opts Options)
	Keys(m map[Opaque]int, ok map[string]int)
	Pointers(a *[]int, b *map[string]int, c **int)
	Zero(z [0]int)
	Time(t time.Time)
	Deep(m map[string][]chan int)
	Entry(e TextInt64Entry, m map[string]int64)
	Unnamed(int, chan int) (int, func(), error)
	Plain(l Listener, h Half)
}

// Listener lacks //ipc:interface.
type Listener interface{ Heard(s string) }

// Half has an unexported field that would not cross.
type Half struct {
	Shown  int
	hidden int
}
