package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// payload4K is the Echo argument: 4 KiB of a non-trivial pattern.
var payload4K = func() []byte {
	b := make([]byte, 4<<10)
	for i := range b {
		b[i] = byte(i*7 + i>>8)
	}
	return b
}()

// TestImplementationsAnswer makes one call of each method through every
// implementation, each served by its own child process.
func TestImplementationsAnswer(t *testing.T) {
	for _, impl := range implementations() {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			s := impl.start(t)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			sum, err := s.client.Add(ctx, 40, 2)
			if err != nil || sum != 42 {
				t.Errorf("Add(40, 2) = %d, %v; want 42, nil", sum, err)
			}
			sum, err = s.client.Add(ctx, -1<<63, -1)
			if err != nil || sum != 1<<63-1 {
				t.Errorf("Add(MinInt64, -1) = %d, %v; want wraparound to MaxInt64", sum, err)
			}
			got, err := s.client.Echo(ctx, payload4K)
			if err != nil {
				t.Fatalf("Echo: %v", err)
			}
			if diff := cmp.Diff(payload4K, got); diff != "" {
				t.Errorf("Echo(4 KiB) (-want +got):\n%s", diff)
			}
			if carriesCallbacks(impl.name) {
				n, err := s.client.Visit(ctx, 20, func(_ context.Context, n int64) (int64, error) { return 2*n + 2, nil })
				if err != nil || n != 42 {
					t.Errorf("Visit(20, 2n+2) = %d, %v; want 42, nil", n, err)
				}
				_, err = s.client.Visit(ctx, 1, func(context.Context, int64) (int64, error) { return 0, errors.New("visitor failed") })
				if err == nil || !strings.Contains(err.Error(), "visitor failed") {
					t.Errorf("Visit with a failing visitor: err = %v; want one containing %q", err, "visitor failed")
				}
			}
			if rss, err := residentKiB(s.pid); err == nil && rss <= 0 {
				t.Errorf("server RSS = %v KiB; want > 0", rss)
			}
		})
	}
}

// callerCounts are the numbers of concurrent callers every benchmark runs
// with, over one connection.
var callerCounts = []int{1, 16}

// BenchmarkAdd measures a call with small arguments and result.
func BenchmarkAdd(b *testing.B) {
	benchmarkCalls(b, func(ctx context.Context, c Client) error {
		sum, err := c.Add(ctx, 40, 2)
		if err == nil && sum != 42 {
			err = fmt.Errorf("Add(40, 2) = %d", sum)
		}
		return err
	})
}

// BenchmarkEcho4K measures a call that carries 4 KiB each way.
func BenchmarkEcho4K(b *testing.B) {
	benchmarkCalls(b, func(ctx context.Context, c Client) error {
		got, err := c.Echo(ctx, payload4K)
		if err == nil && !bytes.Equal(got, payload4K) {
			err = fmt.Errorf("Echo returned %d bytes, not the payload", len(got))
		}
		return err
	})
}

// BenchmarkCallback measures a call during which the server calls back into
// the caller once (Visit with a func). Only ifacegen and go-capnp take part:
// the other stacks have no callback mechanism of their own to compare.
func BenchmarkCallback(b *testing.B) {
	visit := func(_ context.Context, n int64) (int64, error) { return n + 1, nil }
	benchmarkCallsOn(b, carriesCallbacks, func(ctx context.Context, c Client) error {
		got, err := c.Visit(ctx, 41, visit)
		if err == nil && got != 42 {
			err = fmt.Errorf("Visit(41, n+1) = %d", got)
		}
		return err
	})
}

// benchmarkCalls runs call through every implementation as
// <impl>/callers=<n>, each with a fresh server child, and reports
// client-side allocations, p50 and p99 latency of single calls, and the
// child's resident memory after the run: all of it (server-rss-KiB) and its
// anonymous part (server-anon-KiB), which leaves out the mapped test binary
// every child shares.
func benchmarkCalls(b *testing.B, call func(context.Context, Client) error) {
	benchmarkCallsOn(b, func(string) bool { return true }, call)
}

// benchmarkCallsOn is benchmarkCalls on the implementations whose name
// include accepts.
func benchmarkCallsOn(b *testing.B, include func(name string) bool, call func(context.Context, Client) error) {
	for _, impl := range implementations() {
		if !include(impl.name) {
			continue
		}
		b.Run(impl.name, func(b *testing.B) {
			for _, callers := range callerCounts {
				s := impl.start(b)
				b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) {
					runCalls(b, s, callers, call)
				})
				s.stop()
			}
		})
	}
}

// runCalls makes b.N calls from callers goroutines sharing s's client.
func runCalls(b *testing.B, s *server, callers int, call func(context.Context, Client) error) {
	ctx := context.Background()
	// Warm up the connection, so the first timed call is not its first.
	if err := call(ctx, s.client); err != nil {
		b.Fatal(err)
	}
	latency := make([]time.Duration, b.N)
	var (
		next     atomic.Int64
		firstErr atomic.Pointer[error]
		wg       sync.WaitGroup
	)
	b.ReportAllocs()
	b.ResetTimer()
	for range callers {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(latency)) {
					return
				}
				start := time.Now()
				err := call(ctx, s.client)
				latency[i] = time.Since(start)
				if err != nil {
					firstErr.CompareAndSwap(nil, &err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if err := firstErr.Load(); err != nil {
		b.Fatal(*err)
	}
	slices.Sort(latency)
	b.ReportMetric(float64(latency[len(latency)*50/100].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(latency[len(latency)*99/100].Nanoseconds()), "p99-ns")
	if rss, err := residentKiB(s.pid); err == nil {
		b.ReportMetric(rss, "server-rss-KiB")
	}
	if anon, err := anonymousResidentKiB(s.pid); err == nil {
		b.ReportMetric(anon, "server-anon-KiB")
	}
}
