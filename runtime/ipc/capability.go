package ipc

import "github.com/ifacegen/ifacegen/runtime/capnprpc"

// Capability is one reference to a capability: an object served in this
// process (what a generated NewXServer returns), one the peer serves (what
// Conn.Bootstrap returns), or a promise of one. A generated NewXClient
// takes a Capability over and calls it; Options.Bootstrap takes one over
// and offers it to the peer. Release it once when you keep it yourself;
// AddRef makes another reference. A nil *Capability is the null
// capability.
type Capability = capnprpc.Capability
