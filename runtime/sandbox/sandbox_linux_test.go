package sandbox_test

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/sys/unix"

	"github.com/ifacegen/ifacegen/interfaces/chain"
	"github.com/ifacegen/ifacegen/interfaces/echo"
	"github.com/ifacegen/ifacegen/interfaces/init/procinitipc"
	"github.com/ifacegen/ifacegen/interfaces/wallet"
	"github.com/ifacegen/ifacegen/runtime/ipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
	"github.com/ifacegen/ifacegen/runtime/sandbox"
)

// giveUp bounds every wait for something that must happen: a deadline
// after which the test fails as hung, not a timing requirement.
const giveUp = 10 * time.Second

// requireEnv, when set (CI sets it), turns a skip for a kernel without
// Landlock into a failure.
const requireEnv = "IFACEGEN_REQUIRE_LANDLOCK"

// requireLandlock skips the test unless the kernel has Landlock ABI ≥ 4
// (file and TCP rules), or fails it when requireEnv is set.
func requireLandlock(t *testing.T) {
	t.Helper()
	abi, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	if errno == 0 && abi >= 4 {
		return
	}
	msg := "this kernel lacks Landlock ABI ≥ 4 (file and TCP rules)"
	if errno != 0 {
		msg += ": " + errno.Error()
	}
	if os.Getenv(requireEnv) != "" {
		t.Fatalf("%s, and %s is set", msg, requireEnv)
	}
	t.Skip(msg)
}

// spawnProbe spawns the probe child under policy and returns its Init
// and Echo; both are released, and the child closed, when the test ends.
func spawnProbe(t *testing.T, policy *sandbox.Policy) (*procinitipc.InitClient, echo.Echo) {
	t.Helper()
	_, boot := ipctest.Spawn(t, "probe", &ipc.SpawnOptions{Sandbox: policy})
	init := procinitipc.NewInitClient(boot)
	ctx, cancel := context.WithTimeout(context.Background(), giveUp)
	defer cancel()
	e, err := init.MakeEcho(ctx)
	if err != nil {
		t.Fatalf("MakeEcho on the sandboxed child: %v", err)
	}
	t.Cleanup(func() { release(e) })
	return init, e
}

// release releases v if it is a capability of another process.
func release(v any) {
	if r, ok := v.(interface{ Release() }); ok {
		r.Release()
	}
}

// try has the probe run command and returns its answer.
func try(t *testing.T, e echo.Echo, command string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), giveUp)
	defer cancel()
	got, err := e.Echo(ctx, command)
	if err != nil {
		t.Fatalf("%s: the call failed: %v", command, err)
	}
	return got
}

// expect checks that the probe's answer to command starts with want.
func expect(t *testing.T, e echo.Echo, command, want string) {
	t.Helper()
	if got := try(t, e, command); !strings.HasPrefix(got, want) {
		t.Errorf("%s in the sandbox: got %q, want %q…", command, got, want)
	}
}

