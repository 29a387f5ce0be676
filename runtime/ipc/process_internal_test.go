package ipc

import (
	"strings"
	"testing"
)

func TestTailBuffer(t *testing.T) {
	var b tailBuffer
	b.Write([]byte("first line\n"))
	b.Write([]byte("second line\n"))
	if got, want := b.String(), "first line\nsecond line\n"; got != want {
		t.Errorf("short output: got %q, want %q", got, want)
	}

	// Past the limit, the oldest bytes go, and what is left starts at a
	// line.
	line := strings.Repeat("x", 99) + "\n"
	for range 2 * tailBufferSize / len(line) {
		b.Write([]byte(line))
	}
	b.Write([]byte("last words\n"))
	got := b.String()
	if len(got) > tailBufferSize || !strings.HasSuffix(got, line+"last words\n") || !strings.HasPrefix(got, line) {
		t.Errorf("long output: kept %d bytes starting %q and ending %q", len(got), got[:min(len(got), 20)], got[max(0, len(got)-20):])
	}

	// One write bigger than the buffer keeps its end.
	var big tailBuffer
	big.Write([]byte(strings.Repeat("y", 2*tailBufferSize) + "\nend\n"))
	if got := big.String(); got != "end\n" {
		t.Errorf("one big write: got %d bytes %q…, want \"end\\n\"", len(got), got[:min(len(got), 20)])
	}
}
