// Package capnprpc is a two-party Cap'n Proto RPC engine (Level 1): it
// speaks rpc.capnp's Bootstrap, Call, Return, Finish, Release, Resolve,
// Disembargo, Abort and Unimplemented messages over a byte stream, with
// export and import tables, promise pipelining and embargoes, and bounds on
// everything a peer can make it hold.
//
// It is the wire under runtime/ipc and the code ifacegen generates; user
// programs use runtime/ipc. It uses go-capnp for messages, segments and
// accessors and for rpc.capnp's bindings, not go-capnp's rpc or server
// packages.
//
// # Shape
//
// One goroutine at a time reads a connection, and it never runs an
// implementation: a Server's Dispatch runs on a worker goroutine of the
// connection (reused between calls, at most Limits.MaxRunningCalls at
// once), so it may block, call back into the caller, or wait for its
// context. When the reader has read a call it can serve at once, it hands
// the reading to a parked worker (leader/follower) and serves the call
// itself, so a call does not wait for a goroutine to wake. Frames are
// written by hand; a sender that finds no write in progress writes the
// queue itself, others append to it, so a burst of frames goes out in one
// write. The reader never writes to the socket: its frames go to the
// connection's writer goroutine, or with the next write another sender
// makes. Finish goes out as soon as a call's results have been read.
//
// # Memory a peer can make a connection hold
//
// With L = Limits after defaults, the memory a peer controls on one
// connection is bounded by
//
//	2×MaxFrameBytes                     a frame being read (chunks, then joined)
//	+ 2×MaxFrameBytes                   params of accepted calls: the reader
//	                                    accepts a call only while their frames
//	                                    total less than MaxFrameBytes, and holds
//	                                    at most one more call it read
//	+ MaxAcceptedCalls × ~1 KiB         their bookkeeping (call, answer, context)
//	+ MaxAnswers × ~0.3 KiB             answers returned and not yet finished
//	                                    (plus our own results kept for
//	                                    pipelining when they hold capabilities)
//	+ (MaxImports + MaxExports) × ~0.2 KiB
//	+ MaxQueuedBytes + MaxFrameBytes    outgoing frames not yet written
//
// which with the defaults (64 MiB frames, 1024 accepted calls, 65536
// answers, imports and exports, 16 MiB queued) is about 390 MiB, almost all
// of it frame-sized terms: a process that talks to untrusted peers should
// lower MaxFrameBytes: at 1 MiB the bound is about 70 MiB, most of it the
// per-entry tables (which shrink with MaxAnswers, MaxImports and
// MaxExports) and MaxQueuedBytes. A peer that announces a frame pins only
// the bytes it has sent, plus 64 KiB.
//
// THIS FILE IS THE CONTRACT between the engine and its callers
// (runtime/ipc, runtime/ipcimpl, generated code). Its exported names and
// signatures are fixed; the bodies are the engine's.
package capnprpc

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"

	"capnproto.org/go/capnp/v3"
	rpccp "capnproto.org/go/capnp/v3/std/capnp/rpc"
)

// Method identifies a method on the wire and names it in errors and logs.
// Generated code declares one per method as a package-level variable and
// passes its address; the engine never modifies it.
type Method struct {
	InterfaceID uint64
	MethodID    uint16
	// Name is "pkg.Interface.Method", for errors and logs.
	Name string
	// ParamsSize is the size of the params struct the engine allocates
	// as the call's content.
	ParamsSize capnp.ObjectSize
}

// ExceptionType is the type of a Cap'n Proto exception.
type ExceptionType uint8

const (
	Failed        ExceptionType = ExceptionType(rpccp.Exception_Type_failed)
	Overloaded    ExceptionType = ExceptionType(rpccp.Exception_Type_overloaded)
	Disconnected  ExceptionType = ExceptionType(rpccp.Exception_Type_disconnected)
	Unimplemented ExceptionType = ExceptionType(rpccp.Exception_Type_unimplemented)
)

// Exception is a Cap'n Proto exception. A call fails with an *Exception
// whose Remote is true when the peer answered it with an exception; with
// Remote false when this side raised it (the connection went away:
// Disconnected; the peer does not know a message: Unimplemented; a bound
// was hit; …). A Server's Dispatch may return an *Exception to choose the
// type on the wire; any other error is sent as Failed with err.Error() as
// the reason.
type Exception struct {
	Type   ExceptionType
	Reason string
	Remote bool
	// Cause is the local error behind a locally raised exception (an I/O
	// error, a bound), or nil.
	Cause error
}

func (e *Exception) Error() string { return e.message() }
func (e *Exception) Unwrap() error { return e.Cause }

