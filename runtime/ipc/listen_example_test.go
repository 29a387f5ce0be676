package ipc_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	capnp "capnproto.org/go/capnp/v3"
	"capnproto.org/go/capnp/v3/std/capnp/persistent"

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
	newNode := func() *ipc.Capability {
		return capnp.Client(persistent.Persistent_ServerToClient(node{}))
	}
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
	store := persistent.Persistent(conn.Bootstrap(ctx))
	defer store.Release()
	f, release := store.Save(ctx, nil)
	defer release()
	_, err = f.Struct()
	var re *ipc.RemoteError
	if errors.As(ipc.CallError("persistent.Persistent.Save", err), &re) {
		fmt.Println("node says:", re.Message)
	}
	// Output: node says: nothing to save
}

type node struct{}

func (node) Save(context.Context, persistent.Persistent_save) error {
	return errors.New("nothing to save")
}
