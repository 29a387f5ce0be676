package capnprpc

import (
	"context"
	"errors"
	"sync"

	"capnproto.org/go/capnp/v3"
	rpccp "capnproto.org/go/capnp/v3/std/capnp/rpc"
)

// Call's fields (the type is declared in api.go).
type callState struct {
	conn     *Conn
	ifaceID  uint64
	methodID uint16
	params   capnp.Struct
	paramsP  capnp.Ptr  // params content as received (forwarding)
	in       *engineMsg // the message holding params, released after the call
	inSize   int64      // its frame size, for the accepted-bytes budget

	out     *engineMsg // results: a Return being built, or a local results message
	payload rpccp.Payload
	results capnp.Struct
	hasRes  bool

	// Incoming calls only.
	ans     *answer
	ctx     context.Context
	target  *node // a reference held while the call waits or runs
	fwd     *question
	fwdPath []uint16 // a queued pipelined call's transform
	tail    bool     // sendResultsTo.yourself: the results stay here
}

var callPool = sync.Pool{New: func() any { return new(Call) }}

func getCall() *Call { return callPool.Get().(*Call) }

func putCall(call *Call) {
	if call.in != nil {
		call.in.release()
	}
	if call.out != nil {
		call.out.release()
	}
	*call = Call{}
	callPool.Put(call)
}

func (call *Call) allocResults(sz capnp.ObjectSize) (capnp.Struct, error) {
	if call.hasRes {
		return call.results, nil
	}
	m, seg := newOutMsg()
	var st capnp.Struct
	var err error
	if call.conn == nil {
		st, err = capnp.NewRootStruct(seg, sz)
	} else {
		var root rpccp.Message
		var ret rpccp.Return
		root, err = rpccp.NewRootMessage(seg)
		if err == nil {
			ret, err = root.NewReturn()
		}
		if err == nil {
			ret.SetAnswerId(call.ans.id)
			ret.SetReleaseParamCaps(false)
			call.payload, err = ret.NewResults()
		}
		if err == nil {
			st, err = capnp.NewStruct(seg, sz)
		}
		if err == nil {
			err = call.payload.SetContent(st.ToPtr())
		}
	}
	if err != nil {
		m.release()
		return capnp.Struct{}, err
	}
	call.out = m
	call.results = st
	call.hasRes = true
	return st, nil
}

// copyResults makes the results of call a copy of content from src (a
// forwarded call's answer).
func (call *Call) copyResults(src *engineMsg, content capnp.Ptr) error {
	if _, err := call.allocResults(capnp.ObjectSize{}); err != nil {
		return err
	}
	if call.conn == nil {
		return copyContent(call.out, func(p capnp.Ptr) error { return call.out.msg.SetRoot(p) }, src, content)
	}
	return copyContent(call.out, call.payload.SetContent, src, content)
}

// copyContent sets dst's content to a copy of content from src, copying
// the capabilities it points to so that dst's table matches.
func copyContent(dst *engineMsg, set func(capnp.Ptr) error, src *engineMsg, content capnp.Ptr) error {
	if src == nil || len(src.caps) == 0 {
		err := set(content)
		dst.msg.CapTable().Reset()
		return err
	}
	// go-capnp copies an interface pointer by adding the source table's
	// client to the destination's table. Give the source table one marker
	// client per index and map the copies back.
	srcCT := src.msg.CapTable()
	srcCT.Reset()
	for i := range src.caps {
		srcCT.Add(capnp.NewClient(&indexHook{i: i}))
	}
	dstCT := dst.msg.CapTable()
	dstCT.Reset()
	for range dst.caps {
		dstCT.Add(capnp.Client{})
	}
	base := len(dst.caps)
	err := set(content)
	for j := base; j < dstCT.Len(); j++ {
		var cap *Capability
		if h, ok := dstCT.At(j).Snapshot().Brand().Value.(*indexHook); ok {
			cap = src.caps[h.i].AddRef()
		}
		dst.caps = append(dst.caps, cap)
	}
	dstCT.Reset()
	srcCT.Reset()
	return err
}

// indexHook marks a capability table index while a message is copied.
type indexHook struct{ i int }

