package capnprpc_test

import (
	"context"
	"sync/atomic"
	"testing"

	"capnproto.org/go/capnp/v3"
	rpccp "capnproto.org/go/capnp/v3/std/capnp/rpc"
	"github.com/ifacegen/ifacegen/runtime/capnprpc"
)

// next reads messages until one of kind which, and returns it with the
// messages skipped on the way.
func (p *rawPeer) next(which rpccp.Message_Which) (rpccp.Message, []rpccp.Message) {
	p.t.Helper()
	var skipped []rpccp.Message
	for {
		m, err := p.recv()
		if err != nil {
			p.t.Fatalf("waiting for %v: %v", which, err)
		}
		if m.Which() == which {
			return m, skipped
		}
		skipped = append(skipped, m)
	}
}

func (p *rawPeer) nextOrFail(which rpccp.Message_Which) (rpccp.Message, []rpccp.Message) {
	p.t.Helper()
	var skipped []rpccp.Message
	for {
		m, err := p.recv()
		if err != nil {
			var kinds []string
			for _, s := range skipped {
				kinds = append(kinds, s.Which().String())
				if s.Which() == rpccp.Message_Which_abort {
					e, _ := s.Abort()
					r, _ := e.Reason()
					kinds = append(kinds, r)
				}
			}
			p.t.Fatalf("waiting for %v: %v; got %v; engine: %v", which, err, kinds, p.eng.Err())
		}
		if m.Which() == which {
			return m, skipped
		}
		skipped = append(skipped, m)
	}
}

// returnCap answers question qid with a capability described by desc.
func returnCap(qid uint32, desc func(rpccp.CapDescriptor)) func(rpccp.Message) {
	return func(m rpccp.Message) {
		r, _ := m.NewReturn()
		r.SetAnswerId(qid)
		p, _ := r.NewResults()
		p.SetContent(capnp.NewInterface(m.Segment(), 0).ToPtr())
		l, _ := p.NewCapTable(1)
		desc(l.At(0))
	}
}

func returnSum(qid uint32, sum uint64) func(rpccp.Message) {
	return func(m rpccp.Message) {
		r, _ := m.NewReturn()
		r.SetAnswerId(qid)
		p, _ := r.NewResults()
		st, _ := capnp.NewStruct(m.Segment(), capnp.ObjectSize{DataSize: 8})
		st.SetUint64(0, sum)
		p.SetContent(st.ToPtr())
	}
}

// callTarget returns the import id a Call targets.
func callTarget(t testing.TB, m rpccp.Message) (qid, target uint32) {
	c, _ := m.Call()
	tg, _ := c.Target()
	if tg.Which() != rpccp.MessageTarget_Which_importedCap {
		t.Fatalf("call targets %v, want importedCap", tg.Which())
	}
	return c.QuestionId(), tg.ImportedCap()
}

// The peer exports a promise (senderPromise) and later resolves it, first
// to another of its capabilities, then — on a second promise — to a
// capability of ours, which needs an embargo.
func TestResolvePromise(t *testing.T) {
	p := newRawPeer(t, socketPair, nil, capnprpc.Limits{})
	eng := p.eng
	ctx := context.Background()
	boot := eng.Bootstrap(ctx)
	bm, _ := p.next(rpccp.Message_Which_bootstrap)
	b, _ := bm.Bootstrap()
	p.send(returnCap(b.QuestionId(), func(d rpccp.CapDescriptor) { d.SetSenderPromise(5) }))

	// A call on the promise goes to import 5 once the Bootstrap resolved.
	done := make(chan error, 1)
	go func() {
		s, err := add(ctx, boot, 1, 2)
		if err == nil && s != 3 {
			t.Errorf("sum %d", s)
		}
		done <- err
	}()
	cm, _ := p.next(rpccp.Message_Which_call)
	// The first call may have gone out before the Bootstrap's Return was
	// read (pipelined on the Bootstrap question) or after (to import 5).
	cc, _ := cm.Call()
	p.send(returnSum(cc.QuestionId(), 3))
	var qid, target uint32
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Resolve 5 to the peer's capability 6: calls now target 6.
	p.send(func(m rpccp.Message) {
		r, _ := m.NewResolve()
		r.SetPromiseId(5)
		d, _ := r.NewCap()
		d.SetSenderHosted(6)
	})
	for {
		go func() {
			_, err := add(ctx, boot, 2, 2)
			done <- err
		}()
		cm, _ = p.next(rpccp.Message_Which_call)
		qid, target = callTarget(t, cm)
		p.send(returnSum(qid, 4))
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if target == 6 {
			break
		}
		// The Resolve had not been read yet: the call went to 5; retry.
		if target != 5 {
			t.Fatalf("call targets import %d", target)
		}
	}
	boot.Release()
	// Releases: 5 once (one senderPromise received), 6 once.
	released := map[uint32]uint32{}
	for len(released) < 2 {
		rm, _ := p.next(rpccp.Message_Which_release)
		r, _ := rm.Release()
		released[r.Id()] += r.ReferenceCount()
	}
	if released[5] != 1 || released[6] != 1 {
		t.Fatalf("released %v, want 5:1 6:1", released)
	}
	if s := eng.Stats(); s.Imports != 0 || s.Questions != 0 {
		t.Fatalf("stats %+v", s)
	}
}

