package faults_test

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ifacegen/ifacegen/internal/faults/faultsapi/faultsapiipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

// giveUp bounds every wait for something that must happen: a call that
// has not returned after it is reported as hung. It is a deadline for
// failing, not a timing requirement; how long each call took is logged.
const giveUp = 10 * time.Second

// settle bounds how long the leak check waits for goroutines and file
// descriptors to go away after a test. goleak's own retries add up to
// about 0.4 s, less than some runtime paths need (a connection's reader
// and idle workers end after its stream closes, a spawned child's
// standard error is copied until its exit), so the check polls for up to
// settle first and then lets goleak report what remains.
const settle = 5 * time.Second

// checkLeaks makes the test fail if, once it and its cleanups are done,
// goroutines are left that were not running when checkLeaks was called,
// or more file descriptors are open than then. Call it first in a test, so
// that its cleanup runs last.
func checkLeaks(t *testing.T) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	before := openFDs(t)
	t.Cleanup(func() {
		deadline := time.Now().Add(settle)
		for goleak.Find(ignore) != nil && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if err := goleak.Find(ignore); err != nil {
			t.Errorf("goroutines leaked: %v", err)
		}
		var after []string
		for {
			after = openFDs(t)
			if len(after) <= len(before) || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if len(after) > len(before) {
			t.Errorf("file descriptors leaked: %d open before the test, %d after:\nbefore %v\nafter  %v", len(before), len(after), before, after)
		}
	})
}

// openFDs lists this process's open file descriptors and what they refer
// to, from /proc/self/fd.
func openFDs(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count open file descriptors: %v", err)
	}
	var fds []string
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err != nil {
			continue // the directory's own descriptor, closed by now
		}
		fds = append(fds, e.Name()+"="+target)
	}
	return fds
}

// child is a spawned "service" child and its client.
type child struct {
	proc *ipc.Process
	svc  *faultsapiipc.ServiceClient
	out  <-chan string // the child's standard output, by line; closed at its end
}

// spawnService spawns a "service" child. Its standard output goes to
// child.out; at the end of the test the child is released and closed.
func spawnService(t *testing.T) *child {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	out := readLines(t, r)
	proc, boot := ipctest.Spawn(t, "service", &ipc.SpawnOptions{Stdout: w})
	w.Close()
	svc := faultsapiipc.NewServiceClient(boot)
	t.Cleanup(svc.Release)
	return &child{proc: proc, svc: svc, out: out}
}

// readLines returns the lines read from r. At the end of the test it
// waits for r's end (up to giveUp) and closes r; register it before
// whatever makes the writers go away, so that its cleanup runs after.
func readLines(t *testing.T, r *os.File) <-chan string {
	lines := make(chan string, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(lines)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default: // nobody reads this far; drop
			}
		}
	}()
	t.Cleanup(func() {
		select {
		case <-done:
		case <-time.After(giveUp):
			t.Errorf("a child's standard output is still open %v after the test", giveUp)
		}
		r.Close()
		<-done
	})
	return lines
}

// nextLine returns the next line that starts with prefix, skipping others,
// failing the test if none comes within giveUp.
func nextLine(t *testing.T, lines <-chan string, prefix string) string {
	t.Helper()
	timeout := time.After(giveUp)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("the child's output ended without a line starting with %q", prefix)
			}
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-timeout:
			t.Fatalf("no line starting with %q from the child within %v", prefix, giveUp)
		}
	}
}

// parseReport parses a service report line into its fields.
func parseReport(t *testing.T, line string) map[string]int64 {
	t.Helper()
	fields := map[string]int64{}
	for _, f := range strings.Fields(strings.TrimPrefix(line, "report")) {
		k, v, ok := strings.Cut(f, "=")
		n, err := strconv.ParseInt(v, 10, 64)
		if !ok || err != nil {
			t.Fatalf("bad report field %q in %q", f, line)
		}
		fields[k] = n
	}
	return fields
}

// wantReport checks the report fields named in want; others may be
// anything (a missing field counts as zero).
func wantReport(t *testing.T, got map[string]int64, want map[string]int64) {
	t.Helper()
	for k, w := range want {
		if got[k] != w {
			t.Errorf("child's report: %s=%d, want %d (report %v)", k, got[k], w, got)
		}
	}
}