func (h *indexHook) Send(context.Context, capnp.Send) (*capnp.Answer, capnp.ReleaseFunc) {
	return capnp.ErrorAnswer(capnp.Method{}, errors.New("capnprpc: copy marker")), func() {}
}
func (h *indexHook) Recv(context.Context, capnp.Recv) capnp.PipelineCaller { return nil }
func (h *indexHook) Brand() capnp.Brand                                    { return capnp.Brand{Value: h} }
func (h *indexHook) Shutdown()                                             {}
func (h *indexHook) String() string                                        { return "capnprpc copy marker" }

// sendCall writes a Call for spec to the peer, targeting n (an import or
// an unresolved promise on c), and returns its question.
func (c *Conn) sendCall(ctx context.Context, n *node, spec *callSpec, async bool) (*question, error) {
	c.mu.Lock()
	q, err := c.newQuestionLocked()
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	m, seg := newOutMsg()
	err = c.buildCall(ctx, m, seg, q, n, spec)
	c.abortOn(err)
	if err == nil {
		err = c.sendMsg(m, async)
		m.release()
		if err != nil {
			// The connection is gone: the shutdown fails the question.
			return q, nil
		}
		return q, nil
	}
	m.release()
	c.mu.Lock()
	ret := c.freeQuestionLocked(q)
	c.mu.Unlock()
	if ret != nil {
		ret.release()
	}
	return nil, err
}

func (c *Conn) buildCall(ctx context.Context, m *engineMsg, seg *capnp.Segment, q *question, n *node, spec *callSpec) error {
	root, err := rpccp.NewRootMessage(seg)
	if err != nil {
		return err
	}
	call, err := root.NewCall()
	if err != nil {
		return err
	}
	call.SetQuestionId(q.id)
	call.SetInterfaceId(spec.ifaceID)
	call.SetMethodId(spec.methodID)
	t, err := call.NewTarget()
	if err != nil {
		return err
	}
	if err := writeTarget(t, n); err != nil {
		return err
	}
	p, err := call.NewParams()
	if err != nil {
		return err
	}
	if spec.fwd != nil {
		err = copyContent(m, p.SetContent, spec.fwd.in, spec.fwd.paramsP)
	} else {
		var st capnp.Struct
		st, err = capnp.NewStruct(seg, spec.size)
		if err == nil {
			err = p.SetContent(st.ToPtr())
		}
		if err == nil && spec.params != nil {
			err = spec.params(st)
		}
	}
	if err == nil {
		var content capnp.Ptr
		if content, err = p.Content(); err == nil {
			err = c.outgoingHook(ctx, q, spec, content)
		}
	}
	if err != nil {
		return err
	}
	return c.writeCapTable(m, p, &q.paramExports)
}

// deliver starts call on target (a reference the call takes over).
func (c *Conn) deliver(call *Call, target *node, async bool) {
	t := target.settle()
	if t.kind == kindBroken {
		err := t.err
		target.release()
		c.finishCall(call, err, async)
		return
	}
	call.target = target
	if t.onConn(c) {
		// Back to the peer: write the forwarded call now, so it keeps its
		// place before later messages (a Disembargo in particular); a
		// worker waits for its answer.
		spec := callSpec{ifaceID: call.ifaceID, methodID: call.methodID, fwd: call}
		var q *question
		var err error
		if t.isPromise() {
			t.mu.Lock()
			if t.resolved == nil {
				t.sentCalls = true
				q, err = c.sendCall(call.ctx, t, &spec, async)
				t.mu.Unlock()
			} else {
				t.mu.Unlock()
				c.schedule(call, async)
				return
			}
		} else {
			q, err = c.sendCall(call.ctx, t, &spec, async)
		}
		if err != nil {
			c.finishCall(call, err, async)
			return
		}
		call.fwd = q
	}
	c.schedule(call, async)
}

// schedule hands call to a worker, or queues it when MaxRunningCalls are
// running. From the reader (fromReader), the first call a message makes
// is run by the reader's own goroutine once it has passed the reading on.
func (c *Conn) schedule(call *Call, fromReader bool) {
	c.mu.Lock()
	if c.closed {
		c.dropCallLocked(call)
		c.mu.Unlock()
		discardCall(call)
		return
	}
	if c.lim.running >= 0 && c.running >= c.lim.running {
		c.runq = append(c.runq, call)
		c.mu.Unlock()
		return
	}
	c.running++
	c.mu.Unlock()
	if fromReader && c.inlineCall == nil {
		c.inlineCall = call
		return
	}
	select {
	case c.work <- call:
	default:
		go c.serve(call)
	}
}

