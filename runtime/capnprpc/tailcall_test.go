package capnprpc_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"capnproto.org/go/capnp/v3"
	rpccp "capnproto.org/go/capnp/v3/std/capnp/rpc"
	"github.com/ifacegen/ifacegen/runtime/capnprpc"
)

// expect reads messages until one of kind which, skipping others. The
// minute it allows only bounds a stuck test.
func (p *rawPeer) expect(which rpccp.Message_Which) rpccp.Message {
	p.t.Helper()
	p.conn.SetReadDeadline(time.Now().Add(time.Minute))
	defer p.conn.SetReadDeadline(time.Time{})
	for {
		m, err := p.recv()
		if err != nil {
			p.t.Fatalf("waiting for %v: %v", which, err)
		}
		if m.Which() == which {
			return m
		}
	}
}

// tailCallPeer sets up a raw peer that holds the engine's bootstrap (a
// calc) as export id calcID, and an engine-side Capability imported from
// the raw peer.
func tailCallPeer(t *testing.T) (p *rawPeer, srv *calc, calcID uint32, remote *capnprpc.Capability) {
	srv = newCalc()
	p = newRawPeer(t, socketPair, srv, capnprpc.Limits{})
	p.send(bootstrap(0))
	ret, _ := p.expect(rpccp.Message_Which_return).Return()
	res, _ := ret.Results()
	ct, _ := res.CapTable()
	if ct.Len() != 1 || ct.At(0).Which() != rpccp.CapDescriptor_Which_senderHosted {
		t.Fatalf("bootstrap Return cap table: %v", descs(res))
	}
	calcID = ct.At(0).SenderHosted()

	remote = p.eng.Bootstrap(context.Background())
	t.Cleanup(remote.Release)
	b, _ := p.expect(rpccp.Message_Which_bootstrap).Bootstrap()
	p.send(func(m rpccp.Message) {
		r, _ := m.NewReturn()
		r.SetAnswerId(b.QuestionId())
		res, _ := r.NewResults()
		res.SetContent(capnp.NewInterface(m.Segment(), 0).ToPtr())
		l, _ := res.NewCapTable(1)
		l.At(0).SetSenderHosted(5)
	})
	return p, srv, calcID, remote
}

// redirectedCall makes the engine call the raw peer and the peer answer
// it with takeFromOtherQuestion, naming its own tail call (question 1)
// to the engine's Wait, which returns when srv.release closes. done gets
// the engine's call's result; questionID is that call's question.
func redirectedCall(t *testing.T) (p *rawPeer, srv *calc, calcID, questionID uint32, done chan error) {
	p, srv, calcID, remote := tailCallPeer(t)
	done = make(chan error, 1)
	go func() { done <- remote.Call(context.Background(), mAdd, nil, nil) }()
	call, _ := p.expect(rpccp.Message_Which_call).Call()
	p.send(tailCall(1, calcID, 6, 0, 0))
	<-srv.blockStarted
	p.send(takeFrom(call.QuestionId(), 1))
	return p, srv, calcID, call.QuestionId(), done
}

// tailCall is the raw peer's Call to the engine's export calcID with
// sendResultsTo.yourself.
func tailCall(qid, calcID uint32, method uint16, a, b uint64) func(rpccp.Message) {
	return func(m rpccp.Message) {
		c, _ := m.NewCall()
		c.SetQuestionId(qid)
		c.SetInterfaceId(testIface)
		c.SetMethodId(method)
		t, _ := c.NewTarget()
		t.SetImportedCap(calcID)
		p, _ := c.NewParams()
		st, _ := capnp.NewStruct(m.Segment(), capnp.ObjectSize{DataSize: 16})
		st.SetUint64(0, a)
		st.SetUint64(8, b)
		p.SetContent(st.ToPtr())
		c.SendResultsTo().SetYourself()
	}
}

func takeFrom(answerID, other uint32) func(rpccp.Message) {
	return func(m rpccp.Message) {
		r, _ := m.NewReturn()
		r.SetAnswerId(answerID)
		r.SetTakeFromOtherQuestion(other)
	}
}

// expectSentElsewhere reads the engine's Return of a tail call.
func (p *rawPeer) expectSentElsewhere(qid uint32) {
	p.t.Helper()
	ret, _ := p.expect(rpccp.Message_Which_return).Return()
	if ret.AnswerId() != qid || ret.Which() != rpccp.Return_Which_resultsSentElsewhere {
		p.t.Fatalf("Return of the tail call: answer %d, %v; want %d, resultsSentElsewhere", ret.AnswerId(), ret.Which(), qid)
	}
}

