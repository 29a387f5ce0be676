package ipc_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"capnproto.org/go/capnp/v3"
	"capnproto.org/go/capnp/v3/std/capnp/compat/bytestream"
	"github.com/google/go-cmp/cmp"

	"github.com/ifacegen/ifacegen/runtime/capnprpc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// recorder is a slog.Handler that keeps the records it handles.
type recorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *recorder) WithGroup(string) slog.Handler            { return r }

func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, rec)
	return nil
}

// lines returns the "ipc call" and "ipc return" records as
// "message key=value…" lines with the attributes named keys, sorted, and
// the attributes of all of them by key.
func (r *recorder) lines(keys ...string) (lines []string, attrs map[string][]string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	attrs = make(map[string][]string)
	for _, rec := range r.records {
		if rec.Message != "ipc call" && rec.Message != "ipc return" {
			continue
		}
		line := rec.Message
		rec.Attrs(func(a slog.Attr) bool {
			attrs[a.Key] = append(attrs[a.Key], a.Value.String())
			if slices.Contains(keys, a.Key) {
				line += " " + a.Key + "=" + a.Value.String()
			}
			return true
		})
		lines = append(lines, line)
	}
	slices.Sort(lines)
	return lines, attrs
}

// stream is a ByteStream server that accepts writes and refuses end.
func stream(ctx context.Context, call *capnprpc.Call) error {
	switch call.MethodID() {
	case 0: // write
		return nil
	case 1: // end
		return errors.New("stream cut short")
	}
	return &capnprpc.Exception{Type: capnprpc.Unimplemented, Reason: "not a ByteStream method"}
}

// The ByteStream methods the tests call.
var (
	streamWrite = capnprpc.Method{InterfaceID: bytestream.ByteStream_TypeID, MethodID: 0, Name: "bytestream.ByteStream.Write",
		ParamsSize: capnp.ObjectSize{PointerCount: 1}}
	streamEnd = capnprpc.Method{InterfaceID: bytestream.ByteStream_TypeID, MethodID: 1, Name: "bytestream.ByteStream.End"}
)

// debugPair connects a ByteStream server and a client whose connections
// log to server and client with Debug set (or not: opts is modified to
// taste by each test), and makes a write of 1000 bytes and an end call.
func debugPair(t *testing.T, server, client *ipc.Options) {
	t.Helper()
	a, b, err := ipc.SocketPair()
	if err != nil {
		t.Fatal(err)
	}
	server.Bootstrap = capnprpc.NewLocal(capnprpc.ServerFunc(stream))
	sc := ipc.NewConn(a, server)
	cc := ipc.NewConn(b, client)
	defer sc.Close()
	defer cc.Close()

	ctx := context.Background()
	bs := cc.Bootstrap(ctx)
	defer bs.Release()
	err = bs.Call(ctx, &streamWrite, func(p capnp.Struct) error {
		return bytestream.ByteStream_write_Params(p).SetBytes(bytes.Repeat([]byte("x"), 1000))
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := bs.Call(ctx, &streamEnd, nil, nil); err == nil {
		t.Fatal("end succeeded; the server refuses it")
	}
}

func TestDebugLog(t *testing.T) {
	ipc.LogSchema(bytestream.RegisterSchema)
	var srv, cli recorder
	debugPair(t, &ipc.Options{Debug: true, Logger: slog.New(&srv)}, &ipc.Options{Debug: true, Logger: slog.New(&cli)})

	lines, attrs := cli.lines("dir", "method")
	want := []string{
		"ipc call dir=out method=byte-stream.ByteStream.end",
		"ipc call dir=out method=byte-stream.ByteStream.write",
		"ipc return dir=in method=bootstrap",
		"ipc return dir=in method=byte-stream.ByteStream.end",
		"ipc return dir=in method=byte-stream.ByteStream.write",
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("client log (-want +got):\n%s", diff)
	}
	for _, key := range []string{"conn", "q", "size", "duration", "args", "error"} {
		if len(attrs[key]) == 0 {
			t.Errorf("client log lacks %q", key)
		}
	}
	if !slices.ContainsFunc(attrs["error"], func(e string) bool { return strings.Contains(e, "stream cut short") }) {
		t.Errorf("client log errors %q lack the server's error", attrs["error"])
	}
	for _, a := range attrs["args"] {
		if len(a) > 256+len("…") || !utf8.ValidString(a) {
			t.Errorf("args %q longer than the bound", a)
		}
	}
	if !slices.ContainsFunc(attrs["args"], func(a string) bool { return strings.HasPrefix(a, `(bytes = "xxx`) && strings.HasSuffix(a, "…") }) {
		t.Errorf("client log args %q lack the cut 1000-byte write", attrs["args"])
	}

	lines, _ = srv.lines("dir", "method")
	want = []string{
		"ipc call dir=in method=byte-stream.ByteStream.end",
		"ipc call dir=in method=byte-stream.ByteStream.write",
		"ipc return dir=out method=bootstrap",
		"ipc return dir=out method=byte-stream.ByteStream.end",
		"ipc return dir=out method=byte-stream.ByteStream.write",
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("server log (-want +got):\n%s", diff)
	}
}

func TestDebugLogFromEnvironment(t *testing.T) {
	for _, tc := range []struct {
		env  string
		want bool
	}{
		{"", false},
		{"ipc", true},
		{"net, ipc", true},
		{"ipcx", false},
		{"IPC", true},
		{"1", true},
	} {
		t.Run(fmt.Sprintf("%s=%q", ipc.DebugEnv, tc.env), func(t *testing.T) {
			t.Setenv(ipc.DebugEnv, tc.env)
			var srv, cli recorder
			debugPair(t, &ipc.Options{Logger: slog.New(&srv)}, &ipc.Options{Logger: slog.New(&cli)})
			lines, _ := cli.lines()
			if got := len(lines) > 0; got != tc.want {
				t.Errorf("logged %d lines; want logging %v", len(lines), tc.want)
			}
		})
	}
}

func TestDebugLogNeedsDebugLevel(t *testing.T) {
	var out bytes.Buffer
	info := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelInfo}))
	debugPair(t, &ipc.Options{Debug: true, Logger: info}, &ipc.Options{Debug: true, Logger: info})
	if strings.Contains(out.String(), "ipc call") {
		t.Errorf("a logger at info level got debug lines:\n%s", out.String())
	}
}
