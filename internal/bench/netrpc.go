package bench

import (
	"context"
	"net"
	"net/rpc"

	"github.com/ifacegen/ifacegen/internal/bench/benchapi"
)

// AddArgs are the arguments of Bench.Add over net/rpc.
type AddArgs struct{ A, B int64 }

// NetRPCBench serves a benchapi.Bench over net/rpc (gob), registered as
// "Bench". net/rpc has no context: its methods pass context.Background.
type NetRPCBench struct{ Impl benchapi.Bench }

// Add serves Bench.Add.
func (s NetRPCBench) Add(args AddArgs, sum *int64) error {
	v, err := s.Impl.Add(context.Background(), args.A, args.B)
	*sum = v
	return err
}

// Echo serves Bench.Echo.
func (s NetRPCBench) Echo(data []byte, reply *[]byte) error {
	v, err := s.Impl.Echo(context.Background(), data)
	*reply = v
	return err
}

// listenNetRPC serves benchapi.Local with net/rpc.
func listenNetRPC(_ context.Context, path string) (func() error, error) {
	s := rpc.NewServer()
	if err := s.RegisterName("Bench", NetRPCBench{Impl: benchapi.Local{}}); err != nil {
		return nil, err
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	go s.Accept(ln)
	return ln.Close, nil
}

// netRPCClient calls Bench over net/rpc; the context is not sent.
type netRPCClient struct {
	noCallbacks
	c *rpc.Client
}

// dialNetRPC connects a net/rpc client.
func dialNetRPC(ctx context.Context, path string) (Client, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, err
	}
	return netRPCClient{c: rpc.NewClient(conn)}, nil
}

func (c netRPCClient) Add(_ context.Context, a, b int64) (int64, error) {
	var sum int64
	err := c.c.Call("Bench.Add", AddArgs{a, b}, &sum)
	return sum, err
}

func (c netRPCClient) Echo(_ context.Context, data []byte) ([]byte, error) {
	var reply []byte
	err := c.c.Call("Bench.Echo", data, &reply)
	return reply, err
}

func (c netRPCClient) Close() error { return c.c.Close() }
