package ipc

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"capnproto.org/go/capnp/v3"
	"capnproto.org/go/capnp/v3/rpc"
	"capnproto.org/go/capnp/v3/rpc/transport"
)

// Options configures a connection. A nil *Options means the defaults
// documented on each field.
type Options struct {
	// Bootstrap is the capability offered to the peer when it calls
	// Bootstrap, typically a generated NewXServer(impl). The connection
	// takes over this reference and releases it when it closes; the caller
	// must not release it. Zero means the connection offers nothing.
	Bootstrap capnp.Client

	// Logger receives the RPC layer's own errors and warnings, and the
	// debug log when Debug is on. Nil means they are discarded, except
	// the debug log, which then goes to standard error.
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

	// CloseTimeout bounds how long Close waits for the RPC layer to shut
	// down before it closes the stream forcibly. Zero means 5 seconds.
	CloseTimeout time.Duration

	// MaxConcurrentCalls bounds how many calls that arrived on this
	// connection run in implementations at once, over all the objects the
	// connection serves. A call beyond the bound waits, already accepted,
	// until one of the running calls returns (or its own context is done).
	// Zero means DefaultMaxConcurrentCalls; a negative value means no
	// bound. Calls a peer makes from inside a callback count too: a chain
	// of nested callbacks deeper than the bound waits forever.
	MaxConcurrentCalls int
}

// DefaultMaxConcurrentCalls is the bound on concurrently running incoming
// calls of a connection whose Options.MaxConcurrentCalls is zero.
const DefaultMaxConcurrentCalls = 64

// Conn is one Cap'n Proto RPC connection over a byte stream. Its methods
// are safe for concurrent use.
type Conn struct {
	rpc          *rpc.Conn
	rwc          io.Closer
	closeTimeout time.Duration
	calls        *callCounter // calls in progress; nil unless counted
}

// NewConn starts serving RPC over rwc and returns the connection. The
// connection owns rwc: Close closes it, and so does the peer going away.
// rwc's Close must interrupt pending reads and writes, and Read and Write
// must be safe to call concurrently (net.Conn satisfies both).
//
// Hostile input costs at most this connection: a received message that
// would crash the RPC layer ends the connection instead, with the reason
// logged to Options.Logger, and every received message may be read only a
// bounded multiple of its size (64 times, at least 64 KiB and at most
// 64 MiB of traversal; see readBudget), so that a small message cannot
// make generated code allocate gigabytes.
//
// Reads are buffered. Pass the concrete *net.UnixConn or *net.TCPConn rather
// than a wrapper so that each message is written with a single writev.
func NewConn(rwc io.ReadWriteCloser, opts *Options) *Conn {
	return newConn(rwc, opts, nil, nil)
}

// newConn is NewConn that also counts calls in progress (calls) or
// watches the bootstrap capability's references (boot), when not nil.
func newConn(rwc io.ReadWriteCloser, opts *Options, calls *callCounter, boot *bootstrapWatch) *Conn {
	if opts == nil {
		opts = &Options{}
	}
	c := &Conn{rwc: rwc, closeTimeout: opts.CloseTimeout, calls: calls}
	if c.closeTimeout <= 0 {
		c.closeTimeout = 5 * time.Second
	}
	ropts := &rpc.Options{BootstrapClient: opts.Bootstrap}
	if limit := opts.MaxConcurrentCalls; limit >= 0 {
		if limit == 0 {
			limit = DefaultMaxConcurrentCalls
		}
		// Every incoming call's context derives from the base context, so
		// generated servers find the connection's slots there (EnterCall).
		base := context.WithValue(context.Background(), callSlotsKey{}, make(callSlots, limit))
		ropts.BaseContext = func() context.Context { return base }
	}
	if opts.Logger != nil {
		ropts.Logger = opts.Logger
	}
	// The guard is innermost: the observers never see a message it
	// refuses (a call counted but never returned would stall Shutdown),
	// and they read what they see within its read budget.
	var t transport.Transport = guardedTransport{transport.New(newStreamCodec(rwc))}
	if log := newMessageLog(opts, connIDs.Add(1)); log != nil || calls != nil || boot != nil {
		t = budgetedTransport{&observedTransport{Transport: t, log: log, calls: calls, boot: boot}}
	}
	c.rpc = rpc.NewConn(t, ropts)
	return c
}

// Bootstrap returns the capability the peer offers. The caller owns the
// returned client and must Release it (wrapping it in a generated client
// proxy hands that duty to the proxy's Release). If the peer offers
// nothing or the connection is gone, calls on the client fail.
//
// Bootstrap does not wait for the answer, so ctx only carries values: its
// cancellation is ignored and the request is always sent. (go-capnp
// v3.1.0-alpha.2 drops a request whose context is done before it is sent,
// but still sends calls already made on the returned promise, which
// names an answer the peer never heard of and makes it abort the whole
// connection — as a dial helper's `defer cancel()` would.) Releasing the
// client before the peer answered waits for the answer or for the
// connection to close.
func (c *Conn) Bootstrap(ctx context.Context) capnp.Client {
	return c.rpc.Bootstrap(context.WithoutCancel(ctx))
}

// Close shuts the connection down: pending and later calls in both
// directions fail with ErrDisconnected, and the stream is closed. Close
// waits at most Options.CloseTimeout for the RPC layer; after that it closes
// the stream itself and returns. Calling Close more than once is harmless.
func (c *Conn) Close() error {
	done := make(chan error, 1)
	go func() { done <- c.rpc.Close() }()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, rpc.ErrConnClosed) && !isDisconnected(err) {
			return err
		}
		return nil
	case <-time.After(c.closeTimeout):
		c.rwc.Close()
		return errors.New("ipc: connection did not shut down in time; stream closed forcibly")
	}
}

// Done returns a channel that is closed once the connection has shut down,
// whether by Close or because the peer went away.
func (c *Conn) Done() <-chan struct{} {
	return c.rpc.Done()
}

// streamCodec frames Cap'n Proto messages on a stream. It reads through a
// buffer (a message's header and body are otherwise two reads) and writes
// to the stream directly so that the encoder's single writev stays one.
type streamCodec struct {
	*capnp.Decoder
	*capnp.Encoder
	io.Closer
}

func newStreamCodec(rwc io.ReadWriteCloser) *streamCodec {
	return &streamCodec{
		Decoder: capnp.NewDecoder(bufio.NewReaderSize(rwc, 64<<10)),
		Encoder: capnp.NewEncoder(rwc),
		Closer:  rwc,
	}
}