// Denied file access fails with EACCES (fs.ErrPermission) outside the
// granted paths, and works inside them.
func TestFiles(t *testing.T) {
	requireLandlock(t)
	root := t.TempDir()
	ro, rw, outside := filepath.Join(root, "ro"), filepath.Join(root, "rw"), filepath.Join(root, "outside")
	for _, dir := range []string{ro, rw, outside} {
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "file"), []byte("in "+filepath.Base(dir)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	single := filepath.Join(outside, "single")
	if err := os.WriteFile(single, []byte("one file"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, e := spawnProbe(t, &sandbox.Policy{ReadOnly: []string{ro, single}, ReadWrite: []string{rw}})

	const denied = "EACCES permission=true"
	expect(t, e, "read "+filepath.Join(ro, "file"), "ok in ro")
	expect(t, e, "read "+single, "ok one file")
	expect(t, e, "read "+filepath.Join(rw, "file"), "ok in rw")
	expect(t, e, "write "+filepath.Join(rw, "new"), "ok")
	expect(t, e, "write "+filepath.Join(rw, "file"), "ok")

	expect(t, e, "read "+filepath.Join(outside, "file"), denied)
	expect(t, e, "read /etc/passwd", denied)
	expect(t, e, "write "+filepath.Join(ro, "new"), denied)
	expect(t, e, "write "+filepath.Join(ro, "file"), denied)
	expect(t, e, "write "+filepath.Join(outside, "new"), denied)
	expect(t, e, "write "+single, denied)

	// What the child wrote is there; what it was denied is not.
	if b, err := os.ReadFile(filepath.Join(rw, "new")); err != nil || string(b) != "written by the child" {
		t.Errorf("the child's file: %q, %v", b, err)
	}
	for _, path := range []string{filepath.Join(ro, "new"), filepath.Join(outside, "new")} {
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: %v; the child must not have created it", path, err)
		}
	}
}

// Only programs in Exec run; reading a program does not allow running it.
func TestExec(t *testing.T) {
	requireLandlock(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// other is a copy of the test binary: readable, not runnable. (A hard
	// link would not do: Landlock's rule for a file holds for its inode.)
	dir := t.TempDir()
	other := filepath.Join(dir, "other")
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other, b, 0o755); err != nil {
		t.Fatal(err)
	}
	policy := &sandbox.Policy{Exec: []string{exe}, ReadOnly: []string{dir}}
	// A dynamically linked test binary needs its interpreter and
	// libraries too.
	if f, err := elf.Open(exe); err == nil {
		for _, prog := range f.Progs {
			if prog.Type == elf.PT_INTERP {
				b := make([]byte, prog.Filesz)
				if _, err := prog.ReadAt(b, 0); err == nil {
					policy.Exec = append(policy.Exec, string(bytes.TrimRight(b, "\x00")))
				}
			}
		}
		f.Close()
		for _, dir := range []string{"/lib", "/lib64", "/usr/lib", "/usr/lib64", "/etc/ld.so.cache"} {
			if _, err := os.Stat(dir); err == nil {
				policy.ReadOnly = append(policy.ReadOnly, dir)
			}
		}
	}
	_, e := spawnProbe(t, policy)
	expect(t, e, "exec "+exe+" -test.run=^$", "ok")
	// What the child runs inherits its sandbox: it reads the directory
	// the child may read, and not the test's own file.
	expect(t, e, "exec-reader "+exe+" -test.run=^$ "+other, "ok")
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("the parent's"), 0o600); err != nil {
		t.Fatal(err)
	}
	expect(t, e, "exec-reader "+exe+" -test.run=^$ "+secret, "- permission=false: exit status 3")
	expect(t, e, "read "+other, "ok")
	expect(t, e, "exec "+other+" -test.run=^$", "EACCES permission=true")
	if _, err := os.Stat("/bin/sh"); err == nil {
		expect(t, e, "exec /bin/sh -c true", "EACCES permission=true")
	}
}

// Without Network, TCP connect and bind fail with EACCES, and Multipath
// TCP is closed too; with it, they work.
func TestNetwork(t *testing.T) {
	requireLandlock(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	addr := l.Addr().String()

	_, e := spawnProbe(t, &sandbox.Policy{})
	expect(t, e, "connect "+addr, "EACCES permission=true")
	expect(t, e, "listen 127.0.0.1:0", "EACCES permission=true")
	expect(t, e, "mptcp-socket", "EPERM permission=true")
	expect(t, e, "mptcp-dial "+addr, "EACCES permission=true")

	_, open := spawnProbe(t, &sandbox.Policy{Network: true})
	expect(t, open, "connect "+addr, "ok")
	expect(t, open, "listen 127.0.0.1:0", "ok")
	expect(t, open, "mptcp-dial "+addr, "ok")
	if got := try(t, open, "mptcp-socket"); got != "ok " && !strings.HasPrefix(got, "EPROTONOSUPPORT") && !strings.HasPrefix(got, "ENOPROTOOPT") {
		t.Errorf("MPTCP socket with Network: %q, want ok (or no MPTCP in this kernel)", got)
	}
}

// Where the kernel has Landlock ABI 6, the child can neither signal
// processes outside its sandbox nor, without Network, reach abstract unix
// sockets outside it.
func TestScopes(t *testing.T) {
	requireLandlock(t)
	abi, _, _ := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	if abi < 6 {
		t.Skipf("Landlock ABI %d confines neither signals nor abstract unix sockets (ABI 6 does)", abi)
	}
	name := fmt.Sprintf("ifacegen-sandbox-test-%d", os.Getpid())
	l, err := net.Listen("unix", "@"+name)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	_, e := spawnProbe(t, &sandbox.Policy{})
	expect(t, e, "signal-parent", "EPERM")
	expect(t, e, "unix-abstract "+name, "EPERM")

	_, open := spawnProbe(t, &sandbox.Policy{Network: true})
	expect(t, open, "signal-parent", "EPERM") // signals are confined either way
	expect(t, open, "unix-abstract "+name, "ok")

	_, free := spawnProbe(t, nil)
	expect(t, free, "signal-parent", "ok")
}

// A denied system call fails with EPERM; the child goes on serving.
func TestSyscalls(t *testing.T) {
	requireLandlock(t)
	_, e := spawnProbe(t, &sandbox.Policy{})
	expect(t, e, "process_vm_readv", "EPERM")
	expect(t, e, "uname", "ok")
	expect(t, e, "process_vm_readv", "EPERM") // still serving

	// Outside the sandbox the same call works: the EPERM is the filter's.
	_, free := spawnProbe(t, nil)
	expect(t, free, "process_vm_readv", "ok 42")
}

// An allow list allows only the calls it names.
func TestSyscallAllowList(t *testing.T) {
	requireLandlock(t)
	a, err := arch.GetInfo("")
	if err != nil {
		t.Skip(err)
	}
	// Everything but uname: what the Go runtime and the IPC connection
	// need, and one call to deny.
	var allow []string
	for name := range a.SyscallNames {
		if name != "uname" {
			allow = append(allow, name)
		}
	}
	_, e := spawnProbe(t, &sandbox.Policy{Syscalls: sandbox.SyscallPolicy{Allow: allow}})
	expect(t, e, "uname", "EPERM")
	expect(t, e, "process_vm_readv", "ok 42") // allowed by the list
	expect(t, e, "uname", "EPERM")
}

// The child cannot loosen its policy: applying a wider one leaves the
// first in force.
func TestCannotLoosen(t *testing.T) {
	requireLandlock(t)
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("the parent's"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, e := spawnProbe(t, &sandbox.Policy{})
	expect(t, e, "loosen "+secret, "EACCES permission=true")
	expect(t, e, "connect 127.0.0.1:1", "EACCES permission=true")
}

// IPC calls and callbacks in both directions work inside the sandbox: the
// child's wallet listens to the parent's chain and calls the parent back
// when its balance changes.
func TestCallsAndCallbacks(t *testing.T) {
	requireLandlock(t)
	ctx, cancel := context.WithTimeout(context.Background(), giveUp)
	defer cancel()
	init, e := spawnProbe(t, &sandbox.Policy{})
	expect(t, e, "uname", "ok")

	c := chain.NewMemory()
	loader, err := init.MakeWalletLoader(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	defer release(loader)
	w, _, err := loader.CreateWallet(ctx, "sandboxed", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer release(w)
	balances := make(chan chain.Amount, 16)
	h, err := w.HandleBalanceChanged(ctx, func(_ context.Context, b wallet.Balances) error {
		balances <- b.Balance
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer release(h)
	addr, err := w.GetNewAddress(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Mine(ctx, addr); err != nil {
		t.Fatal(err)
	}
	select {
	case b := <-balances:
		if b <= 0 {
			t.Errorf("balance after a block paying the wallet: %v", b)
		}
	case <-ctx.Done():
		t.Fatal("the sandboxed wallet did not call back with its new balance")
	}
	if got, err := w.GetBalance(ctx); err != nil || got <= 0 {
		t.Errorf("GetBalance = %v, %v", got, err)
	}
}

// An invalid policy fails Spawn before the child starts, naming the
// problem.
func TestInvalidPolicy(t *testing.T) {
	for _, tc := range []struct {
		policy sandbox.Policy
		want   string
	}{
		{sandbox.Policy{ReadOnly: []string{"relative/dir"}}, `ReadOnly path "relative/dir" is not absolute`},
		{sandbox.Policy{ReadWrite: []string{"/no/such/dir"}}, "ReadWrite path: stat /no/such/dir: no such file or directory"},
		{sandbox.Policy{Syscalls: sandbox.SyscallPolicy{Allow: []string{"read", "opne"}}}, `names no system call`},
	} {
		cmd := ipctest.Command("probe")
		ctx, cancel := context.WithTimeout(context.Background(), giveUp)
		proc, _, err := ipc.Spawn(ctx, cmd.Path, cmd.Args[1:], &ipc.SpawnOptions{Env: cmd.Env, Sandbox: &tc.policy})
		cancel()
		if err == nil {
			proc.Close(context.Background())
			t.Errorf("Spawn with %+v succeeded", tc.policy)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Spawn with %+v: %v; want it to say %q", tc.policy, err, tc.want)
		}
	}
}

// A child that does not apply its policy is caught: Spawn fails.
func TestChildIgnoresPolicy(t *testing.T) {
	requireLandlock(t)
	cmd := ipctest.Command("ignorer")
	ctx, cancel := context.WithTimeout(context.Background(), giveUp)
	defer cancel()
	proc, _, err := ipc.Spawn(ctx, cmd.Path, cmd.Args[1:], &ipc.SpawnOptions{Env: cmd.Env, Sandbox: &sandbox.Policy{}})
	if err == nil {
		proc.Close(ctx)
		t.Fatal("Spawn of a child that ignores its policy succeeded")
	}
	if !strings.Contains(err.Error(), "did not apply its policy") {
		t.Fatalf("got %v, want an error saying the child did not apply its policy", err)
	}
}

// On a kernel without Landlock, a strict policy fails Spawn promptly,
// naming Landlock; a BestEffort one runs with a warning, its files
// unrestricted and its system call filter in force.
func TestWithoutLandlock(t *testing.T) {
	runWithout(t, "landlock")
}

// On a kernel without seccomp, a strict policy fails Spawn promptly,
// naming seccomp; a BestEffort one runs with a warning, its system calls
// unfiltered and its files restricted.
func TestWithoutSeccomp(t *testing.T) {
	requireLandlock(t)
	runWithout(t, "seccomp")
}

// runWithout runs checkWithout(feature) in the "without" helper, which
// hides feature from itself and its children.
func runWithout(t *testing.T, feature string) {
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("readable"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := ipctest.Command("without")
	cmd.Args = append(cmd.Args, feature, secret)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v; output:\n%s", err, out)
	}
	t.Logf("%s", out)
}

// checkWithout runs in the "without" helper, where feature ("landlock"
// or "seccomp") looks absent, and returns its exit status: 0 when a strict
// policy fails Spawn naming the feature and a BestEffort one runs with a
// warning naming it, enforcing the other feature's rules only.
func checkWithout(feature, secret string) int {
	ctx, cancel := context.WithTimeout(context.Background(), giveUp)
	defer cancel()
	fail := func(format string, args ...any) int {
		os.Stderr.WriteString("FAIL: without " + feature + ": " + strings.TrimSpace(fmt.Sprintf(format, args...)) + "\n")
		return 1
	}
	named := map[string]string{"landlock": "Landlock", "seccomp": "seccomp-bpf"}[feature]

	cmd := ipctest.Command("probe")
	proc, _, err := ipc.Spawn(ctx, cmd.Path, cmd.Args[1:], &ipc.SpawnOptions{Env: cmd.Env, Sandbox: &sandbox.Policy{}})
	if err == nil {
		proc.Close(ctx)
		return fail("a strict policy: Spawn succeeded")
	}
	if !strings.Contains(err.Error(), "lacks "+named) || !strings.Contains(err.Error(), "BestEffort") {
		return fail("a strict policy: %v; want an error naming %s and BestEffort", err, named)
	}
	os.Stdout.WriteString("strict: " + err.Error() + "\n")

	var stderr bytes.Buffer
	proc, boot, err := ipc.Spawn(ctx, cmd.Path, cmd.Args[1:], &ipc.SpawnOptions{
		Env: cmd.Env, Stderr: &stderr, Sandbox: &sandbox.Policy{BestEffort: true},
	})
	if err != nil {
		return fail("a BestEffort policy: %v", err)
	}
	init := procinitipc.NewInitClient(boot)
	e, err := init.MakeEcho(ctx)
	if err != nil {
		return fail("MakeEcho: %v", err)
	}
	read, readErr := e.Echo(ctx, "read "+secret)
	call, callErr := e.Echo(ctx, "process_vm_readv")
	release(e)
	init.Release()
	// Close waits for the child and for its standard error to be copied.
	if err := proc.Close(ctx); err != nil {
		return fail("the BestEffort child's exit: %v", err)
	}
	if readErr != nil || callErr != nil {
		return fail("calls on the BestEffort child: %v, %v", readErr, callErr)
	}
	wantRead, wantCall := "EACCES", "ok 42" // Landlock without seccomp
	if feature == "landlock" {
		wantRead, wantCall = "ok readable", "EPERM"
	}
	if !strings.HasPrefix(read, wantRead) {
		return fail("reading a file outside the policy: %q, want %q", read, wantRead)
	}
	if !strings.HasPrefix(call, wantCall) {
		return fail("a call of the deny list: %q, want %q", call, wantCall)
	}
	if w := stderr.String(); !strings.Contains(w, "not enforced: "+named) {
		return fail("the child's standard error %q lacks the warning naming %s", w, named)
	}
	os.Stdout.WriteString("best effort: " + stderr.String())
	return 0
}
