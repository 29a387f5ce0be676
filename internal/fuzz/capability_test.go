package fuzz_test

import (
	"context"
	"fmt"
	"strings"

	"capnproto.org/go/capnp/v3"
)

// answering is a capability whose every call returns results, whatever
// they hold: it lets a generated client's read path run on a crafted
// message in this process. It fills the arguments with the call's
// PlaceArgs first (the generated write path) and keeps the last argument
// message in args.
type answering struct {
	results capnp.Ptr
	args    *capnp.Message
}

func (a *answering) Send(ctx context.Context, s capnp.Send) (*capnp.Answer, capnp.ReleaseFunc) {
	if s.PlaceArgs != nil {
		msg, seg, err := capnp.NewMessage(capnp.SingleSegment(nil))
		if err != nil {
			return capnp.ErrorAnswer(s.Method, err), func() {}
		}
		args, err := capnp.NewRootStruct(seg, s.ArgsSize)
		if err != nil {
			return capnp.ErrorAnswer(s.Method, err), func() {}
		}
		if err := s.PlaceArgs(args); err != nil {
			return capnp.ErrorAnswer(s.Method, err), func() {}
		}
		a.args = msg
	}
	return capnp.ImmediateAnswer(s.Method, a.results), func() {}
}

func (a *answering) Recv(ctx context.Context, r capnp.Recv) capnp.PipelineCaller {
	r.Reject(fmt.Errorf("answering: Recv not supported"))
	return nil
}

func (*answering) Brand() capnp.Brand { return capnp.Brand{} }
func (*answering) Shutdown()          {}
func (*answering) String() string     { return "answering" }

// callWithResults makes m's call through its generated client on a
// capability that answers with results, and returns the call's error.
func callWithResults(m method, results capnp.Ptr) (args *capnp.Message, err error) {
	hook := &answering{results: results}
	err = m.call(context.Background(), capnp.NewClient(hook))
	return hook.args, err
}

// recorder is the capnp.Returner of a call received through
// capnp.Client.RecvCall: it keeps the results in a message of their own
// and the error, and closes done on Return.
type recorder struct {
	msg     *capnp.Message
	results capnp.Struct
	err     error
	done    chan struct{}
}

func newRecorder() *recorder { return &recorder{done: make(chan struct{})} }

func (r *recorder) AllocResults(sz capnp.ObjectSize) (capnp.Struct, error) {
	msg, seg, err := capnp.NewMessage(capnp.SingleSegment(nil))
	if err != nil {
		return capnp.Struct{}, err
	}
	s, err := capnp.NewRootStruct(seg, sz)
	r.msg, r.results = msg, s
	return s, err
}

func (r *recorder) PrepareReturn(err error) { r.err = err }
func (r *recorder) Return()                 { close(r.done) }
func (r *recorder) ReleaseResults()         {}

// serve delivers a call to m with args to m's generated server in this
// process, as the RPC layer does with a call it received, and waits for
// it to return.
func serve(ctx context.Context, m method, args capnp.Struct) *recorder {
	rec := newRecorder()
	pc := m.server().RecvCall(ctx, capnp.Recv{
		Method:      capnp.Method{InterfaceID: m.iface, MethodID: m.id},
		Args:        args,
		ReleaseArgs: func() {},
		Returner:    rec,
	})
	_ = pc // nothing is pipelined on the answer
	<-rec.done
	return rec
}

// panicked reports whether err is the error ipc.Recover makes of a panic
// in a generated server method: "pkg.Interface.Method: panic: …".
func panicked(err error) bool {
	return err != nil && strings.Contains(err.Error(), ": panic: ")
}
