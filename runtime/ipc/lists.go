package ipc

import "errors"

// ErrReleased is the cause when a call fails because the client it was
// made on had been released (or was a null capability).
var ErrReleased = errors.New("ipc: call on a released or null capability")
