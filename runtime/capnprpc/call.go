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
	cancel  context.CancelFunc
	target  *node // a reference held while the call waits or runs
	fwd     *question
	fwdPath []uint16 // a queued pipelined call's transform
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

// handleReturn matches a Return with its question.
func (c *Conn) handleReturn(m *engineMsg, root rpccp.Message) error {
	ret, err := root.Return()
	if err != nil {
		m.release()
		return protoErr("malformed Return: %v", err)
	}
	id := ret.AnswerId()
	c.mu.Lock()
	var q *question
	if int(id) < len(c.questions) {
		q = c.questions[id]
	}
	if q == nil || q.returned {
		c.mu.Unlock()
		m.release()
		return protoErr("Return for question id %d, which is not an outstanding question", id)
	}
	c.mu.Unlock()

	var qerr error
	var content capnp.Ptr
	switch ret.Which() {
	case rpccp.Return_Which_results:
		p, err := ret.Results()
		if err != nil {
			m.release()
			return protoErr("malformed Return results: %v", err)
		}
		if err := c.readCapTable(m, p); err != nil {
			m.release()
			return err
		}
		content, err = p.Content()
		if err != nil {
			m.release()
			return protoErr("malformed Return content: %v", err)
		}
	case rpccp.Return_Which_exception:
		e, err := ret.Exception()
		if err != nil {
			m.release()
			return protoErr("malformed Return exception: %v", err)
		}
		qerr = exceptionFrom(e)
	case rpccp.Return_Which_canceled:
		qerr = &Exception{Type: Failed, Reason: "call canceled", Remote: true}
	default:
		w := ret.Which()
		m.release()
		return protoErr("Return of kind %d is not supported by a two-party connection", w)
	}

	c.mu.Lock()
	q.returned = true
	q.noFinish = ret.NoFinishNeeded() && len(m.caps) == 0
	q.err = qerr
	q.content = content
	q.ret = m
	var toRelease []*node
	if ret.ReleaseParamCaps() {
		for _, id := range q.paramExports {
			n, err := c.releaseExportLocked(id, 1)
			if err != nil {
				c.mu.Unlock()
				return err
			}
			if n != nil {
				toRelease = append(toRelease, n)
			}
		}
	}
	q.paramExports = q.paramExports[:0]
	pipes := q.pipelines
	q.pipelines = nil
	finishing := q.finishing
	c.mu.Unlock()
	for _, n := range toRelease {
		n.release()
	}

	c.mu.Lock()
	if finishing {
		// The caller is gone (and so are pipelines: they hold the question).
		var ret *engineMsg
		if q.finishWritten {
			ret = c.freeQuestionLocked(q)
		}
		c.mu.Unlock()
		if ret != nil {
			ret.release()
		}
		return nil
	}
	c.mu.Unlock()

	// Resolve pipelined promises before the caller hears of the Return (so
	// its next calls see the resolution). Each holds a reference to the
	// question, so the Finish cannot go before their Disembargos.
	for _, p := range pipes {
		var r *node
		if qerr != nil {
			r = brokenNode(qerr)
		} else {
			r = capInContent(m, content, p.transform)
		}
		if p.resolve(r) {
			c.sendDisembargo(p, q.id)
		}
	}
	c.mu.Lock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
	q.delivered = true
	c.mu.Unlock()
	for _, p := range pipes {
		c.detachPipeline(p, q)
	}
	return nil
}

// sendDisembargo starts the embargo of promise p (which resolved to a
// capability not on this connection): Disembargo senderLoopback to the
// promise's old target; calls wait until it comes back.
func (c *Conn) sendDisembargo(p *node, qid uint32) {
	c.mu.Lock()
	c.nextEmb++
	eid := c.nextEmb
	c.embargoes[eid] = p
	c.mu.Unlock()
	m, seg := newOutMsg()
	defer m.release()
	root, _ := rpccp.NewRootMessage(seg)
	d, _ := root.NewDisembargo()
	t, _ := d.NewTarget()
	if p.kind == kindImport {
		t.SetImportedCap(p.importID)
	} else {
		pa, _ := t.NewPromisedAnswer()
		pa.SetQuestionId(qid)
		writeTransform(pa, p.transform)
	}
	d.Context().SetSenderLoopback(eid)
	c.sendMsg(m, true)
}

