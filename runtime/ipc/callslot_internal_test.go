package ipc

import (
	"context"
	"errors"
	"testing"
)

// EnterCall hands out a connection's call slots until they run out, then
// waits for one, failing only with the call's context error.
func TestEnterCallBoundsSlots(t *testing.T) {
	slots := make(callSlots, 2)
	ctx := context.WithValue(context.Background(), callSlotsKey{}, slots)
	a, err := EnterCall(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := EnterCall(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(slots) != 2 {
		t.Fatalf("%d slots held, want 2", len(slots))
	}
	// Every slot is held: a call whose context is done gives up.
	done, cancel := context.WithCancel(ctx)
	cancel()
	if s, err := EnterCall(done); !errors.Is(err, context.Canceled) || s.slots != nil {
		t.Errorf("EnterCall with all slots held and ctx done = %v, %v; want the zero slot, context.Canceled", s, err)
	}
	a.Leave()
	c, err := EnterCall(done) // a free slot is taken even when ctx is done
	if err != nil {
		t.Errorf("EnterCall with a free slot: %v", err)
	}
	b.Leave()
	c.Leave()
	if len(slots) != 0 {
		t.Errorf("%d slots held after every Leave, want 0", len(slots))
	}
}

// A call that did not come over a Conn is not bounded, and its slot's
// Leave does nothing.
func TestEnterCallWithoutConn(t *testing.T) {
	s, err := EnterCall(context.Background())
	if err != nil || s.slots != nil {
		t.Errorf("EnterCall(Background) = %v, %v; want the zero slot", s, err)
	}
	s.Leave()
	CallSlot{}.Leave()
}
