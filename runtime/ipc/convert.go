package ipc

import "errors"

// ConvertError reports a value that could not be converted between its Go
// form and its wire form, e.g. a [32]byte field that arrived with 31 bytes.
type ConvertError struct {
	Path string // where the value sits: "opts.Blocks[3].Hash"
	Err  error  // what is wrong with it
}

func (e *ConvertError) Error() string { return e.Path + ": " + e.Err.Error() }

func (e *ConvertError) Unwrap() error { return e.Err }

// ErrDuplicateKey is the cause when a map arrives with a key twice.
var ErrDuplicateKey = errors.New("duplicate map key")
