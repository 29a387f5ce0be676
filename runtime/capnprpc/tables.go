package capnprpc

import (
	"context"
	"fmt"
	"sync"

	"capnproto.org/go/capnp/v3"
	rpccp "capnproto.org/go/capnp/v3/std/capnp/rpc"
)

// question is a call (or Bootstrap) we sent, awaiting or holding its
// Return. refs counts its holders (the caller or Answer, unresolved
// pipeline promises, calls being written through them); when the last
// goes, Finish is sent. Its id is reused once the Return has arrived and
// the Finish has been written. Fields are guarded by conn.mu.
type question struct {
	conn  *Conn
	id    uint32
	refs  int
	ready chan struct{} // receives one token when the Return (or the end) comes

	returned      bool
	noFinish      bool // the Return said noFinishNeeded
	delivered     bool // the Return has been handed to the caller (ready sent)
	redirected    bool // a takeFromOtherQuestion Return came: its results are on their way
	finishing     bool
	finishWritten bool

	ret     *engineMsg // the Return, owned until the question is freed
	content capnp.Ptr  // the results' content
	err     error      // the exception, if any

	paramExports []uint32 // exports in the Call's params (releaseParamCaps)
	pipelines    []*node  // unresolved kindPipeline promises on this question
	onDone       func()   // CallHooks.Outgoing's done, or nil
}

// export is one capability we exported: node is a reference held for the
// peer, refs the count of references the peer holds.
type export struct {
	node *node
	refs uint32
}

// importEntry is one capability the peer exported to us. remote counts
// the descriptors received (what a Release must give back); node is the
// local node for it, which may have died (refs 0) while a descriptor for
// the same id was on its way.
type importEntry struct {
	node   *node
	remote uint32
}

// answer is a question the peer asked us. Fields are guarded by conn.mu.
type answer struct {
	id uint32
	// The call's context: ctx when its base cannot be cancelled, else one
	// from context.WithCancel with stdCancel.
	ctx       callCtx
	stdCancel context.CancelFunc

	// result is set when the results (or exception) are known; queue
	// holds pipelined calls that arrived before, delivered in order.
	ready      bool
	result     *engineMsg // results message (kept while it has capabilities)
	content    capnp.Ptr
	err        error
	queue      []*Call
	promises   []*node // kindAnswerPromise nodes waiting for this answer
	returnSent bool    // the Return is written or being written
	sendDone   bool    // the Return is written
	finished   bool
	forgotten  bool

	releaseResultCaps bool
	resultExports     []uint32

	// tail: the call was sent with sendResultsTo.yourself. redirects are
	// our questions the peer answered with takeFromOtherQuestion naming
	// this answer before it returned; they get its results when it does.
	tail      bool
	redirects []*question
}

// newQuestion allocates a question id; conn.mu is held.
func (c *Conn) newQuestionLocked() (*question, error) {
	if c.closed {
		return nil, disconnected(c.err)
	}
	if c.nq >= c.lim.questions {
		return nil, &Exception{Type: Overloaded, Reason: fmt.Sprintf("too many outstanding calls on this connection (MaxQuestions %d)", c.lim.questions)}
	}
	q := questionPool.Get().(*question)
	if n := len(c.qfree); n > 0 {
		q.id = c.qfree[n-1]
		c.qfree = c.qfree[:n-1]
		c.questions[q.id] = q
	} else {
		q.id = uint32(len(c.questions))
		c.questions = append(c.questions, q)
	}
	q.conn = c
	q.refs = 1
	c.nq++
	return q, nil
}

// freeQuestionLocked forgets q once its Return has come and its Finish
// was written; conn.mu is held. It returns the Return message to release.
func (c *Conn) freeQuestionLocked(q *question) *engineMsg {
	if int(q.id) < len(c.questions) && c.questions[q.id] == q {
		c.questions[q.id] = nil
		c.qfree = append(c.qfree, q.id)
		c.nq--
	}
	ret := q.ret
	if q.onDone != nil {
		q.onDone()
	}
	*q = question{ready: q.ready, paramExports: q.paramExports[:0]}
	select {
	case <-q.ready:
	default:
	}
	questionPool.Put(q)
	return ret
}

