package compat

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/ifacegen/ifacegen/runtime/ipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"

	v1 "github.com/ifacegen/ifacegen/internal/compat/v1"
	v1ipc "github.com/ifacegen/ifacegen/internal/compat/v1/storeipc"
	v2 "github.com/ifacegen/ifacegen/internal/compat/v2"
	v2ipc "github.com/ifacegen/ifacegen/internal/compat/v2/storeipc"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// memory is the data behind both versions' implementations.
type memory struct {
	mu     sync.Mutex
	values map[string]string
}

func (m *memory) get(key string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.values[key]
	return v, ok
}

func (m *memory) put(key, value string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.values == nil {
		m.values = make(map[string]string)
	}
	m.values[key] = value
}

func (m *memory) size() (count, bytes int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, v := range m.values {
		count++
		bytes += int64(len(k) + len(v))
	}
	return count, bytes
}

// storeV1 implements version 1.
type storeV1 struct{ memory }

func (s *storeV1) Get(_ context.Context, key string) (string, bool, error) {
	v, ok := s.get(key)
	return v, ok, nil
}

func (s *storeV1) Put(_ context.Context, key, value string) error {
	s.put(key, value)
	return nil
}

func (s *storeV1) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.values, key)
	return nil
}

func (s *storeV1) Stats(context.Context) (v1.Stats, error) {
	c, b := s.size()
	return v1.Stats{Count: c, Bytes: b}, nil
}

// storeV2 implements version 2.
type storeV2 struct{ memory }

func (s *storeV2) Get(_ context.Context, key string) (string, bool, error) {
	v, ok := s.get(key)
	return v, ok, nil
}

func (s *storeV2) Set(_ context.Context, key, text string) error {
	s.put(key, text)
	return nil
}

func (s *storeV2) Keys(context.Context) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.values))
	for k := range s.values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys, nil
}

func (s *storeV2) Stats(context.Context) (v2.Stats, error) {
	c, b := s.size()
	return v2.Stats{Count: c, Bytes: b, Evictions: 7}, nil
}

// An old server and a new client: every method both know works, renamed
// ones included; the new method gets "unimplemented".
func TestNewClientOldServer(t *testing.T) {
	ctx := context.Background()
	impl := &storeV1{}
	c := v2ipc.NewStoreClient(ipctest.Pipe(t, v1ipc.NewStoreServer(impl)))
	defer c.Release()

	if err := c.Set(ctx, "greeting", "hello"); err != nil {
		t.Fatalf("v2 Set on a v1 server: %v", err)
	}
	if v, ok := impl.get("greeting"); !ok || v != "hello" {
		t.Errorf("v1 server after v2 Set(greeting, hello): %q, %v; want the value set through the renamed method and parameter", v, ok)
	}
	v, ok, err := c.Get(ctx, "greeting")
	if err != nil || !ok || v != "hello" {
		t.Errorf("v2 Get on a v1 server = %q, %v, %v; want hello, true, nil", v, ok, err)
	}
	st, err := c.Stats(ctx)
	if want := (v2.Stats{Count: 1, Bytes: 13}); err != nil || st != want {
		t.Errorf("v2 Stats on a v1 server = %+v, %v; want %+v (Evictions zero: v1 does not have it)", st, err, want)
	}
	keys, err := c.Keys(ctx)
	if !errors.Is(err, ipc.ErrUnimplemented) {
		t.Errorf("v2 Keys on a v1 server = %v, %v; want an error wrapping ipc.ErrUnimplemented", keys, err)
	}
	// The connection lives on after the unknown method.
	if _, _, err := c.Get(ctx, "greeting"); err != nil {
		t.Errorf("Get after the unimplemented call: %v", err)
	}
}

// A new server and an old client: the retired method gets "unimplemented",
// the renamed one still works under its old name, and the new struct field
// is ignored by the old reader.
func TestOldClientNewServer(t *testing.T) {
	ctx := context.Background()
	impl := &storeV2{}
	c := v1ipc.NewStoreClient(ipctest.Pipe(t, v2ipc.NewStoreServer(impl)))
	defer c.Release()

	if err := c.Put(ctx, "a", "1"); err != nil {
		t.Fatalf("v1 Put on a v2 server: %v", err)
	}
	if err := c.Put(ctx, "b", "22"); err != nil {
		t.Fatalf("v1 Put on a v2 server: %v", err)
	}
	if v, ok := impl.get("b"); !ok || v != "22" {
		t.Errorf("v2 server after v1 Put(b, 22): %q, %v", v, ok)
	}
	v, ok, err := c.Get(ctx, "a")
	if err != nil || !ok || v != "1" {
		t.Errorf("v1 Get on a v2 server = %q, %v, %v; want 1, true, nil", v, ok, err)
	}
	st, err := c.Stats(ctx)
	if want := (v1.Stats{Count: 2, Bytes: 5}); err != nil || st != want {
		t.Errorf("v1 Stats on a v2 server = %+v, %v; want %+v", st, err, want)
	}
	err = c.Delete(ctx, "a")
	if !errors.Is(err, ipc.ErrUnimplemented) {
		t.Errorf("v1 Delete (retired in v2) on a v2 server: err = %v; want an error wrapping ipc.ErrUnimplemented", err)
	}
	if _, ok := impl.get("a"); !ok {
		t.Errorf("the retired Delete removed the key")
	}
	if _, _, err := c.Get(ctx, "a"); err != nil {
		t.Errorf("Get after the retired call: %v", err)
	}
}
