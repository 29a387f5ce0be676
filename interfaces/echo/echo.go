// Package echo declares the smallest useful interface between processes:
// one call that sends a message back. It is the first thing to try when
// checking that two processes can talk (Bitcoin Core's interfaces::Echo).
package echo

//go:generate go run github.com/ifacegen/ifacegen/cmd/ifacegen .

import "context"

// Echo answers with what it is given.
//
//ipc:interface
type Echo interface {
	// Echo returns message unchanged.
	Echo(ctx context.Context, message string) (string, error)
}

// Local is an Echo in this process.
type Local struct{}

// Echo returns message.
func (Local) Echo(_ context.Context, message string) (string, error) { return message, nil }
