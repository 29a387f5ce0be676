package faults_test

import (
	"context"
	"testing"
	"time"

	"github.com/ifacegen/ifacegen/internal/faults/faultsapi"
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
// go-capnp v3.1.0-alpha.2's rpc dropped a queued message whose context
// was done (rpc/rpc.go:1978-1983), here the Bootstrap, but still sent the
// call pipelined on it, naming an answer the peer never heard of, a
// protocol error that aborted the connection (found here: every round
// used to fail). The engine's Bootstrap takes its context for values
// only.
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
// connection. That call must return, and fail, so that Visit returns and
// the child's report says active=0 and callback-ok=0.
//
// Under go-capnp v3.1.0-alpha.2's rpc it used to hang for good (found
// here): rpc.(*Conn).shutdown (rpc/rpc.go:414) waited for every incoming
// call still in its implementation before it drained the send queue and
// rejected the outstanding questions, and a canceled outgoing call's
// question was rejected only once its Finish was sent (rpc/question.go:93-129)
// — by the send goroutine that had already stopped. The engine
// (runtime/capnprpc) fails every outstanding question when the connection
// ends, and cancels the incoming calls' contexts.
func TestNestedCallReturnsOnDisconnect(t *testing.T) {
	for round := range 5 {
		c := spawnService(t)
		entered, _, ch := visitBlocking(c)
		waitFor(t, "the child to call the callback", entered)
		fault := time.Now()
		c.proc.Conn().Close()
		wantDisconnected(t, "Visit", await(t, "Visit", ch, fault).err)
		report := parseReport(t, nextLine(t, c.out, "report"))
		if report["active"] != 0 {
			t.Fatalf("round %d: the child's call of the parent's callback did not return within %v of the disconnect: report %v", round, giveUp/2, report)
		}
		// A success would be a result nobody produced
		// (TestCallbackErrorOnDisconnectIsNotSuccess).
		if report["callback-ok"] != 0 {
			t.Fatalf("round %d: the child's call of the parent's callback succeeded after the disconnect: report %v", round, report)
		}
		if err := waitExit(t, c.proc, "its connection was closed"); err != nil {
			t.Errorf("child: %v", err)
		}
	}
}

// TestCallbackErrorOnDisconnectIsNotSuccess: as in
// TestNestedCallReturnsOnDisconnect, the server's Visit is inside its call
// of the client's callback when the client closes the connection, here in
// one process; the callback sees its context canceled and returns an
// error. The server's call of the callback must then fail, every time,
// and return: a success would be a result nobody produced.
//
// It was a known issue under go-capnp v3.1.0-alpha.2's rpc (reproduced
// in 8 of 50 rounds): when an incoming call's implementation returned an
// error after the connection began shutting down,
// ansent.prepareSendException (rpc/answer.go:332-348) skipped writing the
// exception into the Return message but left it queued, so the peer
// received a Return whose union defaulted to results with no content and
// resolved the call as a success with every result at its zero value.
// Two goroutines keep the client's side busy writing large messages, so
// that the callback's Return and the shutdown race as they did then.
func TestCallbackErrorOnDisconnectIsNotSuccess(t *testing.T) {
	const rounds = 50
	outcomes := map[string]int{}
	for round := range rounds {
		a, b, err := ipc.SocketPair()
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan string, 1)
		probe := &visitProbe{service: newService(), got: got}
		server := ipc.NewConn(a, &ipc.Options{Bootstrap: faultsapiipc.NewServiceServer(probe)})
		client := ipc.NewConn(b, nil)
		svc := faultsapiipc.NewServiceClient(client.Bootstrap(context.Background()))
		entered := make(chan struct{})
		visited := make(chan struct{})
		go func() {
			defer close(visited)
			svc.Visit(context.Background(), 7, func(ctx context.Context, n int64) (int64, error) {
				close(entered)
				<-ctx.Done()
				return 0, ctx.Err()
			})
		}()
		waitFor(t, "the server to call the callback", entered)
		busy, stop := make(chan struct{}, 1), make(chan struct{})
		echoes := make(chan struct{}, 2)
		for range 2 {
			go func() {
				defer func() { echoes <- struct{}{} }()
				for {
					svc.Echo(context.Background(), make([]byte, 1<<20))
					select {
					case busy <- struct{}{}:
					default:
					}
					select {
					case <-stop:
						return
					default:
					}
				}
			}()
		}
		<-busy
		client.Close()
		select {
		case o := <-got:
			outcomes[o]++
			if o == "ok" {
				t.Errorf("round %d: the server's call of the callback succeeded after the client closed the connection, though the callback returned an error", round)
			}
		case <-time.After(giveUp):
			t.Fatalf("round %d: the server's call of the callback has not returned %v after the client closed the connection", round, giveUp)
		}
		close(stop)
		<-echoes
		<-echoes
		waitFor(t, "the client's Visit to return", visited)
		svc.Release()
		server.Close()
	}
	t.Logf("the server's call of the callback, over %d rounds: %v", rounds, outcomes)
}

// visitProbe is a service whose Visit reports the class of its callback's
// outcome on got ("ok" for a success).
type visitProbe struct {
	*service
	got chan<- string
}

func (p *visitProbe) Visit(ctx context.Context, n int64, v faultsapi.Visitor) (int64, error) {
	r, err := v(ctx, n)
	if err != nil {
		p.got <- errorClass(err)
	} else {
		p.got <- "ok"
	}
	return r, err
}
