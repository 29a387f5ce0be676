// Package mpproxy declares, in Go, the wire types of libmultiprocess's
// mp/proxy.capnp (Bitcoin Core's IPC): ThreadMap, Thread and Context, under
// the file ID @0xcc316e3f71a040fb, so that their capnp IDs and layouts are
// the real ones. Its generated package mpproxyipc holds the schema (imported
// by other schemas as "/mp/proxy.capnp"), the Go bindings and the proxies.
//
// Every package with //ipc:package dialect=libmultiprocess imports this
// schema: each of its methods takes context :Proxy.Context as parameter @0,
// and its Init interface has construct @0 (threadMap :Proxy.ThreadMap) ->
// (threadMap :Proxy.ThreadMap). The runtime fills and serves them; Go code
// of an interface package never names them.
//
// mp/proxy.capnp's annotations (wrap, count, name, …) steer libmultiprocess's
// C++ code generator only; nothing of them crosses the wire, so they are not
// declared here.
//
//ipc:package id=0xcc316e3f71a040fb schema=/mp/proxy.capnp
package mpproxy

//go:generate go run github.com/ifacegen/ifacegen/cmd/ifacegen .

import "context"

// ThreadMap lets a client create threads on the server, by name, and pass
// their handles in Context.Thread of later calls.
//
//ipc:interface
type ThreadMap interface {
	MakeThread(ctx context.Context, name string) (Thread, error)
	// MakePool pre-allocates count server threads for calls whose
	// Context names no thread (libmultiprocess since 2026; a Go server
	// runs every call on a goroutine and needs none).
	MakePool(ctx context.Context, count uint32) error
}

// Thread is the handle of one server thread, made by ThreadMap.MakeThread.
// The server runs the calls that name one Thread one at a time, in order.
//
//ipc:interface
type Thread interface {
	GetName(ctx context.Context) (string, error)
}

// Context is parameter @0 of every method in the libmultiprocess dialect.
//
//ipc:struct
type Context struct {
	// Thread is the server thread the call runs on.
	Thread Thread
	// CallbackThread is the caller's thread that callbacks made while
	// the call runs must name as their Thread.
	CallbackThread Thread
}
