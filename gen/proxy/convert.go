package proxy

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/ifacegen/ifacegen/annotate"
)

// This file emits the use sites of conversions between Go values and
// capnpc-go's bindings: the statements that put one value into a struct
// field or a list element, or take it out. Anything longer than a call is
// written once per wire type by wiretypes.go, and a use site calls it; a
// field and a list element differ only in how the pointer is reached
// (ipcimpl.Field, ipcimpl.Elem).
//
// A use site is a list of steps. A failure returns the error located with
// ipcimpl.InField / ipcimpl.InElem, so that it names the path of the bad value; a
// function that converts several fields records the first failure in an
// ipcimpl.Fields instead and converts one field per line (finishFields).

// ref addresses a Go value in generated code: the value itself (a
// variable, a field selector, a slice element: all addressable) or a
// pointer to it (a reader's destination parameter).
type ref struct {
	x   jen.Code // the expression
	ptr bool     // x is a pointer to the value
}

// val renders the value: x or *x.
func (r ref) val() *jen.Statement {
	if r.ptr {
		return jen.Op("*").Add(r.x)
	}
	return jen.Add(r.x)
}

// addr renders a pointer to the value: &x or x.
func (r ref) addr() *jen.Statement {
	if r.ptr {
		return jen.Add(r.x)
	}
	return jen.Op("&").Add(r.x)
}

// set renders an assignment of v to the value: x = v or *x = v.
func (r ref) set(v jen.Code) *jen.Statement { return r.val().Op("=").Add(v) }

// wrapper renders an error expression located at the value being
// converted, e.g. ipcimpl.InField("Items", ipcimpl.InElem(i, err)).
type wrapper func(err jen.Code) jen.Code

// unwrapped leaves errors as they are: inside a wire type's function, the
// caller locates them.
func unwrapped(err jen.Code) jen.Code { return err }

func fieldWrap(name string) wrapper {
	return func(err jen.Code) jen.Code { return jen.Qual(ipcimplPath, "InField").Call(jen.Lit(name), err) }
}

// field locates errors in field name of the value w locates.
func (w wrapper) field(name string) wrapper {
	return func(err jen.Code) jen.Code { return w(jen.Qual(ipcimplPath, "InField").Call(jen.Lit(name), err)) }
}

// elem locates errors at index i (a variable) of the list w locates.
func (w wrapper) elem(i string) wrapper {
	return func(err jen.Code) jen.Code { return w(jen.Qual(ipcimplPath, "InElem").Call(jen.Id(i), err)) }
}

// step is one statement of a conversion: a plain statement; a call that
// returns only an error, which fails the conversion; an assignment
// "x, err := call" whose error fails the conversion and whose variables
// the steps after it in its sequence use; or "if cond { body }".
type step struct {
	stmt   jen.Code
	call   jen.Code
	assign jen.Code
	cond   jen.Code
	body   []step
	wrap   wrapper
}

func plain(stmts ...jen.Code) []step {
	steps := make([]step, len(stmts))
	for i, s := range stmts {
		steps[i] = step{stmt: s}
	}
	return steps
}

func checked(call jen.Code, wrap wrapper) step { return step{call: call, wrap: wrap} }

// guarded is the step "vars, err := call" (assign), which fails the
// conversion with wrap(err).
func guarded(assign jen.Code, wrap wrapper) step { return step{assign: assign, wrap: wrap} }

// block is the step "if cond { body }".
func block(cond jen.Code, body []step) step { return step{cond: cond, body: body} }

// render renders steps as statements that return at the first error:
//
//	if err := call; err != nil {
//		return ipcimpl.InField("X", err)
//	}
//	x, err := call
//	if err != nil {
//		return ipcimpl.InField("X", err)
//	}
func render(steps []step) []jen.Code { return renderReturning(steps, unwrapped) }

