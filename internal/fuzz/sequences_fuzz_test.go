package fuzz_test

import (
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"capnproto.org/go/capnp/v3"
	rpccp "capnproto.org/go/capnp/v3/std/capnp/rpc"

	"github.com/ifacegen/ifacegen/internal/interop/interopapi/interopapiipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// FuzzMessageSequences writes a sequence of well-formed RPC messages built
// from the input to a connection served by a generated server (interopapi
// over ipc.NewConn on a unix socket pair), then ends the stream: Bootstrap,
// Call (on an import or a promised answer, with capabilities of every
// descriptor kind in its params), Return, Finish, Release, Resolve,
// Disembargo, Abort and Unimplemented, with question, export and import
// ids drawn from a small range so that they often name something real.
// Where FuzzServerConn's arbitrary bytes rarely get past the frame
// decoder, these reach the engine's tables: answers, exports, imports,
// promises and embargoes. The process must not crash, and the connection
// must shut down once the stream ends, whatever the sequence did.
func FuzzMessageSequences(f *testing.F) {
	// Bootstrap, a call on it, Finish of both, Release of the export.
	f.Add([]byte{0, 0, 1, 1, 0, 1, 0, 2, 3, 0, 3, 1, 4, 0, 1})
	// A call carrying each kind of capability descriptor, then a
	// Resolve and a Disembargo for them.
	f.Add([]byte{0, 0, 1, 1, 0, 0, 2, 6, 1, 2, 3, 4, 5, 6, 5, 2, 1, 6, 1, 0, 2})
	// Calls on a promised answer not yet returned, a Return for a
	// question never asked, an Abort.
	f.Add([]byte{1, 2, 1, 0, 0, 1, 1, 3, 1, 0, 0, 0, 2, 7, 0, 7})
	f.Fuzz(func(t *testing.T, data []byte) {
		a, b, err := ipc.SocketPair()
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		server := ipc.NewConn(a, &ipc.Options{Bootstrap: interopapiipc.NewInteropServer(&echoInterop{}), CloseTimeout: hangLimit})
		defer server.Close()

		drained := make(chan struct{})
		go func() {
			io.Copy(io.Discard, b)
			close(drained)
		}()
		// A reader that stops reading for good would block a write;
		// the sequence is far too short to fill the engine's bounds.
		b.SetWriteDeadline(time.Now().Add(hangLimit))
		in := &fuzzInput{data: data}
		for in.more() {
			frame, err := in.frame()
			if err != nil {
				t.Fatalf("building a frame: %v", err)
			}
			if _, err := b.Write(frame); err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) {
					t.Fatalf("the connection stopped reading its peer's stream for %v", hangLimit)
				}
				break // the server has given up on the stream
			}
		}
		b.CloseWrite()

		select {
		case <-server.Done():
		case <-time.After(hangLimit):
			t.Fatalf("the connection did not shut down %v after its peer's stream ended", hangLimit)
		}
		server.Close()
		<-drained
	})
}

// fuzzInput hands out the bytes of a fuzz input as choices; past its end
// every choice is 0.
type fuzzInput struct {
	data []byte
	n    int
}

func (in *fuzzInput) more() bool { return in.n < len(in.data) }

// next returns a choice below n.
func (in *fuzzInput) next(n int) int {
	if in.n >= len(in.data) {
		return 0
	}
	b := in.data[in.n]
	in.n++
	return int(b) % n
}

// id returns a question, export or import id: mostly small, so that it
// names something the sequence made, sometimes anything.
func (in *fuzzInput) id() uint32 {
	if v := in.next(8); v < 7 {
		return uint32(v)
	}
	return uint32(in.next(256))<<24 | uint32(in.next(256))
}

// frame builds the next RPC message of the sequence as a stream frame.
func (in *fuzzInput) frame() ([]byte, error) {
	env, m, err := newEnvelope()
	if err != nil {
		return nil, err
	}
	build := [...]func(rpccp.Message) error{
		in.bootstrap, in.call, in.ret, in.finish, in.release,
		in.resolve, in.disembargo, in.abort, in.unimplemented,
	}
	if err := build[in.next(len(build))](m); err != nil {
		return nil, err
	}
	return wireFrame(env, nil)
}

func (in *fuzzInput) bootstrap(m rpccp.Message) error {
	b, err := m.NewBootstrap()
	if err != nil {
		return err
	}
	b.SetQuestionId(in.id())
	return nil
}

// ret makes m a Return of results, an exception or a cancellation.
func (in *fuzzInput) ret(m rpccp.Message) error {
	r, err := m.NewReturn()
	if err != nil {
		return err
	}
	r.SetAnswerId(in.id())
	r.SetReleaseParamCaps(in.next(2) == 1)
	switch in.next(3) {
	case 0:
		p, err := r.NewResults()
		if err != nil {
			return err
		}
		return in.payload(p)
	case 1:
		e, err := r.NewException()
		if err != nil {
			return err
		}
		e.SetType(rpccp.Exception_Type(in.next(4)))
		return e.SetReason("fuzz")
	}
	r.SetCanceled()
	return nil
}