// releaseQuestion drops one reference to q; the last sends Finish.
func (c *Conn) releaseQuestion(q *question, async bool) {
	c.mu.Lock()
	q.refs--
	if q.refs > 0 {
		c.mu.Unlock()
		return
	}
	if c.closed {
		ret := c.freeQuestionLocked(q)
		c.mu.Unlock()
		if ret != nil {
			ret.release()
		}
		return
	}
	q.finishing = true
	id := q.id
	if q.returned && q.noFinish {
		// The peer has forgotten the question already.
		q.finishWritten = true
		ret := c.freeQuestionLocked(q)
		c.mu.Unlock()
		if ret != nil {
			ret.release()
		}
		return
	}
	c.mu.Unlock()

	// The Finish goes to the writer goroutine: the caller need not wait
	// for its write, and it often shares a write with the next Call.
	_ = async
	c.sendFinish(id, true)

	c.mu.Lock()
	q.finishWritten = true
	var ret *engineMsg
	if q.returned {
		ret = c.freeQuestionLocked(q)
	}
	c.mu.Unlock()
	if ret != nil {
		ret.release()
	}
}

func (c *Conn) sendFinish(id uint32, async bool) {
	m, seg := newOutMsg()
	defer m.release()
	root, err := rpccp.NewRootMessage(seg)
	if err != nil {
		return
	}
	f, err := root.NewFinish()
	if err != nil {
		return
	}
	f.SetQuestionId(id)
	f.SetReleaseResultCaps(false)
	f.SetRequireEarlyCancellationWorkaround(false)
	c.sendMsg(m, async)
}

// awaitReturn waits for q's Return; when ctx ends first the question is
// finished at once and ctx.Err() returned. It does not release q.
func (c *Conn) awaitReturn(ctx context.Context, q *question) error {
	c.mu.Lock()
	delivered := q.delivered
	c.mu.Unlock()
	if delivered {
		return nil
	}
	select {
	case <-q.ready:
		// Put the token back for another waiter on the same Answer.
		select {
		case q.ready <- struct{}{}:
		default:
		}
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		delivered := q.delivered
		c.mu.Unlock()
		if delivered {
			return nil
		}
		return ctx.Err()
	}
}

// waitAnswer waits for the Return of q, hands the results to spec and
// finishes the question.
func (c *Conn) waitAnswer(ctx context.Context, q *question, spec *callSpec) error {
	if err := c.awaitReturn(ctx, q); err != nil {
		c.releaseQuestion(q, false)
		return err
	}
	var err error
	switch {
	case q.err != nil:
		err = q.err
	case spec.fwd != nil:
		err = spec.fwd.copyResults(q.ret, q.content)
	case spec.results != nil:
		err = spec.results(q.content.Struct())
	}
	c.releaseQuestion(q, false)
	return err
}

// pipeline returns a promise node for the capability at path in q's
// results.
func (c *Conn) pipeline(q *question, path []uint16) *node {
	c.mu.Lock()
	if q.returned {
		c.mu.Unlock()
		if q.err != nil {
			return brokenNode(q.err)
		}
		return capInContent(q.ret, q.content, path)
	}
	n := newNode(kindPipeline)
	n.conn = c
	n.q = q
	n.transform = append([]uint16(nil), path...)
	q.refs++
	q.pipelines = append(q.pipelines, n)
	c.mu.Unlock()
	return n
}

// dropPipeline forgets a released pipeline promise.
func (c *Conn) dropPipeline(n *node) {
	c.mu.Lock()
	q := n.q
	if q == nil {
		c.mu.Unlock()
		return
	}
	n.q = nil
	for i, p := range q.pipelines {
		if p == n {
			q.pipelines = append(q.pipelines[:i], q.pipelines[i+1:]...)
			break
		}
	}
	c.mu.Unlock()
	c.releaseQuestion(q, true)
}

// dropAnswerPromise forgets a released answer promise.
func (c *Conn) dropAnswerPromise(n *node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range c.answers {
		for i, p := range a.promises {
			if p == n {
				a.promises = append(a.promises[:i], a.promises[i+1:]...)
				return
			}
		}
	}
}

// exportLocked adds one remote reference to n's export, creating it;
// conn.mu is held.
func (c *Conn) exportLocked(n *node) (uint32, error) {
	if id, ok := c.exportOf[n]; ok {
		c.exports[id].refs++
		return id, nil
	}
	if c.nexports >= c.lim.exports {
		return 0, protoErr("peer holds more than MaxExports (%d) capabilities", c.lim.exports)
	}
	e := &export{node: n.addRef(), refs: 1}
	var id uint32
	if k := len(c.efree); k > 0 {
		id = c.efree[k-1]
		c.efree = c.efree[:k-1]
		c.exports[id] = e
	} else {
		id = uint32(len(c.exports))
		c.exports = append(c.exports, e)
	}
	c.exportOf[n] = id
	c.nexports++
	return id, nil
}

