package capnprpc

import "context"

// Resolve waits until c is no longer an unresolved promise, or ctx is
// done (its error then). It returns the exception a promise resolved to
// (a failed bootstrap, a connection that went away), or nil once c is a
// capability. A nil c returns nil at once.
//
// It wakes when the promise resolves (or its embargo lifts), without
// polling.
func (c *Capability) Resolve(ctx context.Context) error {
	if c == nil {
		return nil
	}
	for {
		n := c.n.settle()
		switch {
		case n.kind == kindBroken:
			return n.err
		case !n.isPromise():
			return nil
		}
		if err := waitChan(ctx, n.changed()); err != nil {
			return err
		}
	}
}

// Released reports whether this reference was released.
func (c *Capability) Released() bool { return c != nil && c.released.Load() }
