package faults_test

import (
	"context"
	"testing"
	"time"

	"github.com/ifacegen/ifacegen/internal/faults/faultsapi/faultsapiipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// TestChildStderrAfterParentDeath: a spawned child whose parent died
// notices it by the loss of its connection (its parent-death signal
// ignored, as in TestParentDeath/connection-loss), ServeSpawned returns,
// and the child logs "shutting down" to its standard error before it
// finishes its work (here: printing its report). It must get to finish.
//
// ipc.Spawn gives the child a pipe to the parent for its standard error
// (to keep the tail for ExitError); once the parent is gone nobody reads
// it, and a Go program writing to file descriptor 2 on a broken pipe is
// killed by SIGPIPE unless it ignores that signal — which ServeSpawned
// now does (found here: the child used to die on that write).
func TestChildStderrAfterParentDeath(t *testing.T) {
	out := runParentDeath(t, []string{ignoreSignalEnv + "=1", holdEnv + "=1", stderrEnv + "=1"})
	wantReport(t, parseReport(t, nextLine(t, out, "report")), map[string]int64{"active": 0, "canceled": 1})
}

// TestCanceledBootstrapKeepsConnection: a client asks for the peer's
// bootstrap capability with a context it cancels at once — as a dial
// helper with `defer cancel()` does — and calls a method on it. The
// connection must survive: a fresh Bootstrap on it must work.
//
// go-capnp v3.1.0-alpha.2 drops a queued message whose context is done
// (rpc/rpc.go:1978-1983), here the Bootstrap, but still sends the call
// pipelined on it, naming an answer the peer never heard of, a protocol
// error that aborts the connection. ipc.Conn.Bootstrap now ignores its
// context's cancellation (found here: every round used to fail).
func TestCanceledBootstrapKeepsConnection(t *testing.T) {
	for round := range 20 {
		a, b, err := ipc.SocketPair()
		if err != nil {
			t.Fatal(err)
		}
		server := ipc.NewConn(a, &ipc.Options{Bootstrap: faultsapiipc.NewServiceServer(newService())})
		client := ipc.NewConn(b, nil)
		ctx, cancel := context.WithCancel(context.Background())
		first := faultsapiipc.NewServiceClient(client.Bootstrap(ctx))
		cancel()
		first.Add(context.Background(), 1, 2) // may fail: its bootstrap was canceled
		fresh := faultsapiipc.NewServiceClient(client.Bootstrap(context.Background()))
		n, err := fresh.Add(context.Background(), 1, 2)
		first.Release()
		fresh.Release()
		client.Close()
		server.Close()
		if err != nil || n != 3 {
			t.Fatalf("round %d: after a canceled Bootstrap, Add on a fresh one: %d, %v; want 3", round, n, err)
		}
	}
}

// TestNestedCallReturnsOnDisconnect: the child's implementation of Visit
// is inside its call of the parent's callback when the parent closes the
// connection. That call must return, so that Visit returns and the child's
// report says active=0.
//
// It used to hang for good (found here): go-capnp v3.1.0-alpha.2's
// rpc.(*Conn).shutdown (rpc/rpc.go:414) waits for every incoming call
// still in its implementation before it drains the send queue and rejects
// the outstanding questions, and a canceled outgoing call's question is
// rejected only once its Finish is sent (rpc/question.go:93-129) — by the
// send goroutine that has already stopped. Generated clients now wait
// with ipc.Await, which returns when the call's context is done (the
// incoming call's context is canceled at the disconnect) and releases the
// answer once it comes.
func TestNestedCallReturnsOnDisconnect(t *testing.T) {
	// The nested call fails with context.Canceled (its context is
	// canceled when the connection goes), or, when the parent's empty
	// Return arrives first, succeeds (TestKnownIssuePhantomResultOnDisconnect);
	// either way it returns.
	for round := range 5 {
		c := spawnService(t)
		entered, _, ch := visitBlocking(c)
		waitFor(t, "the child to call the callback", entered)
		fault := time.Now()
		c.proc.Conn().Close()
		wantDisconnected(t, "Visit", await(t, "Visit", ch, fault).err)
		report := parseReport(t, nextLine(t, c.out, "report"))
		// A success (callback-ok) is TestKnownIssuePhantomResultOnDisconnect.
		if report["active"] != 0 {
			t.Fatalf("round %d: the child's call of the parent's callback did not return within %v of the disconnect: report %v", round, giveUp/2, report)
		}
		if err := waitExit(t, c.proc, "its connection was closed"); err != nil {
			t.Errorf("child: %v", err)
		}
	}
}
