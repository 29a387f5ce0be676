//go:build unix

package ipc

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/ifacegen/ifacegen/runtime/sandbox"
)

// ErrNotSpawned is the cause of ServeSpawned's error in a program that was
// not started by Spawn, e.g. one run by hand from a shell.
var ErrNotSpawned = errors.New("this program is started by its parent process over a socket pair; it cannot be run directly")

// ServeSpawned serves bootstrap to the parent process that started this
// one with Spawn, over the socket pair the parent passed down, and returns
// nil when the parent is done with this process, so that main can return
// and the program exit with status 0. The parent is done when
//
//   - it has released every reference to bootstrap (typically its Init
//     client): the parent's way of asking this process to shut down.
//     ServeSpawned then closes the connection; capabilities the parent
//     still holds fail from then on with ErrDisconnected;
//   - or the connection is gone: the parent closed it (Process.Close) or
//     died (on Linux the child also receives SpawnOptions.ParentDeathSignal,
//     SIGTERM by default).
//
// How the release is detected: the connection keeps a reference of its own
// to bootstrap, so the server's Shutdown hook cannot tell; the engine
// tells when the parent's references to it (counted from the RPC messages)
// drop to zero. A call still running when the parent releases bootstrap
// keeps running until it returns or the connection closes.
//
// ServeSpawned takes over bootstrap and releases it before it returns, on
// every path. opts.Bootstrap is ignored (leave it zero); opts otherwise
// configures the connection as for NewConn, nil meaning defaults.
//
// In a program that was not started by Spawn (SpawnFDEnv is not set)
// ServeSpawned returns at once with an error wrapping ErrNotSpawned, whose
// text tells a person who ran the program by hand what is wrong; main
// should print it and exit non-zero:
//
//	func main() {
//		if err := ipc.ServeSpawned(walletipc.NewInitServer(newInit()), nil); err != nil {
//			fmt.Fprintln(os.Stderr, err)
//			os.Exit(1)
//		}
//	}
//
// With opts.Dialect set to Libmultiprocess, a process whose SpawnFDEnv is
// unset reads the descriptor from its first argument instead, as
// libmultiprocess's programs do ("<exe> <fd>"): a Go program can take the
// place of a C++ one that a C++ parent spawns (e.g. mpcalculator under
// mpexample). The first argument must then be the descriptor's number.
//
// When the parent spawned this process with SpawnOptions.Sandbox,
// ServeSpawned applies that policy (sandbox.ApplyFromEnv) before it
// serves, and returns the error without serving if it cannot.
//
// ServeSpawned removes SpawnFDEnv from the environment, so it serves at
// most once per process, and the process's own children do not inherit
// the variable.
//
// A spawned process's standard error is a pipe to its parent (Spawn keeps
// its tail for ExitError). So that a child that logs while it shuts down
// after its parent died is not killed by SIGPIPE midway, ServeSpawned
// ignores SIGPIPE for the process: a write to a closed pipe, standard
// error included, returns EPIPE instead.
func ServeSpawned(bootstrap *Capability, opts *Options) error {
	value, ok := os.LookupEnv(SpawnFDEnv)
	if !ok && opts != nil && opts.Dialect == Libmultiprocess && len(os.Args) > 1 {
		// libmultiprocess's convention: "<exe> <fd>".
		value, ok = os.Args[1], true
	}
	if !ok {
		bootstrap.Release()
		return fmt.Errorf("%s: %w", filepath.Base(os.Args[0]), ErrNotSpawned)
	}
	os.Unsetenv(SpawnFDEnv)
	signal.Ignore(syscall.SIGPIPE)
	sock, err := inheritedSocket(value)
	if err != nil {
		bootstrap.Release()
		return err
	}
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if err := applySandbox(o.Logger); err != nil {
		sock.Close()
		bootstrap.Release()
		return err
	}
	o.Bootstrap = bootstrap
	released := make(chan struct{})
	conn := newConn(sock, &o, func() { close(released) })
	select {
	case <-released:
		// The parent holds no reference to bootstrap any more: it asks us
		// to shut down. Closing the connection releases bootstrap.
		if o.Logger != nil {
			o.Logger.Debug("ipc: parent released the bootstrap capability; shutting down")
		}
		conn.Close()
	case <-conn.Done():
		// The parent closed the connection or died.
		if o.Logger != nil {
			o.Logger.Debug("ipc: connection to parent closed; shutting down")
		}
	}
	return nil
}

// applySandbox applies the policy the parent passed (SpawnOptions.Sandbox),
// if any, before this process serves anything. What a BestEffort policy
// could not enforce is logged as a warning to logger, or to standard
// error when logger is nil.
func applySandbox(logger *slog.Logger) error {
	_, notEnforced, err := sandbox.ApplyFromEnv()
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(os.Args[0]), err)
	}
	for _, what := range notEnforced {
		msg := "ipc: sandbox (best effort): not enforced: " + what
		if logger != nil {
			logger.Warn(msg)
		} else {
			fmt.Fprintln(os.Stderr, msg)
		}
	}
	return nil
}

// inheritedSocket returns the socket whose descriptor number is value
// (SpawnFDEnv's value). The descriptor itself is closed: the returned
// connection holds a close-on-exec duplicate.
func inheritedSocket(value string) (*net.UnixConn, error) {
	fd, err := strconv.Atoi(value)
	if err != nil || fd < 3 {
		return nil, fmt.Errorf("ipc: %s=%q is not an inherited file descriptor; this program is started by its parent process", SpawnFDEnv, value)
	}
	f := os.NewFile(uintptr(fd), "ipc-parent")
	if f == nil {
		return nil, fmt.Errorf("ipc: %s=%d: no such file descriptor", SpawnFDEnv, fd)
	}
	defer f.Close()
	c, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("ipc: %s=%d is not a socket (%v); this program is started by its parent process", SpawnFDEnv, fd, err)
	}
	uc, ok := c.(*net.UnixConn)
	if !ok {
		c.Close()
		return nil, fmt.Errorf("ipc: %s=%d is not a unix socket; this program is started by its parent process", SpawnFDEnv, fd)
	}
	return uc, nil
}
