package retired_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"capnproto.org/go/capnp/v3"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/ifacegen/ifacegen/golden/retired"
	"github.com/ifacegen/ifacegen/golden/retired/retiredipc"
	"github.com/ifacegen/ifacegen/runtime/capnprpc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// connect serves impl over a real unix socket pair and returns the
// client end's bootstrap capability; everything is closed when the test
// ends.
func connect(t *testing.T, impl retired.Store) *ipc.Capability {
	t.Helper()
	a, b, err := ipc.SocketPair()
	if err != nil {
		t.Fatal(err)
	}
	server := ipc.NewConn(a, &ipc.Options{Bootstrap: retiredipc.NewStoreServer(impl)})
	conn := ipc.NewConn(b, nil)
	boot := conn.Bootstrap(context.Background())
	t.Cleanup(func() {
		boot.Release()
		conn.Close()
		server.Close()
	})
	return boot
}

// store is a retired.Store in memory.
type store struct {
	mu    sync.Mutex
	items map[string]retired.Item
}

func (s *store) Get(_ context.Context, key string) (retired.Item, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.items[key]
	if !ok {
		return retired.Item{}, errors.New("no item " + key)
	}
	return it, nil
}

func (s *store) Put(_ context.Context, it retired.Item) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.items == nil {
		s.items = make(map[string]retired.Item)
	}
	s.items[it.Key] = it
	return nil
}

func (s *store) Count(context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return int64(len(s.items)), nil
}

func TestRoundTrip(t *testing.T) {
	c := retiredipc.NewStoreClient(connect(t, &store{}).AddRef())
	defer c.Release()
	ctx := context.Background()
	want := retired.Item{Key: "k", Value: []byte("v")}
	if err := c.Put(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := c.Get(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Get (-want +got):\n%s", diff)
	}
	if n, err := c.Count(ctx); err != nil || n != 1 {
		t.Errorf("Count = %d, %v; want 1, nil", n, err)
	}
}

// A client built when Store still had Delete calls it by its ordinal; the
// server answers "unimplemented", and the connection lives on.
func TestRetiredMethodIsUnimplemented(t *testing.T) {
	boot := connect(t, &store{})
	deleteMethod := &capnprpc.Method{InterfaceID: retiredipc.Store_TypeID, MethodID: 2, Name: "retired.Store.Delete"}
	err := boot.Call(context.Background(), deleteMethod, nil, nil)
	err = ipc.CallError(deleteMethod.Name, err)
	if !errors.Is(err, ipc.ErrUnimplemented) || !strings.Contains(err.Error(), "retired.Store.deleteRetired2 is retired") {
		t.Errorf("Delete: got %v, want ipc.ErrUnimplemented saying the method is retired", err)
	}
	c := retiredipc.NewStoreClient(boot.AddRef())
	defer c.Release()
	if _, err := c.Count(context.Background()); err != nil {
		t.Errorf("Count after the retired call: %v", err)
	}
}

// What an older peer still writes into retired slots is never read, and
// they stay empty in what this version writes.
func TestRetiredFieldsAreNeverReadOrWritten(t *testing.T) {
	_, seg := capnp.NewSingleSegmentMessage(nil)
	old, err := retiredipc.NewRootItem(seg)
	if err != nil {
		t.Fatal(err)
	}
	if err := old.SetKey("k"); err != nil {
		t.Fatal(err)
	}
	old.SetVersionRetired1(7)
	meta, err := capnp.NewTextList(seg, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := old.SetMetaRetired3(meta.ToPtr()); err != nil {
		t.Fatal(err)
	}
	var got retired.Item
	if err := retiredipc.ReadItem(old, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(retired.Item{Key: "k"}, got); diff != "" {
		t.Errorf("ReadItem (-want +got):\n%s", diff)
	}

	_, seg = capnp.NewSingleSegmentMessage(nil)
	s, err := retiredipc.NewRootItem(seg)
	if err != nil {
		t.Fatal(err)
	}
	if err := retiredipc.WriteItem(s, &retired.Item{Key: "k", Value: []byte("v")}); err != nil {
		t.Fatal(err)
	}
	if s.VersionRetired1() != 0 || s.HasMetaRetired3() {
		t.Errorf("WriteItem wrote a retired field: version %d, meta set %v", s.VersionRetired1(), s.HasMetaRetired3())
	}
}
