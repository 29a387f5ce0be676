package bench

import (
	"context"
	"errors"

	"github.com/ifacegen/ifacegen/internal/bench/benchapi"
)

// Client calls benchapi.Bench in a server process. Every implementation's
// client is safe for concurrent use by many goroutines over one connection.
type Client interface {
	benchapi.Bench
	// Close ends the connection; calls after Close fail.
	Close() error
}

// socketServer is one implementation's server side for a unix socket: listen
// starts serving at path in the background and returns a function that stops
// it.
type socketServer func(ctx context.Context, path string) (stop func() error, err error)

// socketDialer is one implementation's client side for a unix socket.
type socketDialer func(ctx context.Context, path string) (Client, error)

// SocketImplementation is a way of carrying benchapi.Bench over a unix
// socket: Listen serves benchapi.Local at a path, Dial connects a client.
type SocketImplementation struct {
	Name   string
	Listen socketServer
	Dial   socketDialer
}

// SocketImplementations lists every implementation that serves on a socket
// path it is given, in the order benchmarks report them. go-plugin, which
// chooses its own socket during its handshake, is separate (see goplugin.go).
var SocketImplementations = []SocketImplementation{
	{Name: "pingpong", Listen: listenPingPong, Dial: dialPingPong},
	{Name: "raw", Listen: listenRaw, Dial: dialRaw},
	{Name: "ifacegen", Listen: listenGenerated, Dial: dialGenerated},
	{Name: "go-capnp", Listen: listenHandCapnp, Dial: dialHandCapnp},
	{Name: "grpc", Listen: listenGRPC, Dial: dialGRPC},
	{Name: "net-rpc", Listen: listenNetRPC, Dial: dialNetRPC},
}

// errNoCallbacks is what Visit returns on the implementations that do not
// carry callbacks.
var errNoCallbacks = errors.New("bench: this implementation does not carry callbacks; Visit is measured on ifacegen, go-capnp and the ping-pong floor only")

// noCallbacks gives the clients of the stacks without a callback mechanism
// of their own (gRPC, go-plugin, net/rpc, raw) a Visit that fails with
// errNoCallbacks: the callback benchmark compares the generated proxies with
// hand-written go-capnp (issue 3) and the ping-pong floor's two round trips.
type noCallbacks struct{}

// Visit returns errNoCallbacks.
func (noCallbacks) Visit(context.Context, int64, benchapi.Visitor) (int64, error) {
	return 0, errNoCallbacks
}

// carriesCallbacks reports whether the implementation named name serves
// Visit.
func carriesCallbacks(name string) bool {
	return name == "ifacegen" || name == "go-capnp" || name == "pingpong"
}
