package capnprpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"capnproto.org/go/capnp/v3"
	rpccp "capnproto.org/go/capnp/v3/std/capnp/rpc"
)

// Conn's fields (the type is declared in api.go).
type connState struct {
	rwc      io.ReadWriteCloser
	lim      limits
	logger   *slog.Logger
	observer Observer
	baseCtx  func() context.Context
	hooks    CallHooks

	bootstrap         *Capability
	bootstrapReleased func()

	// mu guards the tables and the call bookkeeping below.
	mu        sync.Mutex
	questions []*question
	qfree     []uint32
	nq        int
	answers   map[uint32]*answer
	exports   []*export
	efree     []uint32
	exportOf  map[*node]uint32
	nexports  int
	imports   map[uint32]*importEntry
	embargoes map[uint32]*node
	nextEmb   uint32

	bootstrapExport  int64 // export id of the bootstrap capability, or -1
	bootstrapNotifed bool

	accepted   int   // incoming calls accepted, not yet returned
	acceptedB  int64 // bytes of their params frames
	running    int   // workers busy
	idle       int   // workers parked
	runq       []*Call
	acceptCond sync.Cond // signalled when accepted drops or the conn ends
	idleWait   []chan struct{}

	closed bool
	err    error

	// Writing (see sendMsg): wmu guards pending, the frames queued for
	// writing; writing says a goroutine is writing them (flushLocked),
	// scheduled says the writer goroutine was woken to; queued counts
	// their bytes plus those being written.
	wmu       sync.Mutex
	wcond     sync.Cond // signalled when queued drops or writing ends
	pending   []byte
	spare     []byte
	writing   bool
	scheduled bool
	queued    int64
	writeErr  error
	wake      chan struct{}

	work chan *Call
	done chan struct{}

	readerDone chan struct{}

	// Reader role (see readUntilCall): fr and inlineCall are used only by
	// the goroutine that holds it.
	fr         *frameReader
	inlineCall *Call
}

var discardLogger = slog.New(slog.DiscardHandler)

func newConn(rwc io.ReadWriteCloser, opts *Options) *Conn {
	if opts == nil {
		opts = &Options{}
	}
	c := &Conn{}
	c.rwc = rwc
	c.lim = opts.Limits.resolve()
	c.logger = opts.Logger
	if c.logger == nil {
		c.logger = discardLogger
	}
	c.observer = opts.Observer
	c.baseCtx = opts.BaseContext
	c.hooks = opts.Hooks
	c.bootstrap = opts.Bootstrap
	c.bootstrapReleased = opts.BootstrapReleased
	c.bootstrapExport = -1
	c.answers = make(map[uint32]*answer)
	c.exportOf = make(map[*node]uint32)
	c.imports = make(map[uint32]*importEntry)
	c.embargoes = make(map[uint32]*node)
	c.acceptCond.L = &c.mu
	c.wcond.L = &c.wmu
	c.wake = make(chan struct{}, 1)
	c.work = make(chan *Call)
	c.done = make(chan struct{})
	c.readerDone = make(chan struct{})
	go c.readLoop()
	go c.writeLoop()
	return c
}

func (c *Conn) getErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// errConnClosed is the cause of the calls failed by Close.
var errConnClosed = errors.New("connection closed")

func (c *Conn) close() error {
	c.shutdown(errConnClosed, "", false)
	<-c.readerDone
	return nil
}

// disconnected is the exception a pending or later call gets once the
// connection has ended with cause.
func disconnected(cause error) *Exception {
	var e *Exception
	if errors.As(cause, &e) && e.Type == Disconnected {
		return e
	}
	reason := "connection ended"
	if cause != nil {
		reason += ": " + cause.Error()
	}
	return &Exception{Type: Disconnected, Reason: reason, Cause: cause}
}

// abort ends the connection because the peer broke the protocol or a
// bound: the reason goes to the peer in an Abort and to the logger.
func (c *Conn) abort(reason string) {
	c.logger.Warn("capnprpc: aborting connection", "reason", reason)
	c.shutdown(&Exception{Type: Failed, Reason: reason}, reason, true)
}

