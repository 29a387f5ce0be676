package handcapnp

import (
	"bytes"
	"context"
	"net"

	"capnproto.org/go/capnp/v3"
	"capnproto.org/go/capnp/v3/rpc"
)

// Server serves the Bench interface: add returns the sum, echo returns its
// argument. Its methods let go-capnp run calls concurrently (call.Go).
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

// Serve serves a Server on every connection ln accepts, each over its own
// rpc.Conn, until ln is closed; it returns the error that ended Accept.
func Serve(ln net.Listener) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		rpc.NewConn(rpc.NewStreamTransport(c), &rpc.Options{
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
	conn := rpc.NewConn(rpc.NewStreamTransport(c), nil)
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
