package objects_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/ifacegen/ifacegen/golden/objects"
	"github.com/ifacegen/ifacegen/golden/objects/objectsipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// counter implements objects.Counter; live counts the counters not yet
// closed.
type counter struct {
	live   *atomic.Int64
	mu     sync.Mutex
	value  int64
	closed bool
}

func (c *counter) Add(_ context.Context, n int64) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, errors.New("counter is closed")
	}
	c.value += n
	return c.value, nil
}

// Close is called when the last remote reference goes.
func (c *counter) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.closed = true
		c.live.Add(-1)
	}
	return nil
}

type factory struct {
	live    atomic.Int64
	created atomic.Int64
}

func (f *factory) NewCounter(_ context.Context, start int64) (objects.Counter, error) {
	f.live.Add(1)
	f.created.Add(1)
	return &counter{live: &f.live, value: start}, nil
}

func (f *factory) Same(_ context.Context, a, b objects.Counter) (bool, error) {
	return a == b, nil
}

func (f *factory) Echo(_ context.Context, c objects.Counter) (objects.Counter, error) {
	return c, nil
}

func (f *factory) Sum(ctx context.Context, cs []objects.Counter) (int64, error) {
	var sum int64
	for _, c := range cs {
		if c == nil {
			continue
		}
		v, err := c.Add(ctx, 0)
		if err != nil {
			return 0, err
		}
		sum += v
	}
	return sum, nil
}

func (f *factory) Swap(_ context.Context, b objects.Bundle) (objects.Bundle, error) {
	main := b.Main
	b.Main = b.Named["main"]
	b.Named["main"] = main
	return b, nil
}

// connect serves f over a unix socket pair and returns a client for it.
func connect(t *testing.T, f objects.Factory) *objectsipc.FactoryClient {
	t.Helper()
	c := objectsipc.NewFactoryClient(ipctest.Pipe(t, objectsipc.NewFactoryServer(f)))
	t.Cleanup(c.Release)
	return c
}

// release releases c, a client proxy received from the other process.
func release(t *testing.T, c objects.Counter) {
	t.Helper()
	cc, ok := c.(*objectsipc.CounterClient)
	if !ok {
		t.Fatalf("got %T, want *objectsipc.CounterClient", c)
	}
	cc.Release()
}

// waitFor polls cond until it holds; the test's deadline bounds it.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		if dl, ok := t.Deadline(); ok && time.Until(dl) < time.Second {
			t.Fatalf("gave up waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestReturnedObjectIsLive(t *testing.T) {
	ctx := context.Background()
	f := &factory{}
	c := connect(t, f)
	ctr, err := c.NewCounter(ctx, 40)
	if err != nil {
		t.Fatal(err)
	}
	defer release(t, ctr)
	for _, want := range []int64{41, 42} {
		got, err := ctr.Add(ctx, 1)
		if err != nil || got != want {
			t.Fatalf("Add(1) = %d, %v; want %d, nil", got, err, want)
		}
	}
}

func TestNilInterface(t *testing.T) {
	ctx := context.Background()
	c := connect(t, &factory{})
	got, err := c.Echo(ctx, nil)
	if err != nil || got != nil {
		t.Fatalf("Echo(nil) = %v, %v; want nil, nil", got, err)
	}
	sum, err := c.Sum(ctx, []objects.Counter{nil, nil})
	if err != nil || sum != 0 {
		t.Fatalf("Sum(nil, nil) = %d, %v; want 0, nil", sum, err)
	}
}

