package faults_test

import (
	"context"
	"sort"
	"syscall"
	"testing"
	"time"
)

// TestKillWithThousandInFlight: 1,000 calls are blocked in the child's
// implementation when it is killed with SIGKILL. Every one of them fails
// with ErrDisconnected, and the 100 calls that completed just before keep
// their results.
//
// Nothing on the way caps calls in flight below 1,000 here: the client
// allows 65,536 outstanding questions (Limits.MaxQuestions), and the
// child serves with Options.MaxConcurrentCalls = -1 (no bound on running
// calls) and Limits.MaxAcceptedCalls = 4096, so that all 1,100 calls are
// running in Hold at once — the test waits until the child says so. With
// the default bounds only 64 would run in the implementation
// (ipc.DefaultMaxConcurrentCalls) and the engine would stop reading the
// connection at 1,024 accepted calls, so the Held calls that count them
// would not be read either.
func TestKillWithThousandInFlight(t *testing.T) {
	const (
		done     = 100 // calls that complete before the kill
		inFlight = 1000
		total    = done + inFlight
	)
	checkLeaks(t)
	c := spawnService(t)
	check := completed(t, c.svc)

	results := make(chan result, total)
	for id := range int64(total) {
		go func() {
			v, err := c.svc.Hold(context.Background(), id)
			results <- result{id: id, val: v, err: err, at: time.Now()}
		}()
	}
	waitHeld(t, c.svc, total)
	if n, err := c.svc.Free(context.Background(), done); err != nil || n != done {
		t.Fatalf("Free(%d): %d, %v", done, n, err)
	}
	completedBefore := make(map[int64]int64, done)
	timeout := time.After(giveUp)
	for len(completedBefore) < done {
		select {
		case r := <-results:
			if r.err != nil || r.id >= done {
				t.Fatalf("before the kill, Hold(%d) returned %d, %v; want only the %d freed calls, each returning its id", r.id, r.val, r.err, done)
			}
			completedBefore[r.id] = r.val
		case <-timeout:
			t.Fatalf("%d of %d freed calls returned within %v", len(completedBefore), done, giveUp)
		}
	}
	waitHeld(t, c.svc, inFlight)

	fault := kill(t, c.proc.Pid, syscall.SIGKILL)
	var (
		latencies    []time.Duration
		disconnected int
	)
	timeout = time.After(giveUp)
	for range inFlight {
		select {
		case r := <-results:
			latencies = append(latencies, r.at.Sub(fault))
			if r.id < done {
				t.Errorf("Hold(%d) returned twice", r.id)
			}
			if r.err == nil {
				t.Errorf("Hold(%d) returned %d after the kill, want ErrDisconnected", r.id, r.val)
				continue
			}
			wantDisconnected(t, "Hold in flight", r.err)
			disconnected++
		case <-timeout:
			t.Fatalf("%d of %d calls in flight returned within %v of the kill: hung", len(latencies), inFlight, giveUp)
		}
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	t.Logf("%d calls in flight returned ErrDisconnected: first %v, median %v, last %v after the kill",
		disconnected, latencies[0].Round(time.Microsecond), latencies[len(latencies)/2].Round(time.Microsecond), latencies[len(latencies)-1].Round(time.Microsecond))
	waitExit(t, c.proc, "SIGKILL")

	kept := 0
	for id, v := range completedBefore {
		if v == id {
			kept++
		}
	}
	if kept != done {
		t.Errorf("%d of %d calls completed before the kill kept their results", kept, done)
	}
	t.Logf("completed before the kill: %d, results kept: %d; in flight at the kill: %d, ErrDisconnected: %d", done, kept, inFlight, disconnected)
	check()
}
