package ipc

import (
	"errors"
	"strings"
	"sync"

	"github.com/ifacegen/ifacegen/runtime/capnprpc"
)

// Sentinel errors (//ipc:error) cross the wire inside the reason text of
// the Cap'n Proto exception that carries a failed call. When the error an
// implementation returns matches a registered sentinel (errors.Is), the
// reason is
//
//	[ipc:error <code>] <message>
//
// where <code> is the sentinel's import path and name
// ("example.com/mining.ErrNotReady", never containing "]" or a space) and
// <message> is the returned error's Error() text. The caller's CallError
// strips the prefix: the *RemoteError it returns has Message <message>,
// Code <code>, and unwraps to the sentinel registered under <code> in the
// calling process, if any, so errors.Is(err, mining.ErrNotReady) holds
// there too. A peer that does not know the convention shows the prefix as
// part of the message. Any other error crosses as its Error() text alone.
//
// An error that wraps ErrUnimplemented crosses the same way, under the
// code "github.com/ifacegen/ifacegen/runtime/ipc.ErrUnimplemented", in an
// exception of Cap'n Proto's type "unimplemented" rather than "failed",
// so that a peer that does not know the convention still sees what it
// means.

const sentinelPrefix = "[ipc:error "

var sentinels struct {
	sync.RWMutex
	byCode map[string]error
	order  []registered // registration order: the first match wins
}

type registered struct {
	code string
	err  error
}

// RegisterError registers err, the //ipc:error variable code names
// ("import/path.ErrName"), so that it survives a trip across the wire.
// Generated packages call it from init for every //ipc:error variable of
// their interface package; registering one code twice keeps the first.
// It is safe for concurrent use.
func RegisterError(code string, err error) {
	if err == nil || code == "" || strings.ContainsAny(code, "] ") {
		panic("ipc: RegisterError: bad sentinel " + code)
	}
	sentinels.Lock()
	defer sentinels.Unlock()
	if sentinels.byCode == nil {
		sentinels.byCode = make(map[string]error)
	}
	if _, dup := sentinels.byCode[code]; dup {
		return
	}
	sentinels.byCode[code] = err
	sentinels.order = append(sentinels.order, registered{code, err})
}

// unimplementedCode is the sentinel code of ErrUnimplemented.
const unimplementedCode = "github.com/ifacegen/ifacegen/runtime/ipc.ErrUnimplemented"

// ServerError returns the error a generated server method returns for
// err, the error of an implementation: for an error that wraps
// ErrUnimplemented, Cap'n Proto's "unimplemented" exception whose reason
// is err's message prefixed by ErrUnimplemented's code (the caller's
// CallError turns it into a *RemoteError with err's message that wraps
// ErrUnimplemented); otherwise err with its message prefixed by the code
// of the first registered sentinel it matches (see the comment at the
// top of this file), or err itself.
func ServerError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrUnimplemented) {
		// The engine sends the type of an *Exception returned as is,
		// and "failed" for anything else.
		return &capnprpc.Exception{Type: capnprpc.Unimplemented, Reason: sentinelPrefix + unimplementedCode + "] " + err.Error()}
	}
	sentinels.RLock()
	defer sentinels.RUnlock()
	for _, s := range sentinels.order {
		if errors.Is(err, s.err) {
			return &sentinelError{code: s.code, err: err}
		}
	}
	return err
}

// sentinelError carries an implementation's error with its sentinel code
// in its message.
type sentinelError struct {
	code string
	err  error
}

func (e *sentinelError) Error() string { return sentinelPrefix + e.code + "] " + e.err.Error() }
func (e *sentinelError) Unwrap() error { return e.err }

// decodeSentinel splits a remote exception's reason into its sentinel
// code and message; code is "" when there is none.
func decodeSentinel(reason string) (code, message string) {
	rest, ok := strings.CutPrefix(reason, sentinelPrefix)
	if !ok {
		return "", reason
	}
	code, message, ok = strings.Cut(rest, "] ")
	if !ok || code == "" || strings.Contains(code, " ") {
		return "", reason
	}
	return code, message
}

// lookupSentinel returns the sentinel registered under code (ErrUnimplemented
// for its own code), or nil.
func lookupSentinel(code string) error {
	if code == unimplementedCode {
		return ErrUnimplemented
	}
	sentinels.RLock()
	defer sentinels.RUnlock()
	return sentinels.byCode[code]
}
