package bench

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/ifacegen/ifacegen/internal/bench/benchapi"
)

// The ping-pong implementation is the one-caller floor (DESIGN §8, "Honest
// floors"): the raw frames of raw.go, but a call owns the connection from
// its request to its reply — one write, one read on the caller's own
// goroutine, no reader goroutine, no call IDs to match, no hand-off. Many
// callers take turns (a mutex), so at 16 callers it measures a serialized
// connection; the multiplexed raw implementation is the floor there.
//
// It also carries Visit, as the floor of a call with one callback: the
// server answers a rawOpVisit request with a rawOpCallback frame (n), the
// client runs the visitor and answers with rawOpCallbackReturn (its
// result) or rawOpError, and the server replies to the original call. That
// is two round trips on one connection, each a plain ping-pong.
const (
	rawOpVisit          = 4 // request: n (8 bytes); reply: the visitor's result
	rawOpCallback       = 5 // server → client, during a Visit: n
	rawOpCallbackReturn = 6 // client → server: the visitor's result
)

// listenPingPong serves benchapi.Local with ping-pong frames.
func listenPingPong(_ context.Context, path string) (func() error, error) {
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go servePingPong(c)
		}
	}()
	return ln.Close, nil
}

// pingPongConn is one side of a ping-pong connection: buffered reads, and
// writes flushed as whole frames.
type pingPongConn struct {
	conn    net.Conn
	r       *bufio.Reader
	w       *bufio.Writer
	hdr     [rawHeaderSize]byte // the last frame's header
	whdr    [rawHeaderSize]byte // the header being written
	scratch [16]byte            // a request's or reply's integers, encoded
	payload []byte              // the last frame's payload; reused by the next read
}

func newPingPongConn(c net.Conn) *pingPongConn {
	return &pingPongConn{conn: c, r: bufio.NewReaderSize(c, 64<<10), w: bufio.NewWriterSize(c, 64<<10)}
}

// read reads one frame; its payload is valid until the next read.
func (c *pingPongConn) read() (op byte, payload []byte, err error) {
	if _, err := io.ReadFull(c.r, c.hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.LittleEndian.Uint32(c.hdr[0:])
	if n > rawMaxPayload {
		return 0, nil, fmt.Errorf("ping-pong: frame of %d bytes", n)
	}
	if cap(c.payload) < int(n) {
		c.payload = make([]byte, n)
	}
	c.payload = c.payload[:n]
	if _, err := io.ReadFull(c.r, c.payload); err != nil {
		return 0, nil, err
	}
	return c.hdr[8], c.payload, nil
}

// write writes one frame and flushes it.
func (c *pingPongConn) write(op byte, payload []byte) error {
	binary.LittleEndian.PutUint32(c.whdr[0:], uint32(len(payload)))
	c.whdr[8] = op
	c.w.Write(c.whdr[:])
	c.w.Write(payload)
	return c.w.Flush()
}

// servePingPong answers requests on c one at a time until c fails, then
// closes it.
func servePingPong(c net.Conn) {
	defer c.Close()
	pc := newPingPongConn(c)
	impl := benchapi.Local{}
	ctx := context.Background()
	for {
		op, payload, err := pc.read()
		if err != nil {
			return
		}
		result := pc.scratch[:8]
		var reply []byte
		switch op {
		case rawOpAdd:
			if len(payload) != 16 {
				op, reply = rawOpError, []byte("add: payload is not 16 bytes")
				break
			}
			v, _ := impl.Add(ctx, int64(binary.LittleEndian.Uint64(payload)), int64(binary.LittleEndian.Uint64(payload[8:])))
			binary.LittleEndian.PutUint64(result, uint64(v))
			reply = result
		case rawOpEcho:
			v, _ := impl.Echo(ctx, payload)
			reply = v
		case rawOpVisit:
			if len(payload) != 8 {
				op, reply = rawOpError, []byte("visit: payload is not 8 bytes")
				break
			}
			v, err := impl.Visit(ctx, int64(binary.LittleEndian.Uint64(payload)), pc.callBack)
			if err != nil {
				op, reply = rawOpError, []byte(err.Error())
				break
			}
			binary.LittleEndian.PutUint64(result, uint64(v))
			reply = result
		default:
			op, reply = rawOpError, []byte(fmt.Sprintf("unknown operation %d", op))
		}
		if err := pc.write(op, reply); err != nil {
			return
		}
	}
}

// callBack is the server's benchapi.Visitor during a Visit: it asks the
// client to run its visitor with n and waits for the answer.
func (c *pingPongConn) callBack(_ context.Context, n int64) (int64, error) {
	arg := c.scratch[:8]
	binary.LittleEndian.PutUint64(arg, uint64(n))
	if err := c.write(rawOpCallback, arg); err != nil {
		return 0, err
	}
	op, payload, err := c.read()
	switch {
	case err != nil:
		return 0, err
	case op == rawOpError:
		return 0, errors.New(string(payload))
	case op != rawOpCallbackReturn || len(payload) != 8:
		return 0, fmt.Errorf("ping-pong: callback answered with operation %d, %d bytes", op, len(payload))
	}
	return int64(binary.LittleEndian.Uint64(payload)), nil
}

// pingPongClient makes one call at a time over its connection.
type pingPongClient struct {
	mu     sync.Mutex // held for a whole call, request to reply
	pc     *pingPongConn
	failed error // set once the connection failed or was closed
}

// dialPingPong connects a ping-pong client.
func dialPingPong(ctx context.Context, path string) (Client, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, err
	}
	return &pingPongClient{pc: newPingPongConn(conn)}, nil
}

