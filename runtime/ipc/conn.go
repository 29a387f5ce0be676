package ipc

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	rpccp "capnproto.org/go/capnp/v3/std/capnp/rpc"

	"github.com/ifacegen/ifacegen/runtime/capnprpc"
	"github.com/ifacegen/ifacegen/runtime/internal/callctx"
	"github.com/ifacegen/ifacegen/runtime/mpthread"
)

// Options configures a connection. A nil *Options means the defaults
// documented on each field.
type Options struct {
	// Bootstrap is the capability offered to the peer when it calls
	// Bootstrap, typically a generated NewXServer(impl). The connection
	// takes over this reference and releases it when it closes; the caller
	// must not release it. Nil means the connection offers nothing.
	Bootstrap *Capability

	// Logger receives the RPC engine's own errors and warnings (a peer
	// that breaks the protocol or a bound, and is cut off), panics of
	// implementations with their stacks, and the debug log when Debug is
	// on. Nil means warnings are discarded, while panics and the debug
	// log go to standard error.
	Logger *slog.Logger

	// Debug logs every request and response on the connection to Logger
	// at debug level: one line per call and per return with the
	// connection number, interface.method, question id, message size,
	// arguments or results cut to a bounded length, duration and error.
	// Setting IFACEGEN_DEBUG=ipc in the environment (see DebugEnv) turns
	// it on for every connection. The log costs nothing when it is off,
	// or when Logger does not enable slog.LevelDebug. Method names and
	// values come from schemas registered with LogSchema.
	Debug bool

	// CloseTimeout bounds how long Close waits for the connection to
	// flush what it has queued before it closes the stream forcibly.
	// Zero means 5 seconds.
	CloseTimeout time.Duration

	// MaxConcurrentCalls bounds how many calls that arrived on this
	// connection run in implementations at once, over all the objects the
	// connection serves. Zero means DefaultMaxConcurrentCalls; a negative
	// value means no bound. It is Limits.MaxRunningCalls (and wins when
	// both are set). Calls a peer makes from inside a callback count too:
	// a chain of nested callbacks deeper than the bound waits forever.
	MaxConcurrentCalls int

	// Limits bounds what the peer can make this connection hold: frame
	// size, outstanding questions, answers, exports and imports, queued
	// outgoing bytes, running and accepted calls. Every zero field means
	// the engine's default (see capnprpc.Limits and the README's
	// "Limits" section); a peer that exceeds one is cut off with an Abort
	// naming it, and other connections carry on.
	Limits Limits

	// Dialect selects conventions on top of Cap'n Proto RPC: Plain (the
	// zero value) or Libmultiprocess, to talk to Bitcoin Core's IPC and
	// other programs built with libmultiprocess (see Libmultiprocess).
	// Both sides of a connection must agree; the Go interfaces on it come
	// from packages with //ipc:package dialect=libmultiprocess.
	Dialect Dialect
}

// Limits bounds what a peer can make a connection hold; see
// Options.Limits.
type Limits = capnprpc.Limits

// DefaultMaxConcurrentCalls is the bound on concurrently running incoming
// calls of a connection whose Options.MaxConcurrentCalls is zero.
const DefaultMaxConcurrentCalls = 64

// Conn is one Cap'n Proto RPC connection over a byte stream. Its methods
// are safe for concurrent use.
type Conn struct {
	rpc          *capnprpc.Conn
	closeTimeout time.Duration
}

// NewConn starts serving RPC over rwc and returns the connection. The
// connection owns rwc: Close closes it, and so does the peer going away.
// rwc's Close must interrupt pending reads and writes, and Read and Write
// must be safe to call concurrently (net.Conn satisfies both).
//
// Hostile input costs at most this connection, and a bounded amount of
// memory (Options.Limits): a peer that breaks the protocol or a bound is
// cut off with an Abort naming why, logged to Options.Logger. Every
// received message may be read only a bounded multiple of its size (64
// times, at least 64 KiB and at most 64 MiB of traversal), so that a small
// message cannot make generated code allocate gigabytes.
//
// Pass the concrete *net.UnixConn or *net.TCPConn rather than a wrapper.
func NewConn(rwc io.ReadWriteCloser, opts *Options) *Conn {
	return newConn(rwc, opts, nil)
}

