package ipcimpl

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/ifacegen/ifacegen/runtime/capnprpc"
	"github.com/ifacegen/ifacegen/runtime/internal/sentinel"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// InField returns err located in the field, parameter or result named
// name: an *ipc.ConvertError whose Path starts with name. It returns nil
// for nil.
func InField(name string, err error) error {
	return locate(name, err)
}

// InElem returns err located at index i of a list (or entry i of a map):
// an *ipc.ConvertError whose Path starts with "[i]". It returns nil for
// nil.
func InElem(i int, err error) error {
	return locate("["+strconv.Itoa(i)+"]", err)
}

func locate(step string, err error) error {
	if err == nil {
		return nil
	}
	if ce, ok := err.(*ipc.ConvertError); ok {
		if strings.HasPrefix(ce.Path, "[") {
			return &ipc.ConvertError{Path: step + ce.Path, Err: ce.Err}
		}
		return &ipc.ConvertError{Path: step + "." + ce.Path, Err: ce.Err}
	}
	return &ipc.ConvertError{Path: step, Err: err}
}

// LengthError reports a fixed-size value ([N]byte, [N]T) that arrived with
// got elements instead of want.
func LengthError(got, want int) error {
	return fmt.Errorf("length %d, want %d", got, want)
}

// Unimplemented returns the error a method of a generated UnimplementedX
// returns: an *ipc.Error for method ("pkg.Interface.Method") wrapping
// ipc.ErrUnimplemented. Served by a generated server, it reaches the
// caller as an *ipc.RemoteError with the same message that wraps
// ipc.ErrUnimplemented too.
func Unimplemented(method string) error {
	return &ipc.Error{Method: method, Err: ipc.ErrUnimplemented}
}

// RegisterError registers err, the //ipc:error variable code names
// ("import/path.ErrName"), so that it survives a trip across the wire
// (see ServerError and ipc.RemoteError). Generated packages call it from
// init for every //ipc:error variable of their interface package;
// registering one code twice keeps the first. It panics on a nil err or a
// code that is empty or contains "]" or a space. It is safe for
// concurrent use.
func RegisterError(code string, err error) {
	sentinel.Register(code, err)
}

// ServerError returns the error a generated server method returns for
// err, the error of an implementation: for an error that wraps
// ipc.ErrUnimplemented, Cap'n Proto's "unimplemented" exception whose
// reason is err's message prefixed by ipc.ErrUnimplemented's code (the
// caller's ipc.CallError turns it into an *ipc.RemoteError with err's
// message that wraps ipc.ErrUnimplemented); otherwise err with its message
// prefixed by the code of the first registered sentinel it matches (the
// caller's *ipc.RemoteError unwraps to that sentinel), or err itself. It
// returns nil for nil.
func ServerError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ipc.ErrUnimplemented) {
		// The engine sends the type of an *Exception returned as is,
		// and "failed" for anything else.
		return &capnprpc.Exception{Type: capnprpc.Unimplemented, Reason: sentinel.Encode(sentinel.UnimplementedCode, err.Error())}
	}
	if code := sentinel.Match(err); code != "" {
		return &sentinelError{code: code, err: err}
	}
	return err
}

// sentinelError carries an implementation's error with its sentinel code
// in its message.
type sentinelError struct {
	code string
	err  error
}

func (e *sentinelError) Error() string { return sentinel.Encode(e.code, e.err.Error()) }
func (e *sentinelError) Unwrap() error { return e.err }
