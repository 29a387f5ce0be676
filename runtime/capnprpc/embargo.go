package capnprpc

import rpccp "capnproto.org/go/capnp/v3/std/capnp/rpc"

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
