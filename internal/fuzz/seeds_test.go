package fuzz_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"capnproto.org/go/capnp/v3"

	"github.com/ifacegen/ifacegen/internal/interop/interopapi/interopapiipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

var update = flag.Bool("update", false, "rewrite the seed corpora under testdata/fuzz from real calls")

// TestSeedCorpora checks that every method has seeds in the corpora of
// the conversion targets; with -update it rewrites every corpus from real
// calls through the generated code:
//
//	go test ./internal/fuzz -run TestSeedCorpora -update
func TestSeedCorpora(t *testing.T) {
	if *update {
		writeSeeds(t)
	}
	for _, target := range []string{"FuzzServerParams", "FuzzClientResults"} {
		for i, m := range methods {
			if target == "FuzzServerParams" && m.server == nil {
				continue
			}
			path := filepath.Join("testdata", "fuzz", target, seedName(m.name))
			if _, err := os.Stat(path); err != nil {
				t.Errorf("method %d (%s) has no seed for %s: %v; run: go test ./internal/fuzz -run TestSeedCorpora -update", i, m.name, target, err)
			}
		}
	}
}

func seedName(method string) string {
	return strings.ToLower(strings.ReplaceAll(method, ".", "-"))
}

// writeSeeds writes the seeds: for each method, the arguments the
// generated client writes (FuzzServerParams) and the results the generated
// server writes for them (FuzzClientResults); for FuzzServerConn, the
// byte streams generated clients write on their connections, and a few
// hostile frames.
func writeSeeds(t *testing.T) {
	for _, target := range []string{"FuzzServerParams", "FuzzClientResults", "FuzzServerConn", "FuzzDirective", "FuzzLoadDirective"} {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	empty, seg := capnp.NewSingleSegmentMessage(nil)
	if _, err := capnp.NewRootStruct(seg, capnp.ObjectSize{}); err != nil {
		t.Fatal(err)
	}
	for i, m := range methods {
		// Empty results may not satisfy the client (a [4]byte is
		// checked); only the arguments it wrote matter here.
		args, _ := callWithResults(m, empty)
		if args == nil {
			args = empty // a method without parameters
		}
		params := marshal(t, args)
		writeSeed(t, "FuzzServerParams", seedName(m.name), uint16(i), params)
		if m.server == nil {
			// Echo's params and results have the same layout: one
			// pointer to Values.
			writeSeed(t, "FuzzClientResults", seedName(m.name), uint16(i), params)
			continue
		}
		out := serve(m, args, false)
		if out.err != nil && m.name != "Interop.Fail" {
			t.Fatalf("%s: %v", m.name, out.err)
		}
		results := empty // no results: a method that fails or has none
		if out.err == nil && out.results != nil {
			results = out.results
		}
		writeSeed(t, "FuzzClientResults", seedName(m.name), uint16(i), marshal(t, results))
	}

	var all []method
	for _, m := range methods {
		if m.iface == interopapiipc.Interop_TypeID {
			writeSeed(t, "FuzzServerConn", seedName(m.name), recordSession(t, m))
			all = append(all, m)
		}
	}
	writeSeed(t, "FuzzServerConn", "all-interop-methods", recordSession(t, all...))
	writeSeed(t, "FuzzServerConn", "empty", []byte{})
	writeSeed(t, "FuzzServerConn", "oversized-frame", frameHeader(0, 9<<20))
	writeSeed(t, "FuzzServerConn", "too-many-segments", frameHeader(1000, 1))
	selfPipelined, err := selfPipelinedCall()
	if err != nil {
		t.Fatal(err)
	}
	writeSeed(t, "FuzzServerConn", "self-pipelined-call", selfPipelined)
	unknownTarget, err := unknownTargetCall()
	if err != nil {
		t.Fatal(err)
	}
	writeSeed(t, "FuzzServerConn", "unknown-call-target", unknownTarget)
	writeSeed(t, "FuzzServerConn", "null-root", append(frameHeader(0, 1), make([]byte, 8)...))

	for i, comment := range directiveSeeds {
		name := fmt.Sprintf("comment-%02d", i)
		writeSeed(t, "FuzzDirective", name, comment)
		if i < loadSeeds {
			writeSeed(t, "FuzzLoadDirective", name, comment)
		}
	}
}

// directiveSeeds are comment lines without their leading "//": valid
// directives, near misses and mistakes annotate reports. The first
// loadSeeds of them seed FuzzLoadDirective, whose inputs are slow.
var directiveSeeds = []string{
	"ipc:interface",
	"ipc:interface id=0xc2a8f3e1d0b4a697",
	" ipc:interface",
	"ipc:Interface",
	"ipc:interface id=0x1234 was=Old extra",
	"ipc:interface \"unterminated",
	"ipc:frobnicate",
	"ipc:interface id=\"0xc2a8f3e1d0b4a697\" id=0xc2a8f3e1d0b4a697",
	"ipc:method was=Old",
	"ipc:enum x",
	"ipc:convert",
	"ipc: interface",
	"go:generate go run x",
	"lint:ignore U1000 `raw`",
}

const loadSeeds = 6

// frameHeader returns the start of a stream frame: the segment count
// minus one and the first segment's size in words.
func frameHeader(maxSegment, words uint32) []byte {
	return binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, maxSegment), words)
}

func marshal(t *testing.T, msg *capnp.Message) []byte {
	t.Helper()
	b, err := msg.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeSeed writes one corpus file in the format of go test -fuzz.
func writeSeed(t *testing.T, target, name string, values ...any) {
	t.Helper()
	var b strings.Builder
	b.WriteString("go test fuzz v1\n")
	for _, v := range values {
		switch v := v.(type) {
		case uint16:
			fmt.Fprintf(&b, "uint16(%d)\n", v)
		case []byte:
			fmt.Fprintf(&b, "[]byte(%q)\n", v)
		case string:
			fmt.Fprintf(&b, "string(%q)\n", v)
		default:
			t.Fatalf("writeSeed: %T", v)
		}
	}
	if err := os.WriteFile(filepath.Join("testdata", "fuzz", target, name), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// recordSession returns what a generated client writes on its connection
// to make the calls of ms: bootstrap, calls, finishes, releases.
func recordSession(t *testing.T, ms ...method) []byte {
	t.Helper()
	a, b, err := ipc.SocketPair()
	if err != nil {
		t.Fatal(err)
	}
	server := ipc.NewConn(a, &ipc.Options{Bootstrap: interopapiipc.NewInteropServer(&echoInterop{})})
	tee := &teeConn{conn: b}
	client := ipc.NewConn(tee, nil)
	ctx := context.Background()
	for _, m := range ms {
		m.call(ctx, client.Bootstrap(ctx))
	}
	client.Close()
	server.Close()
	return tee.written()
}

// teeConn keeps a copy of what is written to conn. It wraps rather than
// embeds conn so that every write goes through Write.
type teeConn struct {
	conn *net.UnixConn
	mu   sync.Mutex
	buf  bytes.Buffer
}

func (c *teeConn) Read(p []byte) (int, error) { return c.conn.Read(p) }
func (c *teeConn) Close() error               { return c.conn.Close() }

func (c *teeConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.buf.Write(p)
	c.mu.Unlock()
	return c.conn.Write(p)
}

func (c *teeConn) written() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.buf.Bytes())
}
