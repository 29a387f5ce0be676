package extends_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/ifacegen/ifacegen/golden/extends"
	"github.com/ifacegen/ifacegen/golden/extends/extendsipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type stream struct {
	mu      sync.Mutex
	data    []byte
	pos     int64
	stopped bool
}

func (s *stream) Read(_ context.Context, n int32) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil, errors.New("stopped")
	}
	rest := s.data[s.pos:]
	if int(n) < len(rest) {
		rest = rest[:n]
	}
	s.pos += int64(len(rest))
	return rest, nil
}

func (s *stream) Stop(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
	return nil
}

func (s *stream) Position(context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pos, nil
}

type opener struct{}

func (opener) Open(_ context.Context, data []byte) (extends.Stream, error) {
	return &stream{data: data}, nil
}

func (opener) ReadAll(ctx context.Context, r extends.Reader) ([]byte, error) {
	var all []byte
	for {
		b, err := r.Read(ctx, 3)
		if err != nil || len(b) == 0 {
			return all, err
		}
		all = append(all, b...)
	}
}

func TestDerivedClientImplementsAll(t *testing.T) {
	ctx := context.Background()
	o := extendsipc.NewOpenerClient(ipctest.Pipe(t, extendsipc.NewOpenerServer(opener{})))
	defer o.Release()
	s, err := o.Open(ctx, []byte("hello, world"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.(*extendsipc.StreamClient).Release()
	var (
		_ extends.Reader  = s
		_ extends.Stopper = s
	)
	if b, err := s.Read(ctx, 5); err != nil || string(b) != "hello" {
		t.Fatalf("Read(5) = %q, %v; want hello", b, err)
	}
	// The stream, sent back where a Reader is expected, is the same object.
	rest, err := o.ReadAll(ctx, s)
	if err != nil || string(rest) != ", world" {
		t.Fatalf("ReadAll = %q, %v; want \", world\"", rest, err)
	}
	if pos, err := s.Position(ctx); err != nil || pos != 12 {
		t.Fatalf("Position = %d, %v; want 12", pos, err)
	}
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(ctx, 1); err == nil || err.Error() != "stopped" {
		t.Fatalf("Read after Stop: %v; want stopped", err)
	}
	// A local Stream passed as a Reader is served as one.
	local := &stream{data: bytes.Repeat([]byte("ab"), 4)}
	all, err := o.ReadAll(ctx, local)
	if err != nil || string(all) != "abababab" {
		t.Fatalf("ReadAll(local) = %q, %v", all, err)
	}
}