// Server is a capability implemented in this process.
type Server interface {
	// Dispatch serves one call. The engine runs it on a goroutine of its
	// own (pooled), so it may block, call back into the caller
	// (recursively) or wait for its ctx: ctx is cancelled when the caller
	// sends Finish before the Return, or when the connection goes. The
	// returned error becomes the call's exception (see Exception); nil
	// sends the results allocated with call.AllocResults (an empty struct
	// if none). An unknown method should return
	// &Exception{Type: Unimplemented, Reason: …}. A panic is not recovered
	// by the engine.
	Dispatch(ctx context.Context, call *Call) error
}

// Shutdowner is implemented by a Server that wants to know when it is no
// longer reachable: Shutdown is called once, after the last reference to
// its Capability (local and remote) is released and every call on it has
// returned.
type Shutdowner interface {
	Shutdown()
}

// Call is an incoming call being served. It is valid until Dispatch
// returns; the engine reuses it afterwards.
type Call struct {
	_ [0]func() // not comparable; fields are the engine's
	callState
}

// InterfaceID and MethodID identify the method called.
func (c *Call) InterfaceID() uint64 { return c.ifaceID }
func (c *Call) MethodID() uint16    { return c.methodID }

// Params returns the call's parameters struct (read-only). Capabilities in
// it are read with CapabilityAt(params.Message(), id).
func (c *Call) Params() capnp.Struct { return c.params }

// AllocResults allocates the results struct of size sz in the Return
// message and returns it. Capabilities are added to it with AddCapability.
// Calling it twice returns the same struct.
func (c *Call) AllocResults(sz capnp.ObjectSize) (capnp.Struct, error) { return c.allocResults(sz) }

// Conn returns the connection the call arrived on, or nil for a call made
// in this process on a local Capability.
func (c *Call) Conn() *Conn { return c.conn }

// Capability is one reference to a capability: hosted in this process (a
// Server), imported from a peer, or a promise (a pipelined answer, or a
// promise the peer exported) that resolves to one of those. A nil
// *Capability is the null capability: calls on it fail, AddRef returns nil
// and Release does nothing. Each reference is released once; AddRef makes
// another. Methods are safe for concurrent use.
type Capability struct {
	_        [0]func()
	n        *node
	released atomic.Bool
}

// NewLocal returns the first reference to a capability served by s.
func NewLocal(s Server) *Capability { return newLocal(s) }

// AddRef returns a new reference to the same capability.
func (c *Capability) AddRef() *Capability { return c.addRef() }

// Release drops this reference. When the last reference to an imported
// capability goes, the peer gets a Release; when the last to a local one
// goes (and the peer holds none), its Server's Shutdown runs.
func (c *Capability) Release() { c.release() }

// Server returns the Server behind c when c is (or has resolved to) a
// capability hosted in this process.
func (c *Capability) Server() (Server, bool) { return c.server() }

// Call calls method m on c and waits for the answer: params fills the
// params struct (which the engine allocated with m.ParamsSize; add
// capabilities with AddCapability), results reads the results struct
// (valid only during the call of results; take capabilities out with
// CapabilityAt, which makes new references). params and results may be
// nil; neither is retained after Call returns, so closures passed here
// need not escape.
//
// Call returns params' error unchanged, results' error unchanged, an
// *Exception for an exception (Remote: from the peer), ctx.Err() when ctx
// is done first (the question is then finished with Finish at once, and
// the peer's implementation sees its context cancelled). A ctx done
// before Call starts makes no call at all: Call returns ctx.Err().
func (c *Capability) Call(ctx context.Context, m *Method, params func(capnp.Struct) error, results func(capnp.Struct) error) error {
	return c.call(ctx, m, params, results)
}

// Send starts a call without waiting for it, for pipelining.
func (c *Capability) Send(ctx context.Context, m *Method, params func(capnp.Struct) error) *Answer {
	return c.send(ctx, m, params)
}

// Answer is the pending answer of a call made with Send.
type Answer struct {
	_ [0]func()
	answerState
}

// Wait waits for the answer and hands its results struct to results (which
// may be nil), like Call.
func (a *Answer) Wait(ctx context.Context, results func(capnp.Struct) error) error {
	return a.wait(ctx, results)
}

// Pipeline returns a promise for the capability found in the results by
// following pointer indexes path from the results struct (each step a
// pointer field index of the struct reached so far). Calls on it are sent
// at once, pipelined, targeting the question's promisedAnswer; once the
// answer arrives the promise resolves (with an embargo where the spec
// requires one). The caller releases the returned reference.
func (a *Answer) Pipeline(path ...uint16) *Capability { return a.pipeline(path) }

// Release finishes the question (Finish at once if the answer has not been
// consumed) and drops the answer's results. Call it once, after Wait or
// instead of it.
func (a *Answer) Release() { a.release() }

