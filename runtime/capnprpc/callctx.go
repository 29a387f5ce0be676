package capnprpc

import (
	"context"
	"sync"
	"time"
)

// callCtx is the context of an incoming call whose base context can never
// be cancelled (the default, context.Background): the base's values and
// deadline, cancelled by the peer's Finish, the end of the call, or the end
// of the connection. It lives inside the call's answer, so serving a call
// costs one allocation rather than context.WithCancel's two, and it
// supports context.AfterFunc, so contexts derived from it need no
// goroutine. Code may keep it after the call: it is never reused.
type callCtx struct {
	base context.Context

	mu     sync.Mutex
	done   chan struct{} // made on first use
	err    error
	afters []*afterFunc
}

type afterFunc struct{ f func() }

var closedChan = func() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}()

func (c *callCtx) Deadline() (time.Time, bool) { return c.base.Deadline() }
func (c *callCtx) Value(key any) any           { return c.base.Value(key) }

func (c *callCtx) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		if c.err != nil {
			return closedChan
		}
		c.done = make(chan struct{})
	}
	return c.done
}

func (c *callCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// cancel cancels the context (once) and runs the AfterFuncs.
func (c *callCtx) cancel() {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = context.Canceled
	if c.done != nil {
		close(c.done)
	}
	afters := c.afters
	c.afters = nil
	c.mu.Unlock()
	for _, a := range afters {
		go a.f()
	}
}

// AfterFunc arranges for f to run in its own goroutine once the context
// is cancelled, as context.AfterFunc does; context uses it for children.
func (c *callCtx) AfterFunc(f func()) (stop func() bool) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		go f()
		return func() bool { return false }
	}
	a := &afterFunc{f: f}
	c.afters = append(c.afters, a)
	c.mu.Unlock()
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		for i, x := range c.afters {
			if x == a {
				c.afters = append(c.afters[:i], c.afters[i+1:]...)
				return true
			}
		}
		return false
	}
}