// renderReturning is render for a function with more results than an
// error: ret renders the results of a return statement from its error,
// e.g. "key, value, err".
func renderReturning(steps []step, ret func(err jen.Code) jen.Code) []jen.Code {
	var out []jen.Code
	for _, s := range steps {
		switch {
		case s.call != nil:
			out = append(out, jen.If(jen.Err().Op(":=").Add(s.call), jen.Err().Op("!=").Nil()).Block(jen.Return(ret(s.wrap(jen.Err())))))
		case s.assign != nil:
			out = append(out, s.assign, jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(ret(s.wrap(jen.Err())))))
		case s.cond != nil:
			out = append(out, jen.If(s.cond).Block(renderReturning(s.body, ret)...))
		default:
			out = append(out, s.stmt)
		}
	}
	return out
}

// finishReturning renders steps as the body of a function whose named
// results ret renders, the last of them err error: a last checked call
// becomes
//
//	err = ipcimpl.InField("key", call)
//	return key, value, err
//
// and otherwise "return key, value, nil" follows.
func finishReturning(steps []step, ret func(err jen.Code) jen.Code) []jen.Code {
	if n := len(steps); n > 0 && steps[n-1].call != nil {
		last := steps[n-1]
		return append(renderReturning(steps[:n-1], ret),
			jen.Err().Op("=").Add(last.wrap(last.call)),
			jen.Return(ret(jen.Err())))
	}
	return append(renderReturning(steps, ret), jen.Return(ret(jen.Nil())))
}

// finish renders steps as the body of a function that returns error: a
// last checked call becomes the return statement,
//
//	return ipcimpl.InField("X", call)
//
// (ipcimpl.InField returns nil for nil), and otherwise "return nil" follows.
func finish(steps []step) []jen.Code {
	if n := len(steps); n > 0 && steps[n-1].call != nil {
		last := steps[n-1]
		return append(render(steps[:n-1]), jen.Return(last.wrap(last.call)))
	}
	return append(render(steps), jen.Return(jen.Nil()))
}

// fieldSteps are the steps that convert one field, whose errors are
// located at the field name.
type fieldSteps struct {
	name  string
	steps []step
}

// fails reports whether steps may fail.
func fails(steps []step) bool {
	for _, s := range steps {
		if s.call != nil || s.assign != nil || fails(s.body) {
			return true
		}
	}
	return false
}

// finishFields renders the body of a function that converts fields one
// after another and returns error. When more than one field may fail,
// the errors go to an ipcimpl.Fields named by the scope of w, one line
// per field, and prelude (plain statements) comes first:
//
//	var fields ipcimpl.Fields
//	fields.Check("Ints", writeInt64List(ipcimpl.Field(s, 0), v.Ints))
//	if tipWire, err := s.NewTip(); fields.Check("Tip", err) {
//		fields.Check("Tip", WriteBlockRef(tipWire, &v.Tip))
//	}
//	return fields.Err()
//
// Otherwise the body returns at the error, as finish renders it.
func (w *fn) finishFields(prelude []step, fields []fieldSteps) []jen.Code {
	failing := 0
	for _, f := range fields {
		if fails(f.steps) {
			failing++
		}
	}
	if failing < 2 {
		steps := prelude
		for _, f := range fields {
			steps = append(steps, f.steps...)
		}
		return finish(steps)
	}
	collector := w.sc.name("fields")
	out := append(render(prelude), jen.Var().Id(collector).Qual(ipcimplPath, "Fields"))
	for _, f := range fields {
		out = append(out, collect(collector, f.name, f.steps)...)
	}
	return append(out, jen.Return(jen.Id(collector).Dot("Err").Call()))
}

// collect renders the steps of field name, recording their errors in the
// ipcimpl.Fields named collector; the steps after an assignment run only
// when it succeeded.
func collect(collector, name string, steps []step) []jen.Code {
	check := func(err jen.Code) *jen.Statement {
		return jen.Id(collector).Dot("Check").Call(jen.Lit(name), err)
	}
	var out []jen.Code
	for i, s := range steps {
		switch {
		case s.call != nil:
			out = append(out, check(s.call))
		case s.assign != nil:
			// if tipWire, err := s.NewTip(); fields.Check("Tip", err) { … }
			return append(out, jen.If(s.assign, check(jen.Err())).Block(collect(collector, name, steps[i+1:])...))
		case s.cond != nil:
			out = append(out, jen.If(s.cond).Block(collect(collector, name, s.body)...))
		default:
			out = append(out, s.stmt)
		}
	}
	return out
}

