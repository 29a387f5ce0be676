// Package dialect is a golden case for //ipc:package dialect=libmultiprocess:
// Init gets construct @0, every method but a noctx one gets context @0,
// optionals get has flags, and pins, retired slots, gaps and defaults
// shape the schema like a hand-written libmultiprocess one.
//
//ipc:package dialect=libmultiprocess id=0xe1a2b3c4d5e6f708
package dialect

import "context"

// Init is the bootstrap interface: the generator adds construct @0.
//
//ipc:interface
type Init interface {
	// MakeCalculator returns a calculator that reports to printer.
	MakeCalculator(ctx context.Context, printer Printer) (Calculator, error)
}

// Calculator has pinned ordinals, a gap, a retired slot and a noctx method.
//
//ipc:interface
//ipc:retired name=solveOld ordinal=1
type Calculator interface {
	// Solve evaluates an equation; precision has a default on the wire.
	//
	//ipc:param precision default=6
	Solve(ctx context.Context, eqn string, precision int32) (*Answer, error)
	// Stop runs on the peer's event loop.
	//
	//ipc:method ordinal=4 noctx
	Stop(ctx context.Context) error
	// Watch calls back on every answer.
	Watch(ctx context.Context, cb OnAnswer) error
}

// Printer is served by the other side.
//
//ipc:interface
type Printer interface {
	Print(ctx context.Context, line string) error
}

// OnAnswer is a callback: in the dialect its call takes context @0 too.
type OnAnswer func(ctx context.Context, a Answer) error

// Answer has an optional scalar and an optional struct, both with has flags.
//
//ipc:struct id=0xf00dfeedcafe0001
type Answer struct {
	Value     float64 `ipc:",default=1.5"`
	Error     *int32
	Detail    *Detail
	Precision Precision
}

// Detail is an optional part of an Answer.
type Detail struct {
	Text string
}

// Precision says how exact an answer is.
//
//ipc:enum id=0xf00dfeedcafe0002
type Precision uint16

const (
	Exact Precision = iota
	Rounded
)
