package bench

import (
	"context"
	"net"

	"github.com/ifacegen/ifacegen/internal/bench/handcapnp"
)

// listenHandCapnp serves the hand-written go-capnp server.
func listenHandCapnp(_ context.Context, path string) (func() error, error) {
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	go handcapnp.Serve(ln)
	return ln.Close, nil
}

// dialHandCapnp connects the hand-written go-capnp client.
func dialHandCapnp(ctx context.Context, path string) (Client, error) {
	return handcapnp.Dial(ctx, path)
}
