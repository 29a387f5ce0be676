package capnprpc

import (
	"context"
	"errors"
	"testing"
)

type ctxKey struct{}

func TestCallCtx(t *testing.T) {
	base := context.WithValue(context.Background(), ctxKey{}, "v")
	c := &callCtx{base: base}
	if c.Err() != nil || c.Value(ctxKey{}) != "v" {
		t.Fatal("fresh callCtx")
	}
	child, cancelChild := context.WithCancel(c)
	defer cancelChild()
	fired := make(chan struct{})
	stop := context.AfterFunc(c, func() { close(fired) })
	stopped := context.AfterFunc(c, func() { t.Error("stopped AfterFunc ran") })
	if !stopped() {
		t.Fatal("stop of a pending AfterFunc returned false")
	}
	c.cancel()
	<-c.Done()
	<-child.Done()
	<-fired
	if !errors.Is(c.Err(), context.Canceled) || !errors.Is(child.Err(), context.Canceled) {
		t.Fatalf("Err %v, child %v", c.Err(), child.Err())
	}
	if !errors.Is(context.Cause(c), context.Canceled) {
		t.Fatalf("Cause %v", context.Cause(c))
	}
	if stop() {
		t.Fatal("stop after the AfterFunc ran returned true")
	}
	c.cancel() // idempotent
	// Done made after the cancel is closed too.
	c2 := &callCtx{base: context.Background()}
	c2.cancel()
	<-c2.Done()
}
