package ipc_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/ifacegen/ifacegen/interfaces/echo"
	"github.com/ifacegen/ifacegen/interfaces/echo/echoipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// A node listens on a unix socket (like bitcoin-node -ipcbind=unix) and a
// separate process connects to it (like bitcoin-gui -ipcconnect=unix).
// Each connection gets its own bootstrap capability.
func ExampleListen() {
	dir, err := os.MkdirTemp("", "node")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "node.sock")

	ctx := context.Background()
	newNode := func() *ipc.Capability { return echoipc.NewEchoServer(node{}) }
	l, err := ipc.Listen(ctx, "unix", path, newNode, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer func() {
		// Let calls in progress finish, for up to 5 seconds.
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		l.Shutdown(ctx)
	}()

	// In the other process:
	conn, err := ipc.Dial(ctx, "unix", path, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	e := echoipc.NewEchoClient(conn.Bootstrap(ctx))
	defer e.Release()
	_, err = e.Echo(ctx, "hello")
	var re *ipc.RemoteError
	if errors.As(err, &re) {
		fmt.Println("node says:", re.Message)
	}
	// Output: node says: nothing to echo
}

// node is an echo.Echo that refuses.
type node struct{}

func (node) Echo(context.Context, string) (string, error) { return "", errors.New("nothing to echo") }

var _ echo.Echo = node{}
