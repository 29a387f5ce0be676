package bench

import (
	"context"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/ifacegen/ifacegen/internal/bench/benchapi"
	"github.com/ifacegen/ifacegen/internal/bench/benchpb"
)

// grpcServer serves a benchapi.Bench as the protoc-generated gRPC service.
type grpcServer struct {
	benchpb.UnimplementedBenchServer
	impl benchapi.Bench
}

func (s grpcServer) Add(ctx context.Context, req *benchpb.AddRequest) (*benchpb.AddReply, error) {
	sum, err := s.impl.Add(ctx, req.GetA(), req.GetB())
	if err != nil {
		return nil, err
	}
	return &benchpb.AddReply{Sum: sum}, nil
}

func (s grpcServer) Echo(ctx context.Context, req *benchpb.EchoMessage) (*benchpb.EchoMessage, error) {
	data, err := s.impl.Echo(ctx, req.GetData())
	if err != nil {
		return nil, err
	}
	return &benchpb.EchoMessage{Data: data}, nil
}

// listenGRPC serves benchapi.Local with gRPC-go, default options.
func listenGRPC(_ context.Context, path string) (func() error, error) {
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	s := grpc.NewServer()
	benchpb.RegisterBenchServer(s, grpcServer{impl: benchapi.Local{}})
	go s.Serve(ln)
	return func() error { s.Stop(); return nil }, nil
}

// grpcClient calls the gRPC service; it implements benchapi.Bench.
type grpcClient struct {
	noCallbacks
	conn *grpc.ClientConn
	c    benchpb.BenchClient
}

// dialGRPC connects a gRPC-go client, default options, over the unix socket.
func dialGRPC(_ context.Context, path string) (Client, error) {
	conn, err := grpc.NewClient("unix://"+path, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	return newGRPCClient(conn), nil
}

// newGRPCClient returns a client calling the service over conn; its Close
// closes conn.
func newGRPCClient(conn *grpc.ClientConn) *grpcClient {
	return &grpcClient{conn: conn, c: benchpb.NewBenchClient(conn)}
}

func (c *grpcClient) Add(ctx context.Context, a, b int64) (int64, error) {
	r, err := c.c.Add(ctx, &benchpb.AddRequest{A: a, B: b})
	if err != nil {
		return 0, err
	}
	return r.GetSum(), nil
}

func (c *grpcClient) Echo(ctx context.Context, data []byte) ([]byte, error) {
	r, err := c.c.Echo(ctx, &benchpb.EchoMessage{Data: data})
	if err != nil {
		return nil, err
	}
	return r.GetData(), nil
}

func (c *grpcClient) Close() error { return c.conn.Close() }