const maxIdleWorkers = 64

// serve is the body of the connection's goroutines other than the writer:
// a worker runs calls (call non-nil) and between them parks, until the
// connection ends; handed nil, it takes the reader role (readUntilCall).
func (c *Conn) serve(call *Call) {
	for {
		if call == nil {
			if call = c.readUntilCall(); call == nil {
				return
			}
		}
		c.run(call)
		c.mu.Lock()
		if len(c.runq) > 0 && !c.closed {
			call = c.runq[0]
			c.runq[0] = nil
			c.runq = c.runq[1:]
			c.mu.Unlock()
			continue
		}
		c.running--
		c.notifyIdleLocked()
		if c.closed || c.idle >= maxIdleWorkers {
			c.mu.Unlock()
			return
		}
		c.idle++
		c.mu.Unlock()
		select {
		case call = <-c.work:
			c.mu.Lock()
			c.idle--
			c.mu.Unlock()
		case <-c.done:
			c.mu.Lock()
			c.idle--
			c.mu.Unlock()
			return
		}
	}
}

// run serves one incoming call and sends its Return.
func (c *Conn) run(call *Call) {
	var err error
	switch {
	case call.fwd != nil:
		q := call.fwd
		spec := callSpec{fwd: call}
		err = c.waitAnswer(call.ctx, q, &spec)
	default:
		t := call.target.settle()
		if t.kind == kindLocal {
			err = t.server.Dispatch(call.ctx, call)
		} else {
			spec := callSpec{ifaceID: call.ifaceID, methodID: call.methodID, fwd: call}
			err = callNode(call.ctx, call.target, &spec)
		}
	}
	c.finishCall(call, err, false)
}

// finishCall sends the Return of an incoming call (results, or err as an
// exception), delivers the calls pipelined on it and forgets it once the
// peer's Finish has come.
func (c *Conn) finishCall(call *Call, err error, async bool) {
	a := call.ans
	if err == nil && !call.hasRes {
		_, err = call.allocResults(capnp.ObjectSize{})
	}
	var retMsg *engineMsg
	if err == nil {
		retMsg = call.out
		call.out = nil
		// A tail call's results stay here: their capabilities are not
		// exported.
		if !call.tail {
			if werr := c.writeCapTable(retMsg, call.payload, &a.resultExports); werr != nil {
				retMsg.release()
				retMsg = nil
				err = werr
				c.abortOn(werr)
			}
		}
	}
	if err != nil {
		if call.out != nil {
			call.out.release()
			call.out = nil
		}
		m, seg := newOutMsg()
		root, _ := rpccp.NewRootMessage(seg)
		ret, _ := root.NewReturn()
		ret.SetAnswerId(a.id)
		ret.SetReleaseParamCaps(false)
		e, _ := ret.NewException()
		setException(e, err)
		retMsg = m
	}
	// What goes on the wire: the Return built above, or for a tail call
	// (results or exception alike) a Return saying resultsSentElsewhere.
	wireMsg := retMsg
	if call.tail {
		m, seg := newOutMsg()
		root, _ := rpccp.NewRootMessage(seg)
		ret, _ := root.NewReturn()
		ret.SetAnswerId(a.id)
		ret.SetReleaseParamCaps(false)
		ret.SetResultsSentElsewhere()
		wireMsg = m
	}

	// Deliver the calls pipelined on this answer, in order, before the
	// Return: the peer may Disembargo once it has the Return.
	c.mu.Lock()
	a.err = err
	if err == nil {
		a.result = retMsg
		a.content, _ = call.payload.Content()
	}
	for len(a.queue) > 0 {
		queued := a.queue
		a.queue = nil
		c.mu.Unlock()
		for _, qc := range queued {
			var t *node
			if err != nil {
				t = brokenNode(err)
			} else {
				t = capInContent(retMsg, a.content, qc.fwdPath)
			}
			c.deliver(qc, t, async)
		}
		c.mu.Lock()
	}
	a.ready = true
	promises := a.promises
	a.promises = nil
	var redirected []takenResults
	for _, q := range a.redirects {
		t := c.takeResultsLocked(a)
		t.q = q
		redirected = append(redirected, t)
	}
	a.redirects = nil
	// From here a Finish may forget the answer; the Return is ours to
	// write and release. Once the connection has ended no Return goes
	// out: the peer must see the end, not an exception (a context
	// cancelled by Close) that our own shutdown made.
	a.returnSent = true
	ended := c.closed
	c.mu.Unlock()
	for _, p := range promises {
		var r *node
		if err != nil {
			r = brokenNode(err)
		} else {
			r = capInContent(retMsg, a.content, p.transform)
		}
		p.resolve(r)
	}
	for _, t := range redirected {
		c.completeQuestion(t.q, t.msg, t.content, t.err, false)
	}

	if !ended {
		c.sendMsg(wireMsg, async)
	}
	if wireMsg != retMsg {
		wireMsg.release()
	}
	// The call is over: its context ends (as an HTTP handler's does).
	a.cancelCall()

	c.mu.Lock()
	a.sendDone = true
	keep := err == nil && (len(retMsg.caps) > 0 || call.tail) && !a.forgotten
	if !keep {
		a.result = nil
	}
	var done []*node
	if a.finished && !a.forgotten {
		done, _ = c.forgetAnswerLocked(a)
	}
	c.accepted--
	c.acceptedB -= call.inSize
	c.acceptCond.Broadcast()
	c.notifyIdleLocked()
	c.mu.Unlock()
	if !keep {
		retMsg.release()
	}
	for _, n := range done {
		n.release()
	}
	if call.target != nil {
		call.target.release()
	}
	putCall(call)
}

