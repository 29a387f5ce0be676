package capnprpc_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"

	"capnproto.org/go/capnp/v3"
	rpccp "capnproto.org/go/capnp/v3/std/capnp/rpc"
	"github.com/ifacegen/ifacegen/runtime/capnprpc"
)

// rawPeer speaks to an engine Conn with hand-built messages.
type rawPeer struct {
	t    testing.TB
	conn net.Conn
	dec  *capnp.Decoder
	eng  *capnprpc.Conn
	logs *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newRawPeer(t testing.TB, pairFn func(testing.TB) (net.Conn, net.Conn), boot capnprpc.Server, lim capnprpc.Limits) *rawPeer {
	a, b := pairFn(t)
	logs := &syncBuffer{}
	opts := &capnprpc.Options{Limits: lim, Logger: slog.New(slog.NewTextHandler(logs, nil))}
	if boot != nil {
		opts.Bootstrap = capnprpc.NewLocal(boot)
	}
	p := &rawPeer{t: t, conn: a, dec: capnp.NewDecoder(a), eng: capnprpc.NewConn(b, opts), logs: logs}
	t.Cleanup(func() {
		p.eng.Close()
		a.Close()
	})
	return p
}

// send writes one message built by build.
func (p *rawPeer) send(build func(rpccp.Message)) {
	p.t.Helper()
	msg, seg, err := capnp.NewMessage(capnp.SingleSegment(nil))
	if err != nil {
		p.t.Fatal(err)
	}
	root, err := rpccp.NewRootMessage(seg)
	if err != nil {
		p.t.Fatal(err)
	}
	build(root)
	b, err := msg.Marshal()
	if err != nil {
		p.t.Fatal(err)
	}
	if _, err := p.conn.Write(b); err != nil {
		p.t.Fatal(err)
	}
}

// sendLoose is send for a peer that may have hung up.
func (p *rawPeer) sendLoose(build func(rpccp.Message)) {
	msg, seg, _ := capnp.NewMessage(capnp.SingleSegment(nil))
	root, _ := rpccp.NewRootMessage(seg)
	build(root)
	b, _ := msg.Marshal()
	p.conn.Write(b)
}

// recv reads the next message.
func (p *rawPeer) recv() (rpccp.Message, error) {
	msg, err := p.dec.Decode()
	if err != nil {
		return rpccp.Message{}, err
	}
	return rpccp.ReadRootMessage(msg)
}

// expectAbort reads until an Abort and checks its reason, the log and the
// end of the connection.
func (p *rawPeer) expectAbort(want string) {
	p.t.Helper()
	for {
		m, err := p.recv()
		if err != nil {
			p.t.Fatalf("no Abort before %v", err)
		}
		if m.Which() != rpccp.Message_Which_abort {
			continue
		}
		e, _ := m.Abort()
		reason, _ := e.Reason()
		if !strings.Contains(reason, want) {
			p.t.Fatalf("Abort reason %q, want it to contain %q", reason, want)
		}
		break
	}
	<-p.eng.Done()
	if !strings.Contains(p.logs.String(), want) {
		p.t.Fatalf("log %q does not name %q", p.logs.String(), want)
	}
	if p.eng.Err() == nil {
		p.t.Fatal("Err is nil after an Abort")
	}
}

func bootstrap(id uint32) func(rpccp.Message) {
	return func(m rpccp.Message) {
		b, _ := m.NewBootstrap()
		b.SetQuestionId(id)
	}
}

func callMsg(qid, export uint32, caps ...uint32) func(rpccp.Message) {
	return func(m rpccp.Message) {
		c, _ := m.NewCall()
		c.SetQuestionId(qid)
		c.SetInterfaceId(testIface)
		c.SetMethodId(0)
		t, _ := c.NewTarget()
		t.SetImportedCap(export)
		p, _ := c.NewParams()
		st, _ := capnp.NewStruct(m.Segment(), capnp.ObjectSize{DataSize: 16})
		p.SetContent(st.ToPtr())
		if len(caps) > 0 {
			l, _ := p.NewCapTable(int32(len(caps)))
			for i, id := range caps {
				l.At(i).SetSenderHosted(id)
			}
		}
	}
}

func TestProtocolViolations(t *testing.T) {
	cases := []struct {
		name  string
		msgs  []func(rpccp.Message)
		abort string
	}{
		{"return for unknown question", []func(rpccp.Message){func(m rpccp.Message) {
			r, _ := m.NewReturn()
			r.SetAnswerId(7)
			r.SetCanceled()
		}}, "Return for question id 7"},
		{"call to unknown export", []func(rpccp.Message){callMsg(0, 42)}, "unknown export id 42"},
		{"duplicate question id", []func(rpccp.Message){bootstrap(3), callMsg(3, 0)}, "question id 3, which is already in use"},
		{"release of unknown export", []func(rpccp.Message){func(m rpccp.Message) {
			r, _ := m.NewRelease()
			r.SetId(9)
			r.SetReferenceCount(1)
		}}, "Release of unknown export id 9"},
		{"release too many", []func(rpccp.Message){bootstrap(0), func(m rpccp.Message) {
			r, _ := m.NewRelease()
			r.SetId(0)
			r.SetReferenceCount(5)
		}}, "with count 5"},
		{"finish of unknown question", []func(rpccp.Message){func(m rpccp.Message) {
			f, _ := m.NewFinish()
			f.SetQuestionId(11)
		}}, "Finish for question id 11"},
		{"unknown embargo", []func(rpccp.Message){func(m rpccp.Message) {
			d, _ := m.NewDisembargo()
			tg, _ := d.NewTarget()
			tg.SetImportedCap(0)
			d.Context().SetReceiverLoopback(5)
		}}, "unknown embargo id 5"},
		{"bad receiverHosted descriptor", []func(rpccp.Message){bootstrap(0), func(m rpccp.Message) {
			callMsg(1, 0)(m)
			c, _ := m.Call()
			p, _ := c.Params()
			l, _ := p.NewCapTable(1)
			l.At(0).SetReceiverHosted(77)
		}}, "unknown export id 77"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newRawPeer(t, socketPair, newCalc(), capnprpc.Limits{})
			for _, m := range tc.msgs {
				p.send(m)
			}
			p.expectAbort(tc.abort)
		})
	}
}