// ifErr renders
//
//	if err != nil {
//		return ipcimpl.InField("X", err)
//	}
func ifErr(wrap wrapper) jen.Code {
	return jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(wrap(jen.Err())))
}

// fn emits the body of one generated function.
type fn struct {
	g  *generator
	sc *scope

	// depth names the function's depth parameter ("" when it has none):
	// the function reads a value that may hold structs of the cycle
	// group group (see nesting.go). In the nested reader of a struct of
	// that group (nested), a struct of the group one level down is read
	// with depth-1; in a wire type's reader, with depth.
	depth  string
	group  int
	nested bool

	// raw is the struct being converted as a capnp.Struct, when the
	// conversion is written inline in a method body whose closure has it
	// (p in func(p capnp.Struct) error); nil elsewhere.
	raw jen.Code
}

// capnpStruct renders s, a struct of the bindings, as a capnp.Struct.
func (w *fn) capnpStruct(s jen.Code) jen.Code {
	if w.raw != nil {
		return w.raw
	}
	return jen.Qual(capnpPath, "Struct").Call(s)
}

// fieldPointer renders the ipcimpl.Pointer of pointer field f of s, whose
// bindings type is stype: ipcimpl.Field(s, 2).
func (w *fn) fieldPointer(s jen.Code, stype string, f *annotate.Field) jen.Code {
	if w.raw != nil {
		s = w.raw
	}
	return jen.Qual(ipcimplPath, "Field").Call(s, jen.Lit(w.g.pointerIndex(stype, f.WireName)))
}

// toWire converts a Go scalar, string or []byte value of type t to the Go
// type capnpc-go's setter takes, when the two differ: int64(v), string(v).
func (w *fn) toWire(t *annotate.Type, v *jen.Statement) *jen.Statement {
	switch t.Kind {
	case annotate.KindBytes:
		if t.Named != nil {
			return jen.Index().Byte().Call(v)
		}
		return v
	}
	wb := wireBasic(t.Kind)
	if t.Named == nil && goBasic(t) == wb {
		return v
	}
	return jen.Id(wb).Call(v)
}

// fromWire converts what capnpc-go's getter returns to the Go type t:
// mining.Height(x), int(x).
func (w *fn) fromWire(t *annotate.Type, x *jen.Statement) *jen.Statement {
	switch t.Kind {
	case annotate.KindEnum:
		return w.g.goType(t).Call(x)
	case annotate.KindBytes:
		if t.Named != nil {
			return w.g.goType(t).Call(x)
		}
		return x
	}
	if t.Named == nil && goBasic(t) == wireBasic(t.Kind) {
		return x
	}
	return w.g.goType(t).Call(x)
}

// enumToWire returns the steps that check an enum value v of type t and
// the expression of its bindings value: Kind(kindWire).
//
//	kindWire, err := ipcimpl.EnumValue(v.Kind)
//	if err != nil {
//		return ipcimpl.InField("Kind", err)
//	}
func (w *fn) enumToWire(t *annotate.Type, v *jen.Statement, hint string, wrap wrapper) ([]step, *jen.Statement) {
	name := w.g.bound(schemaPath(t), t.Enum.Name)
	switch goBasic(t) {
	case "uint8", "uint16":
		return nil, name.Call(v) // always fits
	}
	x := w.sc.name(hint + "Wire")
	return []step{guarded(jen.List(jen.Id(x), jen.Err()).Op(":=").Qual(ipcimplPath, "EnumValue").Call(v), wrap)}, name.Call(jen.Id(x))
}

// narrowEnum reports whether t is an enum whose Go type cannot hold every
// 16-bit wire value, so that reading it needs a check.
func narrowEnum(t *annotate.Type) bool {
	if t.Kind != annotate.KindEnum {
		return false
	}
	switch goBasic(t) {
	case "int8", "uint8", "int16":
		return true
	}
	return false
}

