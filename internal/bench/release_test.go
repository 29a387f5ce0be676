package bench

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/ifacegen/ifacegen/internal/bench/benchapi"
	"github.com/ifacegen/ifacegen/internal/bench/benchapi/benchapiipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

// spawnedChild is the helper child that serves benchapi.Local as its
// bootstrap capability through ipc.ServeSpawned, as a program started by
// ipc.Spawn does, and exits once the parent releases it.
const spawnedChild = "spawned"

// serveSpawnedChild is the body of the spawnedChild helper.
func serveSpawnedChild() {
	if err := ipc.ServeSpawned(benchapiipc.NewBenchServer(benchapi.Local{}), nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// releaseToExit spawns the spawnedChild, makes one Add call on its
// bootstrap capability (so the connection is in use, as an Init is), then
// releases the capability and returns how long the child took from that
// release to its exit (Process.Wait returning). It fails tb if the child
// does not answer, exits other than with status 0, or is still running
// after 10 s.
func releaseToExit(tb testing.TB) time.Duration {
	tb.Helper()
	cmd := ipctest.Command(spawnedChild)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	proc, boot, err := ipc.Spawn(ctx, cmd.Path, cmd.Args[1:], &ipc.SpawnOptions{Env: cmd.Env})
	if err != nil {
		tb.Fatalf("spawn: %v", err)
	}
	defer proc.Close(context.Background())
	client := benchapiipc.NewBenchClient(boot)
	if sum, err := client.Add(ctx, 40, 2); err != nil || sum != 42 {
		client.Release()
		tb.Fatalf("Add(40, 2) = %d, %v; want 42, nil", sum, err)
	}
	start := time.Now()
	client.Release()
	select {
	case <-proc.Done():
	case <-time.After(10 * time.Second):
		tb.Fatalf("child pid %d still running 10 s after its bootstrap capability was released", proc.Pid)
	}
	took := time.Since(start)
	if err := proc.Wait(); err != nil {
		tb.Fatalf("child after release: %v; want exit status 0", err)
	}
	return took
}

// TestReleaseEndsSpawnedChild checks that releasing a spawned child's
// bootstrap capability makes it exit with status 0, and logs how long that
// took (BenchmarkReleaseToExit measures it; the time does not decide
// pass or fail).
func TestReleaseEndsSpawnedChild(t *testing.T) {
	t.Logf("release to exit: %v", releaseToExit(t))
}

// BenchmarkReleaseToExit measures, per spawned child, the time from the
// release of its bootstrap capability to its exit (target: ≤ 20 ms, issue
// 10). Each iteration spawns a child, calls it once, releases it and waits
// for its exit; the benchmark's timer runs over all of that, so that the
// default -benchtime makes a few dozen iterations rather than scaling b.N
// on a timer that saw nothing, but the ns/op reported is the release-to-exit
// time alone (its mean), with p50 and p99 of the iterations besides. In
// rounds, run it with a fixed count, e.g. -benchtime 20x.
func BenchmarkReleaseToExit(b *testing.B) {
	took := make([]time.Duration, 0, b.N)
	for range b.N {
		d := releaseToExit(b)
		took = append(took, d)
	}
	var total time.Duration
	for _, d := range took {
		total += d
	}
	// Replace the timer's ns/op (spawn included) by the release-to-exit
	// time.
	b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "ns/op")
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)*50/100].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(took[len(took)*99/100].Nanoseconds()), "p99-ns")
}
