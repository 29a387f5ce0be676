package ipc

import "github.com/ifacegen/ifacegen/runtime/internal/sentinel"

// Sentinel errors (//ipc:error) cross the wire inside the reason text of
// the Cap'n Proto exception that carries a failed call, as
//
//	[ipc:error <code>] <message>
//
// where <code> is the sentinel's import path and name
// ("example.com/mining.ErrNotReady") and <message> is the returned error's
// Error() text. Generated packages register their sentinels and generated
// servers add the prefix (runtime/ipcimpl: RegisterError, ServerError;
// runtime/internal/sentinel holds the registry and the encoding). The
// caller's CallError strips the prefix: the *RemoteError it returns has
// Message <message>, Code <code>, and unwraps to the sentinel registered
// under <code> in the calling process, if any, so errors.Is(err,
// mining.ErrNotReady) holds there too. An error that wraps
// ErrUnimplemented crosses the same way, in an exception of Cap'n Proto's
// type "unimplemented".

// lookupSentinel returns the sentinel registered under code (ErrUnimplemented
// for its own code), or nil.
func lookupSentinel(code string) error {
	if code == sentinel.UnimplementedCode {
		return ErrUnimplemented
	}
	return sentinel.Lookup(code)
}
