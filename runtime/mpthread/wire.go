package mpthread

import (
	"capnproto.org/go/capnp/v3"

	"github.com/ifacegen/ifacegen/runtime/capnprpc"
)

// writeContext sets pointer 0 of params to a new Context{thread,
// callbackThread}, taking over both references. It replaces whatever
// pointer 0 held (a forwarded call's Context of another connection).
func writeContext(params capnp.Struct, thread, callback *capnprpc.Capability) error {
	cs, err := capnp.NewStruct(params.Segment(), capnp.ObjectSize{PointerCount: 2})
	if err != nil {
		thread.Release()
		callback.Release()
		return err
	}
	if err := setCap(cs, 0, thread); err != nil {
		callback.Release()
		return err
	}
	if err := setCap(cs, 1, callback); err != nil {
		return err
	}
	return params.SetPtr(0, cs.ToPtr())
}

// setCap sets pointer i of s to c, which s's message takes over.
func setCap(s capnp.Struct, i uint16, c *capnprpc.Capability) error {
	id, err := capnprpc.AddCapability(s.Message(), c)
	if err != nil {
		c.Release()
		return err
	}
	return s.SetPtr(i, capnp.NewInterface(s.Segment(), id).ToPtr())
}

// setText sets pointer i of s to the text v.
func setText(s capnp.Struct, i uint16, v string) error {
	t, err := capnp.NewText(s.Segment(), v)
	if err != nil {
		return err
	}
	return s.SetPtr(i, t.ToPtr())
}

// ptrStruct returns the struct at pointer i of s (the zero Struct if none).
func ptrStruct(s capnp.Struct, i uint16) capnp.Struct {
	p, err := s.Ptr(i)
	if err != nil {
		return capnp.Struct{}
	}
	return p.Struct()
}

// capInStruct returns a new reference to the capability at pointer i of
// s, or nil.
func capInStruct(s capnp.Struct, i uint16) *capnprpc.Capability {
	if !s.IsValid() {
		return nil
	}
	p, err := s.Ptr(i)
	if err != nil {
		return nil
	}
	iface := p.Interface()
	if !iface.IsValid() {
		return nil
	}
	return capnprpc.CapabilityAt(iface.Message(), iface.Capability())
}
