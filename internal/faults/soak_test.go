package faults_test

import (
	"context"
	"flag"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ifacegen/ifacegen/internal/faults/faultsapi"
)

var (
	soak        = flag.Bool("soak", false, "run TestSoak: a long run of calls with callbacks over one connection")
	soakCalls   = flag.Int("soak-calls", 1_000_000, "calls TestSoak makes after its warm-up")
	soakCallers = flag.Int("soak-callers", 8, "goroutines making TestSoak's calls at once, all over the one connection")
	soakRate    = flag.Float64("soak-rate", 3000, "calls per second TestSoak makes at most (0: as fast as it can); see TestSoak")
	soakProfile = flag.String("soak-heapprofile", "", "write the parent's heap profile at TestSoak's start and end to `prefix`-start.pprof and prefix-end.pprof (compare with go tool pprof -diff_base)")
)

const (
	// soakWarmup is how many calls TestSoak makes before its first sample.
	soakWarmup = 10_000
	// soakMedianOf is how many samples make the start and the end
	// measurements, of which each number's median counts.
	soakMedianOf = 5
	// soakBetween is how many calls TestSoak makes between the samples of
	// one median.
	soakBetween = 5_000
	// soakSamples is how many samples TestSoak logs while it makes its
	// calls, evenly spaced, to show the trend.
	soakSamples = 10
	// soakGrowth is how much goroutines and heap may grow from the start
	// to the end: 10%.
	soakGrowth = 0.10
	// soakGoroutineSlack is added to the goroutine allowance: a handful
	// of goroutines come and go on their own (the runtime's cleanup and
	// scavenger workers, the engine's pooled workers that park between
	// calls, a connection's goroutines that start when first needed);
	// a leak of one goroutine per call or per thousand calls is far above.
	soakGoroutineSlack = 10
	// soakSettle is how long TestSoak stops calling before a sample, so
	// that goroutines and memory measured are not those of calls still
	// running, which grow with the call rate, not with leaks. (Under
	// go-capnp v3.1.0-alpha.2's rpc, which held each call's Finish for
	// 250 ms in a goroutine of its own, upstream #626, this mattered
	// most.)
	soakSettle = time.Second
)

// soakSample is what TestSoak measures on both sides of the connection.
type soakSample struct {
	calls         int
	parent, child faultsapi.Stats
}