// enumRead returns the steps that convert get, an enum's bindings value,
// to the narrow Go enum type t in a new variable, and that variable:
//
//	size, err := ipcimpl.EnumFromWire[enums.Size](s.Size())
//	if err != nil {
//		return ipcimpl.InField("Size", err)
//	}
func (w *fn) enumRead(get *jen.Statement, t *annotate.Type, hint string, wrap wrapper) ([]step, string) {
	x := w.sc.name(hint)
	return []step{guarded(jen.List(jen.Id(x), jen.Err()).Op(":=").Qual(ipcimplPath, "EnumFromWire").Types(w.g.goType(t)).Call(get), wrap)}, x
}

// scalarHook reports whether t is a hooked type whose wire type is a
// scalar or enum: its conversion is written at the use site.
func scalarHook(t *annotate.Type) bool {
	return t.Hook != nil && t.Hook.Wire.Kind.IsScalar()
}

// hookToWire returns the steps that convert v, of the hooked type t, to
// its wire type in a new variable, and that variable:
//
//	heightWire, err := mining.HeightToWire(v.Height)
//	if err != nil {
//		return ipcimpl.InField("Height", err)
//	}
func (w *fn) hookToWire(t *annotate.Type, v jen.Code, hint string, wrap wrapper) ([]step, string) {
	x := w.sc.name(lowerFirst(hint + "Wire"))
	return []step{guarded(jen.List(jen.Id(x), jen.Err()).Op(":=").Add(w.hookFunc(t, t.Hook.ToWire)).Call(v), wrap)}, x
}

// hookFromWire returns the steps that convert the wire value wire back to
// the hooked type t and store it in dst.
//
//	height, err := mining.HeightFromWire(heightWire)
//	if err != nil {
//		return ipcimpl.InField("Height", err)
//	}
//	v.Height = height
func (w *fn) hookFromWire(t *annotate.Type, wire jen.Code, dst ref, hint string, wrap wrapper) []step {
	x := w.sc.name(hint)
	return []step{
		guarded(jen.List(jen.Id(x), jen.Err()).Op(":=").Add(w.hookFunc(t, t.Hook.FromWire)).Call(wire), wrap),
		{stmt: dst.set(jen.Id(x))},
	}
}

// hookFunc renders the conversion function f of the hooked type t,
// instantiated with t's Go type when the hook is generic:
// ipc.MarshalBinary[pkg.T].
func (w *fn) hookFunc(t *annotate.Type, f annotate.TypeName) *jen.Statement {
	if t.Hook.Generic {
		return w.g.qual(f).Types(w.g.qual(*t.Named))
	}
	return w.g.qual(f)
}

// scalarRead returns the Go value of a scalar or enum field f of s:
// mining.Height(s.Height()); ok is false for other kinds and for enums
// that need a check (narrowEnum).
func (w *fn) scalarRead(s jen.Code, f *annotate.Field, t *annotate.Type) (jen.Code, bool) {
	if !t.Kind.IsScalar() || narrowEnum(t) || t.Hook != nil {
		return nil, false
	}
	return w.fromWire(t, jen.Add(s).Dot(accessor(f.WireName)).Call()), true
}

