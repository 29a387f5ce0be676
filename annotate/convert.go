package annotate

import (
	"go/token"
	"go/types"
	"strings"
)

// convertFunc is one well-formed //ipc:convert function: func(from) (to, error).
type convertFunc struct {
	name     string
	pos      token.Position
	from, to types.Type
	toWire   bool // the first of its pair in source order: from is the Go type T
}

// converts returns the well-formed //ipc:convert functions of the root
// package, checking each one's shape and that it has a partner going the
// other way; problems are reported once.
func (b *builder) converts() []*convertFunc {
	if b.convs != nil {
		return b.convs
	}
	b.convs = []*convertFunc{}
	for _, decl := range b.src.convs {
		pos := b.src.pos(decl.Name)
		fn, ok := b.src.info.Defs[decl.Name].(*types.Func)
		if !ok {
			continue
		}
		sig := fn.Signature()
		name := decl.Name.Name
		switch {
		case decl.Type.TypeParams != nil:
			b.errs.addf(pos, "//ipc:convert function %s is generic; write one pair of functions per type", name)
			continue
		case sig.Params().Len() != 1 || sig.Results().Len() != 2 || !isError(sig.Results().At(1).Type()) || sig.Variadic():
			b.errs.addf(pos, "//ipc:convert function %s must have the signature func(T) (W, error) or func(W) (T, error), T the Go type and W the type on the wire", name)
			continue
		case !decl.Name.IsExported():
			b.errs.addf(pos, "//ipc:convert function %s is not exported, so the generated package %sipc cannot call it; export it", name, b.src.name)
			continue
		}
		b.convs = append(b.convs, &convertFunc{name: name, pos: pos, from: sig.Params().At(0).Type(), to: sig.Results().At(0).Type()})
	}
	paired := make(map[*convertFunc]bool)
	for _, c := range b.convs {
		if d := b.partner(c); d != nil && !paired[c] {
			c.toWire = true
			paired[c], paired[d] = true, true
		}
		if b.partner(c) == nil {
			back := c.name + "Back"
			if base, ok := strings.CutSuffix(c.name, "ToWire"); ok {
				back = base + "FromWire"
			}
			b.errs.addf(c.pos, "//ipc:convert function %s has no partner; write //ipc:convert func %s(%s) (%s, error) (or a function of that signature named as you like)",
				c.name, back, b.typeString(c.to), b.typeString(c.from))
		}
	}
	return b.convs
}

// partner returns the //ipc:convert function converting back what c converts.
func (b *builder) partner(c *convertFunc) *convertFunc {
	for _, d := range b.convs {
		if d != c && types.Identical(d.from, c.to) && types.Identical(d.to, c.from) {
			return d
		}
	}
	return nil
}

// convertType returns the Type of t when the root package has a pair of
// //ipc:convert functions for it, and whether it has: the first function
// of a pair in source order converts the Go type T to the wire type W
// (ToWire), its partner back (FromWire).
func (b *builder) convertType(t *types.Named, tn TypeName, u use) (*Type, bool) {
	if !t.Obj().Exported() || t.TypeArgs().Len() > 0 {
		return nil, false // reported by mapNamed
	}
	for _, c := range b.converts() {
		if !c.toWire || !types.Identical(c.from, t) {
			continue
		}
		back := b.partner(c)
		if back == nil {
			return nil, true // reported
		}
		if types.Identical(c.to, t) {
			b.errorf(u, "//ipc:convert function %s converts %s to itself; convert it to a type that crosses", c.name, b.typeString(t))
			return nil, true
		}
		if b.converting[tn] {
			b.errorf(u, "the //ipc:convert functions of %s convert it, in the end, to itself; break the cycle", b.typeString(t))
			return nil, true
		}
		b.converting[tn] = true
		wire := b.mapType(c.to, nil, use{path: u.path + ": " + b.typeString(t) + " via //ipc:convert " + c.name, pos: u.pos, src: u.src, listElem: u.listElem})
		delete(b.converting, tn)
		if wire == nil {
			return nil, true
		}
		ht := *wire
		ht.Named = &tn
		ht.Hook = &Hook{Wire: wire, ToWire: TypeName{Path: b.src.path, Name: c.name}, FromWire: TypeName{Path: b.src.path, Name: back.name}}
		return &ht, true
	}
	return nil, false
}