// TestSoak makes -soak-calls calls of Visit, each passing a callback that
// the child calls once, over one connection to a child process, from
// -soak-callers goroutines. It measures goroutines and heap (HeapInuse
// after garbage collection; HeapAlloc is logged too) on both sides at the
// start, after a warm-up of soakWarmup calls, and at the end, each time
// as the median of soakMedianOf samples, and logs a sample after each
// tenth of the calls. Before each sample it stops calling for soakSettle,
// then measures the child first and the parent second, each after
// collecting garbage and running cleanups a few times (processStats): the
// child's collections release the callbacks it was passed, whose proxies
// only the garbage collector releases, and with them the parent's servers
// for them. (With a single collection the live heap varied by ±30% from
// sample to sample, from cleanups still running.) It fails if the end exceeds the start by more than soakGrowth
// (goroutines: plus soakGoroutineSlack), or if any call fails or returns a
// wrong result.
//
// The calls are paced at -soak-rate per second (3,000 by default, about
// what this 2-core machine sustains with other jobs running), evenly and
// without bursts after a stall (pacer), because the
// heap after a collection depends on the call rate: the number of
// goroutines peaks with the calls running at once (under go-capnp's rpc,
// which held each Finish for 250 ms in a goroutine, at about rate × 0.25 s
// on each side), and the Go runtime never
// frees a goroutine's descriptor (runtime.malg, runtime.allgadd): the
// heap keeps a few hundred bytes for every goroutine of the highest peak
// so far (the samples log the peak, sampled every 10 ms, on both sides).
// At an uneven rate (a machine shared with other jobs), each new peak
// raises the heap for good, which a heap profile shows as growth with no
// leak in it; at a steady rate the warm-up reaches the peak and the heap
// stays flat.
//
//	go test ./internal/faults -run TestSoak -soak -v -timeout 30m
//
// The raw output of a run is kept in benchdata/soak-*.txt and summarized
// in BENCHMARKS.md ("Soak").
func TestSoak(t *testing.T) {
	if !*soak {
		t.Skip("long; run with -soak")
	}
	defer trackPeakGoroutines()()
	c := spawnService(t)
	ctx := context.Background()

	var calls atomic.Int64
	pace := newPacer(*soakRate)
	// run makes n more calls, at most *soakRate per second.
	run := func(n int) {
		var (
			wg   sync.WaitGroup
			next atomic.Int64
		)
		for range *soakCallers {
			wg.Go(func() {
				for {
					i := next.Add(1)
					if i > int64(n) {
						return
					}
					pace.wait()
					got, err := c.svc.Visit(ctx, i, func(_ context.Context, n int64) (int64, error) {
						return 2*n + 1, nil
					})
					if err != nil || got != 2*i+1 {
						t.Errorf("Visit(%d): %d, %v; want %d", i, got, err, 2*i+1)
						return
					}
					calls.Add(1)
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
	}
	sample := func() soakSample {
		time.Sleep(soakSettle)
		child, err := c.svc.Stats(ctx)
		if err != nil {
			t.Fatalf("stats: %v", err)
		}
		return soakSample{calls: int(calls.Load()), parent: processStats(), child: child}
	}
	logSample := func(what string, s soakSample, rate float64) {
		t.Logf("sample %s calls=%d parent-goroutines=%d parent-peak-goroutines=%d parent-heap-inuse-bytes=%d parent-heap-alloc-bytes=%d child-goroutines=%d child-peak-goroutines=%d child-heap-inuse-bytes=%d child-heap-alloc-bytes=%d calls-per-second=%.0f",
			what, s.calls, s.parent.Goroutines, s.parent.PeakGoroutines, s.parent.HeapInuse, s.parent.HeapAlloc,
			s.child.Goroutines, s.child.PeakGoroutines, s.child.HeapInuse, s.child.HeapAlloc, rate)
	}

	// median takes soakMedianOf samples, making soakBetween more calls
	// before each but the first, and returns the median of each number:
	// the heap after a collection varies by tens of percent from one
	// sample to the next with where the live objects happen to lie
	// (HeapInuse counts whole spans), which one sample would take for
	// growth or hide it.
	median := func(what string) soakSample {
		var ss []soakSample
		for j := range soakMedianOf {
			if j > 0 {
				run(soakBetween)
			}
			s := sample()
			logSample(what, s, 0)
			ss = append(ss, s)
		}
		pick := func(f func(soakSample) int64) int64 {
			v := make([]int64, len(ss))
			for i, s := range ss {
				v[i] = f(s)
			}
			slices.Sort(v)
			return v[len(v)/2]
		}
		m := soakSample{calls: ss[len(ss)-1].calls}
		m.parent.Goroutines = pick(func(s soakSample) int64 { return s.parent.Goroutines })
		m.parent.HeapInuse = pick(func(s soakSample) int64 { return s.parent.HeapInuse })
		m.parent.HeapAlloc = pick(func(s soakSample) int64 { return s.parent.HeapAlloc })
		m.child.Goroutines = pick(func(s soakSample) int64 { return s.child.Goroutines })
		m.child.HeapInuse = pick(func(s soakSample) int64 { return s.child.HeapInuse })
		m.child.HeapAlloc = pick(func(s soakSample) int64 { return s.child.HeapAlloc })
		m.parent.PeakGoroutines = ss[len(ss)-1].parent.PeakGoroutines
		m.child.PeakGoroutines = ss[len(ss)-1].child.PeakGoroutines
		logSample(what+"-median", m, 0)
		return m
	}

	t.Logf("soak calls=%d callers=%d rate-limit=%.0f/s warmup=%d median-of=%d between=%d settle=%v GOMAXPROCS=%d",
		*soakCalls, *soakCallers, *soakRate, soakWarmup, soakMedianOf, soakBetween, soakSettle, runtime.GOMAXPROCS(0))
	run(soakWarmup)
	first := median("start")
	writeHeapProfile(t, "start")
	var (
		counted = calls.Load()
		elapsed time.Duration
	)
	for i := range soakSamples {
		n := *soakCalls*(i+1)/soakSamples - *soakCalls*i/soakSamples
		start := time.Now()
		run(n)
		d := time.Since(start)
		elapsed += d
		logSample("during", sample(), float64(n)/d.Seconds())
	}
	t.Logf("calls=%d callers=%d elapsed-calling=%v calls-per-second=%.0f", calls.Load()-counted, *soakCallers, elapsed.Round(time.Millisecond), float64(calls.Load()-counted)/elapsed.Seconds())
	last := median("end")
	writeHeapProfile(t, "end")
	t.Logf("calls-in-all=%d (warm-up and the calls between samples included)", calls.Load())

	check := func(what string, start, end, slack int64) {
		limit := int64(float64(start)*(1+soakGrowth)) + slack
		verdict := "ok"
		if end > limit {
			verdict = "GREW"
			t.Errorf("%s grew from %d to %d over %d calls; the limit is %d (+%.0f%%, +%d)", what, start, end, calls.Load(), limit, soakGrowth*100, slack)
		}
		t.Logf("result %s start=%d end=%d change=%+.1f%% limit=%d %s", what, start, end, 100*float64(end-start)/float64(start), limit, verdict)
	}
	check("parent-goroutines", first.parent.Goroutines, last.parent.Goroutines, soakGoroutineSlack)
	check("child-goroutines", first.child.Goroutines, last.child.Goroutines, soakGoroutineSlack)
	check("parent-heap-inuse-bytes", first.parent.HeapInuse, last.parent.HeapInuse, 0)
	check("child-heap-inuse-bytes", first.child.HeapInuse, last.child.HeapInuse, 0)
}

// writeHeapProfile writes this process's heap profile to
// <-soak-heapprofile>-<when>.pprof, if the flag is set.
func writeHeapProfile(t *testing.T, when string) {
	if *soakProfile == "" {
		return
	}
	f, err := os.Create(*soakProfile + "-" + when + ".pprof")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		t.Fatal(err)
	}
}

// pacer spaces events evenly at a rate, without catching up: after a
// stall (a busy machine) the next event is due at once and the ones after
// it at the rate again, never in a burst, since every burst raises the
// peak number of goroutines and with it the heap (see TestSoak).
type pacer struct {
	interval time.Duration // zero: no pacing

	mu   sync.Mutex
	next time.Time
}

func newPacer(perSecond float64) *pacer {
	p := &pacer{}
	if perSecond > 0 {
		p.interval = time.Duration(float64(time.Second) / perSecond)
	}
	return p
}

// wait returns when the next event is due.
func (p *pacer) wait() {
	if p.interval == 0 {
		return
	}
	p.mu.Lock()
	now := time.Now()
	if p.next.Before(now) {
		p.next = now
	}
	at := p.next
	p.next = p.next.Add(p.interval)
	p.mu.Unlock()
	time.Sleep(time.Until(at))
}
