package capnprpc

import (
	"context"

	"capnproto.org/go/capnp/v3"
)

// CallHooks lets a protocol convention layered on Cap'n Proto RPC take
// part in every call of one connection: the libmultiprocess dialect
// (runtime/mpthread) puts a Context{thread, callbackThread} into
// parameter @0 of each call it sends and reads the peer's callbackThread
// out of each call it receives. Set it in Options.Hooks; nil means none.
//
// Both methods run on the engine's own paths, sometimes on the
// connection's reader goroutine: they must not block on the network
// (they may send calls, e.g. pipelined ones, but not wait for answers),
// and they must not call Conn.Close.
type CallHooks interface {
	// Outgoing is called for every call sent on the connection — made
	// with Capability.Call or Send, or forwarded from another connection
	// or back to this one — once its params struct is complete and before
	// the Call message is written. ctx is the call's context (for a
	// forwarded call, that of the incoming call being forwarded). It may
	// change params, adding capabilities with AddCapability. A non-nil
	// error fails the call without sending it. done, when not nil, is
	// called once when the engine forgets the question (after its Return
	// and Finish, or when the connection ends); it runs with the
	// connection's lock held and must only do bookkeeping.
	Outgoing(ctx context.Context, ifaceID uint64, methodID uint16, params capnp.Struct) (done func(), err error)

	// Incoming is called for every call received on the connection, on
	// the reader goroutine with the connection's lock held (it may read
	// the params and take capabilities out with CapabilityAt; nothing
	// else of the engine), before the call is queued or delivered, with the context the call will be
	// served with (a child of Options.BaseContext, cancelled when the call
	// returns or is finished early); it returns the context to serve the
	// call with, which must be ctx or derived from it. call's params and
	// capability table are readable; the capabilities it takes out with
	// CapabilityAt are its own to release (context.AfterFunc(ctx, …)
	// releases them when the call ends).
	Incoming(ctx context.Context, call *Call) context.Context
}

// outgoingHook runs Options.Hooks.Outgoing for the call being built into
// params and keeps its done func on q.
func (c *Conn) outgoingHook(ctx context.Context, q *question, spec *callSpec, params capnp.Ptr) error {
	if c.hooks == nil {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	done, err := c.hooks.Outgoing(ctx, spec.ifaceID, spec.methodID, params.Struct())
	if err != nil {
		if done != nil {
			done()
		}
		return err
	}
	q.onDone = done
	return nil
}

// incomingHook runs Options.Hooks.Incoming for call.
func (c *Conn) incomingHook(call *Call) {
	if c.hooks != nil {
		call.ctx = c.hooks.Incoming(call.ctx, call)
	}
}
