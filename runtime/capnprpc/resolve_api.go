package capnprpc

import "context"

// Resolve waits until c is no longer an unresolved promise, or ctx is
// done (its error then). It returns the exception a promise resolved to
// (a failed bootstrap, a connection that went away), or nil once c is a
// capability. A nil c returns nil at once.
func (c *Capability) Resolve(ctx context.Context) error { panic("engine") }
