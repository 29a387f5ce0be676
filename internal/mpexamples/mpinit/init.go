// Package mpinit is libmultiprocess's example/init.capnp in Go: the
// bootstrap interface mpcalculator and mpprinter serve, and mpexample
// calls. Its generated schema is wire-identical to that file (with
// construct @0, which the dialect adds), which TestConformsToExamples
// checks.
//
//ipc:package dialect=libmultiprocess id=0xba5a7448664901b1
package mpinit

//go:generate go run github.com/ifacegen/ifacegen/cmd/ifacegen .

import (
	"context"

	"github.com/ifacegen/ifacegen/internal/mpexamples/calculator"
	"github.com/ifacegen/ifacegen/internal/mpexamples/printer"
)

// Init is example/init.capnp's InitInterface.
//
//ipc:interface id=0xf005d0634bafecf9
type Init interface {
	// MakeCalculator returns a calculator that prints through print.
	MakeCalculator(ctx context.Context, print printer.Printer) (calculator.Calculator, error)
	// MakePrinter returns a printer.
	MakePrinter(ctx context.Context) (printer.Printer, error)
}
