// Package mpthread speaks the thread protocol of libmultiprocess's
// mp/proxy.capnp (Bitcoin Core's IPC) for one connection: it is the one
// place that knows it. runtime/ipc installs a Protocol on every connection
// made with Options.Dialect set to ipc.Libmultiprocess; user code does not
// use this package.
//
// The protocol, as the C++ side (libmultiprocess) requires it:
//
//   - Every method of a dialect interface, except construct and the noctx
//     ones, takes context :Proxy.Context as parameter @0 (pointer slot 0 of
//     its params struct). Context{thread, callbackThread}: thread is a
//     Thread the callee made with ThreadMap.makeThread, on which the callee
//     runs the call (one call at a time per Thread); callbackThread is a
//     Thread of the caller that callbacks made while the call runs must
//     name as their thread.
//   - The bootstrap interface Init has construct @0 (threadMap) ->
//     (threadMap): the client passes its ThreadMap and gets the server's.
//
// What a Protocol does (see Protocol.Outgoing and Protocol.Incoming):
//
//   - Outgoing calls that take a context get one: thread is the
//     callbackThread of the incoming call of the same connection that ctx
//     belongs to, if any (a call back into the peer during its call);
//     otherwise a Thread of the peer leased for the call (made with
//     makeThread, pipelined, the first time more calls run at once than
//     there are Threads; returned to a free list when the engine forgets
//     the question, and reused). callbackThread is the connection's own
//     Thread (one per connection; this side runs every call on goroutines,
//     so it needs no more). A call forwarded from another connection gets
//     this connection's Context in place of the one it arrived with.
//   - Incoming calls that take a context carry the caller's callbackThread
//     in the Go context they are served with, until they return.
//   - The peer's ThreadMap comes from construct: served (WrapBootstrap)
//     when the peer calls it, or called by this side (on a fresh Bootstrap
//     of the connection, pipelined, with this side's ThreadMap) before the
//     first call that needs a Thread, when that call is on an Init (an
//     interface whose method @0 is construct). A Thread is never requested
//     from the peer before construct has been sent.
//   - This side's ThreadMap answers makeThread with a new Thread (which
//     answers getName) and makePool with nothing: calls run on goroutines
//     whatever Thread they name.
//
// Which methods take a context, and which is construct, comes from the
// schemas the generated packages register (MethodKinds). The protocol's
// own messages are built with raw struct accessors, so that this package
// does not depend on runtime/ipc (runtime/ipc depends on it).
package mpthread