// shutdown ends the connection once: it fails pending questions, cancels
// running calls, drops the tables, sends an Abort if sendAbort, flushes
// (bounded) and closes the stream.
func (c *Conn) shutdown(cause error, reason string, sendAbort bool) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.err = cause
	exc := disconnected(cause)
	// Node locks are never taken under conn.mu: collect, then settle.
	var toRelease, toBreak, toLift []*node
	var dropped []*Call
	for _, q := range c.questions {
		if q == nil || q.returned {
			continue
		}
		q.returned = true
		q.err = exc
		toBreak = append(toBreak, q.pipelines...)
		q.pipelines = nil
		wakeLocked(q)
	}
	for _, a := range c.answers {
		a.cancelCall()
		a.redirects = nil // failed with the other questions above
		toBreak = append(toBreak, a.promises...)
		a.promises = nil
		if a.result != nil && a.sendDone {
			toRelease = append(toRelease, &node{kind: kindResults, results: a.result})
			a.result = nil
		}
		queued := a.queue
		a.queue = nil
		for _, call := range queued {
			c.dropCallLocked(call)
		}
		dropped = append(dropped, queued...)
	}
	for _, call := range c.runq {
		c.dropCallLocked(call)
	}
	dropped = append(dropped, c.runq...)
	c.runq = nil
	for _, e := range c.exports {
		if e != nil {
			toRelease = append(toRelease, e.node)
		}
	}
	c.exports = nil
	c.nexports = 0
	c.exportOf = map[*node]uint32{}
	for _, n := range c.embargoes {
		toLift = append(toLift, n)
	}
	c.embargoes = map[uint32]*node{}
	boot := c.bootstrap
	c.bootstrap = nil
	c.acceptCond.Broadcast()
	c.mu.Unlock()

	for _, n := range toBreak {
		n.resolve(brokenNode(exc))
		n.liftEmbargo()
	}
	for _, n := range toLift {
		n.liftEmbargo()
	}
	for _, n := range toRelease {
		n.release()
	}
	for _, call := range dropped {
		discardCall(call)
	}
	boot.Release()

	// Flush what is queued and say goodbye, within a bounded time.
	flushed := make(chan struct{})
	go func() {
		defer close(flushed)
		if sendAbort {
			c.sendAbort(reason)
		}
		c.wmu.Lock()
		for c.writing {
			c.wcond.Wait()
		}
		if c.writeErr == nil {
			c.writing = true
			c.flushLocked()
			if c.writeErr == nil {
				c.writeErr = exc
			}
		}
		c.wcond.Broadcast()
		c.wmu.Unlock()
	}()
	t := time.NewTimer(time.Second)
	select {
	case <-flushed:
	case <-t.C:
	}
	t.Stop()
	c.rwc.Close()
	close(c.done)
	<-flushed
}

// dropCallLocked forgets an accepted call that will not run; conn.mu is
// held. The caller passes call to discardCall once it has unlocked
// conn.mu (releasing the capabilities in its params takes it).
func (c *Conn) dropCallLocked(call *Call) {
	c.accepted--
	c.acceptedB -= call.inSize
	c.notifyIdleLocked()
	if call.ans != nil {
		call.ans.cancelCall()
	}
}

// discardCall releases what a dropped call holds; conn.mu is not held.
func discardCall(call *Call) {
	if call.target != nil {
		call.target.release()
	}
	putCall(call)
}

func (c *Conn) sendAbort(reason string) {
	m, seg := newOutMsg()
	defer m.release()
	root, err := rpccp.NewRootMessage(seg)
	if err != nil {
		return
	}
	e, err := root.NewAbort()
	if err != nil {
		return
	}
	e.SetType(rpccp.Exception_Type_failed)
	e.SetReason(reason)
	c.sendMsg(m, false)
}

// sendMsg queues m as one frame and writes it. A sender that finds no
// write in progress writes the queue itself (with async, it leaves that to
// the connection's writer goroutine: the reader never blocks in a write);
// otherwise it appends its frame for the writer in progress to take, so a
// burst goes out in one write. Any sender waits while MaxQueuedBytes are
// queued — the reader included, which is back-pressure on a peer that
// does not read. It does not release m.
func (c *Conn) sendMsg(m *engineMsg, async bool) error {
	size, err := frameSize(&m.msg)
	if err != nil {
		return err
	}
	n := int64(size)
	c.wmu.Lock()
	for c.writeErr == nil && c.queued > 0 && c.queued+n > c.lim.queuedBytes {
		c.wcond.Wait()
	}
	if c.writeErr != nil {
		c.wmu.Unlock()
		return c.disconnectedErr()
	}
	if c.observer != nil {
		if root, err := rpccp.ReadRootMessage(&m.msg); err == nil {
			c.observer.Observe(Sent, root, size)
		}
	}
	c.pending = appendFrame(c.pending, &m.msg)
	c.queued += n
	if c.writing {
		// The goroutine writing takes this frame with the rest.
		c.wmu.Unlock()
		return nil
	}
	if async {
		if !c.scheduled {
			c.scheduled = true
			c.wmu.Unlock()
			select {
			case c.wake <- struct{}{}:
			default:
			}
			return nil
		}
		c.wmu.Unlock()
		return nil
	}
	// Write now, taking along what asynchronous senders queued before the
	// writer goroutine got to it (a caller's Finish then shares the write
	// of its next Call).
	c.writing = true
	err = c.flushLocked()
	c.wmu.Unlock()
	if err != nil {
		return c.disconnectedErr()
	}
	return nil
}

