package notimpl

import "errors"

//ipc:error
var ErrGone = errors.New("gone")

//ipc:convert
func toWire(int) (string, error) { return "", nil }

//ipc:interface
type A interface{ F() }
