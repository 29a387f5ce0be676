package faults_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ifacegen/ifacegen/internal/faults/faultsapi"
	"github.com/ifacegen/ifacegen/internal/faults/faultsapi/faultsapiipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// service is the faultsapi.Service a child process serves. Besides serving
// it counts what the fault did to it, and report prints that once the
// connection is gone.
type service struct {
	// hangup closes the connection calls come on; nil where the process
	// cannot (a spawned child's connection belongs to ServeSpawned).
	hangup func()

	active   atomic.Int64 // calls running in the implementation
	canceled atomic.Int64 // Hold calls that ended because their context did

	mu   sync.Mutex
	held map[int64]chan struct{} // blocked Hold calls by id; closing lets one go
	// callbackErrs classifies the errors Visit got from its callback
	// ("ok" counts its successes).
	callbackErrs map[string]int
	kept         []kept // what Keep was given
}

// kept is one Keep call's arguments.
type kept struct {
	l faultsapi.Listener
	v faultsapi.Visitor
}

func newService() *service {
	return &service{held: make(map[int64]chan struct{}), callbackErrs: make(map[string]int)}
}

// enter counts a call in the implementation; call the result when it
// returns.
func (s *service) enter() func() {
	s.active.Add(1)
	return func() { s.active.Add(-1) }
}

func (s *service) Add(_ context.Context, a, b int64) (int64, error) {
	defer s.enter()()
	return a + b, nil
}

func (s *service) Echo(_ context.Context, data []byte) ([]byte, error) {
	defer s.enter()()
	return data, nil
}

func (s *service) Hold(ctx context.Context, id int64) (int64, error) {
	defer s.enter()()
	free := make(chan struct{})
	s.mu.Lock()
	if _, dup := s.held[id]; dup {
		s.mu.Unlock()
		return 0, fmt.Errorf("hold %d is already held", id)
	}
	s.held[id] = free
	s.mu.Unlock()
	select {
	case <-free:
		return id, nil
	case <-ctx.Done():
		s.mu.Lock()
		delete(s.held, id)
		s.mu.Unlock()
		s.canceled.Add(1)
		return 0, ctx.Err()
	}
}

func (s *service) Held(context.Context) (int64, error) {
	defer s.enter()()
	s.mu.Lock()
	defer s.mu.Unlock()
	return int64(len(s.held)), nil
}

func (s *service) Free(_ context.Context, below int64) (int64, error) {
	defer s.enter()()
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for id, free := range s.held {
		if id < below {
			close(free)
			delete(s.held, id)
			n++
		}
	}
	return n, nil
}

func (s *service) Visit(ctx context.Context, n int64, v faultsapi.Visitor) (int64, error) {
	defer s.enter()()
	r, err := v(ctx, n)
	s.mu.Lock()
	if err != nil {
		s.callbackErrs[errorClass(err)]++
	} else {
		s.callbackErrs["ok"]++
	}
	s.mu.Unlock()
	return r, err
}

func (s *service) NewListener(context.Context) (faultsapi.Listener, error) {
	defer s.enter()()
	return &listener{closed: make(chan struct{})}, nil
}

func (s *service) Keep(_ context.Context, l faultsapi.Listener, v faultsapi.Visitor) error {
	defer s.enter()()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kept = append(s.kept, kept{l, v})
	return nil
}

func (s *service) Stats(context.Context) (faultsapi.Stats, error) {
	defer s.enter()()
	return processStats(), nil
}

func (s *service) Exit(_ context.Context, code int64) error {
	os.Exit(int(code))
	return nil
}

func (s *service) Hangup(context.Context) error {
	defer s.enter()()
	if s.hangup == nil {
		return errors.New("this server cannot close its connection")
	}
	s.hangup()
	return nil
}

// processStats measures this process after letting garbage collection
// release what it can. A collection queues the cleanups of unreachable
// proxies, which release their capabilities (building and sending Release
// messages, which may make more objects unreachable), so it collects and
// waits for the cleanups a few times, and reads the numbers right after a
// last collection.
func processStats() faultsapi.Stats {
	for range 3 {
		runtime.GC()
		time.Sleep(100 * time.Millisecond)
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return faultsapi.Stats{
		Pid:        int64(os.Getpid()),
		Goroutines: int64(runtime.NumGoroutine()),
		HeapInuse:  int64(m.HeapInuse),
		HeapAlloc:  int64(m.HeapAlloc),

		PeakGoroutines: peakGoroutines.Load(),
	}
}

// peakGoroutines is the most goroutines trackPeakGoroutines has seen.
var peakGoroutines atomic.Int64

// trackPeakGoroutines samples runtime.NumGoroutine every 10 ms into
// peakGoroutines until stop is called.
func trackPeakGoroutines() (stop func()) {
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				n := int64(runtime.NumGoroutine())
				for {
					old := peakGoroutines.Load()
					if n <= old || peakGoroutines.CompareAndSwap(old, n) {
						break
					}
				}
			}
		}
	}()
	return func() { close(done) }
}

// report waits for every call in the implementation to return (up to
// giveUp/2, after which active counts those still running), then uses
// and releases what Keep was given — the connection being gone, each use
// must fail with ErrDisconnected, and no release may panic or hang — and
// writes one line to w:
//
//	report active=0 canceled=N callback-disconnected=N kept=N kept-notify-disconnected=N kept-visit-disconnected=N
//
// (every key of callbackErrs appears as callback-<class>, callback-ok
// counting callbacks that succeeded). The fault tests
// read it from the child's standard output.
func (s *service) report(w io.Writer) {
	deadline := time.Now().Add(giveUp / 2) // so that the report comes within giveUp
	for s.active.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	fields := map[string]int64{
		"active":   s.active.Load(),
		"canceled": s.canceled.Load(),
	}
	s.mu.Lock()
	for class, n := range s.callbackErrs {
		fields["callback-"+class] += int64(n)
	}
	kept := s.kept
	s.kept = nil
	s.mu.Unlock()
	fields["kept"] = int64(len(kept))
	ctx, cancel := context.WithTimeout(context.Background(), giveUp)
	defer cancel()
	for i := range kept {
		k := &kept[i]
		if _, err := k.l.Notify(ctx, 1); err != nil {
			fields["kept-notify-"+errorClass(err)]++
		}
		if _, err := k.v(ctx, 1); err != nil {
			fields["kept-visit-"+errorClass(err)]++
		}
		if c, ok := k.l.(*faultsapiipc.ListenerClient); ok {
			c.Release()
			c.Release() // twice is harmless
		}
		k.v = nil // released by garbage collection, below
	}
	runtime.GC()
	time.Sleep(100 * time.Millisecond) // let the cleanups run before exit
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("report")
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%d", k, fields[k])
	}
	fmt.Fprintln(w, b.String())
}

// errorClass names the kind of a call's error for counting: disconnected,
// released, canceled, remote or other.
func errorClass(err error) string {
	var re *ipc.RemoteError
	switch {
	case errors.Is(err, ipc.ErrDisconnected):
		return "disconnected"
	case errors.Is(err, ipc.ErrReleased):
		return "released"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "canceled"
	case errors.As(err, &re):
		return "remote"
	}
	return "other"
}

// listener is a faultsapi.Listener and an io.Closer: closed is closed
// once the last remote reference to it is gone.
type listener struct {
	closed chan struct{}
	once   sync.Once
}

func (l *listener) Notify(_ context.Context, n int64) (int64, error) { return n + 1, nil }

func (l *listener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}
