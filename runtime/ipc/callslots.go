package ipc

import "context"

// callSlots bounds the concurrently running incoming calls of one
// connection: a call holds one element of the buffer while it runs.
type callSlots chan struct{}

type callSlotsKey struct{}

// CallSlot is a running incoming call's hold on one of its connection's
// call slots (see EnterCall). The zero CallSlot holds none; its Leave does
// nothing.
type CallSlot struct{ slots callSlots }

// Leave gives the slot back. Call it once, when the call returns.
func (s CallSlot) Leave() {
	if s.slots != nil {
		<-s.slots
	}
}

// EnterCall waits until the connection a call arrived on lets one more of
// its calls run (see Options.MaxConcurrentCalls) and returns the slot the
// call holds until it returns. Generated server methods call it right after
// letting go of go-capnp's per-object ordering:
//
//	call.Go()
//	slot, err := ipc.EnterCall(ctx)
//	if err != nil {
//		return err
//	}
//	defer slot.Leave()
//
// ctx is the call's context. A call that did not come over a Conn (a local
// call on a capability of this process) is not bounded. EnterCall fails
// only with ctx's error, when ctx is done before a slot frees up. While a
// slot is free it allocates nothing (it does not even ask ctx for its Done
// channel, which a context makes on first use).
func EnterCall(ctx context.Context) (CallSlot, error) {
	slots, _ := ctx.Value(callSlotsKey{}).(callSlots)
	if slots == nil {
		return CallSlot{}, nil
	}
	select {
	case slots <- struct{}{}:
		return CallSlot{slots}, nil
	default:
	}
	select {
	case slots <- struct{}{}:
		return CallSlot{slots}, nil
	case <-ctx.Done():
		return CallSlot{}, ctx.Err()
	}
}
