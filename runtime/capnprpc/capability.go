package capnprpc

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"capnproto.org/go/capnp/v3"
)

// nodeKind says what a node is.
type nodeKind uint8

const (
	// kindLocal is a capability served by a Server in this process.
	kindLocal nodeKind = iota
	// kindImport is a capability (or, with promise set, a promise) the
	// peer of conn exported to us as importID.
	kindImport
	// kindPipeline is a promise for a capability in the results of one of
	// our questions, found by following transform.
	kindPipeline
	// kindAnswerPromise is a promise for a capability in the results of
	// one of our answers that has not returned yet (a receiverAnswer
	// descriptor); it resolves when the answer does.
	kindAnswerPromise
	// kindBroken is a capability whose calls all fail with err.
	kindBroken
	// kindResults is not a capability: it carries an answer's kept
	// results message to be released outside conn.mu.
	kindResults
)

// node is a capability; Capabilities are references to nodes. refs
// counts the references (Capabilities, message tables, exports, running
// calls); the last release runs the kind's clean-up.
type node struct {
	refs atomic.Int64
	kind nodeKind

	server       Server // kindLocal
	shutdownOnce sync.Once

	conn      *Conn      // kindImport, kindPipeline, kindAnswerPromise
	importID  uint32     // kindImport
	q         *question  // kindPipeline
	transform []uint16   // kindPipeline, kindAnswerPromise
	err       error      // kindBroken
	results   *engineMsg // kindResults

	// Promise state (kindImport with promise, kindPipeline,
	// kindAnswerPromise), guarded by mu. A remote call through an
	// unresolved promise is written while mu is held, so that resolution
	// (and its embargo) never overtakes a call in flight.
	mu        sync.Mutex
	promise   bool
	resolved  *node         // the resolution, a reference this node owns
	settled   chan struct{} // closed when resolved: made with a kindAnswerPromise, on demand (changed) for others
	embargo   chan struct{} // non-nil while calls wait for a Disembargo
	sentCalls bool          // a call went through the unresolved promise
}

func newNode(kind nodeKind) *node {
	n := &node{kind: kind}
	n.refs.Store(1)
	return n
}

func brokenNode(err error) *node {
	n := newNode(kindBroken)
	n.err = err
	return n
}

// tryAddRef adds a reference unless the node is already dead.
func (n *node) tryAddRef() bool {
	for {
		r := n.refs.Load()
		if r <= 0 {
			return false
		}
		if n.refs.CompareAndSwap(r, r+1) {
			return true
		}
	}
}

func (n *node) addRef() *node {
	n.refs.Add(1)
	return n
}

func (n *node) release() {
	if n.kind == kindResults {
		n.results.release()
		return
	}
	if r := n.refs.Add(-1); r > 0 {
		return
	} else if r < 0 {
		panic("capnprpc: capability released too many times")
	}
	switch n.kind {
	case kindLocal:
		if s, ok := n.server.(Shutdowner); ok {
			n.shutdownOnce.Do(s.Shutdown)
		}
	case kindImport:
		n.conn.releaseImport(n)
	case kindPipeline, kindAnswerPromise:
		n.mu.Lock()
		r := n.resolved
		n.resolved = nil
		n.mu.Unlock()
		if r != nil {
			r.release()
		}
		if n.kind == kindPipeline {
			n.conn.dropPipeline(n)
		} else {
			n.conn.dropAnswerPromise(n)
		}
	}
	if n.kind == kindImport && n.promise {
		n.mu.Lock()
		r := n.resolved
		n.resolved = nil
		n.mu.Unlock()
		if r != nil {
			r.release()
		}
	}
}

// isPromise reports whether the node may resolve to another.
func (n *node) isPromise() bool {
	switch n.kind {
	case kindPipeline, kindAnswerPromise:
		return true
	case kindImport:
		return n.promise
	}
	return false
}

// resolve settles the promise n to r (taking over the reference r) and
// reports whether calls made through n need an embargo: they went to the
// peer of conn, and r is not on that peer.
func (n *node) resolve(r *node) (embargo bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.resolved != nil || n.refs.Load() <= 0 {
		// Already settled, or dead: drop the resolution.
		go r.release()
		return false
	}
	n.resolved = r
	if n.settled != nil {
		close(n.settled)
	}
	if n.sentCalls && r.kind != kindBroken && !(r.onConn(n.conn)) {
		n.embargo = make(chan struct{})
		return true
	}
	if n.sentCalls && r.isPromise() && r.onConn(n.conn) {
		// Calls sent to n now wait at the peer's promise r: if r later
		// resolves to something of ours, they need the embargo too.
		r.mu.Lock()
		r.sentCalls = true
		r.mu.Unlock()
	}
	return false
}

