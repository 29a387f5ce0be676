package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// runStory runs the whole story (see the package documentation): a node
// with its wallet process, a gui process that connects to the node, the
// wallet's crash and the node's clean shutdown.
func runStory(ctx context.Context, opts ipc.Options, sandbox sandboxMode) (err error) {
	dir, err := os.MkdirTemp("", "ifacegen-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bind := "unix:" + filepath.Join(dir, "node.sock")

	n, err := startNode(ctx, nodeConfig{opts: opts, dataDir: dir, sandbox: sandbox})
	if err != nil {
		return err
	}
	defer func() {
		err = errors.Join(err, n.shutdown())
	}()
	if err := n.listen(ctx, bind, "unix:$TMPDIR/…/node.sock"); err != nil {
		return err
	}

	// A gui started later, as a process of its own, connects to the
	// node's socket.
	self, err := os.Executable()
	if err != nil {
		return err
	}
	n.out.printf("starting a gui process")
	gui := exec.Command(self, append([]string{"gui", "-ipcconnect=" + bind}, debugArgs(opts)...)...)
	gui.Stdout, gui.Stderr = os.Stdout, os.Stderr
	if err := gui.Run(); err != nil {
		return fmt.Errorf("the gui process: %w", err)
	}
	n.out.printf("the gui process exited cleanly")

	// The wallet crashes; the node notices and goes on without it.
	if err := n.killWallet(ctx); err != nil {
		return err
	}
	height, _, _ := n.chain.GetHeight(ctx)
	n.out.printf("mining block %d without the wallet", height+1)
	if _, err := n.chain.Mine(ctx, n.address); err != nil {
		return err
	}
	// The wallet's registration ends either when the node's side of the
	// connection releases its Handler or when this block's notification
	// fails with ipc.ErrDisconnected: which one comes first is a race, but
	// neither is an error here.
	if err := n.chain.Sync(ctx); err != nil && !errors.Is(err, ipc.ErrDisconnected) {
		return err
	}
	n.out.printf("block %d connected; chain listeners left: %d", height+1, n.chain.Listeners())
	return nil
}
