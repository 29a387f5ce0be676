package handcapnp

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"

	"capnproto.org/go/capnp/v3"
	"capnproto.org/go/capnp/v3/rpc"
	"capnproto.org/go/capnp/v3/rpc/transport"

	"github.com/ifacegen/ifacegen/internal/bench/benchapi"
)

// Server serves the Bench interface: add returns the sum, echo returns its
// argument, visit calls its visitor once with n and returns the visitor's
// result. Its methods let go-capnp run calls concurrently (call.Go).
type Server struct{}

var _ Bench_Server = Server{}

// Add serves Bench.add.
func (Server) Add(_ context.Context, call Bench_add) error {
	call.Go()
	args := call.Args()
	res, err := call.AllocResults()
	if err != nil {
		return err
	}
	res.SetSum(args.A() + args.B())
	return nil
}

// Echo serves Bench.echo.
func (Server) Echo(_ context.Context, call Bench_echo) error {
	call.Go()
	data, err := call.Args().Data()
	if err != nil {
		return err
	}
	res, err := call.AllocResults()
	if err != nil {
		return err
	}
	return res.SetData(data)
}

// Visit serves Bench.visit. The visitor capability belongs to the call's
// arguments, so it lives as long as the call and needs no release here.
func (Server) Visit(ctx context.Context, call Bench_visit) error {
	call.Go()
	args := call.Args()
	f, release := args.V().Call(ctx, func(p Visitor_call_Params) error {
		p.SetN(args.N())
		return nil
	})
	defer release()
	r, err := f.Struct()
	if err != nil {
		return err
	}
	res, err := call.AllocResults()
	if err != nil {
		return err
	}
	res.SetResult(r.Result())
	return nil
}

// visitor serves a Visitor capability by calling a Go func.
type visitor benchapi.Visitor

// Call serves Visitor.call.
func (v visitor) Call(ctx context.Context, call Visitor_call) error {
	call.Go()
	result, err := v(ctx, call.Args().N())
	if err != nil {
		return err
	}
	res, err := call.AllocResults()
	if err != nil {
		return err
	}
	res.SetResult(result)
	return nil
}

// bufferedCodec frames Cap'n Proto messages on a stream like go-capnp's
// stream transport, but reads through a 64 KiB buffer (a message's header
// and body are otherwise two reads) and writes to the stream directly. It is
// the framing runtime/ipc uses, so that the comparison with the generated
// proxies measures the generated layer and not a different transport.
type bufferedCodec struct {
	*capnp.Decoder
	*capnp.Encoder
	io.Closer
}

// newTransport returns a transport over c with bufferedCodec framing;
// closing it closes c.
func newTransport(c net.Conn) transport.Transport {
	return transport.New(bufferedCodec{
		Decoder: capnp.NewDecoder(bufio.NewReaderSize(c, 64<<10)),
		Encoder: capnp.NewEncoder(c),
		Closer:  c,
	})
}

// Serve serves a Server on every connection ln accepts, each over its own
// rpc.Conn, until ln is closed; it returns the error that ended Accept.
func Serve(ln net.Listener) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		rpc.NewConn(newTransport(c), &rpc.Options{
			BootstrapClient: capnp.Client(Bench_ServerToClient(Server{})),
		})
	}
}

// Client calls a Bench over one connection. Its methods are safe for
// concurrent use; Close ends the connection.
type Client struct {
	conn  *rpc.Conn
	bench Bench
}

// Dial connects to a Serve listening on the unix socket at path. ctx bounds
// the dial; the bootstrap capability outlives it.
func Dial(ctx context.Context, path string) (*Client, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, err
	}
	conn := rpc.NewConn(newTransport(c), nil)
	return &Client{conn: conn, bench: Bench(conn.Bootstrap(context.Background()))}, nil
}

// Add calls Bench.add.
func (c *Client) Add(ctx context.Context, a, b int64) (int64, error) {
	f, release := c.bench.Add(ctx, func(p Bench_add_Params) error {
		p.SetA(a)
		p.SetB(b)
		return nil
	})
	defer release()
	res, err := f.Struct()
	if err != nil {
		return 0, err
	}
	return res.Sum(), nil
}

// Echo calls Bench.echo. The result is a copy the caller owns.
func (c *Client) Echo(ctx context.Context, data []byte) ([]byte, error) {
	f, release := c.bench.Echo(ctx, func(p Bench_echo_Params) error {
		return p.SetData(data)
	})
	defer release()
	res, err := f.Struct()
	if err != nil {
		return nil, err
	}
	out, err := res.Data()
	if err != nil {
		return nil, err
	}
	return bytes.Clone(out), nil
}

// Close releases the bootstrap capability and closes the connection.
func (c *Client) Close() error {
	c.bench.Release()
	return c.conn.Close()
}

// Visit calls Bench.visit with v served as a Visitor capability for the
// duration of the call.
func (c *Client) Visit(ctx context.Context, n int64, v benchapi.Visitor) (int64, error) {
	f, release := c.bench.Visit(ctx, func(p Bench_visit_Params) error {
		p.SetN(n)
		// SetV takes over the new capability's only reference.
		return p.SetV(Visitor_ServerToClient(visitor(v)))
	})
	defer release()
	res, err := f.Struct()
	if err != nil {
		return 0, err
	}
	return res.Result(), nil
}
