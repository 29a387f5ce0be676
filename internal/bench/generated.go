package bench

import (
	"context"

	"github.com/ifacegen/ifacegen/internal/bench/benchapi"
	"github.com/ifacegen/ifacegen/internal/bench/benchapi/benchapiipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// listenGenerated serves benchapi.Local with the ifacegen-generated server
// through ipc.Listen.
func listenGenerated(ctx context.Context, path string) (func() error, error) {
	ln, err := ipc.Listen(ctx, "unix", path, func() *ipc.Capability {
		return benchapiipc.NewBenchServer(benchapi.Local{})
	}, nil)
	if err != nil {
		return nil, err
	}
	return ln.Close, nil
}

// generatedClient is the ifacegen-generated client and the connection it
// calls over.
type generatedClient struct {
	*benchapiipc.BenchClient
	conn *ipc.Conn
}

// dialGenerated connects the ifacegen-generated client through ipc.Dial.
// ctx bounds the dial; the bootstrap capability outlives it.
func dialGenerated(ctx context.Context, path string) (Client, error) {
	conn, err := ipc.Dial(ctx, "unix", path, nil)
	if err != nil {
		return nil, err
	}
	return generatedClient{benchapiipc.NewBenchClient(conn.Bootstrap(context.Background())), conn}, nil
}

func (c generatedClient) Close() error {
	c.Release()
	return c.conn.Close()
}
