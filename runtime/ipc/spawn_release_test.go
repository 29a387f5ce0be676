package ipc

import (
	"context"
	"testing"
	"time"

	"capnproto.org/go/capnp/v3"
	"capnproto.org/go/capnp/v3/std/capnp/persistent"
)

// selfSaver is a Persistent server whose save returns, as its sturdy
// ref, a capability: the one in self (set after it is created), so that a
// call hands the bootstrap capability out again.
type selfSaver struct {
	self *capnp.Client
}

func (s selfSaver) Save(ctx context.Context, call persistent.Persistent_save) error {
	res, err := call.AllocResults()
	if err != nil {
		return err
	}
	c := s.self.AddRef()
	id := res.Message().CapTable().Add(c)
	return res.SetSturdyRef(capnp.NewInterface(res.Segment(), id).ToPtr())
}

// watched starts a connection serving a selfSaver under a bootstrapWatch
// and a client connection to it.
func watched(t *testing.T) (w *bootstrapWatch, client *Conn) {
	t.Helper()
	a, b, err := SocketPair()
	if err != nil {
		t.Fatal(err)
	}
	var self capnp.Client
	boot := capnp.Client(persistent.Persistent_ServerToClient(selfSaver{self: &self}))
	self = boot.AddRef()
	w = newBootstrapWatch()
	server := newConn(a, &Options{Bootstrap: boot}, nil, w)
	client = NewConn(b, nil)
	t.Cleanup(func() {
		client.Close()
		server.Close()
		self.Release()
	})
	return w, client
}

// saveRef calls save on p and returns the capability in its result.
func saveRef(t *testing.T, p persistent.Persistent) capnp.Client {
	t.Helper()
	f, release := p.Save(context.Background(), nil)
	defer release()
	res, err := f.Struct()
	if err != nil {
		t.Fatal(err)
	}
	ptr, err := res.SturdyRef()
	if err != nil {
		t.Fatal(err)
	}
	return ptr.Interface().Client().AddRef()
}

// roundTrip makes a call on p and waits for it, so that every message
// sent before it has been handled by the server.
func roundTrip(t *testing.T, p persistent.Persistent) {
	t.Helper()
	saveRef(t, p).Release()
}

func requireFired(t *testing.T, w *bootstrapWatch) {
	t.Helper()
	select {
	case <-w.released:
	case <-time.After(10 * time.Second): // a deadline for giving up, not a timing check
		t.Fatal("bootstrap capability released, but the watch did not notice")
	}
}

func requireNotFired(t *testing.T, w *bootstrapWatch) {
	t.Helper()
	select {
	case <-w.released:
		t.Fatal("the watch fired while the peer still holds a reference")
	default:
	}
}

func TestBootstrapWatchRelease(t *testing.T) {
	w, client := watched(t)
	p := persistent.Persistent(client.Bootstrap(context.Background()))
	roundTrip(t, p)
	requireNotFired(t, w)
	p.Release()
	requireFired(t, w)
}

func TestBootstrapWatchTwoBootstraps(t *testing.T) {
	w, client := watched(t)
	p1 := persistent.Persistent(client.Bootstrap(context.Background()))
	roundTrip(t, p1)
	p2 := persistent.Persistent(client.Bootstrap(context.Background()))
	roundTrip(t, p2)
	w.mu.Lock()
	refs := w.refs
	w.mu.Unlock()
	// Two from the bootstraps, two from the saves, which return the
	// bootstrap capability too.
	if refs != 4 {
		t.Errorf("after two bootstraps and two saves the watch counts %d references, want 4", refs)
	}
	p1.Release()
	roundTrip(t, p2)
	requireNotFired(t, w)
	p2.Release()
	requireFired(t, w)
}

func TestBootstrapWatchCapabilityHandedBack(t *testing.T) {
	w, client := watched(t)
	p := persistent.Persistent(client.Bootstrap(context.Background()))
	again := persistent.Persistent(saveRef(t, p)) // the bootstrap capability, from a Return
	p.Release()
	roundTrip(t, again)
	requireNotFired(t, w)
	again.Release()
	requireFired(t, w)
}

func TestBootstrapWatchNoBootstrap(t *testing.T) {
	w, client := watched(t)
	client.Close()
	requireNotFired(t, w) // the connection ending is ServeSpawned's other signal
}