// AddCapability puts c into the capability table of msg, a message made by
// this engine (a call's params, a call's results), and returns its index
// for capnp.NewInterface. The message takes over the reference c; a nil c
// is the null capability (the caller should write a null pointer instead).
// It fails for a message the engine did not make.
func AddCapability(msg *capnp.Message, c *Capability) (capnp.CapabilityID, error) {
	return addCapability(msg, c)
}

// CapabilityAt returns a new reference to the capability at index id of the
// capability table of msg, a message the engine handed out (a call's
// params, a call's results), or nil when id is out of range or names a
// null capability.
func CapabilityAt(msg *capnp.Message, id capnp.CapabilityID) *Capability {
	return capabilityAt(msg, id)
}

// Limits bounds what a peer can make a connection hold. Each zero field
// means its default, which the field documents; a negative value means
// no bound where the field says so. A peer that exceeds a bound gets an
// Abort naming it and the connection ends; other connections carry on.
type Limits struct {
	MaxFrameBytes     int64 // size of one received frame (default 64 MiB); read incrementally
	MaxFrameSegments  int   // segments in one frame (default 512)
	MaxQuestions      int   // our outstanding questions (default 65536); beyond it a new call fails
	MaxAnswers        int   // the peer's outstanding questions (default 65536)
	MaxExports        int   // capabilities exported to the peer (default 65536)
	MaxImports        int   // capabilities imported from the peer (default 65536)
	MaxQueuedBytes    int64 // outgoing bytes not yet written (default 16 MiB); senders wait beyond it
	MaxRunningCalls   int   // incoming calls running at once (default 64, <0 unbounded)
	MaxAcceptedCalls  int   // incoming calls accepted (running or waiting to run; default 1024); beyond it the engine stops reading
	TraverseLimitMult int   // a received message may be traversed this many times its size (default 64, at least 64 KiB, at most 64 MiB)
}

// Direction says whether an observed message was sent or received.
type Direction bool

const (
	Received Direction = false
	Sent     Direction = true
)

// Observer sees every RPC message of a connection, for debug logs and
// tests. It is called on the connection's reader (Received) or a sender's
// goroutine (Sent), must not block and must not retain m.
type Observer interface {
	Observe(dir Direction, m rpccp.Message, size int)
}

// Options configures a connection. A nil *Options means defaults.
type Options struct {
	// Bootstrap is offered to the peer's Bootstrap; the connection takes
	// over the reference. Nil offers nothing (the peer's Bootstrap gets an
	// exception).
	Bootstrap *Capability
	// BootstrapReleased, if set, is called once when the peer, having
	// obtained the bootstrap capability at least once, has released every
	// reference to it.
	BootstrapReleased func()
	// BaseContext, if set, returns the parent context of every incoming
	// call's context (for values); default context.Background.
	BaseContext func() context.Context
	Logger      *slog.Logger // engine warnings (aborts, protocol errors); nil discards
	Observer    Observer     // nil: none
	Limits      Limits
	// Hooks, if set, takes part in every call sent and received (see
	// CallHooks); nil: none.
	Hooks CallHooks
}

// Conn is one two-party RPC connection. Its methods are safe for
// concurrent use.
type Conn struct {
	_ [0]func()
	connState
}

// NewConn starts the connection over rwc, which it owns (Close closes it).
// rwc's Close must interrupt pending reads and writes.
func NewConn(rwc io.ReadWriteCloser, opts *Options) *Conn { return newConn(rwc, opts) }

// Bootstrap returns a promise for the peer's bootstrap capability; calls
// on it are pipelined on the Bootstrap question. ctx carries values only.
func (c *Conn) Bootstrap(ctx context.Context) *Capability { return c.bootstrapCap(ctx) }

// Close ends the connection: pending and later calls fail with a
// Disconnected exception, running incoming calls see their contexts
// cancelled (their Returns are not sent: the peer sees the connection
// end), queued writes are flushed (bounded time), the stream is closed.
// It is idempotent.
func (c *Conn) Close() error { return c.close() }

// Done is closed when the connection has ended, by Close, by the peer
// going away, or by an Abort either way.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns why the connection ended (nil while it runs; an *Exception
// with Remote true when the peer aborted).
func (c *Conn) Err() error { return c.getErr() }

// Logger returns the logger of Options.Logger (a discarding one if nil).
func (c *Conn) Logger() *slog.Logger { return c.logger }

// WaitIdle waits until no incoming call is accepted or running on c, or
// ctx is done. It waits after the connection has ended too: a call whose
// context Close cancelled counts until its implementation returns.
func (c *Conn) WaitIdle(ctx context.Context) error { return c.waitIdle(ctx) }

// Stats is a snapshot of a connection's tables, for tests and metrics.
type Stats struct {
	Questions, Answers, Exports, Imports int
	AcceptedCalls, RunningCalls          int
	QueuedBytes                          int64
}

// Stats returns the connection's current table sizes.
func (c *Conn) Stats() Stats { return c.stats() }