// flushLocked writes the queue until it is empty; c.wmu is held and
// c.writing set by the caller, and released (for each write) here.
func (c *Conn) flushLocked() error {
	for len(c.pending) > 0 && c.writeErr == nil {
		buf := c.pending
		c.pending = c.spare[:0]
		c.spare = nil
		c.wmu.Unlock()
		_, err := c.rwc.Write(buf)
		c.wmu.Lock()
		if cap(buf) <= 1<<20 {
			c.spare = buf[:0]
		}
		c.queued -= int64(len(buf))
		c.wcond.Broadcast()
		if err != nil && c.writeErr == nil {
			c.writeErr = err
			go c.shutdown(fmt.Errorf("write: %w", err), "", false)
		}
	}
	if c.writeErr != nil {
		c.queued -= int64(len(c.pending))
		c.pending = c.pending[:0]
	}
	c.writing = false
	c.wcond.Broadcast()
	return c.writeErr
}

// writeLoop writes what asynchronous senders queued, unless another
// sender has written it (or is writing it) meanwhile.
func (c *Conn) writeLoop() {
	for {
		select {
		case <-c.wake:
			c.wmu.Lock()
			c.scheduled = false
			if !c.writing && len(c.pending) > 0 {
				c.writing = true
				c.flushLocked()
			}
			c.wmu.Unlock()
		case <-c.done:
			return
		}
	}
}

func (c *Conn) disconnectedErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return disconnected(c.err)
}

// readLoop is the connection's reader: it reads frames and handles them
// until the stream ends or the peer breaks the protocol. It never waits
// for an implementation; it waits only for MaxAcceptedCalls (back-pressure)
// and for its own writes.
func (c *Conn) readLoop() {
	c.fr = newFrameReader(c.rwc, &c.lim)
	c.serve(nil)
}

// readUntilCall reads and handles frames. When a handled message gave the
// reader a call to run itself (inlineCall), it passes the reading on to
// another goroutine and returns the call; when reading ends it returns
// nil. Only the goroutine holding the reader role runs it.
func (c *Conn) readUntilCall() *Call {
	for {
		m, err := c.fr.read()
		if err != nil {
			var fe *frameError
			switch {
			case errors.As(err, &fe):
				c.abort(fe.reason)
			case errors.Is(err, io.EOF):
				c.shutdown(errors.New("peer closed the connection"), "", false)
			default:
				c.shutdown(err, "", false)
			}
			close(c.readerDone)
			return nil
		}
		if err := c.handle(m); err != nil {
			c.abort(err.Error())
			close(c.readerDone)
			return nil
		}
		if call := c.inlineCall; call != nil {
			c.inlineCall = nil
			// Leader/follower: a parked worker (or a new goroutine) reads on
			// while this one serves the call, so the call does not wait for
			// a goroutine to wake up.
			select {
			case c.work <- nil:
			default:
				go c.serve(nil)
			}
			return call
		}
	}
}

// protocolError is a message that breaks the protocol: the connection
// aborts with it.
type protocolError struct{ reason string }

func (e *protocolError) Error() string { return e.reason }

func protoErr(format string, args ...any) error {
	return &protocolError{fmt.Sprintf(format, args...)}
}

