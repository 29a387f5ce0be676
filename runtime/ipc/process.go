package ipc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Process is a child process started by Spawn and the connection to it.
// Its methods are safe for concurrent use.
//
// The process ends in one of three ways: the parent releases the child's
// bootstrap capability (the graceful way: the child's ServeSpawned returns
// and its main exits 0); the connection goes away (Close, or the parent
// dies); or it exits or crashes by itself. In every case calls on its
// capabilities then fail with ErrDisconnected, and Wait reports how it
// ended.
type Process struct {
	// Pid is the child's process ID.
	Pid int

	name        string // the executable's base name, for messages
	cmd         *exec.Cmd
	conn        *Conn
	stderr      *tailBuffer
	killTimeout time.Duration

	exited chan struct{} // closed once cmd.Wait has returned
	err    error         // what Wait returns; set before exited is closed
}

// Conn returns the connection to the child. It closes when the child
// exits; Process.Close closes it too.
func (p *Process) Conn() *Conn { return p.conn }

// Done returns a channel that is closed once the child has exited.
func (p *Process) Done() <-chan struct{} { return p.exited }

// Wait waits for the child to exit and reports how it ended: nil for exit
// status 0, otherwise an *ExitError carrying the status and the end of
// what the child wrote to its standard error. Wait may be called any
// number of times, from any goroutine; each call returns the same result.
func (p *Process) Wait() error {
	<-p.exited
	return p.err
}

// Signal sends sig to the child. It returns os.ErrProcessDone once the
// child has exited (and was reaped), so it never signals a process that
// reused the pid.
func (p *Process) Signal(sig os.Signal) error {
	select {
	case <-p.exited:
		return os.ErrProcessDone
	default:
	}
	return p.cmd.Process.Signal(sig)
}

// Kill ends the child at once (SIGKILL), without the graceful steps of
// Close; Wait then reports how it ended. Calls on its capabilities fail
// with ErrDisconnected. Kill returns os.ErrProcessDone once the child has
// exited.
func (p *Process) Kill() error { return p.Signal(os.Kill) }

// Close ends the child and waits for it, gracefully first:
//
//  1. It closes the connection. A child in ServeSpawned takes that, like
//     the release of its bootstrap capability, as the request to shut
//     down, and returns so that its main can exit.
//  2. It waits until the child exits or ctx is done. A ctx without a
//     deadline is given one, SpawnOptions.KillTimeout (5 s by default),
//     so that Close always returns.
//  3. If the child is still running then, it is killed (SIGKILL), and
//     Close waits for it to go.
//
// Close returns what Wait returns when the child exited by itself, and an
// error saying it was killed otherwise. Close does not release the
// bootstrap capability Spawn returned; release it before Close, since that
// release is the child's cue to finish its work. Calling Close again, or
// after the child exited, only waits and reports.
func (p *Process) Close(ctx context.Context) error {
	// 1. Graceful: closing the connection tells the child to shut down.
	p.conn.Close()

	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.killTimeout)
		defer cancel()
	}
	// 2. Wait for the child to exit by itself.
	select {
	case <-p.exited:
		return p.err
	case <-ctx.Done():
	}
	// 3. Forced: the child did not exit in time; kill it and reap it.
	p.cmd.Process.Kill()
	<-p.exited
	if p.err == nil {
		return nil // it exited cleanly just as the deadline passed
	}
	return fmt.Errorf("ipc: %s (pid %d) did not exit after its connection closed; killed: %w", p.name, p.Pid, p.err)
}

// wait reaps the child, then closes the connection, which no peer serves
// any more, so that every call still pending fails at once.
func (p *Process) wait() {
	err := p.cmd.Wait()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = &ExitError{Name: p.name, Pid: p.Pid, State: ee.ProcessState, Stderr: p.stderr.String()}
		} else {
			err = fmt.Errorf("ipc: %s (pid %d): %w", p.name, p.Pid, err)
		}
	}
	p.err = err
	close(p.exited)
	p.conn.Close()
}

// ExitError reports a child process that did not exit with status 0.
type ExitError struct {
	Name  string           // the executable's base name
	Pid   int              // its process ID
	State *os.ProcessState // exit status, or the signal that ended it

	// Stderr is the end of what the child wrote to its standard error,
	// at most 4 KiB, starting at a line when it was cut.
	Stderr string
}

// Error returns "ipc: name (pid N): exit status 2" followed, when the child
// wrote to its standard error, by the end of that output on the next lines.
func (e *ExitError) Error() string {
	msg := fmt.Sprintf("ipc: %s (pid %d): %v", e.Name, e.Pid, e.State)
	if s := strings.TrimRight(e.Stderr, "\n"); s != "" {
		msg += "; its standard error ends with:\n" + s
	}
	return msg
}

// ExitCode returns the child's exit status, or -1 if a signal ended it.
func (e *ExitError) ExitCode() int { return e.State.ExitCode() }

// tailBufferSize is how much of a child's standard error is kept.
const tailBufferSize = 4 << 10

// tailBuffer keeps the last tailBufferSize bytes written to it. It is safe
// for concurrent use.
type tailBuffer struct {
	mu   sync.Mutex
	buf  []byte
	full bool // bytes were dropped from the front
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	if len(p) >= tailBufferSize {
		t.buf = append(t.buf[:0], p[len(p)-tailBufferSize:]...)
		t.full = true
		return n, nil
	}
	if over := len(t.buf) + len(p) - tailBufferSize; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
		t.full = true
	}
	t.buf = append(t.buf, p...)
	return n, nil
}

// String returns the kept bytes; when some were dropped, it starts after
// the first line break (if any), so that it begins with a whole line.
func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf
	if t.full {
		if i := bytes.IndexByte(b, '\n'); i >= 0 && i+1 < len(b) {
			b = b[i+1:]
		}
	}
	return string(b)
}

// programName returns the base name of the executable at path.
func programName(path string) string {
	return filepath.Base(path)
}