// handleCall accepts a call from the peer.
func (c *Conn) handleCall(m *engineMsg, root rpccp.Message) error {
	rc, err := root.Call()
	if err != nil {
		m.release()
		return protoErr("malformed Call: %v", err)
	}
	qid := rc.QuestionId()
	t, err := rc.Target()
	if err != nil {
		m.release()
		return protoErr("malformed Call target: %v", err)
	}
	p, err := rc.Params()
	if err != nil {
		m.release()
		return protoErr("malformed Call params: %v", err)
	}
	content, err := p.Content()
	if err != nil {
		m.release()
		return protoErr("malformed Call params content: %v", err)
	}
	var path []uint16
	var pa rpccp.PromisedAnswer
	tw := t.Which()
	if tw == rpccp.MessageTarget_Which_promisedAnswer {
		if pa, err = t.PromisedAnswer(); err != nil {
			m.release()
			return protoErr("malformed Call target: %v", err)
		}
		if path, err = readTransform(pa); err != nil {
			m.release()
			return err
		}
	} else if tw != rpccp.MessageTarget_Which_importedCap {
		m.release()
		return protoErr("Call target of unknown kind %d", tw)
	}
	if err := c.readCapTable(m, p); err != nil {
		m.release()
		return err
	}

	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		m.release()
		return nil
	}
	if _, dup := c.answers[qid]; dup {
		c.mu.Unlock()
		m.release()
		return protoErr("Call with question id %d, which is already in use", qid)
	}
	if len(c.answers) >= c.lim.answers {
		c.mu.Unlock()
		m.release()
		return protoErr("peer has more than MaxAnswers (%d) outstanding questions", c.lim.answers)
	}
	a := &answer{id: qid}
	call := getCall()
	call.conn = c
	call.ans = a
	call.ifaceID = rc.InterfaceId()
	call.methodID = rc.MethodId()
	call.in = m
	call.paramsP = content
	call.params = content.Struct()
	base := context.Background()
	if c.baseCtx != nil {
		base = c.baseCtx()
	}
	call.ctx, call.cancel = context.WithCancel(base)
	a.cancel = call.cancel
	c.incomingHook(call)
	c.answers[qid] = a
	c.accepted++
	call.inSize = int64(m.size)
	c.acceptedB += call.inSize

	if rc.SendResultsTo().Which() != rpccp.Call_sendResultsTo_Which_caller {
		c.mu.Unlock()
		c.finishCall(call, &Exception{Type: Unimplemented, Reason: "sendResultsTo other than caller is not supported"}, true)
		return nil
	}

	var target *node
	if t.Which() == rpccp.MessageTarget_Which_importedCap {
		id := t.ImportedCap()
		if int(id) >= len(c.exports) || c.exports[id] == nil {
			c.mu.Unlock()
			return protoErr("Call to unknown export id %d", id)
		}
		target = c.exports[id].node.addRef()
	} else {
		ta := c.answers[pa.QuestionId()]
		if ta == nil || ta == a {
			c.mu.Unlock()
			return protoErr("Call to a promised answer of unknown question id %d", pa.QuestionId())
		}
		if !ta.ready {
			call.fwdPath = path
			ta.queue = append(ta.queue, call)
			c.mu.Unlock()
			return nil
		}
		if ta.err != nil {
			target = brokenNode(ta.err)
		} else {
			target = capInContent(ta.result, ta.content, path)
		}
	}
	c.mu.Unlock()
	c.deliver(call, target, true)
	return nil
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
		if werr := c.writeCapTable(retMsg, call.payload, &a.resultExports); werr != nil {
			retMsg.release()
			retMsg = nil
			err = werr
			c.abortOn(werr)
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
	// From here a Finish may forget the answer; the Return is ours to
	// write and release.
	a.returnSent = true
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

	c.sendMsg(retMsg, async)

	c.mu.Lock()
	a.sendDone = true
	keep := err == nil && len(retMsg.caps) > 0 && !a.forgotten
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

// handleFinish handles the peer's Finish of one of its questions.
func (c *Conn) handleFinish(root rpccp.Message) error {
	f, err := root.Finish()
	if err != nil {
		return protoErr("malformed Finish: %v", err)
	}
	c.mu.Lock()
	a := c.answers[f.QuestionId()]
	if a == nil || a.finished {
		c.mu.Unlock()
		return protoErr("Finish for question id %d, which is not an outstanding question", f.QuestionId())
	}
	a.finished = true
	a.releaseResultCaps = f.ReleaseResultCaps()
	if !a.returnSent {
		cancel := a.cancel
		c.mu.Unlock()
		if cancel != nil {
			cancel()
		}
		return nil
	}
	done, err := c.forgetAnswerLocked(a)
	c.mu.Unlock()
	for _, n := range done {
		n.release()
	}
	return err
}

// handleRelease handles the peer's Release of an export.
func (c *Conn) handleRelease(root rpccp.Message) error {
	r, err := root.Release()
	if err != nil {
		return protoErr("malformed Release: %v", err)
	}
	c.mu.Lock()
	n, err := c.releaseExportLocked(r.Id(), r.ReferenceCount())
	c.mu.Unlock()
	if n != nil {
		n.release()
	}
	return err
}

// handleBootstrap answers the peer's Bootstrap with the bootstrap
// capability.
func (c *Conn) handleBootstrap(root rpccp.Message) error {
	b, err := root.Bootstrap()
	if err != nil {
		return protoErr("malformed Bootstrap: %v", err)
	}
	qid := b.QuestionId()
	c.mu.Lock()
	if _, dup := c.answers[qid]; dup {
		c.mu.Unlock()
		return protoErr("Bootstrap with question id %d, which is already in use", qid)
	}
	if len(c.answers) >= c.lim.answers {
		c.mu.Unlock()
		return protoErr("peer has more than MaxAnswers (%d) outstanding questions", c.lim.answers)
	}
	a := &answer{id: qid}
	c.answers[qid] = a
	c.accepted++
	boot := c.bootstrap.AddRef()
	c.mu.Unlock()

	call := getCall()
	call.conn = c
	call.ans = a
	if boot == nil {
		c.finishCall(call, &Exception{Type: Failed, Reason: "this side offers no bootstrap capability"}, true)
		return nil
	}
	// The results are the capability itself, as content.
	m, seg := newOutMsg()
	rm, _ := rpccp.NewRootMessage(seg)
	ret, _ := rm.NewReturn()
	ret.SetAnswerId(qid)
	ret.SetReleaseParamCaps(false)
	call.payload, _ = ret.NewResults()
	m.caps = append(m.caps, boot)
	call.payload.SetContent(capnp.NewInterface(seg, 0).ToPtr())
	call.out = m
	call.hasRes = true
	c.mu.Lock()
	if id, ok := c.exportOf[boot.n]; ok {
		c.bootstrapExport = int64(id)
	}
	c.mu.Unlock()
	c.finishCall(call, nil, true)
	c.mu.Lock()
	if id, ok := c.exportOf[boot.n]; ok {
		c.bootstrapExport = int64(id)
	}
	c.mu.Unlock()
	return nil
}

// handleResolve settles a promise the peer exported.
func (c *Conn) handleResolve(m *engineMsg, root rpccp.Message) error {
	defer m.release()
	r, err := root.Resolve()
	if err != nil {
		return protoErr("malformed Resolve: %v", err)
	}
	var res *node
	switch r.Which() {
	case rpccp.Resolve_Which_cap:
		d, err := r.Cap()
		if err != nil {
			return protoErr("malformed Resolve: %v", err)
		}
		c.mu.Lock()
		res, err = c.descriptorLocked(d)
		c.mu.Unlock()
		if err != nil {
			return err
		}
		if res == nil {
			res = brokenNode(&Exception{Type: Failed, Reason: "promise resolved to a null capability", Remote: true})
		}
	case rpccp.Resolve_Which_exception:
		e, err := r.Exception()
		if err != nil {
			return protoErr("malformed Resolve: %v", err)
		}
		res = brokenNode(exceptionFrom(e))
	default:
		return protoErr("Resolve of unknown kind %d", r.Which())
	}
	c.mu.Lock()
	e := c.imports[r.PromiseId()]
	var p *node
	if e != nil && e.node != nil && e.node.promise && e.node.tryAddRef() {
		p = e.node
	}
	c.mu.Unlock()
	if p == nil {
		// Released already (or not a promise): nothing waits for it.
		res.release()
		return nil
	}
	if p.resolve(res) {
		c.sendDisembargo(p, 0)
	}
	p.release()
	return nil
}

// handleDisembargo reflects a senderLoopback and lifts an embargo on a
// receiverLoopback.
func (c *Conn) handleDisembargo(root rpccp.Message) error {
	d, err := root.Disembargo()
	if err != nil {
		return protoErr("malformed Disembargo: %v", err)
	}
	ctx := d.Context()
	switch ctx.Which() {
	case rpccp.Disembargo_context_Which_senderLoopback:
		t, err := d.Target()
		if err != nil {
			return protoErr("malformed Disembargo: %v", err)
		}
		var target *node
		c.mu.Lock()
		switch t.Which() {
		case rpccp.MessageTarget_Which_importedCap:
			id := t.ImportedCap()
			if int(id) >= len(c.exports) || c.exports[id] == nil {
				c.mu.Unlock()
				return protoErr("Disembargo to unknown export id %d", id)
			}
			target = c.exports[id].node.addRef()
		case rpccp.MessageTarget_Which_promisedAnswer:
			pa, err := t.PromisedAnswer()
			if err != nil {
				c.mu.Unlock()
				return protoErr("malformed Disembargo: %v", err)
			}
			path, err := readTransform(pa)
			if err != nil {
				c.mu.Unlock()
				return err
			}
			a := c.answers[pa.QuestionId()]
			if a == nil || !a.ready {
				c.mu.Unlock()
				return protoErr("Disembargo to question id %d, which has no answer", pa.QuestionId())
			}
			if a.err != nil {
				target = brokenNode(a.err)
			} else {
				target = capInContent(a.result, a.content, path)
			}
		default:
			c.mu.Unlock()
			return protoErr("Disembargo target of unknown kind %d", t.Which())
		}
		c.mu.Unlock()
		defer target.release()
		n := target.settle()
		if !n.onConn(c) || n.isPromise() && n.kind != kindImport {
			return protoErr("Disembargo senderLoopback to a capability that does not point back to the sender")
		}
		m, seg := newOutMsg()
		defer m.release()
		rm, _ := rpccp.NewRootMessage(seg)
		rd, _ := rm.NewDisembargo()
		rt, _ := rd.NewTarget()
		if err := writeTarget(rt, n); err != nil {
			return err
		}
		rd.Context().SetReceiverLoopback(ctx.SenderLoopback())
		c.sendMsg(m, true)
		return nil
	case rpccp.Disembargo_context_Which_receiverLoopback:
		eid := ctx.ReceiverLoopback()
		c.mu.Lock()
		p := c.embargoes[eid]
		delete(c.embargoes, eid)
		c.mu.Unlock()
		if p == nil {
			return protoErr("Disembargo receiverLoopback with unknown embargo id %d", eid)
		}
		p.liftEmbargo()
		return nil
	default:
		return c.sendUnimplemented(root)
	}
}

// handleUnimplemented handles the peer's answer that it did not
// understand a message of ours.
func (c *Conn) handleUnimplemented(root rpccp.Message) error {
	orig, err := root.Unimplemented()
	if err != nil {
		return protoErr("malformed Unimplemented: %v", err)
	}
	var qid uint32
	switch orig.Which() {
	case rpccp.Message_Which_call:
		call, err := orig.Call()
		if err != nil {
			return nil
		}
		qid = call.QuestionId()
	case rpccp.Message_Which_bootstrap:
		b, err := orig.Bootstrap()
		if err != nil {
			return nil
		}
		qid = b.QuestionId()
	default:
		c.logger.Warn("capnprpc: peer did not understand a message", "which", orig.Which().String())
		return nil
	}
	c.mu.Lock()
	var q *question
	if int(qid) < len(c.questions) {
		q = c.questions[qid]
	}
	if q == nil || q.returned {
		c.mu.Unlock()
		return nil
	}
	q.returned = true
	q.err = &Exception{Type: Unimplemented, Reason: "peer does not implement " + orig.Which().String() + " messages", Remote: true}
	pipes := q.pipelines
	q.pipelines = nil
	finishing := q.finishing
	qerr := q.err
	if finishing {
		var ret *engineMsg
		if q.finishWritten {
			ret = c.freeQuestionLocked(q)
		}
		c.mu.Unlock()
		if ret != nil {
			ret.release()
		}
		return nil
	}
	select {
	case q.ready <- struct{}{}:
	default:
	}
	q.delivered = true
	c.mu.Unlock()
	for _, p := range pipes {
		p.resolve(brokenNode(qerr))
		c.detachPipeline(p, q)
	}
	return nil
}

// detachPipeline drops the reference a resolved pipeline promise held on
// its question, once.
func (c *Conn) detachPipeline(p *node, q *question) {
	c.mu.Lock()
	held := p.q == q
	if held {
		p.q = nil
	}
	c.mu.Unlock()
	if held {
		c.releaseQuestion(q, true)
	}
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
