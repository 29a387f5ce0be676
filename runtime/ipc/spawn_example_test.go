//go:build unix

package ipc_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/ifacegen/ifacegen/interfaces/echo"
	"github.com/ifacegen/ifacegen/interfaces/echo/echoipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// A parent process spawns a child, calls it, and shuts it down by
// releasing the child's bootstrap capability, wrapped in the generated
// client of the child's interface.
func ExampleSpawn() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	proc, boot, err := ipc.Spawn(ctx, "/usr/libexec/echo-child", nil, nil)
	if err != nil {
		log.Fatal(err) // includes the child's exit status and stderr if it failed to start
	}
	e := echoipc.NewEchoClient(boot)
	fmt.Println(e.Echo(ctx, "hello"))

	e.Release() // the child's ServeSpawned returns; its main exits 0
	if err := proc.Close(ctx); err != nil {
		log.Print(err) // e.g. "ipc: echo-child (pid 4242): exit status 1; its standard error ends with: …"
	}
}

// The main of a program that Spawn starts: it serves its bootstrap
// capability until the parent releases it or goes away.
func ExampleServeSpawned() {
	if err := ipc.ServeSpawned(echoipc.NewEchoServer(echo.Local{}), nil); err != nil {
		// "echo-child: this program is started by its parent process
		// over a socket pair; it cannot be run directly"
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
