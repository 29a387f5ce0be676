package capnprpc

import (
	"context"
	"time"
)

// Resolve waits until c is no longer an unresolved promise, or ctx is
// done (its error then). It returns the exception a promise resolved to
// (a failed bootstrap, a connection that went away), or nil once c is a
// capability. A nil c returns nil at once.
//
// It polls the promise every millisecond: it is meant for a connection's
// start (Spawn waits for the child's bootstrap with it), not for calls.
func (c *Capability) Resolve(ctx context.Context) error {
	if c == nil {
		return nil
	}
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		n := c.n.settle()
		switch {
		case n.kind == kindBroken:
			return n.err
		case !n.isPromise():
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// Released reports whether this reference was released.
func (c *Capability) Released() bool { return c != nil && c.released.Load() }