// TestTailCallFromPeer plays a peer that, like the C++ implementation,
// sends a call made to it back to the engine as a tail call (Call with
// sendResultsTo.yourself) and answers the engine's question with
// takeFromOtherQuestion: the engine answers the tail call with
// resultsSentElsewhere and its question gets the tail call's results.
func TestTailCallFromPeer(t *testing.T) {
	ctx := context.Background()

	t.Run("results", func(t *testing.T) {
		p, _, calcID, remote := tailCallPeer(t)
		done := make(chan error, 1)
		var sum uint64
		go func() {
			var err error
			sum, err = add(ctx, remote, 100, 100)
			done <- err
		}()
		call, _ := p.expect(rpccp.Message_Which_call).Call()
		p.send(tailCall(1, calcID, 0, 20, 22))
		p.send(takeFrom(call.QuestionId(), 1))
		p.expectSentElsewhere(1)
		if err := <-done; err != nil || sum != 42 {
			t.Fatalf("call answered by a tail call: %d, %v; want 42", sum, err)
		}
		p.send(func(m rpccp.Message) {
			f, _ := m.NewFinish()
			f.SetQuestionId(1)
		})
		// What remains is the peer's Bootstrap, which it did not finish.
		if a := pollStats(t, p.eng, func(s capnprpc.Stats) bool { return s.Answers == 1 }).Answers; a != 1 {
			t.Errorf("answers after the tail call's Finish: %d, want 1 (the bootstrap)", a)
		}
	})

	t.Run("takeFromBeforeReturn", func(t *testing.T) {
		p, srv, calcID, _, done := redirectedCall(t)
		// An ordinary call behind it: once it is answered, the engine
		// has read the takeFromOtherQuestion.
		p.send(callMsg(2, calcID))
		if ret, _ := p.expect(rpccp.Message_Which_return).Return(); ret.AnswerId() != 2 {
			t.Fatalf("Return for %d, want 2", ret.AnswerId())
		}
		select {
		case err := <-done:
			t.Fatalf("question answered before the tail call returned: %v", err)
		default:
		}
		close(srv.release)
		p.expectSentElsewhere(1)
		if err := <-done; err != nil {
			t.Fatalf("call answered by a tail call: %v", err)
		}
	})

	t.Run("secondReturnWhileRedirected", func(t *testing.T) {
		// A peer that answers a question with takeFromOtherQuestion and
		// then again with results breaks the protocol: the engine aborts
		// rather than let the second Return pick the answer.
		p, srv, _, questionID, done := redirectedCall(t)
		defer close(srv.release)
		p.send(func(m rpccp.Message) {
			r, _ := m.NewReturn()
			r.SetAnswerId(questionID)
			res, _ := r.NewResults()
			st, _ := capnp.NewStruct(m.Segment(), capnp.ObjectSize{DataSize: 8})
			st.SetUint64(0, 7)
			res.SetContent(st.ToPtr())
		})
		p.expectAbort("not an outstanding question")
		if err := <-done; err == nil {
			t.Fatal("the question was answered by the second Return; want the connection's failure")
		}
	})

	t.Run("exception", func(t *testing.T) {
		p, _, calcID, remote := tailCallPeer(t)
		done := make(chan error, 1)
		go func() { done <- remote.Call(ctx, mAdd, nil, nil) }()
		call, _ := p.expect(rpccp.Message_Which_call).Call()
		p.send(tailCall(1, calcID, 1, 0, 0)) // Fail
		p.send(takeFrom(call.QuestionId(), 1))
		p.expectSentElsewhere(1)
		err := <-done
		if err == nil || !strings.Contains(err.Error(), "it failed on purpose") {
			t.Fatalf("call answered by a failing tail call: %v; want its exception", err)
		}
	})

	t.Run("capability", func(t *testing.T) {
		// The tail call's results hold a capability of the engine's: the
		// question's results hold it as a local reference.
		p, _, calcID, remote := tailCallPeer(t)
		type result struct {
			c   *capnprpc.Capability
			err error
		}
		done := make(chan result, 1)
		go func() {
			c, err := capCall(ctx, remote, mNewCalc, nil)
			done <- result{c, err}
		}()
		call, _ := p.expect(rpccp.Message_Which_call).Call()
		p.send(tailCall(1, calcID, 4, 0, 0)) // NewCalc
		p.send(takeFrom(call.QuestionId(), 1))
		p.expectSentElsewhere(1)
		r := <-done
		if r.err != nil {
			t.Fatal(r.err)
		}
		defer r.c.Release()
		if _, ok := r.c.Server(); !ok {
			t.Fatal("capability in a tail call's results is not a local reference")
		}
		if sum, err := add(ctx, r.c, 1, 2); err != nil || sum != 3 {
			t.Fatalf("call on it: %d, %v; want 3", sum, err)
		}
	})

	t.Run("unknownOtherQuestion", func(t *testing.T) {
		p, _, _, remote := tailCallPeer(t)
		done := make(chan error, 1)
		go func() { done <- remote.Call(ctx, mAdd, nil, nil) }()
		call, _ := p.expect(rpccp.Message_Which_call).Call()
		p.send(takeFrom(call.QuestionId(), 9))
		if err := <-done; err == nil || !strings.Contains(err.Error(), "not an outstanding tail call") {
			t.Fatalf("takeFromOtherQuestion of an unknown question: %v; want an exception saying so", err)
		}
	})
}

// pollStats waits until ok holds for c's Stats and returns them; the
// minute only bounds a stuck test on a loaded machine.
func pollStats(t testing.TB, c *capnprpc.Conn, ok func(capnprpc.Stats) bool) capnprpc.Stats {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		s := c.Stats()
		if ok(s) || time.Now().After(deadline) {
			return s
		}
		time.Sleep(time.Millisecond)
	}
}