func TestMalformedFrame(t *testing.T) {
	p := newRawPeer(t, socketPair, newCalc(), capnprpc.Limits{})
	// One segment of one word whose root pointer points far outside it.
	frame := make([]byte, 16)
	binary.LittleEndian.PutUint32(frame[4:], 1)
	binary.LittleEndian.PutUint64(frame[8:], 0x0001000000100000|0x7ff0<<2)
	p.conn.Write(frame)
	p.expectAbort("malformed")
}

func TestUnknownMessageGetsUnimplemented(t *testing.T) {
	p := newRawPeer(t, socketPair, newCalc(), capnprpc.Limits{})
	p.send(func(m rpccp.Message) {
		j, _ := m.NewJoin()
		j.SetQuestionId(4)
	})
	m, err := p.recv()
	if err != nil {
		t.Fatal(err)
	}
	if m.Which() != rpccp.Message_Which_unimplemented {
		t.Fatalf("got %v, want unimplemented", m.Which())
	}
	u, _ := m.Unimplemented()
	if u.Which() != rpccp.Message_Which_join {
		t.Fatalf("echoed %v, want join", u.Which())
	}
	// The connection lives on.
	p.send(bootstrap(0))
	m, err = p.recv()
	if err != nil || m.Which() != rpccp.Message_Which_return {
		t.Fatalf("after Unimplemented: %v %v", m.Which(), err)
	}
}

func TestFrameLimits(t *testing.T) {
	t.Run("segments", func(t *testing.T) {
		p := newRawPeer(t, socketPair, newCalc(), capnprpc.Limits{MaxFrameSegments: 4})
		hdr := make([]byte, 8)
		binary.LittleEndian.PutUint32(hdr, 9) // 10 segments
		p.conn.Write(hdr)
		p.expectAbort("MaxFrameSegments")
	})
	t.Run("bytes", func(t *testing.T) {
		p := newRawPeer(t, socketPair, newCalc(), capnprpc.Limits{MaxFrameBytes: 1 << 20})
		hdr := make([]byte, 8)
		binary.LittleEndian.PutUint32(hdr[4:], 1<<17+1) // one segment of just over 1 MiB
		p.conn.Write(hdr)
		p.expectAbort("MaxFrameBytes")
	})
}

func TestMaxAnswers(t *testing.T) {
	p := newRawPeer(t, socketPair, newCalc(), capnprpc.Limits{MaxAnswers: 8})
	for i := uint32(0); i < 9; i++ {
		p.send(bootstrap(i))
	}
	p.expectAbort("MaxAnswers")
}

func TestMaxImports(t *testing.T) {
	p := newRawPeer(t, socketPair, newCalc(), capnprpc.Limits{MaxImports: 4})
	p.send(bootstrap(0))
	// A call that waits holds its params' capabilities.
	p.send(func(m rpccp.Message) {
		callMsg(1, 0, 10, 11, 12)(m)
		c, _ := m.Call()
		c.SetMethodId(mWait.MethodID)
	})
	p.send(callMsg(2, 0, 13, 14))
	p.expectAbort("MaxImports")
}

func TestMaxExports(t *testing.T) {
	p := newRawPeer(t, socketPair, newCalc(), capnprpc.Limits{MaxExports: 3})
	p.send(bootstrap(0))
	for i := uint32(1); i < 5; i++ {
		// The engine may abort (and hang up) before the last ones.
		p.sendLoose(func(m rpccp.Message) {
			callMsg(i, 0)(m)
			c, _ := m.Call()
			c.SetMethodId(mNewCalc.MethodID)
		})
	}
	p.expectAbort("MaxExports")
}

