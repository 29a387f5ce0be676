package capnprpc_test

import (
	"context"
	"errors"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"capnproto.org/go/capnp/v3"
	rpccp "capnproto.org/go/capnp/v3/std/capnp/rpc"
	"github.com/ifacegen/ifacegen/runtime/capnprpc"
)

const testIface = 0xa1b2c3d4e5f60718

var (
	mAdd      = &capnprpc.Method{InterfaceID: testIface, MethodID: 0, Name: "test.Calc.Add", ParamsSize: capnp.ObjectSize{DataSize: 16}}
	mFail     = &capnprpc.Method{InterfaceID: testIface, MethodID: 1, Name: "test.Calc.Fail"}
	mBlock    = &capnprpc.Method{InterfaceID: testIface, MethodID: 2, Name: "test.Calc.Block"}
	mCallback = &capnprpc.Method{InterfaceID: testIface, MethodID: 3, Name: "test.Calc.Callback", ParamsSize: capnp.ObjectSize{DataSize: 8, PointerCount: 1}}
	mNewCalc  = &capnprpc.Method{InterfaceID: testIface, MethodID: 4, Name: "test.Calc.NewCalc"}
	mEcho     = &capnprpc.Method{InterfaceID: testIface, MethodID: 5, Name: "test.Calc.Echo", ParamsSize: capnp.ObjectSize{PointerCount: 1}}
	mWait     = &capnprpc.Method{InterfaceID: testIface, MethodID: 6, Name: "test.Calc.Wait"}
	mMissing  = &capnprpc.Method{InterfaceID: testIface, MethodID: 99, Name: "test.Calc.Missing"}
)

// calc is a test Server.
type calc struct {
	release      chan struct{} // closed to end Wait calls
	blockStarted chan struct{}
	blockEnded   chan error
	shutdown     atomic.Int32
	calls        atomic.Int64
}

func newCalc() *calc {
	return &calc{release: make(chan struct{}), blockStarted: make(chan struct{}, 128), blockEnded: make(chan error, 64)}
}

func (s *calc) Shutdown() { s.shutdown.Add(1) }

