package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Policy states what a sandboxed process may do. Everything it does not
// grant is denied, so an empty list grants nothing: a zero Policy allows
// no file access at all, no TCP, and the default syscall profile. Only
// the absence of a policy (a nil *Policy where one is taken) means no
// restriction.
//
// Paths are absolute and must exist when the policy is checked or
// applied. A directory grants its whole tree; a file grants that file
// only. Symbolic links in a path are followed when the policy is applied,
// so the grant is on what the link pointed to then.
//
// No method modifies a Policy; one may be shared by goroutines and
// reused for many children.
type Policy struct {
	// ReadOnly lists files and directories the process may read (open
	// for reading, list). It may not run them: see Exec.
	ReadOnly []string `json:"readOnly,omitempty"`

	// ReadWrite lists files and directories the process may read, write,
	// truncate, and in a directory create and remove files, directories,
	// symbolic links, sockets and pipes, and rename or link between them.
	ReadWrite []string `json:"readWrite,omitempty"`

	// Exec lists executables the process may run (and read, which
	// running needs); a directory allows every program in its tree. A
	// dynamically linked program also needs its interpreter (e.g.
	// /lib64/ld-linux-x86-64.so.2) in Exec and its libraries in
	// ReadOnly. Programs the process runs inherit its restrictions.
	Exec []string `json:"exec,omitempty"`

	// Network allows the process to connect and bind TCP sockets. When
	// false (Landlock ABI ≥ 4), connect and bind of TCP fail with EACCES,
	// Multipath TCP sockets cannot be created (EPERM), and where the
	// kernel has Landlock ABI ≥ 6, abstract unix sockets outside the
	// sandbox cannot be reached. Sockets the process holds already,
	// such as its IPC connection, keep working.
	Network bool `json:"network,omitempty"`

	// Syscalls is the system call profile; its zero value denies
	// DefaultDenied. A denied call fails with EPERM.
	Syscalls SyscallPolicy `json:"syscalls"`

	// BestEffort makes a kernel that lacks what the policy needs a
	// warning instead of an error: the process then runs with what the
	// kernel can enforce (nothing at all without Landlock and seccomp),
	// and the warning names what is missing. Invalid policies (a relative
	// or missing path, an unknown syscall name) are errors either way.
	BestEffort bool `json:"bestEffort,omitempty"`
}

// SyscallPolicy is a seccomp-bpf system call profile. Its zero value
// denies the calls in DefaultDenied and allows the others; with Allow
// set, it allows only the calls named there. A denied call fails with
// EPERM (clone3 with ENOSYS, so that C libraries fall back to clone); it
// never kills the process.
type SyscallPolicy struct {
	// Allow, when not nil, names the only system calls the process may
	// make (for this machine's architecture, e.g. "read", "openat").
	// A Go program needs many more than its own code calls (futex,
	// mmap, rt_sigreturn, epoll_pwait, …): build the list from what the
	// program is seen to call, e.g. with strace -f -c. An empty, non-nil
	// list allows none, which no program survives.
	Allow []string `json:"allow"`
}

// EnvVar is the environment variable that carries an encoded Policy from
// a parent to the child it spawns (see Encode). ApplyFromEnv reads it.
const EnvVar = "IFACEGEN_SANDBOX"

// defaultDenied is the default syscall profile's deny list: calls a
// sandboxed service has no business making, which reach into other
// processes, the kernel's configuration, namespaces, the clock, or the
// parts of the kernel most often used to escalate.
var defaultDenied = []string{
	// Other processes' memory.
	"ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
	"pidfd_getfd",
	// Mounts, roots and namespaces.
	"mount", "umount2", "pivot_root", "chroot", "unshare", "setns",
	"fsopen", "fsconfig", "fsmount", "fspick", "move_mount",
	"open_tree", "mount_setattr",
	// Kernel extension and configuration.
	"bpf", "perf_event_open", "kexec_load", "kexec_file_load",
	"init_module", "finit_module", "delete_module", "reboot", "swapon",
	"swapoff", "acct", "quotactl", "syslog", "iopl", "ioperm",
	"_sysctl", "uselib", "sysfs", "ustat", "personality", "vhangup",
	// Keys.
	"keyctl", "add_key", "request_key",
	// The clock.
	"settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
	// Attack surface: handles, page-fault handling, io_uring (whose
	// operations seccomp cannot see).
	"open_by_handle_at", "name_to_handle_at", "userfaultfd",
	"io_uring_setup", "io_uring_enter", "io_uring_register",
}

// DefaultDenied returns the system calls the zero SyscallPolicy denies,
// in a new slice. Names the machine's architecture lacks (iopl on arm64,
// say) are skipped there. Besides these, a clone that would create a
// namespace fails with EPERM, and clone3 (whose flags seccomp cannot
// read) with ENOSYS.
func DefaultDenied() []string { return slices.Clone(defaultDenied) }

// Encode returns p as the value of EnvVar, after checking it.
func (p *Policy) Encode() (string, error) {
	if err := p.Validate(); err != nil {
		return "", err
	}
	b, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("sandbox: encode policy: %w", err)
	}
	return string(b), nil
}

// Decode parses a value made by Encode and checks it.
func Decode(s string) (*Policy, error) {
	var p Policy
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("sandbox: %s is not a policy (%v); it is set by the parent process", EnvVar, err)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// Validate reports every problem with p that does not depend on the
// kernel: paths that are not absolute or do not exist, and syscall names
// unknown on this architecture. It joins all of them.
func (p *Policy) Validate() error {
	var errs []error
	for _, list := range []struct {
		field string
		paths []string
	}{{"ReadOnly", p.ReadOnly}, {"ReadWrite", p.ReadWrite}, {"Exec", p.Exec}} {
		for _, path := range list.paths {
			switch {
			case !filepath.IsAbs(path):
				errs = append(errs, fmt.Errorf("sandbox: %s path %q is not absolute; give the full path", list.field, path))
			default:
				if _, err := os.Stat(path); err != nil {
					errs = append(errs, fmt.Errorf("sandbox: %s path: %w; create it before the sandbox is applied, or leave it out", list.field, err))
				}
			}
		}
	}
	if err := validateSyscalls(p.Syscalls.Allow); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
