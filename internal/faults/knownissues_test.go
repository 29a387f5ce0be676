package faults_test

import (
	"context"
	"flag"
	"testing"
	"time"

	"github.com/ifacegen/ifacegen/internal/faults/faultsapi"
	"github.com/ifacegen/ifacegen/internal/faults/faultsapi/faultsapiipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

var knownIssues = flag.Bool("known-issues", false, "run the reproducers of known issues (see the package doc); they fail until fixed")

// skipKnownIssue skips a reproducer unless -known-issues is given.
func skipKnownIssue(t *testing.T, issue string) {
	t.Helper()
	if !*knownIssues {
		t.Skipf("reproduces a known issue (%s); run with -known-issues", issue)
	}
}

// TestKnownIssueNestedCallHangsOnDisconnect: the child's implementation of
// Visit is inside its call of the parent's callback when the parent closes
// the connection. That call must fail with ErrDisconnected, so that Visit
// returns and the child's report says active=0 callback-disconnected=1.
// Instead the call mostly never returns: the child's report, after
// waiting giveUp/2, says active=1, and the goroutine serving Visit and go-capnp's
// shutdown goroutine stay blocked for good.
//
// Cause (go-capnp v3.1.0-alpha.2): when the connection goes,
// rpc.(*Conn).shutdown (rpc/rpc.go:414) waits for every task, including
// each incoming call still in its implementation (c.tasks, finished by
// answer.Return), before it drains the send queue (rpc/rpc.go:415) and
// rejects the outstanding questions (c.release). An outgoing call's
// question is rejected on cancellation only in the onSent callback of its
// Finish message (question.handleCancel, rpc/question.go:93-129), which
// sits in the send queue whose goroutine has already stopped. So an
// incoming call that waits for an outgoing call on the same connection —
// any server that calls back into its caller — waits forever, even though
// its context is canceled, and shutdown waits for it. Conn.Done is still
// closed after the abort timeout (rpc/rpc.go:407), so ServeSpawned returns
// and a spawned child exits; a long-lived server (Listen) keeps a hung
// goroutine per such call, and ipc.Conn.Close returns only after its
// CloseTimeout. Upstream fixed a deadlock of the same shape for Bootstrap
// (go-capnp #327) and audited the rest (#329); this path remains.
//
//	go test ./internal/faults -run TestKnownIssue -known-issues
func TestKnownIssueNestedCallHangsOnDisconnect(t *testing.T) {
	skipKnownIssue(t, "go-capnp shutdown waits for an incoming call blocked on an outgoing one")
	// It is a race: sometimes the child's send goroutine sends the Finish
	// before it stops, and the nested call fails with context.Canceled
	// (its context is canceled too, which is fine), or the parent's
	// empty Return arrives first (TestKnownIssuePhantomResultOnDisconnect);
	// most rounds hang.
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

// TestKnownIssuePhantomResultOnDisconnect: as in
// TestKnownIssueNestedCallHangsOnDisconnect, the server's Visit is inside
// its call of the client's callback when the client closes the
// connection; the callback sees its context canceled and returns an error.
// The server's call of the callback must then fail. Sometimes it succeeds
// instead, with zero results — a result nobody produced. (Many rounds
// hang, as that test shows; a round counts only when the call returns
// within 200 ms, so timing can make this test miss the bug, never invent
// it.)
//
// Cause (go-capnp v3.1.0-alpha.2): when an incoming call's implementation
// returns an error after the connection began shutting down,
// ansent.prepareSendException (rpc/answer.go:332-348) skips writing the
// exception into the Return message (case <-c.bgctx.Done(), line 337) but,
// unlike prepareSendReturn (rpc/answer.go:285-290), leaves ans.sendMsg set,
// so completeSendException (line 350) still sends the Return — whose union
// defaults to results with no content. If the send goroutine has not
// stopped yet, the peer receives it and resolves the call as a success
// with every result at its zero value. Setting ans.sendMsg = nil in that
// case (and releasing the message, as prepareSendReturn does) removes it:
// 0 phantom results in 50 rounds against 8 in 50, checked against a
// patched copy of go-capnp through go test -modfile (not committed).
//
//	go test ./internal/faults -run TestKnownIssue -known-issues
func TestKnownIssuePhantomResultOnDisconnect(t *testing.T) {
	skipKnownIssue(t, "go-capnp sends an empty success Return for an error returned while shutting down")
	const rounds = 50
	outcomes := map[string]int{}
	for range rounds {
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
		go svc.Visit(context.Background(), 7, func(ctx context.Context, n int64) (int64, error) {
			close(entered)
			<-ctx.Done()
			return 0, ctx.Err()
		})
		waitFor(t, "the server to call the callback", entered)
		// Keep the client's send goroutine busy writing large messages,
		// so that when it next looks, both its stop signal and the
		// callback's Return are waiting: then it sends the Return half
		// the time.
		busy, stop := make(chan struct{}, 1), make(chan struct{})
		for range 2 {
			go func() {
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
		case <-time.After(200 * time.Millisecond):
			outcomes["hung"]++
		}
		close(stop)
		svc.Release()
		go server.Close() // may hang: TestKnownIssueNestedCallHangsOnDisconnect
	}
	t.Logf("the server's call of the callback, over %d rounds: %v", rounds, outcomes)
	if n := outcomes["ok"]; n > 0 {
		t.Errorf("in %d of %d rounds the callback's call succeeded after the client closed the connection, though the callback returned an error", n, rounds)
	}
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
