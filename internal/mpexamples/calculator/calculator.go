// Package calculator is libmultiprocess's example/calculator.capnp in Go
// (the C++ mpcalculator serves it): its generated schema is wire-identical
// to that file, which TestConformsToExamples checks.
//
//ipc:package dialect=libmultiprocess id=0xb67dbf34061180a9
package calculator

//go:generate go run github.com/ifacegen/ifacegen/cmd/ifacegen .

import "context"

// Calculator is example/calculator.capnp's CalculatorInterface.
//
//ipc:interface id=0x8f2fc29c621a588e
type Calculator interface {
	// Destroy is called by a client's Release.
	Destroy(ctx context.Context) error
	// SolveEquation solves eqn and reports the answer to the Printer the
	// calculator was made with.
	SolveEquation(ctx context.Context, eqn string) error
}
