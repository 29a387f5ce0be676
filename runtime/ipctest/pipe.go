//go:build unix

package ipctest

import (
	"context"
	"testing"

	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// Pipe serves bootstrap on one end of a new unix socket pair and returns
// the capability as seen from the other end. The server connection takes
// over bootstrap. The caller owns the returned client and may Release it;
// when the test ends, Pipe releases it (again, harmlessly) and closes both
// connections.
func Pipe(t testing.TB, bootstrap *ipc.Capability) *ipc.Capability {
	t.Helper()
	a, b, err := ipc.SocketPair()
	if err != nil {
		bootstrap.Release()
		t.Fatal(err)
	}
	server := ipc.NewConn(a, &ipc.Options{Bootstrap: bootstrap})
	client := ipc.NewConn(b, nil)
	boot := client.Bootstrap(context.Background())
	t.Cleanup(func() {
		boot.Release()
		client.Close()
		server.Close()
	})
	return boot
}