func TestMaxQuestions(t *testing.T) {
	srv := newCalc()
	p := newPair(t, socketPair, srv, capnprpc.Limits{MaxQuestions: 3})
	ctx, cancel := context.WithCancel(context.Background())
	boot := p.client.Bootstrap(ctx)
	defer boot.Release()
	if _, err := add(ctx, boot, 1, 1); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 3)
	for i := 0; i < 3; i++ {
		go func() { done <- boot.Call(ctx, mBlock, nil, nil) }()
		<-srv.blockStarted
	}
	_, err := add(context.Background(), boot, 1, 1)
	var e *capnprpc.Exception
	if err == nil || !strings.Contains(err.Error(), "MaxQuestions") {
		t.Fatalf("call beyond MaxQuestions: %v", err)
	}
	_ = e
	cancel()
	for i := 0; i < 3; i++ {
		<-done
	}
	waitStats(t, p.client, capnprpc.Stats{Imports: 1})
	// No Abort: the connection carries on.
	if s, err := add(context.Background(), boot, 2, 2); err != nil || s != 4 {
		t.Fatal(s, err)
	}
}

func TestMaxAcceptedCalls(t *testing.T) {
	srv := newCalc()
	p := newPair(t, socketPair, srv, capnprpc.Limits{MaxAcceptedCalls: 4, MaxRunningCalls: 2})
	ctx := context.Background()
	boot := p.client.Bootstrap(context.Background())
	defer boot.Release()
	if _, err := add(context.Background(), boot, 1, 1); err != nil {
		t.Fatal(err)
	}
	const n = 10
	done := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() { done <- boot.Call(ctx, mWait, nil, nil) }()
	}
	<-srv.blockStarted
	<-srv.blockStarted
	// Wait until the server has accepted its fill: two running, two
	// waiting, and the reader holding the fifth call.
	waitStats(t, p.server, capnprpc.Stats{Exports: 1, Answers: 4, AcceptedCalls: 4, RunningCalls: 2})
	waitStats(t, p.client, capnprpc.Stats{Imports: 1, Questions: n})
	// The rest stay unread in the socket: the server does not accept more
	// (a goroutine per call would show up as more accepted calls).
	st := p.server.Stats()
	if st.AcceptedCalls > 4 || st.RunningCalls > 2 {
		t.Fatalf("server stats %+v beyond the limits", st)
	}
	close(srv.release)
	for i := 0; i < n; i++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	waitStats(t, p.server, capnprpc.Stats{Exports: 1})
	if s, err := add(context.Background(), boot, 2, 2); err != nil || s != 4 {
		t.Fatal(s, err)
	}
}

func TestMaxQueuedBytes(t *testing.T) {
	const limit = 16 << 10
	p := newRawPeer(t, func(testing.TB) (net.Conn, net.Conn) { return net.Pipe() }, newCalc(), capnprpc.Limits{MaxQueuedBytes: limit})
	// The peer asks and never reads: the engine's Returns queue up to the
	// bound, then its reader waits, then the peer's writes block.
	const n = 2000
	wrote := make(chan int, 1)
	go func() {
		i := 0
		defer func() { wrote <- i }()
		for ; i < n; i++ {
			msg, seg, _ := capnp.NewMessage(capnp.SingleSegment(nil))
			root, _ := rpccp.NewRootMessage(seg)
			bootstrap(uint32(i))(root)
			b, _ := msg.Marshal()
			if _, err := p.conn.Write(b); err != nil {
				return
			}
		}
	}()
	for {
		st := p.eng.Stats()
		if st.QueuedBytes > limit {
			t.Fatalf("QueuedBytes %d beyond MaxQueuedBytes %d", st.QueuedBytes, limit)
		}
		if st.QueuedBytes > limit-256 {
			break
		}
		select {
		case i := <-wrote:
			t.Fatalf("the peer wrote all %d messages (%d) while the engine queued only %d bytes", n, i, st.QueuedBytes)
		default:
		}
		runtimeGosched()
	}
	select {
	case i := <-wrote:
		t.Fatalf("the peer could write everything (%d)", i)
	default:
	}
	p.eng.Close()
	<-wrote
}

func TestMaxRunningCallsUnbounded(t *testing.T) {
	srv := newCalc()
	p := newPair(t, socketPair, srv, capnprpc.Limits{MaxRunningCalls: -1, MaxAcceptedCalls: 100})
	boot := p.client.Bootstrap(context.Background())
	defer boot.Release()
	const n = 80
	done := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() { done <- boot.Call(context.Background(), mWait, nil, nil) }()
	}
	for i := 0; i < n; i++ {
		<-srv.blockStarted // all of them run at once
	}
	if st := p.server.Stats(); st.RunningCalls != n {
		t.Fatalf("RunningCalls %d, want %d", st.RunningCalls, n)
	}
	close(srv.release)
	for i := 0; i < n; i++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
