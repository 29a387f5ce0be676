package ipc

import (
	"sync"

	rpccp "capnproto.org/go/capnp/v3/std/capnp/rpc"
)

// bootstrapWatch tells a spawned child when its parent has released the
// child's bootstrap capability (its Init), which is the parent's way of
// saying "shut down".
//
// go-capnp (v3.1.0-alpha.2) offers no hook for this. The server behind
// the bootstrap capability learns when its last reference is gone
// (server.Shutdowner), but the rpc.Conn itself holds a reference to the
// bootstrap client until the connection closes, so that never happens
// while the parent is connected; and the references the parent holds are
// counted in the connection's export table, which go-capnp keeps to
// itself.
//
// So the watch keeps its own copy of that one entry by reading the RPC
// messages on the connection, following the protocol's reference counting
// (rpc.capnp: CapDescriptor, Release, Finish):
//
//   - The export ID of the bootstrap capability is the senderHosted (or
//     senderPromise) descriptor in the Return to the peer's Bootstrap.
//   - Each descriptor naming that ID in a message this side sends (the
//     capability tables of Call and Return payloads, and Resolve) gives the
//     peer one more reference.
//   - A Release of that ID from the peer takes referenceCount of them
//     back, and so does a Finish with releaseResultCaps for a Return that
//     carried some (or that is still to be sent).
//
// When the count drops to zero, one race remains: the RPC layer may have
// built a message that hands the capability out again but not sent it yet.
// The RPC layer builds every message between NewMessage and Release, so
// the watch numbers outgoing messages and, once the count is zero, waits
// for every message that existed at that moment to be released; if none of
// them handed out a new reference, the parent holds none, and released is
// closed. (A Return is created when its call arrives and released when the
// peer finishes it, so a call still running delays the decision until it
// returns: it could return the capability.) Zero is observed after the RPC
// layer has processed the Release or Finish (in the incoming message's
// Release), so a message created later cannot carry the old reference.
//
// Its methods are safe for concurrent use.
type bootstrapWatch struct {
	released chan struct{} // closed once the peer holds no reference

	mu      sync.Mutex
	fired   bool
	asked   map[uint32]bool       // Bootstrap questions not yet answered
	known   bool                  // export is set
	export  uint32                // export ID of the bootstrap capability
	refs    uint64                // references the peer holds
	answers map[uint32]answerRefs // the peer's questions, until Finish
	nextSeq uint64                // number of the next outgoing message
	live    map[uint64]struct{}   // outgoing messages not yet released
	waiting bool                  // refs is zero; waiting for older messages
	older   map[uint64]struct{}   // those older messages still live
}

// answerRefs is what the watch knows about one question the peer asked.
type answerRefs struct {
	returned      bool   // this side's Return has been sent
	refs          uint64 // references to the export in that Return
	finishRelease bool   // a Finish releasing the result caps came first
}

func newBootstrapWatch() *bootstrapWatch {
	return &bootstrapWatch{
		released: make(chan struct{}),
		asked:    make(map[uint32]bool),
		answers:  make(map[uint32]answerRefs),
		live:     make(map[uint64]struct{}),
	}
}

// created numbers a new outgoing message.
func (w *bootstrapWatch) created() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	seq := w.nextSeq
	w.nextSeq++
	if !w.fired {
		w.live[seq] = struct{}{}
	}
	return seq
}

// gone records that outgoing message seq was released, sent or not.
func (w *bootstrapWatch) gone(seq uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.live, seq)
	if w.waiting {
		delete(w.older, seq)
		w.check()
	}
}