// onConn reports whether calls on n go to the peer of c.
func (n *node) onConn(c *Conn) bool {
	switch n.kind {
	case kindImport:
		return n.conn == c
	case kindPipeline:
		return n.conn == c
	}
	return false
}

// liftEmbargo lets calls through n again.
func (n *node) liftEmbargo() {
	n.mu.Lock()
	if n.embargo != nil {
		close(n.embargo)
		n.embargo = nil
	}
	n.mu.Unlock()
}

// settle follows n's resolutions as far as they are known and usable:
// it returns the node to call and, if that node is an unresolved promise,
// leaves it as is.
func (n *node) settle() *node {
	for n.isPromise() {
		n.mu.Lock()
		r := n.resolved
		emb := n.embargo
		n.mu.Unlock()
		if r == nil || emb != nil {
			return n
		}
		n = r
	}
	return n
}

// changed returns a channel that is closed when what settle returns for
// n may change: n's resolution arrives, or its embargo lifts. n is a
// promise as settle returned it.
func (n *node) changed() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch {
	case n.embargo != nil:
		return n.embargo
	case n.resolved != nil:
		return closedChan
	case n.settled == nil:
		n.settled = make(chan struct{})
	}
	return n.settled
}

// Capability is defined in api.go's contract; its fields are these.

// NewLocal returns the first reference to a capability served by s.
func newLocal(s Server) *Capability {
	n := newNode(kindLocal)
	n.server = s
	return &Capability{n: n}
}

// AddRef returns a new reference to the same capability.
func (c *Capability) addRef() *Capability {
	if c == nil {
		return nil
	}
	if c.released.Load() && !c.n.tryAddRef() {
		// A reference used after its Release, when no other remains.
		return &Capability{n: brokenNode(&Exception{Type: Failed, Reason: "AddRef of a released capability"})}
	} else if c.released.Load() {
		return &Capability{n: c.n}
	}
	return &Capability{n: c.n.addRef()}
}

// Release drops this reference. When the last reference to an imported
// capability goes, the peer gets a Release; when the last to a local one
// goes (and the peer holds none), its Server's Shutdown runs. A second
// Release of the same reference does nothing.
func (c *Capability) release() {
	if c == nil || c.released.Swap(true) {
		return
	}
	c.n.release()
}

// Server returns the Server behind c when c is (or has resolved to) a
// capability hosted in this process.
func (c *Capability) server() (Server, bool) {
	if c == nil {
		return nil, false
	}
	n := c.n.settle()
	if n.kind == kindLocal {
		return n.server, true
	}
	return nil, false
}

var errNullCap = &Exception{Type: Failed, Reason: "call on a null capability"}

// Call calls method m on c and waits for the answer; see api.go.
func (c *Capability) call(ctx context.Context, m *Method, params func(capnp.Struct) error, results func(capnp.Struct) error) error {
	if c == nil {
		return errNullCap
	}
	if err := ctx.Err(); err != nil {
		return err // done already: make no call
	}
	spec := callSpec{ifaceID: m.InterfaceID, methodID: m.MethodID, size: m.ParamsSize, params: params, results: results}
	return callNode(ctx, c.n, &spec)
}

// callSpec is one call: what to call and how to fill params and read
// results. Either params/results, or the copy fields (forwarding a call
// that arrived on a connection) are used.
type callSpec struct {
	ifaceID  uint64
	methodID uint16
	size     capnp.ObjectSize
	params   func(capnp.Struct) error
	results  func(capnp.Struct) error

	// Forwarding: params are a copy of fwd's params, results are copied
	// into fwd's results.
	fwd *Call
}

