//go:build unix

package ipc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ifacegen/ifacegen/runtime/sandbox"
)

// Sandbox is what a spawned child may do: see SpawnOptions.Sandbox and
// package sandbox.
type Sandbox = sandbox.Policy

// SyscallPolicy is a sandboxed child's system call profile (see
// sandbox.SyscallPolicy).
type SyscallPolicy = sandbox.SyscallPolicy

// SpawnFDEnv names the environment variable through which Spawn tells the
// child which of its file descriptors is the socket to its parent (always
// 3). ServeSpawned reads it and removes it from the environment, so that
// the child's own children do not inherit it.
const SpawnFDEnv = "IFACEGEN_IPC_FD"

// spawnFD is the child's descriptor for its end of the socket pair: the
// first of exec.Cmd.ExtraFiles.
const spawnFD = 3

// SpawnOptions configures Spawn. A nil *SpawnOptions means the defaults
// documented on each field.
type SpawnOptions struct {
	// Options configures the connection to the child. Options.Bootstrap,
	// if set, is offered to the child (the connection takes it over); a
	// child in ServeSpawned never asks for it, so hand capabilities to the
	// child through methods of its bootstrap interface instead.
	Options

	// Env is the child's environment, as in exec.Cmd.Env; nil means this
	// process's environment. Spawn adds SpawnFDEnv.
	Env []string

	// Dir is the child's working directory; empty means this process's.
	Dir string

	// Stdout and Stderr receive the child's standard output and error;
	// nil means this process's. The end of the child's standard error is
	// kept in any case, for ExitError.
	Stdout, Stderr io.Writer

	// ParentDeathSignal is the signal the child receives when this
	// process dies (Linux PR_SET_PDEATHSIG); zero means SIGTERM, which
	// ends a Go program that does not handle it and lets one that does
	// shut down cleanly. It is a backstop: a child in ServeSpawned also
	// returns when the connection drops, which is what happens on every
	// system when the parent dies. Caveat (Linux): the signal is tied to
	// the thread that started the child, and Go ends a thread only when a
	// goroutine that called runtime.LockOSThread exits while locked, so do
	// not call Spawn from such a goroutine. Ignored on other systems.
	ParentDeathSignal syscall.Signal

	// Sandbox, if not nil, restricts what the child may do (files,
	// network, system calls; see package sandbox), from before it serves
	// its first call to its end, and every program it runs. Spawn checks
	// the policy and the kernel's support first and fails without
	// starting the child when the kernel lacks what the policy needs
	// (unless Sandbox.BestEffort; the child then logs what it could not
	// enforce). The policy reaches the child in the environment
	// (sandbox.EnvVar), ServeSpawned applies it, and Spawn fails unless
	// the child has applied it once it answers. Nothing in the child can
	// loosen it afterwards. Nil means no restriction.
	Sandbox *Sandbox

	// KillTimeout is how long Process.Close waits for the child to exit
	// before it kills it, when Close's context has no deadline. Zero
	// means 5 seconds.
	KillTimeout time.Duration
}