// writeField returns the steps that write the Go value v, of type t, into
// field f of s, a capnp struct whose bindings type is stype. hint names
// the locals it needs.
func (w *fn) writeField(s jen.Code, stype string, f *annotate.Field, t *annotate.Type, v ref, hint string, wrap wrapper) []step {
	acc := accessor(f.WireName)
	set := func(args ...jen.Code) *jen.Statement { return jen.Add(s).Dot("Set" + acc).Call(args...) }
	if scalarHook(t) {
		steps, x := w.hookToWire(t, v.val(), hint, wrap)
		return append(steps, w.writeField(s, stype, f, t.Hook.Wire, ref{x: jen.Id(x)}, hint, wrap)...)
	}
	switch shapeOf(t) {
	case shapeScalar:
		if t.Kind == annotate.KindEnum {
			steps, x := w.enumToWire(t, v.val(), hint, wrap)
			return append(steps, step{stmt: set(x)})
		}
		// s.SetHeight(int64(v.Height))
		return plain(set(w.toWire(t, v.val())))

	case shapeText:
		// if err := s.SetName(v.Name); err != nil { … }
		return []step{checked(set(w.toWire(t, v.val())), wrap)}

	case shapeStruct:
		// tipWire, err := s.NewTip()
		// if err != nil { … }
		// if err := WriteBlockRef(tipWire, &v.Tip); err != nil { … }
		c := w.sc.name(hint + "Wire")
		return []step{
			guarded(jen.List(jen.Id(c), jen.Err()).Op(":=").Add(s).Dot("New"+acc).Call(), wrap),
			checked(w.structWriter(t).Call(jen.Id(c), v.addr()), wrap),
		}

	case shapeCap:
		// Capabilities go through the engine's table, not the bindings'.
		// if err := ipcimpl.SetCap(capnp.Struct(s), 0, ExportBlockTemplate(v.Template)); err != nil { … }
		return []step{checked(jen.Qual(ipcimplPath, "SetCap").Call(
			w.capnpStruct(s), jen.Lit(w.g.pointerIndex(stype, f.WireName)),
			w.g.bound(schemaPath(t), exportFunc(t.Interface.Name)).Call(v.val())), wrap)}

	case shapeHasFlag:
		// if v.Fee != nil {
		// 	s.SetFee(int64(*v.Fee))
		// 	s.SetHasFee(true)
		// }
		if f.HasWireName == "" {
			panic(fmt.Sprintf("proxy: optional scalar field %s has no has flag", f.WireName))
		}
		saved := w.sc
		w.sc = saved.child()
		body := w.writeField(s, stype, f, t.Elem, ref{x: v.val(), ptr: true}, hint, wrap)
		w.sc = saved
		body = append(body, step{stmt: jen.Add(s).Dot("Set" + accessor(f.HasWireName)).Call(jen.True())})
		return []step{block(v.val().Op("!=").Nil(), body)}

	case shapePointer:
		// if err := writeInt32List(ipcimpl.Field(s, 2), v.Items); err != nil { … }
		at := w.fieldPointer(s, stype, f)
		steps := []step{checked(w.pointerWriteCall(t, at, v.val()), wrap)}
		if t.Kind == annotate.KindOptional && f.HasWireName != "" {
			// The libmultiprocess dialect: a pointer and a has flag.
			// if v.Tip != nil {
			// 	s.SetHasTipFlag(true)
			// }
			steps = append(steps, step{stmt: jen.If(v.val().Op("!=").Nil()).Block(
				jen.Add(s).Dot("Set" + accessor(hasFlagName(f))).Call(jen.True()))})
		}
		return steps
	}
	panic(fmt.Sprintf("proxy: cannot write kind %d", t.Kind))
}