func (s *calc) Dispatch(ctx context.Context, call *capnprpc.Call) error {
	s.calls.Add(1)
	if call.InterfaceID() != testIface {
		return &capnprpc.Exception{Type: capnprpc.Unimplemented, Reason: "unknown interface"}
	}
	p := call.Params()
	switch call.MethodID() {
	case 0:
		r, err := call.AllocResults(capnp.ObjectSize{DataSize: 8})
		if err != nil {
			return err
		}
		r.SetUint64(0, p.Uint64(0)+p.Uint64(8))
		return nil
	case 1:
		return errors.New("it failed on purpose")
	case 2:
		s.blockStarted <- struct{}{}
		<-ctx.Done()
		s.blockEnded <- ctx.Err()
		return ctx.Err()
	case 3:
		// Callback(depth, cb): calls cb.Callback(depth-1, self-ish) until 0, then cb.Add.
		depth := p.Uint64(0)
		ptr, err := p.Ptr(0)
		if err != nil {
			return err
		}
		cb := capnprpc.CapabilityAt(p.Message(), ptr.Interface().Capability())
		if cb == nil {
			return errors.New("no callback")
		}
		defer cb.Release()
		var sum uint64
		if depth == 0 {
			err = cb.Call(ctx, mAdd, func(ps capnp.Struct) error {
				ps.SetUint64(0, 40)
				ps.SetUint64(8, 2)
				return nil
			}, func(rs capnp.Struct) error { sum = rs.Uint64(0); return nil })
		} else {
			self := capnprpc.NewLocal(s)
			err = cb.Call(ctx, mCallback, func(ps capnp.Struct) error {
				ps.SetUint64(0, depth-1)
				id, err := capnprpc.AddCapability(ps.Message(), self)
				if err != nil {
					return err
				}
				return ps.SetPtr(0, capnp.NewInterface(ps.Segment(), id).ToPtr())
			}, func(rs capnp.Struct) error { sum = rs.Uint64(0); return nil })
		}
		if err != nil {
			return err
		}
		r, err := call.AllocResults(capnp.ObjectSize{DataSize: 8})
		if err != nil {
			return err
		}
		r.SetUint64(0, sum+1)
		return nil
	case 4:
		r, err := call.AllocResults(capnp.ObjectSize{PointerCount: 1})
		if err != nil {
			return err
		}
		id, err := capnprpc.AddCapability(r.Message(), capnprpc.NewLocal(newCalc()))
		if err != nil {
			return err
		}
		return r.SetPtr(0, capnp.NewInterface(r.Segment(), id).ToPtr())
	case 5:
		ptr, err := p.Ptr(0)
		if err != nil {
			return err
		}
		c := capnprpc.CapabilityAt(p.Message(), ptr.Interface().Capability())
		r, err := call.AllocResults(capnp.ObjectSize{PointerCount: 1})
		if err != nil {
			c.Release()
			return err
		}
		if c == nil {
			return nil
		}
		id, err := capnprpc.AddCapability(r.Message(), c)
		if err != nil {
			return err
		}
		return r.SetPtr(0, capnp.NewInterface(r.Segment(), id).ToPtr())
	case 6:
		s.blockStarted <- struct{}{}
		select {
		case <-s.release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return &capnprpc.Exception{Type: capnprpc.Unimplemented, Reason: "unknown method"}
}

// add calls Add on c.
func add(ctx context.Context, c *capnprpc.Capability, a, b uint64) (uint64, error) {
	var sum uint64
	err := c.Call(ctx, mAdd, func(p capnp.Struct) error {
		p.SetUint64(0, a)
		p.SetUint64(8, b)
		return nil
	}, func(r capnp.Struct) error {
		sum = r.Uint64(0)
		return nil
	})
	return sum, err
}

// capResult calls m on c with a capability param (or none) and returns the
// capability in the results' pointer 0.
func capCall(ctx context.Context, c *capnprpc.Capability, m *capnprpc.Method, param *capnprpc.Capability) (*capnprpc.Capability, error) {
	var out *capnprpc.Capability
	err := c.Call(ctx, m, func(p capnp.Struct) error {
		if param == nil {
			return nil
		}
		id, err := capnprpc.AddCapability(p.Message(), param)
		if err != nil {
			return err
		}
		return p.SetPtr(0, capnp.NewInterface(p.Segment(), id).ToPtr())
	}, func(r capnp.Struct) error {
		ptr, err := r.Ptr(0)
		if err != nil {
			return err
		}
		out = capnprpc.CapabilityAt(r.Message(), ptr.Interface().Capability())
		return nil
	})
	return out, err
}

// transports returns the two kinds of stream the tests run over.
var transports = []struct {
	name string
	pair func(t testing.TB) (net.Conn, net.Conn)
}{
	{"socketpair", socketPair},
	{"pipe", func(t testing.TB) (net.Conn, net.Conn) { return net.Pipe() }},
}

func socketPair(t testing.TB) (net.Conn, net.Conn) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	conn := func(fd int) net.Conn {
		f := os.NewFile(uintptr(fd), "socketpair")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	return conn(fds[0]), conn(fds[1])
}

// recorder is an Observer that keeps a summary of each message.
type recorder struct {
	mu   sync.Mutex
	msgs []observed
}

type observed struct {
	dir   capnprpc.Direction
	which rpccp.Message_Which
	id    uint32 // question/answer/export id where it has one
	count uint32 // Release count
	flag  bool   // Finish.releaseResultCaps
	desc  []rpccp.CapDescriptor_Which
}

func (r *recorder) Observe(dir capnprpc.Direction, m rpccp.Message, size int) {
	o := observed{dir: dir, which: m.Which()}
	switch m.Which() {
	case rpccp.Message_Which_release:
		rel, _ := m.Release()
		o.id, o.count = rel.Id(), rel.ReferenceCount()
	case rpccp.Message_Which_finish:
		f, _ := m.Finish()
		o.id, o.flag = f.QuestionId(), f.ReleaseResultCaps()
	case rpccp.Message_Which_call:
		c, _ := m.Call()
		o.id = c.QuestionId()
		p, _ := c.Params()
		o.desc = descs(p)
	case rpccp.Message_Which_return:
		ret, _ := m.Return()
		o.id = ret.AnswerId()
		if ret.Which() == rpccp.Return_Which_results {
			p, _ := ret.Results()
			o.desc = descs(p)
		}
	}
	r.mu.Lock()
	r.msgs = append(r.msgs, o)
	r.mu.Unlock()
}

func descs(p rpccp.Payload) []rpccp.CapDescriptor_Which {
	l, _ := p.CapTable()
	var out []rpccp.CapDescriptor_Which
	for i := 0; i < l.Len(); i++ {
		out = append(out, l.At(i).Which())
	}
	return out
}

func (r *recorder) find(dir capnprpc.Direction, which rpccp.Message_Which) []observed {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []observed
	for _, o := range r.msgs {
		if o.dir == dir && o.which == which {
			out = append(out, o)
		}
	}
	return out
}

func runtimeGosched() { time.Sleep(100 * time.Microsecond) }
