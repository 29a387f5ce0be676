package fuzz_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"capnproto.org/go/capnp/v3"
	rpccp "capnproto.org/go/capnp/v3/std/capnp/rpc"

	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// The conversion targets put arbitrary messages on the wire of a real
// connection, as a hostile peer would: a hand-written Cap'n Proto RPC peer
// on one end of a unix socket pair, an ipc.Conn with generated code on the
// other. The arbitrary message travels as it is, not copied (a copy would
// normalize it): its segments follow the envelope's (Call or Return) in
// the frame, and the envelope's content pointer is a far pointer to the
// message's root pointer. Far pointers inside the arbitrary message then
// name segment ids shifted by one, which is just another arbitrary message.

// contentMark is the capability index of the interface pointer that
// wireFrame replaces with the far pointer to the content.
const contentMark = 0x7ead_c0de

// wireFrame returns env, a one-segment RPC message, as a stream frame.
// When content is not nil, env's interface pointer to capability
// contentMark becomes a far pointer to the root of content, whose segments
// follow env's in the frame.
func wireFrame(env *capnp.Message, content *capnp.Message) ([]byte, error) {
	if env.NumSegments() != 1 {
		return nil, fmt.Errorf("envelope has %d segments, want 1", env.NumSegments())
	}
	seg, err := env.Segment(0)
	if err != nil {
		return nil, err
	}
	segs := [][]byte{bytes.Clone(seg.Data())}
	if content != nil {
		mark := binary.LittleEndian.AppendUint64(nil, 3|uint64(contentMark)<<32)
		at := -1
		for i := 0; i+8 <= len(segs[0]); i += 8 {
			if bytes.Equal(segs[0][i:i+8], mark) {
				at = i
				break
			}
		}
		if at < 0 {
			return nil, errors.New("envelope has no content mark")
		}
		// A far pointer (tag 2) to word 0 of segment 1: the content's
		// root pointer is its landing pad.
		binary.LittleEndian.PutUint64(segs[0][at:], 2|1<<32)
		for id := range content.NumSegments() {
			s, err := content.Segment(capnp.SegmentID(id))
			if err != nil {
				return nil, err
			}
			segs = append(segs, s.Data())
		}
	}
	frame := binary.LittleEndian.AppendUint32(nil, uint32(len(segs)-1))
	for _, s := range segs {
		frame = binary.LittleEndian.AppendUint32(frame, uint32(len(s)/8))
	}
	if len(segs)%2 == 0 {
		frame = binary.LittleEndian.AppendUint32(frame, 0)
	}
	for _, s := range segs {
		frame = append(frame, s...)
	}
	return frame, nil
}

// newEnvelope starts an RPC message in a one-segment message.
func newEnvelope() (*capnp.Message, rpccp.Message, error) {
	msg, seg := capnp.NewSingleSegmentMessage(nil)
	m, err := rpccp.NewRootMessage(seg)
	return msg, m, err
}

// markContent points p's content at the content wireFrame attaches.
func markContent(p rpccp.Payload) error {
	return p.SetContent(capnp.NewInterface(p.Segment(), contentMark).ToPtr())
}

// copyContent returns a message of its own whose root is a copy of the
// content of p, or nil when p has none.
func copyContent(p rpccp.Payload) (*capnp.Message, error) {
	content, err := p.Content()
	if err != nil || !content.IsValid() {
		return nil, err
	}
	msg, _ := capnp.NewSingleSegmentMessage(nil)
	if err := msg.SetRoot(content); err != nil {
		return nil, err
	}
	return msg, nil
}

// rawServer is a hand-written RPC peer that offers a bootstrap capability
// whose every call returns the same results.
type rawServer struct {
	args *capnp.Message // a copy of the params of the last call
	err  error          // why the peer stopped early, if not the stream's end
	done chan struct{}  // closed when the peer has stopped
}

// serveResults runs a rawServer on conn until its stream ends: every call
// returns results, the root of a message sent as it is (nil: no content).
func serveResults(conn io.ReadWriter, results *capnp.Message) *rawServer {
	r := &rawServer{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.err = r.serve(conn, results)
	}()
	return r
}

func (r *rawServer) serve(conn io.ReadWriter, results *capnp.Message) error {
	dec := capnp.NewDecoder(conn)
	for {
		in, err := dec.Decode()
		if err != nil {
			return nil // the stream ended
		}
		m, err := rpccp.ReadRootMessage(in)
		if err != nil {
			return err
		}
		var frame []byte
		switch m.Which() {
		case rpccp.Message_Which_bootstrap:
			b, err := m.Bootstrap()
			if err != nil {
				return err
			}
			// The bootstrap capability is export 0.
			frame, err = returnFrame(b.QuestionId(), nil, func(p rpccp.Payload) error {
				caps, err := p.NewCapTable(1)
				if err != nil {
					return err
				}
				caps.At(0).SetSenderHosted(0)
				return p.SetContent(capnp.NewInterface(p.Segment(), 0).ToPtr())
			})
			if err != nil {
				return err
			}
		case rpccp.Message_Which_call:
			c, err := m.Call()
			if err != nil {
				return err
			}
			params, err := c.Params()
			if err != nil {
				return err
			}
			if r.args, err = copyContent(params); err != nil {
				return err
			}
			frame, err = returnFrame(c.QuestionId(), results, func(p rpccp.Payload) error {
				if results == nil {
					return nil
				}
				return markContent(p)
			})
			if err != nil {
				return err
			}
		default:
			continue // Finish, Release: nothing to answer
		}
		if _, err := conn.Write(frame); err != nil {
			return nil // the client went away
		}
	}
}