// readField returns the steps that read field f of s, a capnp struct whose
// bindings type is stype, into the Go value dst of type t.
func (w *fn) readField(s jen.Code, stype string, f *annotate.Field, t *annotate.Type, dst ref, hint string, wrap wrapper) []step {
	get := jen.Add(s).Dot(accessor(f.WireName)).Call()
	if scalarHook(t) {
		// height, err := mining.HeightFromWire(s.Height())
		if x, ok := w.scalarRead(s, f, t.Hook.Wire); ok {
			return w.hookFromWire(t, x, dst, hint, wrap)
		}
		steps, x := w.enumRead(get, t.Hook.Wire, hint+"Wire", wrap)
		return append(steps, w.hookFromWire(t, jen.Id(x), dst, hint, wrap)...)
	}
	switch shapeOf(t) {
	case shapeScalar:
		if x, ok := w.scalarRead(s, f, t); ok {
			// v.Height = mining.Height(s.Height())
			return plain(dst.set(x))
		}
		steps, x := w.enumRead(get, t, hint, wrap)
		return append(steps, step{stmt: dst.set(jen.Id(x))})

	case shapeText:
		// if err := ipcimpl.ReadText(ipcimpl.Field(s, 0), &v.Name); err != nil { … }
		read := "ReadText"
		if t.Kind == annotate.KindBytes {
			read = "ReadData" // a copy: the message's buffer is reused
		}
		at := w.fieldPointer(s, stype, f)
		return []step{checked(jen.Qual(ipcimplPath, read).Call(at, dst.addr()), wrap)}

	case shapeStruct:
		// tipWire, err := s.Tip()
		// if err != nil { … }
		// if err := ReadBlockRef(tipWire, &v.Tip); err != nil { … }
		c := w.sc.name(hint + "Wire")
		return []step{
			guarded(jen.List(jen.Id(c), jen.Err()).Op(":=").Add(get), wrap),
			checked(w.structReadCall(t, jen.Id(c), dst.addr()), wrap),
		}

	case shapeCap:
		// v.Template = ImportBlockTemplate(ipcimpl.Cap(capnp.Struct(s), 0))
		return plain(dst.set(w.g.bound(schemaPath(t), importFunc(t.Interface.Name)).Call(
			jen.Qual(ipcimplPath, "Cap").Call(w.capnpStruct(s), jen.Lit(w.g.pointerIndex(stype, f.WireName))))))

	case shapeHasFlag:
		if f.HasWireName == "" {
			panic(fmt.Sprintf("proxy: optional scalar field %s has no has flag", f.WireName))
		}
		has := jen.Add(s).Dot(accessor(f.HasWireName)).Call()
		if x, ok := w.scalarRead(s, f, t.Elem); ok {
			// v.Fee = ipcimpl.Optional(s.HasFee(), mining.Amount(s.Fee()))
			return plain(dst.set(jen.Qual(ipcimplPath, "Optional").Call(has, x)))
		}
		// if s.HasSize() {
		// 	size := new(enums.Size)
		// 	…read s's size into *size…
		// 	v.Size = size
		// }
		saved := w.sc
		w.sc = saved.child()
		x := w.sc.name(hint)
		steps := append(plain(jen.Id(x).Op(":=").New(w.g.goType(t.Elem))),
			w.readField(s, stype, f, t.Elem, ref{x: jen.Id(x), ptr: true}, hint+"Wire", wrap)...)
		w.sc = saved
		steps = append(steps, step{stmt: dst.set(jen.Id(x))})
		return []step{block(has, steps)}

	case shapePointer:
		// if err := readInt32List(ipcimpl.Field(s, 2), &v.Items); err != nil { … }
		at := w.fieldPointer(s, stype, f)
		steps := []step{checked(w.pointerReadCall(t, at, dst.addr()), wrap)}
		if t.Kind == annotate.KindOptional && f.HasWireName != "" {
			// The libmultiprocess dialect: the pointer counts only when
			// its has flag is set.
			// if s.HasTipFlag() {
			// 	…read the pointer…
			// }
			return []step{block(jen.Add(s).Dot(accessor(hasFlagName(f))).Call(), steps)}
		}
		return steps
	}
	panic(fmt.Sprintf("proxy: cannot read kind %d", t.Kind))
}

