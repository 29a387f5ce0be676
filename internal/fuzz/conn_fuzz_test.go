package fuzz_test

import (
	"io"
	"testing"
	"time"

	"github.com/ifacegen/ifacegen/internal/interop/interopapi/interopapiipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// hangLimit bounds how long a connection may take to shut down after its
// peer's stream ended. It only turns a hang into a failure; no passing
// input comes near it.
const hangLimit = 20 * time.Second

// FuzzServerConn writes arbitrary bytes to a connection served by a
// generated server (interopapiipc over ipc.NewConn on a unix socket pair)
// and then ends the stream. The process must not crash, and the
// connection must shut down once the stream ends, whatever it carried:
// hostile input costs at most that connection.
func FuzzServerConn(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		a, b, err := ipc.SocketPair()
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		server := ipc.NewConn(a, &ipc.Options{Bootstrap: interopapiipc.NewInteropServer(&echoInterop{}), CloseTimeout: hangLimit})
		defer server.Close()

		// Drain what the server answers so that its writes never block.
		drained := make(chan struct{})
		go func() {
			io.Copy(io.Discard, b)
			close(drained)
		}()
		b.Write(data) // fails once the server has given up on the stream
		b.CloseWrite()

		select {
		case <-server.Done():
		case <-time.After(hangLimit):
			t.Fatalf("the connection did not shut down %v after its peer's stream ended", hangLimit)
		}
		server.Close()
		<-drained
	})
}
