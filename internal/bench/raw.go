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

// The raw implementation is the floor: length-prefixed frames on the bare
// socket, no schema, no encoding beyond little-endian integers. A frame is a
// 9-byte header — payload length (uint32), call ID (uint32), operation (one
// byte) — and the payload. Add's payload is a and b (8 bytes each), its
// reply's the sum; Echo's payload and reply are the data. Replies carry the
// call's ID, so many callers share one connection, as with the RPC systems.
const (
	rawHeaderSize = 9
	rawOpAdd      = 1
	rawOpEcho     = 2
	rawOpError    = 3 // reply: the payload is an error message
	rawMaxPayload = 64 << 20
)

// listenRaw serves benchapi.Local with raw frames.
func listenRaw(_ context.Context, path string) (func() error, error) {
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
			go serveRaw(c, benchapi.Local{})
		}
	}()
	return ln.Close, nil
}

// serveRaw answers frames on c in order until c fails, then closes it.
// Replies are flushed when no further request is already buffered, so
// pipelined callers share writes.
func serveRaw(c net.Conn, impl benchapi.Bench) {
	defer c.Close()
	r := bufio.NewReaderSize(c, 64<<10)
	w := bufio.NewWriterSize(c, 64<<10)
	var hdr [rawHeaderSize]byte
	var payload []byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return
		}
		n := binary.LittleEndian.Uint32(hdr[0:])
		if n > rawMaxPayload {
			return
		}
		if cap(payload) < int(n) {
			payload = make([]byte, n)
		}
		payload = payload[:n]
		if _, err := io.ReadFull(r, payload); err != nil {
			return
		}
		op, reply := hdr[8], payload
		var sum [8]byte
		switch op {
		case rawOpAdd:
			if n != 16 {
				op, reply = rawOpError, []byte("add: payload is not 16 bytes")
				break
			}
			v, err := impl.Add(context.Background(), int64(binary.LittleEndian.Uint64(payload)), int64(binary.LittleEndian.Uint64(payload[8:])))
			if err != nil {
				op, reply = rawOpError, []byte(err.Error())
				break
			}
			binary.LittleEndian.PutUint64(sum[:], uint64(v))
			reply = sum[:]
		case rawOpEcho:
			v, err := impl.Echo(context.Background(), payload)
			if err != nil {
				op, reply = rawOpError, []byte(err.Error())
				break
			}
			reply = v
		default:
			op, reply = rawOpError, []byte(fmt.Sprintf("unknown operation %d", op))
		}
		binary.LittleEndian.PutUint32(hdr[0:], uint32(len(reply)))
		hdr[8] = op
		w.Write(hdr[:])
		w.Write(reply)
		if r.Buffered() == 0 {
			if err := w.Flush(); err != nil {
				return
			}
		}
	}
}

// rawReply is what the reader goroutine hands to a waiting call.
type rawReply struct {
	op      byte
	payload []byte
	err     error
}

// rawClient multiplexes calls over one connection: a call writes its frame
// under mu and waits for the reply with its ID, which one reader goroutine
// delivers.
type rawClient struct {
	noCallbacks
	conn net.Conn

	mu      sync.Mutex // guards the fields below and writes to conn
	nextID  uint32
	pending map[uint32]chan rawReply
	err     error // set once the connection failed
	wbuf    []byte
}

// dialRaw connects a raw-frame client.
func dialRaw(ctx context.Context, path string) (Client, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, err
	}
	c := &rawClient{conn: conn, pending: make(map[uint32]chan rawReply)}
	go c.read()
	return c, nil
}

var errRawClosed = errors.New("raw: connection closed")

// read delivers replies until the connection fails, then fails every
// pending call.
func (c *rawClient) read() {
	r := bufio.NewReaderSize(c.conn, 64<<10)
	var hdr [rawHeaderSize]byte
	var err error
	for {
		if _, err = io.ReadFull(r, hdr[:]); err != nil {
			break
		}
		n := binary.LittleEndian.Uint32(hdr[0:])
		if n > rawMaxPayload {
			err = fmt.Errorf("raw: reply of %d bytes", n)
			break
		}
		payload := make([]byte, n)
		if _, err = io.ReadFull(r, payload); err != nil {
			break
		}
		id := binary.LittleEndian.Uint32(hdr[4:])
		c.mu.Lock()
		ch := c.pending[id]
		delete(c.pending, id)
		c.mu.Unlock()
		if ch != nil {
			ch <- rawReply{op: hdr[8], payload: payload}
		}
	}
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	for id, ch := range c.pending {
		ch <- rawReply{err: c.err}
		delete(c.pending, id)
	}
	c.mu.Unlock()
}

// call sends one frame and waits for its reply.
func (c *rawClient) call(ctx context.Context, op byte, payload ...[]byte) ([]byte, error) {
	ch := make(chan rawReply, 1)
	n := 0
	for _, p := range payload {
		n += len(p)
	}
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return nil, c.err
	}
	id := c.nextID
	c.nextID++
	c.pending[id] = ch
	buf := c.wbuf[:0]
	buf = binary.LittleEndian.AppendUint32(buf, uint32(n))
	buf = binary.LittleEndian.AppendUint32(buf, id)
	buf = append(buf, op)
	for _, p := range payload {
		buf = append(buf, p...)
	}
	c.wbuf = buf
	_, err := c.conn.Write(buf)
	if err != nil {
		delete(c.pending, id)
		c.err = err
	}
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, r.err
		}
		if r.op == rawOpError {
			return nil, errors.New(string(r.payload))
		}
		return r.payload, nil
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
		return nil, ctx.Err()
	}
}

func (c *rawClient) Add(ctx context.Context, a, b int64) (int64, error) {
	var args [16]byte
	binary.LittleEndian.PutUint64(args[:], uint64(a))
	binary.LittleEndian.PutUint64(args[8:], uint64(b))
	r, err := c.call(ctx, rawOpAdd, args[:])
	if err != nil {
		return 0, err
	}
	if len(r) != 8 {
		return 0, fmt.Errorf("raw: add reply of %d bytes", len(r))
	}
	return int64(binary.LittleEndian.Uint64(r)), nil
}

func (c *rawClient) Echo(ctx context.Context, data []byte) ([]byte, error) {
	return c.call(ctx, rawOpEcho, data)
}

func (c *rawClient) Close() error {
	c.mu.Lock()
	if c.err == nil {
		c.err = errRawClosed
	}
	c.mu.Unlock()
	return c.conn.Close()
}