// Spawn starts the program exe with args (not including the program name)
// as a child process connected to this one over a unix socket pair, and
// returns the process and the child's bootstrap capability, typically its
// Init: wrap it in the generated client, e.g. initipc.NewInitClient(boot).
//
// The child inherits its end of the socket pair as file descriptor 3,
// named by SpawnFDEnv, and is expected to call ServeSpawned. With
// opts.Dialect set to Libmultiprocess the descriptor's number is also
// passed as the child's first argument, before args, as libmultiprocess's
// programs (mpcalculator, bitcoin-node's children) expect. It runs in
// its own process group, so that a Ctrl-C at the terminal reaches only
// this process, which can then end its children in order.
//
// Spawn returns once the child has answered the request for its bootstrap
// capability. If the child exits before that, the error is the child's
// *ExitError (status and end of standard error); if ctx ends first, the
// child is killed and ctx's error returned, so give ctx a deadline unless
// the child is sure to serve. ctx bounds only the start: it does not limit
// the life of the child (Process.Close does).
//
// The caller owns the returned capability: releasing it asks the child to
// shut down (see ServeSpawned); then call Process.Close or Wait. Every
// call on the capability fails with ErrDisconnected once the child is
// gone.
func Spawn(ctx context.Context, exe string, args []string, opts *SpawnOptions) (*Process, *Capability, error) {
	if opts == nil {
		opts = &SpawnOptions{}
	}
	fail := func(err error) (*Process, *Capability, error) {
		opts.Bootstrap.Release() // the connection would have taken it over
		return nil, nil, err
	}
	var policy string
	if opts.Sandbox != nil {
		if err := opts.Sandbox.Check(); err != nil {
			return fail(fmt.Errorf("ipc: spawn %s: %w", programName(exe), err))
		}
		var err error
		if policy, err = opts.Sandbox.Encode(); err != nil {
			return fail(fmt.Errorf("ipc: spawn %s: %w", programName(exe), err))
		}
	}
	parentEnd, childEnd, err := SocketPair()
	if err != nil {
		return fail(err)
	}
	// File duplicates the descriptor; exec makes the duplicate the child's
	// descriptor 3 (clearing close-on-exec there only).
	childFile, err := childEnd.File()
	childEnd.Close()
	if err != nil {
		parentEnd.Close()
		return fail(fmt.Errorf("ipc: socket pair: %w", err))
	}

	p := &Process{
		name:        programName(exe),
		stderr:      &tailBuffer{},
		killTimeout: opts.KillTimeout,
		exited:      make(chan struct{}),
	}
	if p.killTimeout <= 0 {
		p.killTimeout = 5 * time.Second
	}
	if opts.Dialect == Libmultiprocess {
		// libmultiprocess's convention: the socket's descriptor is argv[1].
		args = append([]string{strconv.Itoa(spawnFD)}, args...)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = spawnEnv(opts.Env, policy)
	cmd.Dir = opts.Dir
	cmd.Stdout = opts.Stdout
	if cmd.Stdout == nil {
		cmd.Stdout = os.Stdout
	}
	stderr := opts.Stderr
	if stderr == nil {
		stderr = os.Stderr
	}
	cmd.Stderr = io.MultiWriter(stderr, p.stderr)
	// Once the child has exited, stop copying its standard error after a
	// second even if a grandchild still holds it open.
	cmd.WaitDelay = time.Second
	cmd.ExtraFiles = []*os.File{childFile}
	cmd.SysProcAttr = spawnAttr(opts.ParentDeathSignal)
	err = cmd.Start()
	// The child has its own copy now. Without ours, the child's end closes
	// when the child exits, and this side of the connection sees it.
	childFile.Close()
	if err != nil {
		parentEnd.Close()
		return fail(fmt.Errorf("ipc: start %s: %w", exe, err))
	}
	p.cmd = cmd
	p.Pid = cmd.Process.Pid
	p.conn = NewConn(parentEnd, &opts.Options)
	go p.wait()

	boot := p.conn.Bootstrap(ctx)
	if err := boot.Resolve(ctx); err != nil && ctx.Err() != nil {
		// The child did not answer in time: kill it at once.
		expired, cancel := context.WithCancel(context.Background())
		cancel()
		p.Close(expired)
		boot.Release()
		return nil, nil, fmt.Errorf("ipc: %s (pid %d) did not answer: %w", p.name, p.Pid, err)
	}
	if berr := boot.Resolve(ctx); berr != nil {
		boot.Release()
		err := p.Close(ctx)
		var re *RemoteError
		switch {
		case errors.As(CallError("bootstrap", berr), &re):
			// The child answered, but with an error instead of a
			// capability (e.g. it serves a null bootstrap).
			err = fmt.Errorf("ipc: %s (pid %d) offers no bootstrap capability: %w", p.name, p.Pid, re)
		case err == nil:
			err = fmt.Errorf("ipc: %s (pid %d) exited with status 0 without serving; does it call ipc.ServeSpawned?", p.name, p.Pid)
		}
		// Otherwise err tells how the child ended: its status and the
		// end of its standard error.
		return nil, nil, err
	}
	if opts.Sandbox != nil {
		if err := opts.Sandbox.Confirm(p.Pid); err != nil {
			boot.Release()
			expired, cancel := context.WithCancel(context.Background())
			cancel()
			p.Close(expired)
			return nil, nil, fmt.Errorf("ipc: %s (pid %d): %w", p.name, p.Pid, err)
		}
	}
	return p, boot, nil
}

// spawnEnv returns env, or this process's environment if env is nil, with
// SpawnFDEnv set to the child's socket descriptor and, if policy is not
// empty, sandbox.EnvVar set to it (and unset otherwise).
func spawnEnv(env []string, policy string) []string {
	if env == nil {
		env = os.Environ()
	}
	out := make([]string, 0, len(env)+2)
	for _, kv := range env {
		if !strings.HasPrefix(kv, SpawnFDEnv+"=") && !strings.HasPrefix(kv, sandbox.EnvVar+"=") {
			out = append(out, kv)
		}
	}
	if policy != "" {
		out = append(out, sandbox.EnvVar+"="+policy)
	}
	return append(out, SpawnFDEnv+"="+strconv.Itoa(spawnFD))
}