// sent counts the references to the bootstrap capability in m, a message
// about to be sent.
func (w *bootstrapWatch) sent(m rpccp.Message) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fired {
		return
	}
	switch m.Which() {
	case rpccp.Message_Which_return:
		r, err := m.Return()
		if err != nil {
			return
		}
		id := r.AnswerId()
		var n uint64
		if r.Which() == rpccp.Return_Which_results {
			if p, err := r.Results(); err == nil {
				if table, err := p.CapTable(); err == nil {
					if w.asked[id] && !w.known && table.Len() > 0 {
						if e, ok := exportID(table.At(0)); ok {
							w.export, w.known = e, true
						}
					}
					n = w.count(table)
				}
			}
		}
		delete(w.asked, id)
		a, ok := w.answers[id]
		delete(w.answers, id)
		switch {
		case ok && a.finishRelease:
			// The peer finished the question releasing its result caps
			// before this Return went out: the RPC layer releases these
			// references as it sends them, so the count does not change.
		case ok && n > 0:
			// A Finish may still release them: remember how many.
			w.answers[id] = answerRefs{returned: true, refs: n}
			w.add(n)
		default:
			// Either nothing to count, or the peer finished the question
			// without releasing result caps: it will Release them itself.
			w.add(n)
		}
	case rpccp.Message_Which_call:
		c, err := m.Call()
		if err != nil {
			return
		}
		if p, err := c.Params(); err == nil {
			if table, err := p.CapTable(); err == nil {
				w.add(w.count(table))
			}
		}
	case rpccp.Message_Which_resolve:
		r, err := m.Resolve()
		if err != nil || r.Which() != rpccp.Resolve_Which_cap {
			return
		}
		if d, err := r.Cap(); err == nil {
			if e, ok := exportID(d); ok && w.known && e == w.export {
				w.add(1)
			}
		}
	}
}

// received notes m, a message just received, and returns what to do once
// the RPC layer has handled it, or nil.
func (w *bootstrapWatch) received(m rpccp.Message) (after func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fired {
		return nil
	}
	switch m.Which() {
	case rpccp.Message_Which_bootstrap:
		b, err := m.Bootstrap()
		if err != nil {
			return nil
		}
		w.asked[b.QuestionId()] = true
		w.answers[b.QuestionId()] = answerRefs{}
	case rpccp.Message_Which_call:
		c, err := m.Call()
		if err != nil {
			return nil
		}
		w.answers[c.QuestionId()] = answerRefs{}
	case rpccp.Message_Which_release:
		r, err := m.Release()
		if err != nil {
			return nil
		}
		id, n := r.Id(), uint64(r.ReferenceCount())
		return func() { w.dropExport(id, n) }
	case rpccp.Message_Which_finish:
		f, err := m.Finish()
		if err != nil {
			return nil
		}
		id, release := f.QuestionId(), f.ReleaseResultCaps()
		return func() { w.finish(id, release) }
	}
	return nil
}

// dropExport applies a Release of n references to export id.
func (w *bootstrapWatch) dropExport(id uint32, n uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fired || !w.known || id != w.export {
		return
	}
	w.drop(n)
}

// finish applies a Finish of the peer's question id.
func (w *bootstrapWatch) finish(id uint32, release bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fired {
		return
	}
	a, ok := w.answers[id]
	if !ok {
		return
	}
	if !a.returned {
		if release {
			a.finishRelease = true
			w.answers[id] = a
		} else {
			delete(w.answers, id)
		}
		return
	}
	delete(w.answers, id)
	if release && a.refs > 0 {
		w.drop(a.refs)
	}
}

// count returns how many descriptors in table name the export.
func (w *bootstrapWatch) count(table rpccp.CapDescriptor_List) uint64 {
	if !w.known {
		return 0
	}
	var n uint64
	for i := range table.Len() {
		if e, ok := exportID(table.At(i)); ok && e == w.export {
			n++
		}
	}
	return n
}

// add records n more references; the caller holds w.mu.
func (w *bootstrapWatch) add(n uint64) {
	if n == 0 {
		return
	}
	w.refs += n
	w.waiting = false
	w.older = nil
}

// drop records n fewer references; the caller holds w.mu.
func (w *bootstrapWatch) drop(n uint64) {
	if n >= w.refs {
		w.refs = 0
	} else {
		w.refs -= n
		return
	}
	if !w.waiting {
		w.waiting = true
		w.older = make(map[uint64]struct{}, len(w.live))
		for seq := range w.live {
			w.older[seq] = struct{}{}
		}
	}
	w.check()
}

// check fires once no reference is left and every older message is gone;
// the caller holds w.mu.
func (w *bootstrapWatch) check() {
	if w.fired || !w.waiting || w.refs != 0 || len(w.older) != 0 {
		return
	}
	w.fired = true
	w.asked, w.answers, w.live, w.older = nil, nil, nil, nil
	close(w.released)
}

// exportID returns the export a descriptor names, if it names one.
func exportID(d rpccp.CapDescriptor) (uint32, bool) {
	switch d.Which() {
	case rpccp.CapDescriptor_Which_senderHosted:
		return d.SenderHosted(), true
	case rpccp.CapDescriptor_Which_senderPromise:
		return d.SenderPromise(), true
	}
	return 0, false
}
