package sandbox_test

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ifacegen/ifacegen/runtime/sandbox"
)

// A policy survives its trip through the environment, nil and empty
// lists included: an empty allow list is not the default profile.
func TestEncodeDecode(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []sandbox.Policy{
		{},
		{ReadOnly: []string{dir}, ReadWrite: []string{dir}, Exec: []string{dir}, Network: true, BestEffort: true},
		{Syscalls: sandbox.SyscallPolicy{Allow: []string{"read", "write"}}},
		{Syscalls: sandbox.SyscallPolicy{Allow: []string{}}},
	} {
		s, err := p.Encode()
		if err != nil {
			t.Fatalf("Encode(%+v): %v", p, err)
		}
		got, err := sandbox.Decode(s)
		if err != nil {
			t.Fatalf("Decode(%q): %v", s, err)
		}
		if diff := cmp.Diff(&p, got); diff != "" {
			t.Errorf("policy after Encode and Decode (-want +got):\n%s", diff)
		}
		if (p.Syscalls.Allow == nil) != (got.Syscalls.Allow == nil) {
			t.Errorf("Allow nil-ness lost: %+v became %+v", p.Syscalls, got.Syscalls)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, s := range []string{"", "{", `{"readonly":["/"],"network":true,"unknown":1}`, `{"readOnly":["rel"]}`} {
		if p, err := sandbox.Decode(s); err == nil {
			t.Errorf("Decode(%q) = %+v; want an error", s, p)
		}
	}
}

// Validate names every problem, with what to do.
func TestValidate(t *testing.T) {
	p := sandbox.Policy{
		ReadOnly:  []string{"etc"},
		ReadWrite: []string{"/no/such/dir"},
		Syscalls:  sandbox.SyscallPolicy{Allow: []string{"opne"}},
	}
	err := p.Validate()
	if err == nil {
		t.Fatal("Validate accepted a relative path, a missing path and an unknown syscall")
	}
	msg := err.Error()
	for _, want := range []string{`ReadOnly path "etc" is not absolute; give the full path`, "ReadWrite path: stat /no/such/dir: no such file or directory; create it", `"opne"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("Validate: %q lacks %q", msg, want)
		}
	}
	if err := (&sandbox.Policy{ReadOnly: []string{os.TempDir()}}).Validate(); err != nil {
		t.Errorf("Validate of a good policy: %v", err)
	}
}

func TestDefaultDeniedIsACopy(t *testing.T) {
	d := sandbox.DefaultDenied()
	d[0] = "read"
	if sandbox.DefaultDenied()[0] == "read" {
		t.Error("DefaultDenied returned the package's own slice")
	}
}