type flagCalc struct {
	reflected *atomic.Bool
	early     atomic.Int32
	calls     atomic.Int32
}

func (f *flagCalc) Dispatch(ctx context.Context, call *capnprpc.Call) error {
	if !f.reflected.Load() {
		f.early.Add(1)
	}
	f.calls.Add(1)
	r, err := call.AllocResults(capnp.ObjectSize{DataSize: 8})
	if err != nil {
		return err
	}
	r.SetUint64(0, call.Params().Uint64(0)+call.Params().Uint64(8))
	return nil
}

func TestResolveToLocalEmbargo(t *testing.T) {
	p := newRawPeer(t, socketPair, nil, capnprpc.Limits{})
	eng := p.eng
	ctx := context.Background()
	boot := eng.Bootstrap(ctx)
	defer boot.Release()
	bm, _ := p.next(rpccp.Message_Which_bootstrap)
	b, _ := bm.Bootstrap()
	p.send(returnCap(b.QuestionId(), func(d rpccp.CapDescriptor) { d.SetSenderPromise(5) }))

	// Export a local capability to the peer (export id 0).
	var reflected atomic.Bool
	local := &flagCalc{reflected: &reflected}
	lc := capnprpc.NewLocal(local)
	defer lc.Release()
	echoDone := make(chan error, 1)
	go func() {
		c, err := capCall(ctx, boot, mEcho, lc.AddRef())
		c.Release()
		echoDone <- err
	}()
	cm, _ := p.next(rpccp.Message_Which_call)
	c, _ := cm.Call()
	params, _ := c.Params()
	l, _ := params.CapTable()
	if l.Len() != 1 || l.At(0).Which() != rpccp.CapDescriptor_Which_senderHosted {
		t.Fatalf("params cap table %v", l)
	}
	exportID := l.At(0).SenderHosted()
	p.send(func(m rpccp.Message) {
		r, _ := m.NewReturn()
		r.SetAnswerId(c.QuestionId())
		r.SetReleaseParamCaps(false) // the peer keeps the capability
		pl, _ := r.NewResults()
		st, _ := capnp.NewStruct(m.Segment(), capnp.ObjectSize{PointerCount: 1})
		pl.SetContent(st.ToPtr())
	})
	if err := <-echoDone; err != nil {
		t.Fatal(err)
	}
	// The call above went through promise 5: resolving 5 to our own
	// capability needs an embargo.
	p.send(func(m rpccp.Message) {
		r, _ := m.NewResolve()
		r.SetPromiseId(5)
		d, _ := r.NewCap()
		d.SetReceiverHosted(exportID)
	})
	dm, skipped := p.nextOrFail(rpccp.Message_Which_disembargo)
	_ = skipped
	d, _ := dm.Disembargo()
	tg, _ := d.Target()
	if d.Context().Which() != rpccp.Disembargo_context_Which_senderLoopback || tg.Which() != rpccp.MessageTarget_Which_importedCap || tg.ImportedCap() != 5 {
		t.Fatalf("Disembargo %v to %v", d.Context().Which(), tg.Which())
	}
	// A call now waits for the embargo to lift.
	sumDone := make(chan error, 1)
	go func() {
		s, err := add(ctx, boot, 20, 22)
		if err == nil && s != 42 {
			t.Errorf("sum %d", s)
		}
		sumDone <- err
	}()
	reflected.Store(true)
	p.send(func(m rpccp.Message) {
		rd, _ := m.NewDisembargo()
		rt, _ := rd.NewTarget()
		rt.SetImportedCap(exportID)
		rd.Context().SetReceiverLoopback(d.Context().SenderLoopback())
	})
	if err := <-sumDone; err != nil {
		t.Fatal(err)
	}
	if local.early.Load() != 0 || local.calls.Load() != 1 {
		t.Fatalf("local served %d calls, %d before the embargo lifted", local.calls.Load(), local.early.Load())
	}
}
