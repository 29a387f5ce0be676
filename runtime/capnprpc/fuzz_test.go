package capnprpc_test

import (
	"io"
	"net"
	"testing"

	"capnproto.org/go/capnp/v3"
	rpccp "capnproto.org/go/capnp/v3/std/capnp/rpc"
	"github.com/ifacegen/ifacegen/runtime/capnprpc"
)

// frames marshals the messages built by builds into one byte stream.
func frames(tb testing.TB, builds ...func(rpccp.Message)) []byte {
	var out []byte
	for _, build := range builds {
		msg, seg, err := capnp.NewMessage(capnp.SingleSegment(nil))
		if err != nil {
			tb.Fatal(err)
		}
		root, err := rpccp.NewRootMessage(seg)
		if err != nil {
			tb.Fatal(err)
		}
		build(root)
		b, err := msg.Marshal()
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b...)
	}
	return out
}

// FuzzEngineFrames feeds arbitrary bytes, as frames from a peer, to a
// connection serving a capability: it must never panic or hang; ending
// with an Abort is fine.
func FuzzEngineFrames(f *testing.F) {
	f.Add(frames(f, bootstrap(0), callMsg(1, 0), func(m rpccp.Message) {
		fin, _ := m.NewFinish()
		fin.SetQuestionId(1)
	}))
	f.Add(frames(f, bootstrap(0), callMsg(1, 0, 3, 4), func(m rpccp.Message) {
		r, _ := m.NewRelease()
		r.SetId(0)
		r.SetReferenceCount(1)
	}))
	f.Add(frames(f, bootstrap(0), func(m rpccp.Message) {
		callMsg(1, 0)(m)
		c, _ := m.Call()
		c.SetMethodId(mNewCalc.MethodID)
	}, func(m rpccp.Message) {
		c, _ := m.NewCall()
		c.SetQuestionId(2)
		c.SetInterfaceId(testIface)
		tg, _ := c.NewTarget()
		pa, _ := tg.NewPromisedAnswer()
		pa.SetQuestionId(1)
		ops, _ := pa.NewTransform(1)
		ops.At(0).SetGetPointerField(0)
		p, _ := c.NewParams()
		st, _ := capnp.NewStruct(m.Segment(), capnp.ObjectSize{DataSize: 16})
		p.SetContent(st.ToPtr())
	}, func(m rpccp.Message) {
		d, _ := m.NewDisembargo()
		tg, _ := d.NewTarget()
		pa, _ := tg.NewPromisedAnswer()
		pa.SetQuestionId(1)
		d.Context().SetSenderLoopback(1)
	}))
	f.Add(frames(f, func(m rpccp.Message) {
		r, _ := m.NewResolve()
		r.SetPromiseId(1)
		d, _ := r.NewCap()
		d.SetSenderPromise(2)
	}, func(m rpccp.Message) {
		j, _ := m.NewJoin()
		j.SetQuestionId(1)
	}))
	f.Add([]byte{0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		a, b := net.Pipe()
		eng := capnprpc.NewConn(b, &capnprpc.Options{
			Bootstrap: capnprpc.NewLocal(newCalc()),
			Limits:    capnprpc.Limits{MaxFrameBytes: 1 << 20, MaxAnswers: 64, MaxImports: 64, MaxExports: 64},
		})
		drained := make(chan struct{})
		go func() {
			io.Copy(io.Discard, a)
			close(drained)
		}()
		a.Write(data)
		// The peer hangs up: the engine must end.
		a.Close()
		<-eng.Done()
		eng.Close()
		<-drained
	})
}
