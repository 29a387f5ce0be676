package capnprpc_test

import (
	"context"
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
