package capnprpc

import (
	"context"
	"fmt"

	"capnproto.org/go/capnp/v3"
	rpccp "capnproto.org/go/capnp/v3/std/capnp/rpc"
)

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
	if q == nil || q.returned || q.redirected {
		c.mu.Unlock()
		m.release()
		return protoErr("Return for question id %d, which is not an outstanding question", id)
	}
	c.mu.Unlock()

	var qerr error
	var content capnp.Ptr
	var taken takenResults
	var took, redirected bool
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
	case rpccp.Return_Which_takeFromOtherQuestion:
		// The peer sent this call back to us as a tail call (Call with
		// sendResultsTo.yourself): the results are those of our answer
		// to it, once it returns.
		c.mu.Lock()
		a := c.answers[ret.TakeFromOtherQuestion()]
		switch {
		case a == nil || !a.tail:
			qerr = &Exception{Type: Failed, Reason: fmt.Sprintf("Return takeFromOtherQuestion names question id %d, which is not an outstanding tail call", ret.TakeFromOtherQuestion()), Remote: true}
		case !a.ready:
			a.redirects = append(a.redirects, q)
			q.redirected = true // a second Return for q is a protocol error
			redirected = true
		default:
			taken = c.takeResultsLocked(a)
			took = true
		}
		c.mu.Unlock()
	case rpccp.Return_Which_resultsSentElsewhere, rpccp.Return_Which_awaitFromThirdParty:
		// This engine never asks for these (it sends no tail calls and
		// knows no third parties), so fail the question rather than the
		// connection.
		qerr = &Exception{Type: Unimplemented, Reason: "Return of kind " + ret.Which().String() + " (tail calls, third parties) is not supported", Remote: true}
	default:
		w := ret.Which()
		m.release()
		return protoErr("Return of unknown kind %d", w)
	}

	noFinish := ret.NoFinishNeeded() && len(m.caps) == 0 && !took && !redirected
	c.mu.Lock()
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
	c.mu.Unlock()
	for _, n := range toRelease {
		n.release()
	}
	switch {
	case redirected:
		// completeQuestion runs when the answer returns.
		m.release()
		return nil
	case took:
		m.release()
		m, content, qerr = taken.msg, taken.content, taken.err
	}
	c.completeQuestion(q, m, content, qerr, noFinish)
	return nil
}

// completeQuestion gives q its Return: results content in ret (which q
// takes over; nil with an exception) or the exception qerr. It resolves
// the question's pipelined promises, then wakes the caller. A question
// the connection's end failed already just drops ret.
func (c *Conn) completeQuestion(q *question, ret *engineMsg, content capnp.Ptr, qerr error, noFinish bool) {
	c.mu.Lock()
	if q.returned || int(q.id) >= len(c.questions) || c.questions[q.id] != q {
		c.mu.Unlock()
		if ret != nil {
			ret.release()
		}
		return
	}
	q.returned = true
	q.noFinish = noFinish
	q.err = qerr
	q.content = content
	q.ret = ret
	pipes := q.pipelines
	q.pipelines = nil
	finishing := q.finishing
	if finishing {
		// The caller is gone (and so are pipelines: they hold the question).
		var free *engineMsg
		if q.finishWritten {
			free = c.freeQuestionLocked(q)
		}
		c.mu.Unlock()
		if free != nil {
			free.release()
		}
		return
	}
	if len(pipes) == 0 {
		wakeLocked(q)
		c.mu.Unlock()
		return
	}
	// The promises resolve outside conn.mu. Hold q meanwhile: otherwise
	// the release of its last promise, or its caller giving up, could free
	// q (and ret) and hand it to another call before q's caller is woken,
	// and that call would take the wake-up for its own Return.
	q.refs++
	c.mu.Unlock()

	// Resolve pipelined promises before the caller hears of the Return (so
	// its next calls see the resolution). Each holds a reference to the
	// question, so the Finish cannot go before their Disembargos.
	for _, p := range pipes {
		var r *node
		if qerr != nil {
			r = brokenNode(qerr)
		} else {
			r = capInContent(ret, content, p.transform)
		}
		if p.resolve(r) {
			c.sendDisembargo(p, q.id)
		}
	}
	c.mu.Lock()
	wakeLocked(q)
	c.mu.Unlock()
	for _, p := range pipes {
		c.detachPipeline(p, q)
	}
	c.releaseQuestion(q, true)
}

// wakeLocked hands q's Return (or failure) to its caller; conn.mu is held.
func wakeLocked(q *question) {
	select {
	case q.ready <- struct{}{}:
	default:
	}
	q.delivered = true
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
	if base.Done() == nil {
		a.ctx.base = base
		call.ctx = &a.ctx
	} else {
		call.ctx, a.stdCancel = context.WithCancel(base)
	}
	c.incomingHook(call)
	c.answers[qid] = a
	c.accepted++
	call.inSize = int64(m.size)
	c.acceptedB += call.inSize

	switch rc.SendResultsTo().Which() {
	case rpccp.Call_sendResultsTo_Which_caller:
	case rpccp.Call_sendResultsTo_Which_yourself:
		// A tail call: the peer takes the results from this answer with
		// a Return takeFromOtherQuestion (or pipelines on it); our
		// Return says resultsSentElsewhere.
		call.tail = true
		a.tail = true
	default:
		c.mu.Unlock()
		c.finishCall(call, &Exception{Type: Unimplemented, Reason: "sendResultsTo other than caller or yourself is not supported"}, true)
		return nil
	}

	var target *node
	if t.Which() == rpccp.MessageTarget_Which_importedCap {
		id := t.ImportedCap()
		if int(id) >= len(c.exports) || c.exports[id] == nil {
			c.dropCallLocked(call)
			c.mu.Unlock()
			discardCall(call)
			return protoErr("Call to unknown export id %d", id)
		}
		target = c.exports[id].node.addRef()
	} else {
		ta := c.answers[pa.QuestionId()]
		if ta == nil || ta == a {
			// The error reads the message before the call releases it.
			err := protoErr("Call to a promised answer of unknown question id %d", pa.QuestionId())
			c.dropCallLocked(call)
			c.mu.Unlock()
			discardCall(call)
			return err
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
		c.mu.Unlock()
		a.cancelCall()
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
	wakeLocked(q)
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
