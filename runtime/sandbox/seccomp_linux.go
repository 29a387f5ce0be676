package sandbox

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"unsafe"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Filter results: a denied call fails; none kills the process.
const (
	denyEPERM  = seccomp.ActionErrno | seccomp.Action(syscall.EPERM)
	denyENOSYS = seccomp.ActionErrno | seccomp.Action(syscall.ENOSYS)
)

// ipprotoMPTCP is IPPROTO_MPTCP, the protocol of a Multipath TCP socket.
const ipprotoMPTCP = 262

// cloneNamespaces are the clone flags that create namespaces.
const cloneNamespaces = unix.CLONE_NEWNS | unix.CLONE_NEWCGROUP | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC |
	unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNET | unix.CLONE_NEWTIME

// nativeArch returns the seccomp description of this machine's
// architecture.
func nativeArch() (*arch.Info, error) {
	a, err := arch.GetInfo("")
	if err != nil {
		return nil, fmt.Errorf("sandbox: seccomp: %w", err)
	}
	return a, nil
}

// validateSyscalls reports the names in allow that are not system calls
// of this machine's architecture.
func validateSyscalls(allow []string) error {
	if len(allow) == 0 {
		return nil
	}
	a, err := nativeArch()
	if err != nil {
		return err
	}
	var unknown []string
	for _, name := range allow {
		if _, ok := a.SyscallNames[name]; !ok {
			unknown = append(unknown, fmt.Sprintf("%q", name))
		}
	}
	if unknown != nil {
		return fmt.Errorf("sandbox: Syscalls.Allow names no system call of %s: %s; use the kernel's names (e.g. \"openat\", \"newfstatat\")",
			a.Name, strings.Join(unknown, ", "))
	}
	return nil
}

// seccompAvailable reports whether the kernel filters system calls.
func seccompAvailable() bool { return seccomp.Supported() }

// syscallFilter returns the seccomp policy of sp on architecture a.
func (sp SyscallPolicy) syscallFilter(a *arch.Info) seccomp.Policy {
	// A clone that makes namespaces, and clone3, whose flags a filter
	// cannot read, come first in either mode.
	groups := []seccomp.SyscallGroup{{
		NamesWithCondtions: []seccomp.NameWithConditions{{
			Name:       "clone",
			Conditions: seccomp.ArgumentConditions{{Argument: 0, Operation: seccomp.BitsSet, Value: cloneNamespaces}},
		}},
		Action: denyEPERM,
	}}
	if sp.Allow == nil || !slices.Contains(sp.Allow, "clone3") {
		groups = append(groups, seccomp.SyscallGroup{Names: []string{"clone3"}, Action: denyENOSYS})
	}
	if sp.Allow == nil {
		var names []string
		for _, name := range defaultDenied {
			if _, ok := a.SyscallNames[name]; ok {
				names = append(names, name)
			}
		}
		groups = append(groups, seccomp.SyscallGroup{Names: names, Action: denyEPERM})
		return seccomp.Policy{DefaultAction: seccomp.ActionAllow, Syscalls: groups}
	}
	allow := slices.Compact(slices.Sorted(slices.Values(sp.Allow)))
	groups = append(groups, seccomp.SyscallGroup{Names: allow, Action: seccomp.ActionAllow})
	return seccomp.Policy{DefaultAction: seccomp.ActionErrno, Syscalls: groups}
}

// applySeccomp installs p's system call filters on every thread of this
// process (TSYNC). It cannot be undone.
func (p *Policy) applySeccomp() error {
	a, err := nativeArch()
	if err != nil {
		return err
	}
	// The main filter: the deny or allow list.
	filter := seccomp.Filter{
		NoNewPrivs: true,
		Flag:       seccomp.FilterFlagTSync,
		Policy:     p.Syscalls.syscallFilter(a),
	}
	if err := seccomp.LoadFilter(filter); err != nil {
		return fmt.Errorf("sandbox: seccomp: %w", err)
	}
	// The guard filter, which go-seccomp-bpf's policies cannot express.
	prog, err := guardFilter(uint32(a.ID), uint32(a.SyscallNames["socket"]), !p.Network)
	if err != nil {
		return fmt.Errorf("sandbox: seccomp guard filter: %w", err)
	}
	if err := loadFilterAllThreads(prog); err != nil {
		return fmt.Errorf("sandbox: seccomp guard filter: %w", err)
	}
	return nil
}

