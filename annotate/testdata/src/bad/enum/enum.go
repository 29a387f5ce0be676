package enum

// Gap skips 1.
//
//ipc:enum
type Gap int

const (
	Gap0 Gap = 0
	Gap2 Gap = 2
)

//ipc:enum
type Dup uint8

const (
	DupA Dup = iota
	DupB
	DupC Dup = 1
)

//ipc:enum
type Negative int

const (
	Minus Negative = -1
	Zero  Negative = 0
)

//ipc:enum
type Empty int

//ipc:enum
type Names int

const (
	KindA Names = iota
	Kind_a
)
