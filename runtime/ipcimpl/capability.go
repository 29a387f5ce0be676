package ipcimpl

import (
	"capnproto.org/go/capnp/v3"

	"github.com/ifacegen/ifacegen/runtime/capnprpc"
)

// SetCap sets pointer field i of s to the capability c, which s's message
// takes over; a nil c leaves the pointer null.
func SetCap(s capnp.Struct, i uint16, c *capnprpc.Capability) error {
	if c == nil {
		return nil
	}
	id, err := capnprpc.AddCapability(s.Message(), c)
	if err != nil {
		return err
	}
	return s.SetPtr(i, capnp.NewInterface(s.Segment(), id).ToPtr())
}

// Cap returns a new reference to the capability in pointer field i of s,
// or nil when the field is null or not a capability.
func Cap(s capnp.Struct, i uint16) *capnprpc.Capability {
	p, err := s.Ptr(i)
	if err != nil {
		return nil
	}
	return capOf(p)
}

// SetCapElem sets element i of l, a list of pointers (a capnp.PointerList or
// the bindings' list of an interface), to the capability c, which l's
// message takes over; a nil c leaves the element null.
func SetCapElem[L ~capnp.ListKind](list L, i int, c *capnprpc.Capability) error {
	if c == nil {
		return nil
	}
	l := capnp.PointerList(list)
	id, err := capnprpc.AddCapability(l.Message(), c)
	if err != nil {
		return err
	}
	return l.Set(i, capnp.NewInterface(l.Segment(), id).ToPtr())
}

// CapElem returns a new reference to the capability at element i of l, a
// list of pointers, or nil when the element is null or not a capability.
func CapElem[L ~capnp.ListKind](l L, i int) *capnprpc.Capability {
	p, err := capnp.PointerList(l).At(i)
	if err != nil {
		return nil
	}
	return capOf(p)
}

func capOf(p capnp.Ptr) *capnprpc.Capability {
	iface := p.Interface()
	if !iface.IsValid() {
		return nil
	}
	return capnprpc.CapabilityAt(iface.Message(), iface.Capability())
}
