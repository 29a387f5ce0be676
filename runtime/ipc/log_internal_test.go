package ipc

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"short", "short"},
		{strings.Repeat("a", logValueLimit), strings.Repeat("a", logValueLimit)},
		{strings.Repeat("a", logValueLimit+1), strings.Repeat("a", logValueLimit) + "…"},
		// A rune that would straddle the limit is dropped whole.
		{strings.Repeat("a", logValueLimit-1) + "é", strings.Repeat("a", logValueLimit-1) + "…"},
	} {
		if got := truncate(tc.in); got != tc.want {
			t.Errorf("truncate(%d bytes) = %q, want %q", len(tc.in), got, tc.want)
		}
	}
}

func TestUnknownMethodName(t *testing.T) {
	if got, want := lookupMethod(0x0123456789abcdef, 7).name, "@0x0123456789abcdef.7"; got != want {
		t.Errorf("name of a method of an unknown interface = %q, want %q", got, want)
	}
}

func TestInterfaceName(t *testing.T) {
	for in, want := range map[string]string{
		"mining.capnp:Mining":               "mining.Mining",
		"/capnp/compat/byte-stream.capnp:S": "byte-stream.S",
		"NoFile":                            "NoFile",
	} {
		if got := interfaceName(in); got != want {
			t.Errorf("interfaceName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMessageLogOff(t *testing.T) {
	t.Setenv(DebugEnv, "")
	debug := slog.New(slog.NewTextHandler(nil, &slog.HandlerOptions{Level: slog.LevelDebug}))
	info := slog.New(slog.NewTextHandler(nil, nil))
	if newMessageLog(&Options{Logger: debug}, 1) != nil {
		t.Error("message log without Debug or the environment variable")
	}
	if newMessageLog(&Options{Debug: true, Logger: info}, 1) != nil {
		t.Error("message log for a logger that drops debug records")
	}
	if newMessageLog(&Options{Debug: true, Logger: debug}, 1) == nil {
		t.Error("no message log with Debug set")
	}
}

func TestParseDebugEnv(t *testing.T) {
	for _, tc := range []struct {
		value   string
		on      bool
		unknown []string
	}{
		{"", false, nil},
		{"ipc", true, nil},
		{" IPC ", true, nil},
		{"1", true, nil},
		{"true", true, nil},
		{"all", true, nil},
		{"net,ipc", true, []string{`"net"`}},
		{"yes", false, []string{`"yes"`}},
	} {
		on, unknown := parseDebugEnv(tc.value)
		if on != tc.on || !slices.Equal(unknown, tc.unknown) {
			t.Errorf("parseDebugEnv(%q) = %v, %q; want %v, %q", tc.value, on, unknown, tc.on, tc.unknown)
		}
	}
}

// TestMessageLogNamesTheProcess: a parent and its children share standard
// error and all number their connections from 1, so every line says
// which process wrote it.
func TestMessageLogNamesTheProcess(t *testing.T) {
	var out bytes.Buffer
	debug := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	l := newMessageLog(&Options{Debug: true, Logger: debug}, 1)
	l.logger.Debug("ipc call", "conn", l.conn)
	want := fmt.Sprintf(" msg=\"ipc call\" pid=%d role=main conn=1\n", os.Getpid())
	if !strings.HasSuffix(out.String(), want) {
		t.Errorf("log line %q does not end in %q", out.String(), want)
	}
}
