package errvars

import "errors"

//ipc:error
var errHidden = errors.New("hidden")

//ipc:error
var ErrCount = 3

//ipc:error
var ErrA, ErrB = errors.New("a"), errors.New("b")

//ipc:error
const ErrConst = "const"

//ipc:error
var ErrFine = errors.New("fine")

//ipc:interface
type A interface{ F() error }