// newConn is NewConn that also calls bootstrapReleased, when not nil,
// once the peer has released every reference to the bootstrap capability
// it obtained.
func newConn(rwc io.ReadWriteCloser, opts *Options, bootstrapReleased func()) *Conn {
	if opts == nil {
		opts = &Options{}
	}
	c := &Conn{closeTimeout: opts.CloseTimeout}
	if c.closeTimeout <= 0 {
		c.closeTimeout = 5 * time.Second
	}
	limits := opts.Limits
	switch n := opts.MaxConcurrentCalls; {
	case n > 0:
		limits.MaxRunningCalls = n
	case n < 0:
		limits.MaxRunningCalls = -1
	case limits.MaxRunningCalls == 0:
		limits.MaxRunningCalls = DefaultMaxConcurrentCalls
	}
	// Panics in implementations are logged with their stacks through the
	// call's context (runtime/ipcimpl.Recover).
	panicLogger := opts.Logger
	if panicLogger == nil {
		panicLogger = slog.Default()
	}
	base := callctx.WithLogger(context.Background(), panicLogger)
	ropts := &capnprpc.Options{
		Bootstrap:         opts.Bootstrap,
		BootstrapReleased: bootstrapReleased,
		BaseContext:       func() context.Context { return base },
		Logger:            opts.Logger,
		Limits:            limits,
	}
	if log := newMessageLog(opts, connIDs.Add(1)); log != nil {
		ropts.Observer = logObserver{log}
	}
	var threads *mpthread.Protocol
	if opts.Dialect == Libmultiprocess {
		threads = mpthread.New(dialectKinds)
		ropts.Hooks = threads
		ropts.Bootstrap = threads.WrapBootstrap(ropts.Bootstrap)
	}
	c.rpc = capnprpc.NewConn(rwc, ropts)
	if threads != nil {
		threads.Attach(c.rpc)
	}
	return c
}

// logObserver shows every message to the debug log.
type logObserver struct{ log *messageLog }

func (o logObserver) Observe(dir capnprpc.Direction, m rpccp.Message, size int) {
	o.log.observe(m, dir == capnprpc.Sent)
}

// Bootstrap returns the capability the peer offers. The caller owns the
// returned capability and must Release it (wrapping it in a generated
// client proxy hands that duty to the proxy's Release). It does not wait
// for the peer's answer: calls made on it are sent at once, pipelined on
// the bootstrap request. If the peer offers nothing or the connection is
// gone, calls on it fail. ctx only carries values.
func (c *Conn) Bootstrap(ctx context.Context) *Capability {
	return c.rpc.Bootstrap(context.WithoutCancel(ctx))
}

// Close shuts the connection down: pending and later calls in both
// directions fail with ErrDisconnected, and the stream is closed. Close
// waits at most Options.CloseTimeout for the connection to shut down; after
// that it returns an error (the stream is closed either way). Calling
// Close more than once is harmless.
func (c *Conn) Close() error {
	done := make(chan error, 1)
	go func() { done <- c.rpc.Close() }()
	select {
	case err := <-done:
		if err != nil && !isDisconnected(err) {
			return err
		}
		return nil
	case <-time.After(c.closeTimeout):
		return errors.New("ipc: connection did not shut down in time")
	}
}

// Done returns a channel that is closed once the connection has shut down,
// whether by Close or because the peer went away.
func (c *Conn) Done() <-chan struct{} {
	return c.rpc.Done()
}

// waitIdle waits until no call the peer made is running or waiting to
// run, or ctx is done.
func (c *Conn) waitIdle(ctx context.Context) error {
	return c.rpc.WaitIdle(ctx)
}