// result is what a call returned and when.
type result struct {
	id  int64
	val int64
	err error
	at  time.Time
}

// await waits for the result of a call started before a fault and logs
// how long after the fault it came; the test fails if it has not come
// within giveUp.
func await(t *testing.T, what string, ch <-chan result, fault time.Time) result {
	t.Helper()
	return awaitSince(t, what, ch, fault, "the fault")
}

// awaitSince is await for a result measured since the event named since.
func awaitSince(t *testing.T, what string, ch <-chan result, start time.Time, since string) result {
	t.Helper()
	select {
	case r := <-ch:
		t.Logf("%s returned %v after %s", what, r.at.Sub(start).Round(time.Microsecond), since)
		return r
	case <-time.After(giveUp):
		t.Fatalf("%s has not returned %v after %s: hung", what, giveUp, since)
		return result{}
	}
}

// timed runs call, which must return within giveUp, and logs how long it
// took.
func timed(t *testing.T, what string, call func(ctx context.Context) error) error {
	t.Helper()
	ch := make(chan result, 1)
	start := time.Now()
	go func() {
		err := call(context.Background())
		ch <- result{err: err, at: time.Now()}
	}()
	return awaitSince(t, what, ch, start, "it was called").err
}

// wantDisconnected fails the test unless err is ErrDisconnected wrapped
// in an *ipc.Error.
func wantDisconnected(t *testing.T, what string, err error) {
	t.Helper()
	var ie *ipc.Error
	if !errors.Is(err, ipc.ErrDisconnected) || !errors.As(err, &ie) {
		t.Errorf("%s: got error %v, want an *ipc.Error wrapping ipc.ErrDisconnected", what, err)
	}
}

// kill sends sig to pid and fails the test if it cannot.
func kill(t *testing.T, pid int, sig syscall.Signal) time.Time {
	t.Helper()
	if err := syscall.Kill(pid, sig); err != nil {
		t.Fatalf("kill %d: %v", pid, err)
	}
	return time.Now()
}

// waitHeld waits until n Hold calls are blocked in the child.
func waitHeld(t *testing.T, svc *faultsapiipc.ServiceClient, n int64) {
	t.Helper()
	deadline := time.Now().Add(giveUp)
	for {
		got, err := svc.Held(context.Background())
		if err != nil {
			t.Fatalf("held: %v", err)
		}
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d Hold calls blocked in the child after %v, want %d", got, giveUp, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitExit waits for the child to exit and returns how it ended.
func waitExit(t *testing.T, proc *ipc.Process, why string) error {
	t.Helper()
	select {
	case <-proc.Done():
		return proc.Wait()
	case <-time.After(giveUp):
		t.Fatalf("child did not exit %v after %s", giveUp, why)
		return nil
	}
}

// completed makes a few calls that complete before a fault and returns a
// check that they still hold their results afterwards.
func completed(t *testing.T, svc *faultsapiipc.ServiceClient) (check func()) {
	t.Helper()
	ctx := context.Background()
	sums := make([]int64, 10)
	echoes := make([][]byte, 10)
	for i := range sums {
		var err error
		if sums[i], err = svc.Add(ctx, int64(i), 1000); err != nil {
			t.Fatalf("add before the fault: %v", err)
		}
		if echoes[i], err = svc.Echo(ctx, payload(i)); err != nil {
			t.Fatalf("echo before the fault: %v", err)
		}
	}
	return func() {
		t.Helper()
		kept := 0
		for i := range sums {
			if sums[i] == int64(i)+1000 && string(echoes[i]) == string(payload(i)) {
				kept++
			}
		}
		if kept != len(sums) {
			t.Errorf("%d of %d results completed before the fault are intact", kept, len(sums))
		}
	}
}

// payload is the i-th Echo argument: 4 KiB, different for each i.
func payload(i int) []byte {
	return []byte(strings.Repeat(strconv.Itoa(i)+"-", 4096)[:4096])
}

// timeSince is time.Since rounded for logs.
func timeSince(t time.Time) time.Duration { return time.Since(t).Round(time.Microsecond) }