// writeElem returns the steps that write the Go value v, of type t, as
// element i of the capnp list l.
func (w *fn) writeElem(l, i string, t *annotate.Type, v ref, wrap wrapper) []step {
	set := func(x jen.Code) *jen.Statement { return jen.Id(l).Dot("Set").Call(jen.Id(i), x) }
	at := jen.Id(l).Dot("At").Call(jen.Id(i))
	if scalarHook(t) {
		steps, x := w.hookToWire(t, v.val(), "elem", wrap)
		return append(steps, w.writeElem(l, i, t.Hook.Wire, ref{x: jen.Id(x)}, wrap)...)
	}
	switch shapeOf(t) {
	case shapeScalar:
		if t.Kind == annotate.KindEnum {
			steps, x := w.enumToWire(t, v.val(), "elem", wrap)
			return append(steps, step{stmt: set(x)})
		}
		// l.Set(i, int64(v[i]))
		return plain(set(w.toWire(t, v.val())))

	case shapeText:
		if t.Kind == annotate.KindBytes {
			// capnp.DataList.Set writes null for empty data too.
			// if err := ipcimpl.SetDataAt(l, i, v[i]); err != nil { … }
			return []step{checked(jen.Qual(ipcimplPath, "SetDataAt").Call(jen.Id(l), jen.Id(i), w.toWire(t, v.val())), wrap)}
		}
		// if err := l.Set(i, v[i]); err != nil { … }
		return []step{checked(set(w.toWire(t, v.val())), wrap)}

	case shapeStruct:
		// if err := WriteBlockRef(l.At(i), &v[i]); err != nil { … }
		return []step{checked(w.structWriter(t).Call(at, v.addr()), wrap)}

	case shapeCap:
		// A nil element stays a null pointer.
		// if err := ipcimpl.SetCapElem(l, i, ExportBlockTemplate(v[i])); err != nil { … }
		return []step{checked(jen.Qual(ipcimplPath, "SetCapElem").Call(jen.Id(l), jen.Id(i),
			w.g.bound(schemaPath(t), exportFunc(t.Interface.Name)).Call(v.val())), wrap)}

	case shapeHasFlag, shapePointer:
		if t.Kind == annotate.KindOptional {
			// Each element is a box whose value field carries the
			// optional, so a nil element is a box without a value.
			// box := l.At(i)
			// …write v[i] into box's value…
			bf, ot := boxed(t)
			box := w.sc.name("box")
			return append(plain(jen.Id(box).Op(":=").Add(at)),
				w.writeField(jen.Id(box), t.Box.Name, bf, ot, v, "value", wrap)...)
		}
		// if err := writeInt32List(ipcimpl.Elem(l, i), v[i]); err != nil { … }
		elem := jen.Qual(ipcimplPath, "Elem").Call(jen.Id(l), jen.Id(i))
		return []step{checked(w.pointerWriteCall(t, elem, v.val()), wrap)}
	}
	panic(fmt.Sprintf("proxy: cannot write list element of kind %d", t.Kind))
}

// readElem returns the steps that read element i of the capnp list l into
// dst, a Go value of type t.
func (w *fn) readElem(l, i string, t *annotate.Type, dst ref, wrap wrapper) []step {
	at := jen.Id(l).Dot("At").Call(jen.Id(i))
	elem := jen.Qual(ipcimplPath, "Elem").Call(jen.Id(l), jen.Id(i))
	if scalarHook(t) {
		if !narrowEnum(t.Hook.Wire) {
			return w.hookFromWire(t, w.fromWire(t.Hook.Wire, at), dst, "elem", wrap)
		}
		steps, x := w.enumRead(at, t.Hook.Wire, "elemWire", wrap)
		return append(steps, w.hookFromWire(t, jen.Id(x), dst, "elem", wrap)...)
	}
	switch shapeOf(t) {
	case shapeScalar:
		if narrowEnum(t) {
			steps, x := w.enumRead(at, t, "elem", wrap)
			return append(steps, step{stmt: dst.set(jen.Id(x))})
		}
		// v[i] = int(l.At(i))
		return plain(dst.set(w.fromWire(t, at)))

	case shapeText:
		// if err := ipcimpl.ReadText(ipcimpl.Elem(l, i), &v[i]); err != nil { … }
		read := "ReadText"
		if t.Kind == annotate.KindBytes {
			read = "ReadData"
		}
		return []step{checked(jen.Qual(ipcimplPath, read).Call(elem, dst.addr()), wrap)}

	case shapeStruct:
		// if err := ReadBlockRef(l.At(i), &v[i]); err != nil { … }
		return []step{checked(w.structReadCall(t, at, dst.addr()), wrap)}

	case shapeCap:
		// v[i] = ImportBlockTemplate(ipcimpl.CapElem(l, i))
		return plain(dst.set(w.g.bound(schemaPath(t), importFunc(t.Interface.Name)).Call(
			jen.Qual(ipcimplPath, "CapElem").Call(jen.Id(l), jen.Id(i)))))

	case shapeHasFlag, shapePointer:
		if t.Kind == annotate.KindOptional {
			// box := l.At(i)
			// …read box's value into v[i]…
			bf, ot := boxed(t)
			box := w.sc.name("box")
			return append(plain(jen.Id(box).Op(":=").Add(at)),
				w.readField(jen.Id(box), t.Box.Name, bf, ot, dst, "value", wrap)...)
		}
		// if err := readInt32List(ipcimpl.Elem(l, i), &v[i]); err != nil { … }
		return []step{checked(w.pointerReadCall(t, elem, dst.addr()), wrap)}
	}
	panic(fmt.Sprintf("proxy: cannot read list element of kind %d", t.Kind))
}

