package capnprpc_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/ifacegen/ifacegen/runtime/capnprpc"
)

// TestReleasedPromiseDoesNotWakeAnotherCall releases bootstrap promises
// while their Returns resolve them, and makes calls at once. A question
// freed in that window used to be handed to the next call while the
// reader still meant to wake the old one: the new call then read empty
// results with no error (Add returned 0).
func TestReleasedPromiseDoesNotWakeAnotherCall(t *testing.T) {
	p := newPair(t, socketPair, newCalc(), capnprpc.Limits{})
	ctx := context.Background()
	boot := p.client.Bootstrap(ctx)
	defer boot.Release()
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				promise := p.client.Bootstrap(ctx)
				for range i % 7 {
					runtimeGosched()
				}
				promise.Release()
				a := uint64(g*1000 + i + 1)
				sum, err := add(ctx, boot, a, 2)
				if err != nil || sum != a+2 {
					errs <- fmt.Sprintf("add after releasing a promise: got %d, %v; want %d", sum, err, a+2)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestCallWithDoneContextMakesNoCall: a context done before Call makes no
// call, even when the answer would come fast.
func TestCallWithDoneContextMakesNoCall(t *testing.T) {
	srv := newCalc()
	p := newPair(t, socketPair, srv, capnprpc.Limits{})
	ctx := context.Background()
	boot := p.client.Bootstrap(ctx)
	defer boot.Release()
	done, cancel := context.WithCancel(ctx)
	cancel()
	for range 20 {
		if _, err := add(done, boot, 1, 2); !errors.Is(err, context.Canceled) {
			t.Fatalf("add with a cancelled context: got %v, want context.Canceled", err)
		}
	}
	if sum, err := add(ctx, boot, 1, 2); err != nil || sum != 3 {
		t.Fatalf("add = %d, %v; want 3", sum, err)
	}
	if n := srv.calls.Load(); n != 1 {
		t.Errorf("the server ran %d calls, want 1 (none for the cancelled ones)", n)
	}
}
