package sandbox_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"golang.org/x/sys/unix"

	"github.com/ifacegen/ifacegen/interfaces/chain"
	"github.com/ifacegen/ifacegen/interfaces/echo"
	procinit "github.com/ifacegen/ifacegen/interfaces/init"
	"github.com/ifacegen/ifacegen/interfaces/init/procinitipc"
	"github.com/ifacegen/ifacegen/interfaces/mining"
	"github.com/ifacegen/ifacegen/interfaces/wallet"
	"github.com/ifacegen/ifacegen/runtime/ipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
	"github.com/ifacegen/ifacegen/runtime/sandbox"
)

func TestMain(m *testing.M) {
	ipctest.RunChild(map[string]func(){
		// probe serves probeInit: its Echo tries what it is told to.
		"probe": func() {
			if err := ipc.ServeSpawned(procinitipc.NewInitServer(probeInit{}), nil); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		},
		// ignorer drops its policy before it serves, as a program that
		// knows nothing of sandboxes would.
		"ignorer": func() {
			os.Unsetenv(sandbox.EnvVar)
			if err := ipc.ServeSpawned(procinitipc.NewInitServer(probeInit{}), nil); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		},
		// without hides a kernel feature from itself and the processes
		// it starts, "landlock" or "seccomp" (their system calls fail with
		// ENOSYS), then runs checkWithout.
		"without": func() {
			feature, secret := os.Args[len(os.Args)-2], os.Args[len(os.Args)-1]
			hidden := map[string][]string{
				"landlock": {"landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self"},
				"seccomp":  {"seccomp"},
			}[feature]
			filter := seccomp.Filter{
				NoNewPrivs: true,
				Flag:       seccomp.FilterFlagTSync,
				Policy: seccomp.Policy{
					DefaultAction: seccomp.ActionAllow,
					Syscalls: []seccomp.SyscallGroup{{
						Names:  hidden,
						Action: seccomp.ActionErrno | seccomp.Action(syscall.ENOSYS),
					}},
				},
			}
			if err := seccomp.LoadFilter(filter); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			os.Exit(checkWithout(feature, secret))
		},
		// exit0 exits at once: a program for the probe to run.
		"exit0": func() {},
		// reader reads the file named by its last argument, and exits 3
		// if that is denied (fs.ErrPermission), 4 on another error.
		"reader": func() {
			_, err := os.ReadFile(os.Args[len(os.Args)-1])
			switch {
			case errors.Is(err, fs.ErrPermission):
				os.Exit(3)
			case err != nil:
				os.Exit(4)
			}
		},
	})
	os.Exit(m.Run())
}

// probeInit is a procinit.Init whose Echo does what its message says and
// whose wallet loader works on the parent's chain.
type probeInit struct{}

func (probeInit) MakeEcho(context.Context) (echo.Echo, error) { return probe{}, nil }
func (probeInit) MakeChain(context.Context) (chain.Chain, error) {
	return nil, procinit.ErrNotAvailable
}
func (probeInit) MakeMining(context.Context) (mining.Mining, error) {
	return nil, procinit.ErrNotAvailable
}
func (probeInit) MakeWalletLoader(_ context.Context, c chain.Chain) (wallet.WalletLoader, error) {
	return wallet.NewLoader(c), nil
}

// probe's Echo runs the command in its message, "VERB ARG…", in the
// (sandboxed) child, and returns "ok" and what it got, or the outcome
// of the error (see outcome).
type probe struct{}

func (probe) Echo(_ context.Context, message string) (string, error) {
	verb, arg, _ := strings.Cut(message, " ")
	switch verb {
	case "read":
		b, err := os.ReadFile(arg)
		return result(string(b[:min(len(b), 64)]), err), nil
	case "write":
		return result("", os.WriteFile(arg, []byte("written by the child"), 0o644)), nil
	case "exec", "exec-reader":
		// Run a program; a test binary runs as helper exit0 or reader.
		fields := strings.Fields(arg)
		cmd := exec.Command(fields[0], fields[1:]...)
		// Pipes, not /dev/null, which the sandbox may not grant.
		cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(""), io.Discard, io.Discard
		helper := "exit0"
		if verb == "exec-reader" {
			helper = "reader"
		}
		cmd.Env = append(os.Environ(), ipctest.ChildEnv+"="+helper)
		return result("", cmd.Run()), nil
	case "connect":
		c, err := net.Dial("tcp", arg)
		if err == nil {
			c.Close()
		}
		return result("", err), nil
	case "listen":
		l, err := net.Listen("tcp", arg)
		if err == nil {
			l.Close()
		}
		return result("", err), nil
	case "mptcp-socket":
		// A Multipath TCP socket, made directly.
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, unix.IPPROTO_MPTCP)
		if err == nil {
			unix.Close(fd)
		}
		return result("", err), nil
	case "mptcp-dial":
		// Go's way: MPTCP first, plain TCP if that fails.
		var d net.Dialer
		d.SetMultipathTCP(true)
		c, err := d.Dial("tcp", arg)
		if err == nil {
			c.Close()
		}
		return result("", err), nil
	case "process_vm_readv":
		// Read a byte of this process's own memory through the system
		// call that reads other processes' memory.
		var src, dst byte = 42, 0
		local := []unix.Iovec{{Base: &dst, Len: 1}}
		remote := []unix.RemoteIovec{{Base: uintptr(unsafe.Pointer(&src)), Len: 1}}
		_, err := unix.ProcessVMReadv(os.Getpid(), local, remote, 0)
		return result(strconv.Itoa(int(dst)), err), nil
	case "signal-parent":
		// Signal 0 only checks whether the signal may be sent.
		return result("", unix.Kill(os.Getppid(), 0)), nil
	case "unix-abstract":
		c, err := net.Dial("unix", "@"+arg)
		if err == nil {
			c.Close()
		}
		return result("", err), nil
	case "uname":
		var u unix.Utsname
		return result("", unix.Uname(&u)), nil
	case "loosen":
		// Apply a policy that grants everything, then read arg.
		wide := &sandbox.Policy{ReadOnly: []string{"/"}, ReadWrite: []string{"/tmp"}, Network: true}
		if _, err := wide.Apply(); err != nil {
			return result("", fmt.Errorf("apply: %w", err)), nil
		}
		b, err := os.ReadFile(arg)
		return result(string(b), err), nil
	}
	return "", fmt.Errorf("probe: unknown command %q", message)
}

// result is the probe's answer: "ok " and got when err is nil, otherwise
// the outcome of err.
func result(got string, err error) string {
	if err == nil {
		return "ok " + got
	}
	return outcome(err)
}

// outcome describes err as "ERRNO permission=BOOL: text": the errno it
// wraps (or "-"), and whether errors.Is(err, fs.ErrPermission).
func outcome(err error) string {
	name := "-"
	var errno syscall.Errno
	if errors.As(err, &errno) {
		name = unix.ErrnoName(errno)
	}
	return fmt.Sprintf("%s permission=%v: %v", name, errors.Is(err, fs.ErrPermission), err)
}