// releaseExportLocked drops count remote references to export id and
// returns the node to release when the export goes; conn.mu is held.
func (c *Conn) releaseExportLocked(id uint32, count uint32) (*node, error) {
	if int(id) >= len(c.exports) || c.exports[id] == nil {
		return nil, protoErr("Release of unknown export id %d", id)
	}
	e := c.exports[id]
	if count > e.refs {
		return nil, protoErr("Release of export id %d with count %d, but only %d references were given", id, count, e.refs)
	}
	e.refs -= count
	if e.refs > 0 {
		return nil, nil
	}
	c.exports[id] = nil
	c.efree = append(c.efree, id)
	delete(c.exportOf, e.node)
	c.nexports--
	if int64(id) == c.bootstrapExport {
		c.bootstrapExport = -1
		if c.bootstrapReleased != nil && !c.bootstrapNotifed {
			c.bootstrapNotifed = true
			go c.bootstrapReleased()
		}
	}
	return e.node, nil
}

// releaseImport sends Release for an import whose last local reference
// went.
func (c *Conn) releaseImport(n *node) {
	c.mu.Lock()
	e, ok := c.imports[n.importID]
	if !ok || e.node != n || c.closed {
		c.mu.Unlock()
		return
	}
	delete(c.imports, n.importID)
	count := e.remote
	c.mu.Unlock()

	m, seg := newOutMsg()
	defer m.release()
	root, err := rpccp.NewRootMessage(seg)
	if err != nil {
		return
	}
	r, err := root.NewRelease()
	if err != nil {
		return
	}
	r.SetId(n.importID)
	r.SetReferenceCount(count)
	c.sendMsg(m, true)
}

// importLocked returns a new reference for a senderHosted/senderPromise
// descriptor; conn.mu is held.
func (c *Conn) importLocked(id uint32, promise bool) (*node, error) {
	e := c.imports[id]
	if e == nil {
		if len(c.imports) >= c.lim.imports {
			return nil, protoErr("peer exported more than MaxImports (%d) capabilities", c.lim.imports)
		}
		e = &importEntry{}
		c.imports[id] = e
	}
	e.remote++
	if e.node != nil && e.node.tryAddRef() {
		return e.node, nil
	}
	n := newNode(kindImport)
	n.conn = c
	n.importID = id
	n.promise = promise
	e.node = n
	return n, nil
}

