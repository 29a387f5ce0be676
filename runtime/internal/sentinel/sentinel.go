// Package sentinel is the registry of //ipc:error sentinels and their
// encoding in the reason of a Cap'n Proto exception, shared by
// runtime/ipcimpl (generated code registers sentinels; a generated server
// encodes an implementation's error) and runtime/ipc (a caller decodes the
// reason into an *ipc.RemoteError).
//
// When the error an implementation returns matches a registered sentinel
// (errors.Is), the reason is
//
//	[ipc:error <code>] <message>
//
// where <code> is the sentinel's import path and name
// ("example.com/mining.ErrNotReady", never containing "]" or a space) and
// <message> is the returned error's Error() text. A peer that does not know
// the convention shows the prefix as part of the message. Any other error
// crosses as its Error() text alone.
//
// An error that wraps ipc.ErrUnimplemented crosses the same way, under
// UnimplementedCode, in an exception of Cap'n Proto's type "unimplemented"
// rather than "failed", so that a peer that does not know the convention
// still sees what it means.
package sentinel

import (
	"errors"
	"strings"
	"sync"
)

// prefix starts a reason that carries a sentinel code.
const prefix = "[ipc:error "

// UnimplementedCode is the sentinel code of ipc.ErrUnimplemented. It is
// never registered: runtime/ipc resolves it itself.
const UnimplementedCode = "github.com/ifacegen/ifacegen/runtime/ipc.ErrUnimplemented"

var registry struct {
	sync.RWMutex
	byCode map[string]error
	order  []registered // registration order: the first match wins
}

type registered struct {
	code string
	err  error
}

// Register registers err under code. Registering one code twice keeps the
// first. It panics on a nil err or a code that is empty or contains "]"
// or a space. It is safe for concurrent use.
func Register(code string, err error) {
	if err == nil || code == "" || strings.ContainsAny(code, "] ") {
		panic("ipc: RegisterError: bad sentinel " + code)
	}
	registry.Lock()
	defer registry.Unlock()
	if registry.byCode == nil {
		registry.byCode = make(map[string]error)
	}
	if _, dup := registry.byCode[code]; dup {
		return
	}
	registry.byCode[code] = err
	registry.order = append(registry.order, registered{code, err})
}

// Lookup returns the sentinel registered under code, or nil.
func Lookup(code string) error {
	registry.RLock()
	defer registry.RUnlock()
	return registry.byCode[code]
}

// Match returns the code of the first registered sentinel that err
// matches (errors.Is), or "" when it matches none.
func Match(err error) string {
	registry.RLock()
	defer registry.RUnlock()
	for _, s := range registry.order {
		if errors.Is(err, s.err) {
			return s.code
		}
	}
	return ""
}

// Encode returns the reason that carries message under code.
func Encode(code, message string) string {
	return prefix + code + "] " + message
}

// Decode splits a remote exception's reason into its sentinel code and
// message; code is "" (and message the whole reason) when there is none.
func Decode(reason string) (code, message string) {
	rest, ok := strings.CutPrefix(reason, prefix)
	if !ok {
		return "", reason
	}
	code, message, ok = strings.Cut(rest, "] ")
	if !ok || code == "" || strings.Contains(code, " ") {
		return "", reason
	}
	return code, message
}
