//go:build unix

package ipc_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	capnp "capnproto.org/go/capnp/v3"
	"capnproto.org/go/capnp/v3/std/capnp/persistent"

	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// A parent process spawns a child, calls it, and shuts it down by
// releasing the child's bootstrap capability. With generated code, the
// capability would be wrapped in the generated client of the child's Init
// interface, e.g. initipc.NewInitClient(boot).
func ExampleSpawn() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	proc, boot, err := ipc.Spawn(ctx, "/usr/libexec/bitcoin-wallet", nil, nil)
	if err != nil {
		log.Fatal(err) // includes the child's exit status and stderr if it failed to start
	}
	store := persistent.Persistent(boot)
	f, release := store.Save(ctx, nil)
	_, err = f.Struct()
	release()
	fmt.Println(ipc.CallError("persistent.Persistent.Save", err))

	store.Release() // the child's ServeSpawned returns; its main exits 0
	if err := proc.Close(ctx); err != nil {
		log.Print(err) // e.g. "ipc: bitcoin-wallet (pid 4242): exit status 1; its standard error ends with: …"
	}
}

// The main of a program that Spawn starts: it serves its bootstrap
// capability until the parent releases it or goes away.
func ExampleServeSpawned() {
	var impl persistent.Persistent_Server // the program's implementation
	boot := capnp.Client(persistent.Persistent_ServerToClient(impl))
	if err := ipc.ServeSpawned(boot, nil); err != nil {
		// "bitcoin-wallet: this program is started by its parent process
		// over a socket pair; it cannot be run directly"
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
