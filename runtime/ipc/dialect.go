package ipc

import (
	"sync"

	"capnproto.org/go/capnp/v3"
	"capnproto.org/go/capnp/v3/schemas"
	"capnproto.org/go/capnp/v3/std/capnp/schema"

	"github.com/ifacegen/ifacegen/runtime/mpthread"
)

// Dialect selects the conventions a connection speaks on top of Cap'n
// Proto RPC; see Options.Dialect.
type Dialect uint8

const (
	// Plain Cap'n Proto RPC, as between ifacegen programs.
	Plain Dialect = iota
	// Libmultiprocess is Bitcoin Core's IPC (libmultiprocess, mpgen): the
	// thread protocol of mp/proxy.capnp runs on the connection
	// (runtime/mpthread says exactly what it does): outgoing calls of
	// dialect methods carry Context{thread, callbackThread}, incoming
	// ones carry the caller's callbackThread in their context so that
	// calls back into the caller made with that context run on its
	// thread, Init.construct is called before the first call on an Init
	// (and answered when the peer calls it), makeThread and makePool are
	// served. Spawn passes the child's socket as argv[1] ("<exe> <fd>
	// args…") and ServeSpawned reads it there.
	Libmultiprocess
)

// dialectKinds tells runtime/mpthread which methods take a Context and
// which is construct, from the schemas generated packages register with
// LogSchema (every generated package does, in an init function).
func dialectKinds(ifaceID uint64, methodID uint16) mpthread.MethodKind {
	key := methodKey{ifaceID, methodID}
	dialectCache.mu.RLock()
	k, ok := dialectCache.kinds[key]
	dialectCache.mu.RUnlock()
	if ok {
		return k
	}
	logSchemas.mu.Lock() // Registry.Find is not safe for concurrent use
	k, found := methodKind(&logSchemas.reg, ifaceID, methodID)
	logSchemas.mu.Unlock()
	if !found {
		k, found = methodKind(schemas.DefaultRegistry, ifaceID, methodID)
	}
	if !found {
		return mpthread.Plain // not cached: its schema may be registered later
	}
	dialectCache.mu.Lock()
	if dialectCache.kinds == nil {
		dialectCache.kinds = make(map[methodKey]mpthread.MethodKind)
	}
	dialectCache.kinds[key] = k
	dialectCache.mu.Unlock()
	return k
}

var dialectCache struct {
	mu    sync.RWMutex
	kinds map[methodKey]mpthread.MethodKind
}

// methodKind reads the kind of a method from reg: Construct for method @0
// named construct whose first parameter is a Proxy.ThreadMap, WithContext
// for one whose params struct has a Proxy.Context at pointer 0.
func methodKind(reg *schemas.Registry, ifaceID uint64, methodID uint16) (mpthread.MethodKind, bool) {
	data, err := reg.Find(ifaceID)
	if err != nil {
		return mpthread.Plain, false
	}
	msg, err := capnp.Unmarshal(data)
	if err != nil {
		return mpthread.Plain, false
	}
	req, err := schema.ReadRootCodeGeneratorRequest(msg)
	if err != nil {
		return mpthread.Plain, false
	}
	nodes, err := req.Nodes()
	if err != nil {
		return mpthread.Plain, false
	}
	byID := make(map[uint64]schema.Node, nodes.Len())
	for i := range nodes.Len() {
		byID[nodes.At(i).Id()] = nodes.At(i)
	}
	n, ok := byID[ifaceID]
	if !ok || n.Which() != schema.Node_Which_interface {
		return mpthread.Plain, false
	}
	methods, err := n.Interface().Methods()
	if err != nil || int(methodID) >= methods.Len() {
		return mpthread.Plain, true
	}
	me := methods.At(int(methodID))
	params, ok := byID[me.ParamStructType()]
	if !ok || params.Which() != schema.Node_Which_structNode {
		return mpthread.Plain, true
	}
	fields, err := params.StructNode().Fields()
	if err != nil {
		return mpthread.Plain, true
	}
	name, _ := me.Name()
	for i := range fields.Len() {
		f := fields.At(i)
		if f.Which() != schema.Field_Which_slot || f.Slot().Offset() != 0 {
			continue
		}
		t, err := f.Slot().Type()
		if err != nil {
			continue
		}
		switch {
		case t.Which() == schema.Type_Which_structType && t.StructType().TypeId() == mpthread.ContextID:
			return mpthread.WithContext, true
		case methodID == 0 && name == "construct" && t.Which() == schema.Type_Which_interface && t.Interface().TypeId() == mpthread.ThreadMapID:
			return mpthread.Construct, true
		}
	}
	return mpthread.Plain, true
}
