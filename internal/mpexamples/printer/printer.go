// Package printer is libmultiprocess's example/printer.capnp in Go (the
// C++ mpprinter serves it): its generated schema is wire-identical to that
// file, which TestConformsToExamples checks.
//
//ipc:package dialect=libmultiprocess id=0x893db95f456ed0e3
package printer

//go:generate go run github.com/ifacegen/ifacegen/cmd/ifacegen .

import "context"

// Printer is example/printer.capnp's PrinterInterface.
//
//ipc:interface id=0xaadbfb2ec12e0469
type Printer interface {
	// Destroy is called by a client's Release, as libmultiprocess's
	// clients do when they drop a proxy.
	Destroy(ctx context.Context) error
	// Print prints text.
	Print(ctx context.Context, text string) error
}