func (in *fuzzInput) finish(m rpccp.Message) error {
	fin, err := m.NewFinish()
	if err != nil {
		return err
	}
	fin.SetQuestionId(in.id())
	fin.SetReleaseResultCaps(in.next(2) == 1)
	return nil
}

func (in *fuzzInput) release(m rpccp.Message) error {
	rel, err := m.NewRelease()
	if err != nil {
		return err
	}
	rel.SetId(in.id())
	rel.SetReferenceCount(uint32(in.next(4)))
	return nil
}

// resolve makes m a Resolve of a promise to a capability or an exception.
func (in *fuzzInput) resolve(m rpccp.Message) error {
	res, err := m.NewResolve()
	if err != nil {
		return err
	}
	res.SetPromiseId(in.id())
	if in.next(2) == 0 {
		d, err := res.NewCap()
		if err != nil {
			return err
		}
		return in.descriptor(d)
	}
	e, err := res.NewException()
	if err != nil {
		return err
	}
	return e.SetReason("fuzz")
}

func (in *fuzzInput) disembargo(m rpccp.Message) error {
	d, err := m.NewDisembargo()
	if err != nil {
		return err
	}
	target, err := d.NewTarget()
	if err != nil {
		return err
	}
	if err := in.target(target); err != nil {
		return err
	}
	switch in.next(3) {
	case 0:
		d.Context().SetSenderLoopback(in.id())
	case 1:
		d.Context().SetReceiverLoopback(in.id())
	default:
		return d.Context().SetAccept(nil)
	}
	return nil
}

func (in *fuzzInput) abort(m rpccp.Message) error {
	e, err := m.NewAbort()
	if err != nil {
		return err
	}
	return e.SetReason("fuzz")
}

// unimplemented makes m an Unimplemented echoing a Finish the engine
// never sent.
func (in *fuzzInput) unimplemented(m rpccp.Message) error {
	u, err := m.NewUnimplemented()
	if err != nil {
		return err
	}
	fin, err := u.NewFinish()
	if err != nil {
		return err
	}
	fin.SetQuestionId(in.id())
	return nil
}

// call makes m a Call of an Interop method (or, rarely, of an unknown
// interface) on an import or a promised answer.
func (in *fuzzInput) call(m rpccp.Message) error {
	c, err := m.NewCall()
	if err != nil {
		return err
	}
	c.SetQuestionId(in.id())
	c.SetInterfaceId(interopapiipc.Interop_TypeID)
	if in.next(8) == 0 {
		c.SetInterfaceId(0xbad)
	}
	c.SetMethodId(uint16(in.next(8)))
	target, err := c.NewTarget()
	if err != nil {
		return err
	}
	if err := in.target(target); err != nil {
		return err
	}
	p, err := c.NewParams()
	if err != nil {
		return err
	}
	return in.payload(p)
}

// target makes t an imported capability or a promised answer with a
// short transform.
func (in *fuzzInput) target(t rpccp.MessageTarget) error {
	if in.next(2) == 0 {
		t.SetImportedCap(in.id())
		return nil
	}
	pa, err := t.NewPromisedAnswer()
	if err != nil {
		return err
	}
	return in.promisedAnswer(pa)
}

func (in *fuzzInput) promisedAnswer(pa rpccp.PromisedAnswer) error {
	pa.SetQuestionId(in.id())
	ops, err := pa.NewTransform(int32(in.next(3)))
	if err != nil {
		return err
	}
	for i := range ops.Len() {
		if in.next(4) == 0 {
			ops.At(i).SetNoop()
		} else {
			ops.At(i).SetGetPointerField(uint16(in.next(3)))
		}
	}
	return nil
}

// payload fills p: a struct of two numbers (Interop.Add's params), or a
// capability table of up to three descriptors with the content pointing
// at one of them (or past the table), or nothing.
func (in *fuzzInput) payload(p rpccp.Payload) error {
	switch in.next(3) {
	case 0:
		s, err := capnp.NewStruct(p.Segment(), capnp.ObjectSize{DataSize: 16})
		if err != nil {
			return err
		}
		s.SetUint64(0, uint64(in.next(256)))
		s.SetUint64(8, uint64(in.next(256)))
		return p.SetContent(s.ToPtr())
	case 1:
		caps, err := p.NewCapTable(int32(in.next(4)))
		if err != nil {
			return err
		}
		for i := range caps.Len() {
			if err := in.descriptor(caps.At(i)); err != nil {
				return err
			}
		}
		return p.SetContent(capnp.NewInterface(p.Segment(), capnp.CapabilityID(in.next(5))).ToPtr())
	}
	return nil
}

// descriptor makes d one of the capability descriptor kinds.
func (in *fuzzInput) descriptor(d rpccp.CapDescriptor) error {
	switch in.next(6) {
	case 0:
		d.SetNone()
	case 1:
		d.SetSenderHosted(in.id())
	case 2:
		d.SetSenderPromise(in.id())
	case 3:
		d.SetReceiverHosted(in.id())
	case 4:
		pa, err := d.NewReceiverAnswer()
		if err != nil {
			return err
		}
		return in.promisedAnswer(pa)
	default:
		_, err := d.NewThirdPartyHosted()
		return err
	}
	return nil
}