// handle handles one received message; it owns m.
func (c *Conn) handle(m *engineMsg) error {
	root, err := rpccp.ReadRootMessage(&m.msg)
	if err != nil {
		m.release()
		return protoErr("malformed message: %v", err)
	}
	if c.observer != nil {
		c.observer.Observe(Received, root, m.size)
	}
	w := root.Which()
	if w == rpccp.Message_Which_call || w == rpccp.Message_Which_bootstrap {
		// Back-pressure: hold this call (and read nothing more) until an
		// accepted call finishes. Other messages before it (Finish,
		// Return, Release) have been handled.
		c.mu.Lock()
		for (c.accepted >= c.lim.accepted || c.acceptedB >= c.lim.frameBytes) && !c.closed {
			c.acceptCond.Wait()
		}
		closed := c.closed
		c.mu.Unlock()
		if closed {
			m.release()
			return nil
		}
	}
	switch w {
	case rpccp.Message_Which_call:
		return c.handleCall(m, root)
	case rpccp.Message_Which_return:
		return c.handleReturn(m, root)
	case rpccp.Message_Which_finish:
		defer m.release()
		return c.handleFinish(root)
	case rpccp.Message_Which_release:
		defer m.release()
		return c.handleRelease(root)
	case rpccp.Message_Which_bootstrap:
		defer m.release()
		return c.handleBootstrap(root)
	case rpccp.Message_Which_resolve:
		return c.handleResolve(m, root)
	case rpccp.Message_Which_disembargo:
		defer m.release()
		return c.handleDisembargo(root)
	case rpccp.Message_Which_abort:
		defer m.release()
		exc, err := root.Abort()
		e := &Exception{Type: Failed, Reason: "peer aborted", Remote: true}
		if err == nil {
			e = exceptionFrom(exc)
		}
		c.logger.Warn("capnprpc: peer aborted the connection", "reason", e.Reason)
		c.shutdown(e, "", false)
		return nil
	case rpccp.Message_Which_unimplemented:
		defer m.release()
		return c.handleUnimplemented(root)
	default:
		defer m.release()
		return c.sendUnimplemented(root)
	}
}

// sendUnimplemented echoes a message we do not understand.
func (c *Conn) sendUnimplemented(orig rpccp.Message) error {
	m, seg := newOutMsg()
	defer m.release()
	root, err := rpccp.NewRootMessage(seg)
	if err != nil {
		return err
	}
	if err := root.SetUnimplemented(orig); err != nil {
		return protoErr("malformed message: %v", err)
	}
	m.msg.CapTable().Reset()
	c.sendMsg(m, true)
	return nil
}

// exceptionFrom converts a received exception.
func exceptionFrom(e rpccp.Exception) *Exception {
	reason, _ := e.Reason()
	return &Exception{Type: ExceptionType(e.Type()), Reason: reason, Remote: true}
}

func setException(dst rpccp.Exception, err error) {
	var e *Exception
	if errors.As(err, &e) {
		dst.SetType(rpccp.Exception_Type(e.Type))
		dst.SetReason(e.Reason)
		return
	}
	dst.SetType(rpccp.Exception_Type_failed)
	dst.SetReason(err.Error())
}

func (c *Conn) waitIdle(ctx context.Context) error {
	for {
		c.mu.Lock()
		if c.accepted == 0 && c.running == 0 {
			c.mu.Unlock()
			return nil
		}
		// Also after the connection ended: a call whose context Close
		// cancelled runs until its implementation returns.
		ch := make(chan struct{})
		c.idleWait = append(c.idleWait, ch)
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// notifyIdleLocked wakes WaitIdle callers if nothing runs.
func (c *Conn) notifyIdleLocked() {
	if c.accepted == 0 && c.running == 0 {
		for _, ch := range c.idleWait {
			close(ch)
		}
		c.idleWait = nil
	}
}

func (c *Conn) stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := Stats{
		Questions:     c.nq,
		Answers:       len(c.answers),
		Exports:       c.nexports,
		Imports:       len(c.imports),
		AcceptedCalls: c.accepted,
		RunningCalls:  c.running,
	}
	c.wmu.Lock()
	s.QueuedBytes = c.queued
	c.wmu.Unlock()
	return s
}

var _ = capnp.Struct{}

// bootstrapCap sends a Bootstrap and returns a promise for its answer.
func (c *Conn) bootstrapCap(ctx context.Context) *Capability {
	c.mu.Lock()
	q, err := c.newQuestionLocked()
	c.mu.Unlock()
	if err != nil {
		return &Capability{n: brokenNode(err)}
	}
	// The promise holds the question: Finish goes when it is released
	// (or resolved).
	n := c.pipeline(q, nil)
	m, seg := newOutMsg()
	root, _ := rpccp.NewRootMessage(seg)
	b, _ := root.NewBootstrap()
	b.SetQuestionId(q.id)
	c.sendMsg(m, false)
	m.release()
	c.releaseQuestion(q, false)
	return &Capability{n: n}
}
