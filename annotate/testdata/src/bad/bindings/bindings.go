// Package bindings has wire names that would make capnpc-go generate a Go
// method twice on a bindings type.
package bindings

import "context"

// Ptrs has fields named like methods every bindings struct has.
type Ptrs struct {
	ToPtr         int32
	EncodeAsPtr   string
	DecodeFromPtr bool
	Renamed       int32 `ipc:"toPtrOk"`
	// capnpc-go itself renames these: IsValid_, Segment_, String_.
	IsValid bool
	Segment string
	String  []int32
}

// Pairs has fields whose generated methods collide.
type Pairs struct {
	Foo       string
	HasFoo    bool
	Bar       int32
	SetBar    int32
	List      []int32
	NewList   int32
	Text      string
	TextBytes []byte
	Ref       *Inner
	NewRef    bool
	Count     int32
	HasCount  bool   // Count is not a pointer: no HasCount besides this one
	Opt       *int32 // its has flag hasOpt is a Bool: no HasOpt besides it
	SetHasOpt bool
	Map       map[string]int32
	HasMap    bool
}

// Futures has struct fields named like what every _Future type has.
type Futures struct {
	Struct Inner
	Future *Inner
	Inner  Inner `ipc:"client"`
	Tagged int32 `ipc:"toPtr"`
}

// Inner is a struct used by the others.
type Inner struct{ X int32 }

//ipc:interface
type Bindings interface {
	Ptrs(ctx context.Context, p Ptrs) error
	Pairs(ctx context.Context, p Pairs) error
	Futures(ctx context.Context, f Futures) error
	Params(ctx context.Context, toPtr int32, foo []byte, hasFoo bool) error
	Results(ctx context.Context) (encodeAsPtr int32, future Inner, err error)
	AddRef(ctx context.Context) error
	Resolve(ctx context.Context) error
	String() string
	IsValid() bool
	IsSame()
	WaitStreaming()
	SetFlowLimiter()
	GetFlowLimiter()
	Release()
	EncodeAsPtr()
	DecodeFromPtr()
	ToPtr()
	Segment()
}