// forgetAnswerLocked removes a returned and finished answer; conn.mu is
// held. It returns nodes to release.
func (c *Conn) forgetAnswerLocked(a *answer) ([]*node, error) {
	delete(c.answers, a.id)
	a.forgotten = true
	var done []*node
	var err error
	if a.releaseResultCaps {
		for _, id := range a.resultExports {
			n, rerr := c.releaseExportLocked(id, 1)
			if rerr != nil {
				err = rerr
				break
			}
			if n != nil {
				done = append(done, n)
			}
		}
	}
	a.resultExports = nil
	if a.result != nil && a.sendDone {
		// The kept results go with the answer; their references are
		// dropped by the caller, outside conn.mu.
		done = append(done, &node{kind: kindResults, results: a.result})
		a.result = nil
	}
	return done, err
}

// abortOn aborts the connection (in the background) when err is a
// protocol error or a broken bound.
func (c *Conn) abortOn(err error) {
	if err == nil {
		return
	}
	var pe *protocolError
	if errors.As(err, &pe) {
		go c.abort(pe.reason)
	}
}

// takenResults is a copy of an answer's results (or its exception) for a
// question of ours the peer answered with takeFromOtherQuestion.
type takenResults struct {
	q       *question
	msg     *engineMsg
	content capnp.Ptr
	err     error
}

// takeResultsLocked copies the results of a, a returned answer, for a
// question answered with takeFromOtherQuestion: the capabilities in them
// are new references to what the answer's results hold (local ones, for
// a tail call). conn.mu is held.
func (c *Conn) takeResultsLocked(a *answer) takenResults {
	if a.err != nil {
		return takenResults{err: localError(a.err)}
	}
	if a.result == nil {
		return takenResults{err: &Exception{Type: Failed, Reason: "takeFromOtherQuestion: the results of the other question are gone"}}
	}
	m, _ := newOutMsg()
	var content capnp.Ptr
	err := copyContent(m, func(p capnp.Ptr) error {
		if err := m.msg.SetRoot(p); err != nil {
			return err
		}
		var err error
		content, err = m.msg.Root()
		return err
	}, a.result, a.content)
	if err != nil {
		m.release()
		return takenResults{err: &Exception{Type: Failed, Reason: "takeFromOtherQuestion: copying the results: " + err.Error(), Cause: err}}
	}
	return takenResults{msg: m, content: content}
}