// waitSettled blocks while n is embargoed or an unresolved answer
// promise; it returns false when ctx ends first.
func waitChan(ctx context.Context, ch <-chan struct{}) error {
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// callNode makes the call spec on n and waits for its answer.
func callNode(ctx context.Context, n *node, spec *callSpec) error {
	for {
		switch n.kind {
		case kindLocal:
			return callLocal(ctx, n, spec)
		case kindBroken:
			return n.err
		}
		if !n.isPromise() {
			q, err := n.conn.sendCall(ctx, n, spec, false)
			if err != nil {
				return err
			}
			return n.conn.waitAnswer(ctx, q, spec)
		}
		n.mu.Lock()
		if n.resolved != nil {
			r, emb := n.resolved, n.embargo
			n.mu.Unlock()
			if emb != nil {
				if err := waitChan(ctx, emb); err != nil {
					return err
				}
				continue
			}
			n = r
			continue
		}
		if n.kind == kindAnswerPromise {
			ch := n.settled
			n.mu.Unlock()
			if err := waitChan(ctx, ch); err != nil {
				return err
			}
			continue
		}
		n.sentCalls = true
		q, err := n.conn.sendCall(ctx, n, spec, false)
		n.mu.Unlock()
		if err != nil {
			return err
		}
		return n.conn.waitAnswer(ctx, q, spec)
	}
}

// localError is what a local call returns for a Dispatch error.
func localError(err error) error {
	var e *Exception
	if errors.As(err, &e) {
		return err
	}
	return &Exception{Type: Failed, Reason: err.Error(), Cause: err}
}

// callLocal runs spec on the Server of n in the calling goroutine.
func callLocal(ctx context.Context, n *node, spec *callSpec) error {
	call := getCall()
	call.ifaceID, call.methodID = spec.ifaceID, spec.methodID
	if spec.fwd != nil {
		// The forwarded call's params serve as they are.
		call.params = spec.fwd.params
	} else {
		pm, seg := newOutMsg()
		call.in = pm
		st, err := capnp.NewRootStruct(seg, spec.size)
		if err == nil && spec.params != nil {
			err = spec.params(st)
		}
		if err != nil {
			putCall(call)
			return err
		}
		call.params = st
	}
	n.addRef()
	err := n.server.Dispatch(ctx, call)
	if err == nil {
		if call.out == nil {
			_, err = call.AllocResults(capnp.ObjectSize{})
		}
		if err == nil {
			if spec.fwd != nil {
				err = spec.fwd.copyResults(call.out, call.results.ToPtr())
			} else if spec.results != nil {
				err = spec.results(call.results)
			}
		}
	} else {
		err = localError(err)
	}
	putCall(call)
	n.release()
	return err
}

// Send starts a call without waiting for it, for pipelining.
func (c *Capability) send(ctx context.Context, m *Method, params func(capnp.Struct) error) *Answer {
	if c == nil {
		return &Answer{answerState: answerState{err: errNullCap}}
	}
	spec := callSpec{ifaceID: m.InterfaceID, methodID: m.MethodID, size: m.ParamsSize, params: params}
	n := c.n
	for {
		switch n.kind {
		case kindLocal:
			return sendLocal(ctx, n, &spec)
		case kindBroken:
			return &Answer{answerState: answerState{err: n.err}}
		}
		if !n.isPromise() {
			q, err := n.conn.sendCall(ctx, n, &spec, false)
			if err != nil {
				return &Answer{answerState: answerState{err: err}}
			}
			return &Answer{answerState: answerState{q: q}}
		}
		n.mu.Lock()
		if n.resolved != nil {
			r, emb := n.resolved, n.embargo
			n.mu.Unlock()
			if emb != nil {
				if err := waitChan(ctx, emb); err != nil {
					return &Answer{answerState: answerState{err: err}}
				}
				continue
			}
			n = r
			continue
		}
		if n.kind == kindAnswerPromise {
			ch := n.settled
			n.mu.Unlock()
			if err := waitChan(ctx, ch); err != nil {
				return &Answer{answerState: answerState{err: err}}
			}
			continue
		}
		n.sentCalls = true
		q, err := n.conn.sendCall(ctx, n, &spec, false)
		n.mu.Unlock()
		if err != nil {
			return &Answer{answerState: answerState{err: err}}
		}
		return &Answer{answerState: answerState{q: q}}
	}
}

// sendLocal runs a local call to completion and keeps its results for
// the Answer.
func sendLocal(ctx context.Context, n *node, spec *callSpec) *Answer {
	a := &Answer{}
	call := getCall()
	call.ifaceID, call.methodID = spec.ifaceID, spec.methodID
	pm, seg := newOutMsg()
	call.in = pm
	st, err := capnp.NewRootStruct(seg, spec.size)
	if err == nil && spec.params != nil {
		err = spec.params(st)
	}
	if err != nil {
		putCall(call)
		a.err = err
		return a
	}
	call.params = st
	n.addRef()
	err = n.server.Dispatch(ctx, call)
	if err == nil && call.out == nil {
		_, err = call.AllocResults(capnp.ObjectSize{})
	}
	if err != nil {
		a.err = localError(err)
	} else {
		a.local = call.out
		a.content = call.results.ToPtr()
		call.out = nil
	}
	putCall(call)
	n.release()
	return a
}

// answerState is Answer's fields.
type answerState struct {
	q   *question // remote
	err error     // failed before it was sent, or local failure

	local   *engineMsg // results of a local call
	content capnp.Ptr

	released bool
}

// Wait waits for the answer and hands its results struct to results (which
// may be nil), like Call.
func (a *Answer) wait(ctx context.Context, results func(capnp.Struct) error) error {
	if a.err != nil {
		return a.err
	}
	if a.q == nil {
		if results != nil {
			return results(a.content.Struct())
		}
		return nil
	}
	if err := a.q.conn.awaitReturn(ctx, a.q); err != nil {
		return err
	}
	if a.q.err != nil {
		return a.q.err
	}
	if results != nil {
		return results(a.q.content.Struct())
	}
	return nil
}

// Pipeline returns a promise for the capability at path in the results;
// see api.go.
func (a *Answer) pipeline(path []uint16) *Capability {
	if a.err != nil {
		return &Capability{n: brokenNode(a.err)}
	}
	if a.q == nil {
		return &Capability{n: capInContent(a.local, a.content, path)}
	}
	return &Capability{n: a.q.conn.pipeline(a.q, path)}
}

// Release finishes the question (Finish at once if the answer has not been
// consumed) and drops the answer's results.
func (a *Answer) release() {
	if a.released {
		return
	}
	a.released = true
	if a.q != nil {
		a.q.conn.releaseQuestion(a.q, false)
		a.q = nil
	}
	if a.local != nil {
		a.local.release()
		a.local = nil
	}
}

// capInContent returns a new reference to the capability found by
// following path from content in m, or a broken node.
func capInContent(m *engineMsg, content capnp.Ptr, path []uint16) *node {
	p := content
	for _, i := range path {
		s := p.Struct()
		if !s.IsValid() {
			return brokenNode(&Exception{Type: Failed, Reason: "pipelined capability is not in the results (not a struct)"})
		}
		var err error
		p, err = s.Ptr(i)
		if err != nil {
			return brokenNode(&Exception{Type: Failed, Reason: "pipelined capability: " + err.Error()})
		}
	}
	iface := p.Interface()
	if !iface.IsValid() {
		return brokenNode(&Exception{Type: Failed, Reason: "pipelined capability is null"})
	}
	id := int(iface.Capability())
	if m == nil || id >= len(m.caps) || m.caps[id] == nil {
		return brokenNode(&Exception{Type: Failed, Reason: "pipelined capability is null"})
	}
	return m.caps[id].n.addRef()
}

// AddCapability puts c into the capability table of msg; see api.go.
func addCapability(msg *capnp.Message, c *Capability) (capnp.CapabilityID, error) {
	m := engineMsgOf(msg)
	if m == nil {
		return 0, errors.New("capnprpc: AddCapability on a message the engine did not make")
	}
	m.caps = append(m.caps, c)
	return capnp.CapabilityID(len(m.caps) - 1), nil
}

// CapabilityAt returns a new reference to the capability at index id of
// msg's capability table; see api.go.
func capabilityAt(msg *capnp.Message, id capnp.CapabilityID) *Capability {
	m := engineMsgOf(msg)
	if m == nil || int(id) >= len(m.caps) || m.caps[id] == nil {
		return nil
	}
	return m.caps[id].AddRef()
}

func (e *Exception) message() string {
	var name string
	switch e.Type {
	case Failed:
		name = "failed"
	case Overloaded:
		name = "overloaded"
	case Disconnected:
		name = "disconnected"
	case Unimplemented:
		name = "unimplemented"
	default:
		name = "exception"
	}
	if e.Remote {
		return "remote " + name + ": " + e.Reason
	}
	return name + ": " + e.Reason
}