// An object sent back to the process that serves it arrives as the
// implementation itself, and a received proxy sent onwards travels as its
// capability, not as a proxy of a proxy.
func TestIdentity(t *testing.T) {
	ctx := context.Background()
	c := connect(t, &factory{})
	a, err := c.NewCounter(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer release(t, a)
	b, err := c.NewCounter(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer release(t, b)
	for _, tc := range []struct {
		x, y objects.Counter
		want bool
	}{{a, a, true}, {a, b, false}, {b, b, true}} {
		got, err := c.Same(ctx, tc.x, tc.y)
		if err != nil || got != tc.want {
			t.Errorf("Same = %v, %v; want %v", got, err, tc.want)
		}
	}
	// A local object sent and returned comes back as itself.
	local := &counter{live: new(atomic.Int64), value: 7}
	local.live.Add(1)
	back, err := c.Echo(ctx, local)
	if err != nil {
		t.Fatal(err)
	}
	if back != objects.Counter(local) {
		t.Errorf("Echo(local) = %T, want the local implementation itself", back)
	}
	// A received object echoed back is still the same remote object.
	echoed, err := c.Echo(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer release(t, echoed)
	if v, err := echoed.Add(ctx, 10); err != nil || v != 11 {
		t.Errorf("echoed.Add(10) = %d, %v; want 11, nil", v, err)
	}
}

func TestObjectsInContainers(t *testing.T) {
	ctx := context.Background()
	c := connect(t, &factory{})
	a, err := c.NewCounter(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer release(t, a)
	b, err := c.NewCounter(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer release(t, b)
	local := &counter{live: new(atomic.Int64), value: 100}
	sum, err := c.Sum(ctx, []objects.Counter{a, nil, local})
	if err != nil || sum != 101 {
		t.Fatalf("Sum = %d, %v; want 101, nil", sum, err)
	}

	// An object of the other process in a field, one in a map; Swap
	// returns b.Named["main"] as Main and a as Named["main"].
	got, err := c.Swap(ctx, objects.Bundle{
		Name:  "remote",
		Main:  a,
		Named: map[string]objects.Counter{"main": nil, "none": nil},
		All:   []objects.Counter{nil},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "remote" || got.Main != nil || got.All[0] != nil || got.Named["none"] != nil || len(got.Named) != 2 || len(got.All) != 1 {
		t.Errorf("Swap returned %+v; want the name, the nils and the lengths kept", got)
	}
	if v, err := got.Named["main"].Add(ctx, 0); err != nil || v != 1 {
		t.Errorf("Named[main].Add(0) = %d, %v; want 1, nil", v, err)
	}
	release(t, got.Named["main"])

	// Objects of this process come back as themselves.
	got, err = c.Swap(ctx, objects.Bundle{
		Main:  local,
		Named: map[string]objects.Counter{"main": local},
		All:   []objects.Counter{local, nil},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := objects.Bundle{Main: local, Named: map[string]objects.Counter{"main": local}, All: []objects.Counter{local, nil}}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(x, y objects.Counter) bool { return x == y })); diff != "" {
		t.Errorf("Swap of local objects (-want +got):\n%s", diff)
	}
}

// A result message that carries two capabilities the callee creates (two
// servers of one implementation) leaves nothing behind once every
// reference is released: the implementation is closed, and TestMain's
// leak check finds no goroutine left. (go-capnp v3.1.0-alpha.2 leaked one
// of the two servers here.)
func TestTwoNewCapabilitiesInResults(t *testing.T) {
	ctx := context.Background()
	f := &factory{}
	c := connect(t, f)
	a, err := c.NewCounter(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Swap(ctx, objects.Bundle{Main: a, Named: map[string]objects.Counter{"main": a}})
	if err != nil {
		release(t, a)
		t.Fatal(err)
	}
	for _, ctr := range []objects.Counter{got.Main, got.Named["main"]} {
		if v, err := ctr.Add(ctx, 1); err != nil || v < 2 {
			t.Errorf("Add(1) on a returned counter = %d, %v; want at least 2, nil", v, err)
		}
	}
	release(t, a)
	release(t, got.Main)
	release(t, got.Named["main"])
	waitFor(t, "the counter is closed", func() bool { return f.live.Load() == 0 })
}

// Thousands of objects created and released leave no server object, no
// capability and no goroutine behind: every counter is closed once its
// last reference goes.
func TestCreateReleaseCycles(t *testing.T) {
	ctx := context.Background()
	f := &factory{}
	c := connect(t, f)
	const n = 2000
	for i := range n {
		ctr, err := c.NewCounter(ctx, int64(i))
		if err != nil {
			t.Fatal(err)
		}
		if v, err := ctr.Add(ctx, 1); err != nil || v != int64(i)+1 {
			t.Fatalf("Add = %d, %v", v, err)
		}
		release(t, ctr)
	}
	if got := f.created.Load(); got != n {
		t.Fatalf("created %d counters, want %d", got, n)
	}
	waitFor(t, "every counter is closed", func() bool { return f.live.Load() == 0 })
}

// A proxy that is dropped without Release is released when it is garbage
// collected.
func TestGarbageCollectedProxyReleases(t *testing.T) {
	ctx := context.Background()
	f := &factory{}
	c := connect(t, f)
	for range 100 {
		if _, err := c.NewCounter(ctx, 0); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "garbage collection closes every counter", func() bool {
		runtime.GC()
		return f.live.Load() == 0
	})
}

func TestReleasedObjectFails(t *testing.T) {
	ctx := context.Background()
	c := connect(t, &factory{})
	ctr, err := c.NewCounter(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	release(t, ctr)
	if _, err := ctr.Add(ctx, 1); !errors.Is(err, ipc.ErrReleased) {
		t.Fatalf("Add after Release: %v; want ErrReleased", err)
	}
}

// An implementation served by two capabilities at once is closed only when
// the last of them goes.
func TestCloseAfterLastServer(t *testing.T) {
	ctx := context.Background()
	f := &factory{}
	c := connect(t, f)
	a, err := c.NewCounter(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Echo sends a back; the factory returns its implementation, which
	// gets a second server.
	again, err := c.Echo(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	release(t, a)
	if v, err := again.Add(ctx, 1); err != nil || v != 2 {
		t.Fatalf("Add after releasing the first reference = %d, %v; want 2, nil", v, err)
	}
	release(t, again)
	waitFor(t, "the counter is closed", func() bool { return f.live.Load() == 0 })
}
