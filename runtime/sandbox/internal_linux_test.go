package sandbox

import (
	"strings"
	"testing"

	"github.com/elastic/go-seccomp-bpf/arch"
	ll "github.com/landlock-lsm/go-landlock/landlock/syscall"
)

// What each Landlock ABI lacks for a policy, by the rule that needs it.
func TestLandlockMissing(t *testing.T) {
	for _, tc := range []struct {
		abi     int
		network bool
		want    []string // one substring per missing piece
	}{
		{0, false, []string{"Landlock (file and network rules): this kernel has none"}},
		{0, true, []string{"this kernel has none"}},
		{1, true, []string{"Landlock ABI 3 for complete file rules"}},
		{2, false, []string{"Landlock ABI 3 for complete file rules", "Landlock ABI 4 for Network: false"}},
		{3, false, []string{"Landlock ABI 4 for Network: false (TCP rules); the kernel has ABI 3"}},
		{3, true, nil},
		{4, false, nil},
		{7, false, nil},
	} {
		p := &Policy{Network: tc.network}
		got := p.landlockMissing(tc.abi)
		if len(got) != len(tc.want) {
			t.Errorf("ABI %d, Network %v: missing %q, want %d pieces", tc.abi, tc.network, got, len(tc.want))
			continue
		}
		for i := range got {
			if !strings.Contains(got[i], tc.want[i]) {
				t.Errorf("ABI %d, Network %v: %q lacks %q", tc.abi, tc.network, got[i], tc.want[i])
			}
		}
	}
}

// The rights each ABI handles grow with it, and a file never gets a
// directory's rights.
func TestRights(t *testing.T) {
	prev := supportedFS(0)
	for abi := 1; abi <= 11; abi++ {
		fs := supportedFS(abi)
		if fs&prev != prev || fs == 0 {
			t.Errorf("ABI %d handles %v, not a superset of ABI %d's %v", abi, fs, abi-1, prev)
		}
		prev = fs
	}
	if supportedNet(3) != 0 || supportedNet(4) == 0 {
		t.Error("TCP rules start at ABI 4")
	}
	if (rightsRead|rightsWrite)&ll.AccessFSExecute != 0 {
		t.Error("read or write rights include execute")
	}
	if rightsFileOnly&(rightsRead|rightsWrite)&^rightsFileOnly != 0 {
		t.Error("file rights include a directory right")
	}
}

// The default deny list names real system calls, and the filter
// assembles on every architecture Go and go-seccomp-bpf share.
func TestFilters(t *testing.T) {
	x86, err := arch.GetInfo("amd64")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range defaultDenied {
		if _, ok := x86.SyscallNames[name]; !ok {
			t.Errorf("default deny list: %q is no x86-64 system call", name)
		}
	}
	for _, goarch := range []string{"amd64", "arm64", "386", "arm"} {
		a, err := arch.GetInfo(goarch)
		if err != nil {
			t.Fatal(err)
		}
		for _, sp := range []SyscallPolicy{{}, {Allow: []string{"read", "write", "exit_group"}}} {
			policy := sp.syscallFilter(a)
			if _, err := policy.Assemble(); err != nil {
				t.Errorf("%s, %+v: %v", goarch, sp, err)
			}
		}
		for _, noMPTCP := range []bool{false, true} {
			if _, err := guardFilter(uint32(a.ID), uint32(a.SyscallNames["socket"]), noMPTCP); err != nil {
				t.Errorf("%s guard filter: %v", goarch, err)
			}
		}
	}
}