// guardFilter returns a seccomp program that
//
//   - denies (EPERM) every call made with another architecture's calling
//     convention (on x86-64, the i386 one through int 0x80), which a
//     deny list keyed on this architecture's numbers would let through;
//   - when noMPTCP, denies (EPERM) socket(2) for IPPROTO_MPTCP, comparing
//     only the low 32 bits of the protocol argument, as the kernel reads
//     an int: Landlock's TCP rules (through ABI 7) do not cover Multipath
//     TCP, which reaches a plain TCP listener. Go's net falls back to
//     plain TCP when the MPTCP socket fails, and Landlock denies that.
//
// It allows everything else; the main filter decides the rest.
//
// The program, in the kernel's struct seccomp_data terms:
//
//	ld  arch;  jne native → deny
//	ld  nr;    jne socket → allow        (only when noMPTCP)
//	ld  args[2] low word; jeq 262 → deny (only when noMPTCP)
//	allow:     ret ALLOW
//	deny:      ret ERRNO(EPERM)
func guardFilter(nativeAudit, socketNr uint32, noMPTCP bool) ([]bpf.RawInstruction, error) {
	const (
		offNr   = 0
		offArch = 4
		offArgs = 16
	)
	// The low word of the 64-bit args[2].
	offProto := uint32(offArgs + 2*8)
	if nativeBigEndian() {
		offProto += 4
	}
	allow := bpf.RetConstant{Val: uint32(seccomp.ActionAllow)}
	deny := bpf.RetConstant{Val: uint32(denyEPERM)}
	var prog []bpf.Instruction
	if noMPTCP {
		prog = []bpf.Instruction{
			bpf.LoadAbsolute{Off: offArch, Size: 4},
			bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: nativeAudit, SkipTrue: 5}, // → deny
			bpf.LoadAbsolute{Off: offNr, Size: 4},
			bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: socketNr, SkipTrue: 2}, // → allow
			bpf.LoadAbsolute{Off: offProto, Size: 4},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: ipprotoMPTCP, SkipTrue: 1}, // → deny
			allow,
			deny,
		}
	} else {
		prog = []bpf.Instruction{
			bpf.LoadAbsolute{Off: offArch, Size: 4},
			bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: nativeAudit, SkipTrue: 1}, // → deny
			allow,
			deny,
		}
	}
	return bpf.Assemble(prog)
}

// nativeBigEndian reports whether this machine stores the high word of
// a 64-bit value first.
func nativeBigEndian() bool {
	var x uint16 = 1
	return binary.BigEndian.Uint16(unsafe.Slice((*byte)(unsafe.Pointer(&x)), 2)) == 1
}

// loadFilterAllThreads installs the seccomp program prog on every thread
// of this process (SECCOMP_FILTER_FLAG_TSYNC). The calling thread must
// have no_new_privs set (applySeccomp's main filter sets it, and TSYNC
// gives it to every thread).
func loadFilterAllThreads(prog []bpf.RawInstruction) error {
	filter := make([]unix.SockFilter, len(prog))
	for i, ins := range prog {
		filter[i] = unix.SockFilter{Code: ins.Op, Jt: ins.Jt, Jf: ins.Jf, K: ins.K}
	}
	fprog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	r, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&fprog)))
	switch {
	case errno != 0:
		return errno
	case r != 0:
		// TSYNC could not synchronize thread r.
		return fmt.Errorf("thread %d could not take the filter", r)
	}
	return nil
}

// seccompMissing says what p lacks on a kernel without seccomp.
func (p *Policy) seccompMissing() string {
	msg := "seccomp-bpf (system call filters): this kernel has none (CONFIG_SECCOMP_FILTER), or this process may not install filters"
	if !p.Network {
		msg += "; without it Multipath TCP stays open despite Network: false"
	}
	return msg
}