var errPingPongClosed = errors.New("ping-pong: connection closed")

// roundTrip sends a request and reads frames until its reply, running
// visit for each callback request the server makes meanwhile. The caller
// holds c.mu; the reply is valid until the next roundTrip. ctx is not
// watched: a ping-pong call cannot be abandoned without losing the
// connection's framing, so this is the floor of a call that cannot be
// cancelled.
func (c *pingPongClient) roundTrip(ctx context.Context, op byte, payload []byte, visit benchapi.Visitor) ([]byte, error) {
	if c.failed != nil {
		return nil, c.failed
	}
	fail := func(err error) ([]byte, error) {
		c.failed = err
		c.pc.conn.Close()
		return nil, err
	}
	if err := c.pc.write(op, payload); err != nil {
		return fail(err)
	}
	for {
		op, reply, err := c.pc.read()
		if err != nil {
			return fail(err)
		}
		switch op {
		case rawOpError:
			return nil, errors.New(string(reply))
		case rawOpCallback:
			if visit == nil || len(reply) != 8 {
				return fail(fmt.Errorf("ping-pong: unexpected callback request of %d bytes", len(reply)))
			}
			v, err := visit(ctx, int64(binary.LittleEndian.Uint64(reply)))
			if err != nil {
				err = c.pc.write(rawOpError, []byte(err.Error()))
			} else {
				result := c.pc.scratch[:8]
				binary.LittleEndian.PutUint64(result, uint64(v))
				err = c.pc.write(rawOpCallbackReturn, result)
			}
			if err != nil {
				return fail(err)
			}
		default:
			return reply, nil
		}
	}
}

// int64Reply decodes an 8-byte reply.
func int64Reply(r []byte, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	if len(r) != 8 {
		return 0, fmt.Errorf("ping-pong: reply of %d bytes, want 8", len(r))
	}
	return int64(binary.LittleEndian.Uint64(r)), nil
}

func (c *pingPongClient) Add(ctx context.Context, a, b int64) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	args := c.pc.scratch[:16]
	binary.LittleEndian.PutUint64(args, uint64(a))
	binary.LittleEndian.PutUint64(args[8:], uint64(b))
	return int64Reply(c.roundTrip(ctx, rawOpAdd, args, nil))
}

func (c *pingPongClient) Echo(ctx context.Context, data []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, err := c.roundTrip(ctx, rawOpEcho, data, nil)
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), r...), nil
}

func (c *pingPongClient) Visit(ctx context.Context, n int64, v benchapi.Visitor) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	arg := c.pc.scratch[:8]
	binary.LittleEndian.PutUint64(arg, uint64(n))
	return int64Reply(c.roundTrip(ctx, rawOpVisit, arg, v))
}

// Close closes the connection; calls after Close fail.
func (c *pingPongClient) Close() error {
	err := c.pc.conn.Close()
	c.mu.Lock()
	if c.failed == nil {
		c.failed = errPingPongClosed
	}
	c.mu.Unlock()
	return err
}