// returnFrame is the frame of a Return of results for question q: fill
// sets the payload, content its marked content.
func returnFrame(q uint32, content *capnp.Message, fill func(rpccp.Payload) error) ([]byte, error) {
	env, m, err := newEnvelope()
	if err != nil {
		return nil, err
	}
	ret, err := m.NewReturn()
	if err != nil {
		return nil, err
	}
	ret.SetAnswerId(q)
	ret.SetReleaseParamCaps(false)
	p, err := ret.NewResults()
	if err != nil {
		return nil, err
	}
	if err := fill(p); err != nil {
		return nil, err
	}
	return wireFrame(env, content)
}

// callWithResults makes m's call through its generated client over a
// connection to a rawServer that answers with results (the root of a
// message, sent as it is), and returns the call's error and a copy of the
// params the generated client wrote (nil for a call without them).
func callWithResults(m method, results *capnp.Message) (args *capnp.Message, err error) {
	a, b, err := ipc.SocketPair()
	if err != nil {
		return nil, err
	}
	defer b.Close()
	peer := serveResults(b, results)
	client := ipc.NewConn(a, nil)
	ctx := context.Background()
	err = m.call(ctx, client.Bootstrap(ctx))
	client.Close()
	<-peer.done
	if err == nil && peer.err != nil {
		err = fmt.Errorf("raw server: %w", peer.err)
	}
	return peer.args, err
}

// served is the outcome of a call a rawClient made.
type served struct {
	results *capnp.Message // a copy of the results, or nil
	err     error          // the exception's reason, or why the connection ended
}

// serve connects a hand-written RPC client to m's generated server (an
// ipc.Conn over a socket pair) and calls m, pipelined on the bootstrap
// capability, with params (the root of a message, sent as it is), as the
// RPC layer receives a call from a peer; with cancel it sends the call's
// Finish at once, so that the implementation's context is canceled (the
// waiting methods return at once; the arguments are read before the
// implementation runs). It waits for the Return, up to hangLimit (then
// its error wraps os.ErrDeadlineExceeded).
func serve(m method, params *capnp.Message, cancel bool) served {
	a, b, err := ipc.SocketPair()
	if err != nil {
		return served{err: err}
	}
	defer b.Close()
	server := ipc.NewConn(a, &ipc.Options{Bootstrap: m.server().AddRef()})
	defer server.Close()
	b.SetDeadline(time.Now().Add(hangLimit))
	if err := writeCall(b, m, params, cancel); err != nil {
		return served{err: fmt.Errorf("raw client: %w", err)}
	}
	return awaitReturn(b, 1)
}

// writeCall writes Bootstrap (question 0), a call of m pipelined on it
// (question 1) with params as its content, and, with cancel, its Finish.
func writeCall(conn net.Conn, m method, params *capnp.Message, cancel bool) error {
	env, msg, err := newEnvelope()
	if err != nil {
		return err
	}
	boot, err := msg.NewBootstrap()
	if err != nil {
		return err
	}
	boot.SetQuestionId(0)
	frame, err := wireFrame(env, nil)
	if err != nil {
		return err
	}

	env, msg, err = newEnvelope()
	if err != nil {
		return err
	}
	call, err := msg.NewCall()
	if err != nil {
		return err
	}
	call.SetQuestionId(1)
	call.SetInterfaceId(m.iface)
	call.SetMethodId(m.id)
	target, err := call.NewTarget()
	if err != nil {
		return err
	}
	promised, err := target.NewPromisedAnswer()
	if err != nil {
		return err
	}
	promised.SetQuestionId(0)
	p, err := call.NewParams()
	if err != nil {
		return err
	}
	if params != nil {
		if err := markContent(p); err != nil {
			return err
		}
	}
	f, err := wireFrame(env, params)
	if err != nil {
		return err
	}
	frame = append(frame, f...)

	if cancel {
		env, msg, err = newEnvelope()
		if err != nil {
			return err
		}
		fin, err := msg.NewFinish()
		if err != nil {
			return err
		}
		fin.SetQuestionId(1)
		f, err := wireFrame(env, nil)
		if err != nil {
			return err
		}
		frame = append(frame, f...)
	}
	_, err = conn.Write(frame)
	return err
}

// awaitReturn reads conn until the Return of question q and returns its
// outcome; an Abort or the stream's end first is an error.
func awaitReturn(conn net.Conn, q uint32) served {
	dec := capnp.NewDecoder(conn)
	for {
		in, err := dec.Decode()
		if err != nil {
			return served{err: fmt.Errorf("the connection ended before the Return: %w", err)}
		}
		m, err := rpccp.ReadRootMessage(in)
		if err != nil {
			return served{err: err}
		}
		switch m.Which() {
		case rpccp.Message_Which_abort:
			e, _ := m.Abort()
			reason, _ := e.Reason()
			return served{err: fmt.Errorf("connection aborted: %s", reason)}
		case rpccp.Message_Which_return:
			ret, err := m.Return()
			if err != nil {
				return served{err: err}
			}
			if ret.AnswerId() != q {
				continue
			}
			switch ret.Which() {
			case rpccp.Return_Which_results:
				p, err := ret.Results()
				if err != nil {
					return served{err: err}
				}
				results, err := copyContent(p)
				return served{results: results, err: err}
			case rpccp.Return_Which_exception:
				e, err := ret.Exception()
				if err != nil {
					return served{err: err}
				}
				reason, _ := e.Reason()
				return served{err: errors.New(reason)}
			default:
				return served{err: fmt.Errorf("a Return of kind %v", ret.Which())}
			}
		}
	}
}

// panicked reports whether err is the error ipcimpl.Recover makes of a
// panic in a generated server method: "pkg.Interface.Method: panic: …".
func panicked(err error) bool {
	return err != nil && strings.Contains(err.Error(), ": panic: ")
}
