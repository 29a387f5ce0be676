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
		go server.Close()
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