// readCapTable turns the descriptors of a received payload into m's
// capability table.
func (c *Conn) readCapTable(m *engineMsg, p rpccp.Payload) error {
	if !p.HasCapTable() {
		return nil
	}
	list, err := p.CapTable()
	if err != nil {
		return protoErr("malformed capability table: %v", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := 0; i < list.Len(); i++ {
		n, err := c.descriptorLocked(list.At(i))
		if err != nil {
			return err
		}
		var cap *Capability
		if n != nil {
			cap = &Capability{n: n}
		}
		m.caps = append(m.caps, cap)
	}
	return nil
}

// descriptorLocked returns a new reference for a received capability
// descriptor (nil for none); conn.mu is held.
func (c *Conn) descriptorLocked(d rpccp.CapDescriptor) (*node, error) {
	switch d.Which() {
	case rpccp.CapDescriptor_Which_none:
		return nil, nil
	case rpccp.CapDescriptor_Which_senderHosted:
		return c.importLocked(d.SenderHosted(), false)
	case rpccp.CapDescriptor_Which_senderPromise:
		return c.importLocked(d.SenderPromise(), true)
	case rpccp.CapDescriptor_Which_receiverHosted:
		id := d.ReceiverHosted()
		if int(id) >= len(c.exports) || c.exports[id] == nil {
			return nil, protoErr("capability descriptor names unknown export id %d (receiverHosted)", id)
		}
		return c.exports[id].node.addRef(), nil
	case rpccp.CapDescriptor_Which_receiverAnswer:
		pa, err := d.ReceiverAnswer()
		if err != nil {
			return nil, protoErr("malformed receiverAnswer: %v", err)
		}
		path, err := readTransform(pa)
		if err != nil {
			return nil, err
		}
		a := c.answers[pa.QuestionId()]
		if a == nil {
			return nil, protoErr("capability descriptor names unknown question id %d (receiverAnswer)", pa.QuestionId())
		}
		return c.answerCapLocked(a, path), nil
	case rpccp.CapDescriptor_Which_thirdPartyHosted:
		return brokenNode(&Exception{Type: Unimplemented, Reason: "third-party capabilities (thirdPartyHosted) are not supported"}), nil
	default:
		return nil, protoErr("unknown capability descriptor type %d", d.Which())
	}
}

// answerCapLocked returns the capability at path in answer a's results:
// found now if a has its results, else a promise that resolves when it
// does. conn.mu is held.
func (c *Conn) answerCapLocked(a *answer, path []uint16) *node {
	if a.ready {
		if a.err != nil {
			return brokenNode(a.err)
		}
		return capInContent(a.result, a.content, path)
	}
	n := newNode(kindAnswerPromise)
	n.conn = c
	n.transform = path
	n.settled = make(chan struct{})
	a.promises = append(a.promises, n)
	return n
}

// readTransform reads a PromisedAnswer's transform as pointer indexes.
func readTransform(pa rpccp.PromisedAnswer) ([]uint16, error) {
	if !pa.HasTransform() {
		return nil, nil
	}
	ops, err := pa.Transform()
	if err != nil {
		return nil, protoErr("malformed transform: %v", err)
	}
	path := make([]uint16, 0, ops.Len())
	for i := 0; i < ops.Len(); i++ {
		op := ops.At(i)
		switch op.Which() {
		case rpccp.PromisedAnswer_Op_Which_noop:
		case rpccp.PromisedAnswer_Op_Which_getPointerField:
			path = append(path, op.GetPointerField())
		default:
			return nil, protoErr("unknown transform op %d", op.Which())
		}
	}
	return path, nil
}

// writeCapTable writes m's capability table as descriptors into p and
// records the exports it made in exports.
func (c *Conn) writeCapTable(m *engineMsg, p rpccp.Payload, exports *[]uint32) error {
	if len(m.caps) == 0 {
		return nil
	}
	list, err := p.NewCapTable(int32(len(m.caps)))
	if err != nil {
		return err
	}
	// Settle promises before taking conn.mu: settle takes node locks,
	// and node locks are never taken under conn.mu.
	var small [4]*node
	nodes := small[:0]
	for _, cap := range m.caps {
		if cap == nil {
			nodes = append(nodes, nil)
		} else {
			nodes = append(nodes, cap.n.settle())
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return disconnected(c.err)
	}
	for i, n := range nodes {
		d := list.At(i)
		if n == nil {
			d.SetNone()
			continue
		}
		switch {
		case n.kind == kindImport && n.conn == c:
			d.SetReceiverHosted(n.importID)
		case n.kind == kindPipeline && n.conn == c && n.q != nil:
			pa, err := d.NewReceiverAnswer()
			if err != nil {
				return err
			}
			pa.SetQuestionId(n.q.id)
			if err := writeTransform(pa, n.transform); err != nil {
				return err
			}
		default:
			id, err := c.exportLocked(n)
			if err != nil {
				return err
			}
			d.SetSenderHosted(id)
			if exports != nil {
				*exports = append(*exports, id)
			}
		}
	}
	return nil
}

func writeTransform(pa rpccp.PromisedAnswer, path []uint16) error {
	if len(path) == 0 {
		return nil
	}
	ops, err := pa.NewTransform(int32(len(path)))
	if err != nil {
		return err
	}
	for i, f := range path {
		ops.At(i).SetGetPointerField(f)
	}
	return nil
}

// writeTarget points t at n, a remote capability or promise on c.
func writeTarget(t rpccp.MessageTarget, n *node) error {
	if n.kind == kindImport {
		t.SetImportedCap(n.importID)
		return nil
	}
	pa, err := t.NewPromisedAnswer()
	if err != nil {
		return err
	}
	pa.SetQuestionId(n.q.id)
	return writeTransform(pa, n.transform)
}

var questionPool = sync.Pool{New: func() any { return &question{ready: make(chan struct{}, 1)} }}

// cancelCall cancels the context of the answer's call.
func (a *answer) cancelCall() {
	if a.stdCancel != nil {
		a.stdCancel()
	} else {
		a.ctx.cancel()
	}
}
