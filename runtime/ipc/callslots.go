package ipc

import "context"

// callSlots bounds the concurrently running incoming calls of one
// connection: a call holds one element of the buffer while it runs.
type callSlots chan struct{}

type callSlotsKey struct{}

// EnterCall waits until the connection a call arrived on lets one more of
// its calls run (see Options.MaxConcurrentCalls) and returns the function
// that gives the slot back when the call returns. Generated server methods
// call it right after letting go of go-capnp's per-object ordering:
//
//	call.Go()
//	leave, err := ipc.EnterCall(ctx)
//	if err != nil {
//		return err
//	}
//	defer leave()
//
// ctx is the call's context. A call that did not come over a Conn (a local
// call on a capability of this process) is not bounded. EnterCall fails
// only with ctx's error, when ctx is done before a slot frees up.
func EnterCall(ctx context.Context) (leave func(), err error) {
	slots, _ := ctx.Value(callSlotsKey{}).(callSlots)
	if slots == nil {
		return func() {}, nil
	}
	select {
	case slots <- struct{}{}:
		return func() { <-slots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
