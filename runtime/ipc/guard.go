package ipc

import (
	"fmt"

	"capnproto.org/go/capnp/v3"
	"capnproto.org/go/capnp/v3/rpc/transport"
	rpccp "capnproto.org/go/capnp/v3/std/capnp/rpc"
)

// Read budget of a received message. go-capnp charges every struct or list
// reached through a pointer against its message's traversal limit, each
// time it is reached; an element of a list of zero-sized structs or of
// Void counts as 8 bytes although it takes none in the message, and so
// does an element of a list of Bool, which takes one bit. Its default
// limit, 64 MiB whatever the message's size, lets a 48-byte message hold
// a list of 8 Mi zero-sized structs, for which generated code allocates 8
// Mi Go values (320 MiB for a small struct type).
//
// A connection instead gives every message it receives a budget of
// readBudgetFactor times its size, at least minReadBudget and at most
// maxReadBudget (go-capnp's default, so no message may be read further
// than before). The factor is 64 because a legitimate List(Bool) of n
// elements takes n/8 bytes and is charged 8n; every other list or struct
// that a message holds once is charged at most its size in the message.
// So a message read once, as generated code reads it, always fits, and
// what it can make generated code allocate is bounded by a constant times
// its size: a list of zero-sized structs can have at most 8 elements per
// byte of its message.
//
// The RPC layer, generated code and the debug log (which gets a budget of
// its own) read a message; a message whose reading exceeds the budget
// fails with "read traversal limit reached", which generated code returns
// as the call's error.
const (
	readBudgetFactor = 64
	minReadBudget    = 64 << 10
	maxReadBudget    = 64 << 20
)

// readBudget returns the traversal limit for a received message of size
// bytes: readBudgetFactor times size, clamped to [minReadBudget,
// maxReadBudget].
func readBudget(size uint64) uint64 {
	if size > maxReadBudget/readBudgetFactor {
		return maxReadBudget
	}
	return max(size*readBudgetFactor, minReadBudget)
}

// budgetReads sets the traversal limit of m to its read budget. It leaves
// the limit as it is if the message's size cannot be computed, which the
// decoder has already ruled out for a received message. m is nil for a
// received message whose root pointer is null, which reads as empty.
func budgetReads(m *capnp.Message) {
	if m == nil {
		return
	}
	if size, err := m.TotalSize(); err == nil {
		m.ResetReadLimit(readBudget(size))
	}
}

// guardedTransport is the innermost layer over a connection's stream
// transport. It refuses incoming messages that would crash the RPC layer
// and gives every other incoming message its read budget (see readBudget)
// before anyone reads it.
//
// Refusing a message makes RecvMessage fail: the RPC layer then reports
// the error to Options.Logger, sends the peer an Abort carrying it, and
// shuts the connection down, failing every call on it with
// ErrDisconnected. Nothing else in the process is affected.
type guardedTransport struct {
	transport.Transport
}

func (t guardedTransport) RecvMessage() (transport.IncomingMessage, error) {
	in, err := t.Transport.RecvMessage()
	if err != nil {
		return nil, err
	}
	m := in.Message()
	budgetReads(m.Message())
	if err := refuseHostile(m); err != nil {
		in.Release()
		return nil, err
	}
	budgetReads(m.Message()) // refuseHostile's reads are not the reader's
	return in, nil
}

// refuseHostile returns an error if m is a message the RPC layer
// (go-capnp v3.1.0-alpha.2) must not see: a Call whose target is the
// promised answer to its own question. The RPC layer enters the call's
// answer into its table before it looks up the target, finds the new
// answer there without a pipeline to call, and dereferences nil in a
// background goroutine, which takes down the whole process. By the
// protocol (rpc.capnp, MessageTarget.promisedAnswer) the target must be
// the answer to a question sent earlier; a call on the answer of an
// earlier question that has not returned yet (promise pipelining) passes.
// A question id that is unknown or finished the RPC layer refuses itself,
// with an error that ends the connection.
//
// A message it cannot read is not refused here: the RPC layer reports
// it.
func refuseHostile(m rpccp.Message) error {
	if m.Which() != rpccp.Message_Which_call {
		return nil
	}
	call, err := m.Call()
	if err != nil {
		return nil
	}
	target, err := call.Target()
	if err != nil || target.Which() != rpccp.MessageTarget_Which_promisedAnswer {
		return nil
	}
	promised, err := target.PromisedAnswer()
	if err != nil {
		return nil
	}
	if q := call.QuestionId(); promised.QuestionId() == q {
		return fmt.Errorf("ipc: hostile peer: call (question %d) targets the promised answer to itself; connection aborted", q)
	}
	return nil
}

// budgetedTransport gives every incoming message a fresh read budget
// after the layers it wraps have read it, so that the observers of an
// observedTransport (the debug log renders whole messages) do not use up
// the budget of the RPC layer and generated code.
type budgetedTransport struct {
	transport.Transport
}

func (t budgetedTransport) RecvMessage() (transport.IncomingMessage, error) {
	in, err := t.Transport.RecvMessage()
	if err != nil {
		return nil, err
	}
	budgetReads(in.Message().Message())
	return in, nil
}