// hasFlagName is the Go name of f's has flag in the bindings.
func hasFlagName(f *annotate.Field) string {
	if f.HasGoName != "" {
		return f.HasGoName
	}
	return f.HasWireName
}

// boxed returns the value field of the box struct of t, an optional list
// element, and the type to convert it with: t without its box. (A box is
// shared by every optional with the same wire type, so its field's own
// Type may be another use's, e.g. *int32 for a *mining.Height.)
func boxed(t *annotate.Type) (*annotate.Field, *annotate.Type) {
	if t.Box == nil || len(t.Box.Fields) != 1 {
		panic("proxy: optional list element without a box struct of one field")
	}
	return t.Box.Fields[0], &annotate.Type{Kind: annotate.KindOptional, Elem: t.Elem}
}

// structWriter renders the function that writes a Go value of type t, a
// struct or a type hooked to a struct, into a struct of the bindings:
// WriteBlockRef, writeTime.
func (w *fn) structWriter(t *annotate.Type) *jen.Statement {
	if t.Hook != nil {
		return jen.Id("write" + w.g.wireTypeName(t))
	}
	return w.g.bound(schemaPath(t), structWriteFunc(t.Struct.Name))
}

// structReadCall renders the call that reads the struct c of the
// bindings into dst, a pointer to a Go value of type t (a struct or a type
// hooked to a struct): ReadBlockRef(c, dst), readTreeNested(c, dst,
// depth-1), readTime(c, dst).
func (w *fn) structReadCall(t *annotate.Type, c, dst jen.Code) jen.Code {
	if t.Hook != nil {
		return w.withDepth(t, jen.Id("read"+w.g.wireTypeName(t)), c, dst)
	}
	if depth, ok := w.depthFor(t); ok {
		return jen.Id(nestedReadFunc(t.Struct.Name)).Call(c, dst, depth)
	}
	return w.g.bound(schemaPath(t), structReadFunc(t.Struct.Name)).Call(c, dst)
}

// pointerWriteCall renders the call that writes v, a Go value of type t,
// at the pointer at: for a slice or map that an ipcimpl helper writes,
// that helper (ipcimpl.WriteScalarList(at, capnp.NewInt32List, v)), and
// otherwise t's own function (writeInt32Array3(at, v)).
func (w *fn) pointerWriteCall(t *annotate.Type, at, v jen.Code) jen.Code {
	if call, ok := w.listHelperWrite(t, at, v, true); ok {
		return call
	}
	if t.Kind == annotate.KindMap && t.Hook == nil {
		return w.mapHelperWrite(t, at, v)
	}
	return w.g.pointerWriter(t).Call(at, v)
}

// pointerReadCall renders the call that reads the pointer at into dst, a
// pointer to a Go value of type t: ipcimpl.ReadScalarList[capnp.Int32List](at, dst)
// for a slice, map or optional that an ipcimpl helper reads (see
// pointerWriteCall), and otherwise readInt32Array3(at, dst).
func (w *fn) pointerReadCall(t *annotate.Type, at, dst jen.Code) jen.Code {
	if call, ok := w.listHelperRead(t, at, dst, true); ok {
		return call
	}
	if call, ok := w.optionalHelperRead(t, at, dst); ok {
		return call
	}
	if t.Kind == annotate.KindMap && t.Hook == nil && !needsDepth(w.g, t) {
		return w.mapHelperRead(t, at, dst)
	}
	return w.withDepth(t, jen.Id("read"+w.g.wireTypeName(t)), at, dst)
}

// withDepth renders a call of the reader read of a wire type t with args,
// and the depth argument when t's values may hold recursive structs.
func (w *fn) withDepth(t *annotate.Type, read *jen.Statement, args ...jen.Code) jen.Code {
	if needsDepth(w.g, t) {
		depth, ok := w.depthFor(leafStruct(t))
		if !ok {
			depth = jen.Qual(ipcPath, "MaxNesting")
		}
		args = append(args, depth)
	}
	return read.Call(args...)
}
