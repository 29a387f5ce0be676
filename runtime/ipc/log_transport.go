package ipc

import (
	"sync"

	"capnproto.org/go/capnp/v3/rpc/transport"
	rpccp "capnproto.org/go/capnp/v3/std/capnp/rpc"
)

// observedTransport passes every RPC message through to the transport it
// wraps and shows it on the way to up to three observers, each optional:
// the debug log, the count of calls in progress that a Listener's
// Shutdown waits on, and the watch that tells ServeSpawned when the parent
// has released the bootstrap capability. A connection with none of them
// uses the plain transport, so observing costs nothing unless asked for.
//
// Outgoing messages are observed in Send, when the RPC layer has finished
// building them and before they reach the stream; incoming ones in
// RecvMessage, before the RPC layer sees them, and (for the bootstrap
// watch) again in Release, after the RPC layer has acted on them.
type observedTransport struct {
	transport.Transport
	log   *messageLog     // nil: no debug log
	calls *callCounter    // nil: calls are not counted
	boot  *bootstrapWatch // nil: releases are not watched
}

func (t *observedTransport) NewMessage() (transport.OutgoingMessage, error) {
	m, err := t.Transport.NewMessage()
	if err != nil {
		return nil, err
	}
	o := &observedOutgoing{OutgoingMessage: m, t: t}
	if t.boot != nil {
		o.seq = t.boot.created()
	}
	return o, nil
}

func (t *observedTransport) RecvMessage() (transport.IncomingMessage, error) {
	in, err := t.Transport.RecvMessage()
	if err != nil {
		return nil, err
	}
	m := in.Message()
	if t.log != nil {
		t.log.observe(m, false)
	}
	if t.calls != nil {
		switch m.Which() {
		case rpccp.Message_Which_call, rpccp.Message_Which_bootstrap:
			t.calls.add(1)
		}
	}
	if t.boot != nil {
		if after := t.boot.received(m); after != nil {
			return &observedIncoming{IncomingMessage: in, after: after}, nil
		}
	}
	return in, nil
}

// observedOutgoing is an outgoing message on an observedTransport. The RPC
// layer calls Send at most once and Release once or more, never
// concurrently for one message.
type observedOutgoing struct {
	transport.OutgoingMessage
	t        *observedTransport
	seq      uint64 // number given by the bootstrap watch
	sent     bool
	released bool
}

func (o *observedOutgoing) Send() error {
	if o.released {
		return o.OutgoingMessage.Send() // which panics, as it must
	}
	m := o.Message()
	if o.t.log != nil {
		o.t.log.observe(m, true)
	}
	if o.t.boot != nil {
		o.t.boot.sent(m) // before the peer can see the references
	}
	isReturn := o.t.calls != nil && m.Which() == rpccp.Message_Which_return
	err := o.OutgoingMessage.Send()
	o.sent = true
	if isReturn {
		// Only now: a Listener's Shutdown closes the connection once
		// the count is zero, and the return must have been written.
		o.t.calls.add(-1)
	}
	return err
}

func (o *observedOutgoing) Release() {
	if !o.released {
		o.released = true
		if o.t.calls != nil && !o.sent && o.Message().Which() == rpccp.Message_Which_return {
			o.t.calls.add(-1) // a return dropped unsent still ends its call
		}
		if o.t.boot != nil {
			o.t.boot.gone(o.seq)
		}
	}
	o.OutgoingMessage.Release()
}

// observedIncoming is an incoming message whose effect the bootstrap watch
// applies once the RPC layer has handled it, which is when the RPC layer
// releases it.
type observedIncoming struct {
	transport.IncomingMessage
	once  sync.Once
	after func()
}

func (in *observedIncoming) Release() {
	in.once.Do(in.after)
	in.IncomingMessage.Release()
}
