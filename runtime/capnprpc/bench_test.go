package capnprpc_test

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"testing"

	"capnproto.org/go/capnp/v3"
	"github.com/ifacegen/ifacegen/runtime/capnprpc"
)

// BenchmarkCall measures Add over a unix socketpair through the engine
// on both sides; BenchmarkRawPingPong is its floor: the same number of
// bytes written and read per call, with no RPC at all.
func BenchmarkCall(b *testing.B) {
	for _, callers := range []int{1, 16} {
		b.Run(map[int]string{1: "callers=1", 16: "callers=16"}[callers], func(b *testing.B) {
			ca, cb := socketPair(b)
			server := capnprpc.NewConn(cb, &capnprpc.Options{Bootstrap: capnprpc.NewLocal(newCalc())})
			client := capnprpc.NewConn(ca, nil)
			defer server.Close()
			defer client.Close()
			ctx := context.Background()
			boot := client.Bootstrap(ctx)
			defer boot.Release()
			if _, err := add(ctx, boot, 1, 2); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			var wg sync.WaitGroup
			per := b.N / callers
			for g := 0; g < callers; g++ {
				n := per
				if g == 0 {
					n += b.N % callers
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					var sum uint64
					params := func(p capnp.Struct) error {
						p.SetUint64(0, 1)
						p.SetUint64(8, 2)
						return nil
					}
					results := func(r capnp.Struct) error {
						sum = r.Uint64(0)
						return nil
					}
					for i := 0; i < n; i++ {
						if err := boot.Call(ctx, mAdd, params, results); err != nil || sum != 3 {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
		})
	}
}

// Frame sizes of an Add Call and Return as the engine writes them (its
// Finish, 40 bytes, usually shares the write of the next Call).
const (
	rawRequest = 128
	rawReply   = 80
)

func BenchmarkRawPingPong(b *testing.B) {
	for _, callers := range []int{1, 16} {
		b.Run(map[int]string{1: "callers=1", 16: "callers=16"}[callers], func(b *testing.B) {
			b.ReportAllocs()
			var wg sync.WaitGroup
			per := b.N / callers
			b.ResetTimer()
			for g := 0; g < callers; g++ {
				n := per
				if g == 0 {
					n += b.N % callers
				}
				a, s := socketPair(b)
				wg.Add(2)
				go func() {
					defer wg.Done()
					defer s.Close()
					rawEcho(s)
				}()
				go func() {
					defer wg.Done()
					defer a.Close()
					rawPing(b, a, n)
				}()
			}
			wg.Wait()
		})
	}
}

func rawPing(b *testing.B, c net.Conn, n int) {
	req := make([]byte, rawRequest)
	reply := make([]byte, rawReply)
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint64(req, uint64(i))
		if _, err := c.Write(req); err != nil {
			b.Error(err)
			return
		}
		if _, err := io.ReadFull(c, reply); err != nil {
			b.Error(err)
			return
		}
	}
}

func rawEcho(c net.Conn) {
	req := make([]byte, rawRequest)
	reply := make([]byte, rawReply)
	for {
		if _, err := io.ReadFull(c, req); err != nil {
			return
		}
		copy(reply, req)
		if _, err := c.Write(reply); err != nil {
			return
		}
	}
}

// TestCallAllocations guards the allocation budget of a small call: the
// caller side allocates nothing; the serving side allocates the call's
// answer (its context lives inside). Pools refilled after a GC give a
// little slack.
func TestCallAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items at random")
	}
	ca, cb := socketPair(t)
	server := capnprpc.NewConn(cb, &capnprpc.Options{Bootstrap: capnprpc.NewLocal(newCalc())})
	client := capnprpc.NewConn(ca, nil)
	defer server.Close()
	defer client.Close()
	ctx := context.Background()
	boot := client.Bootstrap(ctx)
	defer boot.Release()
	var sum uint64
	params := func(p capnp.Struct) error {
		p.SetUint64(0, 1)
		p.SetUint64(8, 2)
		return nil
	}
	results := func(r capnp.Struct) error {
		sum = r.Uint64(0)
		return nil
	}
	allocs := testing.AllocsPerRun(2000, func() {
		if err := boot.Call(ctx, mAdd, params, results); err != nil || sum != 3 {
			t.Fatal(err)
		}
	})
	if allocs > 2 {
		t.Fatalf("%.1f allocations per call (both sides), want at most 2", allocs)
	}
}
