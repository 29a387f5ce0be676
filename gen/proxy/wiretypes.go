package proxy

import (
	"fmt"
	"strconv"

	"github.com/dave/jennifer/jen"

	"github.com/ifacegen/ifacegen/annotate"
)

// This file emits one write and one read function per wire type that the
// package's conversions use and that takes more than a call to convert:
// each list, array, map, [N]byte, optional held by a pointer, and hooked
// type. Use sites (convert.go) call them; the functions are named after
// the Go type: writeInt32ListList, readStringTimeMap, writeBytes32,
// readTime. Most bodies are one call of an ipcimpl helper (lists.go,
// maps.go, optionals.go there), which takes the function of the element
// type, a map entry (mapEntryFuncs) or the box of an optional list element
// (boxFuncs); a slice of numbers, enums, bools, strings or []byte needs no
// function at all: its use site calls the helper (pointerWriteCall).

// shape is how a value of a type sits in a struct or list, and so how a
// use site converts it.
type shape int

const (
	shapeScalar  shape = iota // a number, bool or enum in the data section
	shapeText                 // a string or []byte: the bindings' accessors
	shapeStruct               // a struct, or a type hooked to a struct: WriteX/ReadX
	shapeCap                  // an interface: a capability pointer
	shapeHasFlag              // an optional scalar: the value and a has flag
	shapePointer              // anything else behind a pointer: writeX/readX at an ipcimpl.Pointer
)

func shapeOf(t *annotate.Type) shape {
	switch {
	case t.Kind.IsScalar():
		return shapeScalar
	case t.Kind == annotate.KindStruct:
		return shapeStruct
	case t.Hook != nil:
		return shapePointer // a hooked Text or Data is converted by its own function too
	case t.Kind == annotate.KindString || t.Kind == annotate.KindBytes:
		return shapeText
	case t.Kind == annotate.KindInterface:
		return shapeCap
	case t.Kind == annotate.KindOptional && t.Elem.Kind.IsScalar():
		return shapeHasFlag
	}
	return shapePointer
}

// wireType is a type whose conversion functions are to be emitted.
type wireType struct {
	name string // the functions are write<name> and read<name>
	t    *annotate.Type
	// parts: the functions of the parts of t, a map or a list of
	// optionals, that ipcimpl's helpers call (mapEntryFuncs, boxFuncs),
	// rather than t's own.
	parts bool
}

// wireTypeName returns the name of the conversion functions of t, a type
// of shapePointer or a type hooked to a struct, and has them emitted.
func (g *generator) wireTypeName(t *annotate.Type) string {
	return g.wireFuncs(t, false)
}

// partsName returns the name of the conversion functions of t, a map or a
// list of optionals, and has the functions of its entries or boxes
// emitted: write<name>Entry, read<name>Elem.
func (g *generator) partsName(t *annotate.Type) string {
	return g.wireFuncs(t, true)
}

// wireFuncs names the conversion functions of t and has them (or, with
// parts, those of t's parts) emitted once.
func (g *generator) wireFuncs(t *annotate.Type, parts bool) string {
	key := typeKey(t)
	name := g.wireName(t, key)
	queued := "emit " + key
	if parts {
		queued = "emit parts " + key
	}
	if _, ok := g.wireNames[queued]; !ok {
		g.wireNames[queued] = name
		g.wireQueue = append(g.wireQueue, wireType{name: name, t: t, parts: parts})
	}
	return name
}

// wireName returns the name of the conversion functions of t, whose
// typeKey is key, choosing it on first use.
func (g *generator) wireName(t *annotate.Type, key string) string {
	if n, ok := g.wireNames[key]; ok {
		return n
	}
	base := typeName(t)
	name := base
	taken := func(name string) bool {
		return g.wireTaken[name] || g.reserved["write"+name] || g.reserved["read"+name]
	}
	// A map's entries and the boxes of a list of optionals have functions
	// of their own (mapEntryFuncs, boxFuncs).
	suffix := ""
	switch {
	case t.Kind == annotate.KindMap:
		suffix = "Entry"
	case t.Kind == annotate.KindList && t.Elem.Kind == annotate.KindOptional:
		suffix = "Elem"
	}
	for i := 2; taken(name) || (suffix != "" && taken(name+suffix)); i++ {
		name = base + strconv.Itoa(i)
	}
	g.wireTaken[name] = true
	if suffix != "" {
		g.wireTaken[name+suffix] = true
	}
	g.wireNames[key] = name
	return name
}

// pointerWriter renders the writer of t: writeInt32List.
func (g *generator) pointerWriter(t *annotate.Type) *jen.Statement {
	return jen.Id("write" + g.wireTypeName(t))
}

// funcName is how a doc comment names the function n: ipc.TimeToWire.
func (g *generator) funcName(n annotate.TypeName) string {
	if n.Path == g.pkg.IPCPath {
		return n.Name
	}
	return g.imports[n.Path] + "." + n.Name
}

// typeName names the Go type t for the functions that convert it.
func typeName(t *annotate.Type) string {
	if t.Named != nil {
		return upperFirst(t.Named.Name)
	}
	switch t.Kind {
	case annotate.KindBytes:
		return "Bytes"
	case annotate.KindByteArray:
		return fmt.Sprintf("Bytes%d", t.Len)
	case annotate.KindList:
		if t.Len > 0 {
			return fmt.Sprintf("%sArray%d", typeName(t.Elem), t.Len)
		}
		return typeName(t.Elem) + "List"
	case annotate.KindMap:
		return typeName(t.Key) + typeName(t.Elem) + "Map"
	case annotate.KindInterface:
		return t.Interface.Name
	case annotate.KindOptional:
		return "Optional" + typeName(t.Elem)
	}
	return upperFirst(goBasic(t))
}

// typeKey identifies the Go type t and its wire form.
func typeKey(t *annotate.Type) string {
	if t == nil {
		return ""
	}
	k := fmt.Sprintf("%d/%s/%d", t.Kind, t.Basic, t.Len)
	if t.Named != nil {
		k += "/" + t.Named.Path + "." + t.Named.Name
	}
	if t.Hook != nil {
		k += "/hook"
	}
	if t.Struct != nil {
		k += "/struct " + t.Struct.Name
	}
	if t.Interface != nil {
		k += "/interface " + t.Interface.IPCPath + "." + t.Interface.Name
	}
	if t.Schema != nil {
		k += "/from " + t.Schema.IPCPath
	}
	return k + "[" + typeKey(t.Elem) + "]{" + typeKey(t.Key) + "}"
}

// emitWireTypes emits the functions of every wire type registered so far,
// and of those that emitting them registers.
func (g *generator) emitWireTypes() {
	for len(g.wireQueue) > 0 {
		wt := g.wireQueue[0]
		g.wireQueue = g.wireQueue[1:]
		switch {
		case wt.parts && wt.t.Kind == annotate.KindMap:
			g.mapEntryFuncs(wt.name, wt.t)
		case wt.parts:
			g.boxFuncs(wt.name, wt.t)
		case wt.t.Hook != nil && wt.t.Kind == annotate.KindStruct:
			g.structHookFuncs(wt.name, wt.t)
		default:
			g.pointerFuncs(wt.name, wt.t)
		}
	}
}

// readerFn starts the reader of t, with a depth parameter when t's values
// may hold recursive structs (see nesting.go), and returns its parameters.
func (g *generator) readerFn(t *annotate.Type, params ...jen.Code) (*fn, []jen.Code) {
	w := g.newFn("from", "dst", "depth")
	if needsDepth(g, t) {
		w.depth, w.group = "depth", g.groups[leafStruct(t).Struct]
		params = append(params, jen.Id("depth").Int())
	}
	return w, params
}

// depthDoc is the sentence a reader with a depth parameter adds to its doc.
func (w *fn) depthDoc() string {
	if w.depth == "" {
		return ""
	}
	return " The value may nest depth levels deep."
}

// structHookFuncs emits the conversions of t, a type hooked to a struct:
//
//	// writeTime converts *v with ipc.TimeToWire and writes it into s.
//	func writeTime(s WallTime, v *time.Time) error {
//		wire, err := ipc.TimeToWire(*v)
//		if err != nil {
//			return err
//		}
//		return WriteWallTime(s, &wire)
//	}
//
//	// readTime reads s into *dst, converting it with ipc.TimeFromWire.
//	func readTime(s WallTime, dst *time.Time) error {
//		var wire ipc.WallTime
//		if err := ReadWallTime(s, &wire); err != nil {
//			return err
//		}
//		value, err := ipc.TimeFromWire(wire)
//		…
//		*dst = value
//		return nil
//	}
func (g *generator) structHookFuncs(name string, t *annotate.Type) {
	wire := t.Hook.Wire
	bindings := g.bound(schemaPath(t), t.Struct.Name)
	goType := g.goType(t)

	w := g.newFn("s", "v")
	steps, x := w.hookToWire(t, jen.Op("*").Id("v"), "", unwrapped)
	steps = append(steps, checked(w.structWriter(wire).Call(jen.Id("s"), jen.Op("&").Id(x)), unwrapped))
	g.file.Comment(fmt.Sprintf("write%s converts *v with %s and writes it into s.", name, g.funcName(t.Hook.ToWire)))
	g.file.Func().Id("write"+name).Params(jen.Id("s").Add(bindings), jen.Id("v").Op("*").Add(goType)).Error().Block(finish(steps)...)

	w, params := g.readerFn(t, jen.Id("s").Add(bindings), jen.Id("dst").Op("*").Add(goType))
	w.sc.used["s"] = true
	x = w.sc.name("wire")
	steps = append(plain(jen.Var().Id(x).Add(g.goType(wire))),
		checked(w.structReadCall(wire, jen.Id("s"), jen.Op("&").Id(x)), unwrapped))
	steps = append(steps, w.hookFromWire(t, jen.Id(x), ref{x: jen.Id("dst"), ptr: true}, "value", unwrapped)...)
	g.file.Comment(fmt.Sprintf("read%s reads s into *dst, converting it with %s.%s", name, g.funcName(t.Hook.FromWire), w.depthDoc()))
	g.file.Func().Id("read" + name).Params(params...).Error().Block(finish(steps)...)
}

// pointerFuncs emits the conversions of t, a type of shapePointer, at an
// ipcimpl.Pointer:
//
//	func writeInt32List(at ipcimpl.Pointer, v []int32) error
//	func readInt32List(from ipcimpl.Pointer, dst *[]int32) error
func (g *generator) pointerFuncs(name string, t *annotate.Type) {
	at := jen.Id("at").Qual(ipcimplPath, "Pointer")
	from := jen.Id("from").Qual(ipcimplPath, "Pointer")
	goType := g.goType(t)

	w := g.newFn("at", "v")
	doc, steps := w.pointerWrite(t)
	g.file.Comment(docComment(fmt.Sprintf("write%s %s", name, doc)))
	g.file.Func().Id("write"+name).Params(at, jen.Id("v").Add(goType)).Error().Block(finish(steps)...)

	w, params := g.readerFn(t, from, jen.Id("dst").Op("*").Add(goType))
	doc, steps = w.pointerRead(t)
	g.file.Comment(docComment(fmt.Sprintf("read%s %s%s", name, doc, w.depthDoc())))
	g.file.Func().Id("read" + name).Params(params...).Error().Block(finish(steps)...)
}

// boxFuncs emits the functions that convert one element of the list of
// optionals t, in its box, which ipcimpl.WriteBoxList and (unless the
// list's reader counts nesting levels) ipcimpl.ReadBoxList call:
//
//	// writeOptionalInt32ListElem writes v into box; nil leaves box empty.
//	func writeOptionalInt32ListElem(box OptionalInt32, v *int32) error {
//		if v != nil {
//			box.SetValue(*v)
//			box.SetHasValue(true)
//		}
//		return nil
//	}
//
//	// readOptionalInt32ListElem reads the value of box: nil when it is empty.
//	func readOptionalInt32ListElem(box OptionalInt32) (v *int32, err error) {
//		v = ipcimpl.Optional(box.HasValue(), box.Value())
//		return v, nil
//	}
func (g *generator) boxFuncs(name string, t *annotate.Type) {
	bf, ot := boxed(t.Elem)
	box, v := jen.Id("box"), jen.Id("v")
	goType := g.goType(t.Elem)

	w := g.newFn("box", "v")
	steps := w.writeField(box, t.Elem.Box.Name, bf, ot, ref{x: v}, "value", unwrapped)
	g.file.Comment(fmt.Sprintf("write%sElem writes v into box; nil leaves box empty.", name))
	g.file.Func().Id("write"+name+"Elem").Params(jen.Id("box").Id(t.Elem.Box.Name), jen.Id("v").Add(goType)).Error().Block(finish(steps)...)

	if needsDepth(g, t) {
		return
	}
	// A failed step returns what was read so far with the error.
	results := func(err jen.Code) jen.Code { return jen.List(v, err) }
	w = g.newFn("box", "v")
	steps = w.readField(box, t.Elem.Box.Name, bf, ot, ref{x: v}, "value", unwrapped)
	g.file.Comment(fmt.Sprintf("read%sElem reads the value of box: nil when it is empty.", name))
	g.file.Func().Id("read"+name+"Elem").Params(jen.Id("box").Id(t.Elem.Box.Name)).Params(
		jen.Id("v").Add(goType), jen.Err().Error(),
	).Block(finishReturning(steps, results)...)
}

// mapEntryFuncs emits the functions that convert one entry of the map
// type t, which ipcimpl.WriteMap and ipcimpl.ReadMap call (the reader
// only when it counts no nesting levels: mapRead loops itself then):
//
//	// writeStringInt64MapEntry writes key and value into entry.
//	func writeStringInt64MapEntry(entry TextInt64Entry, key string, value int64) error {
//		if err := entry.SetKey(key); err != nil {
//			return ipcimpl.InField("key", err)
//		}
//		entry.SetValue(value)
//		return nil
//	}
//
//	// readStringInt64MapEntry reads the key and value of entry.
//	func readStringInt64MapEntry(entry TextInt64Entry) (key string, value int64, err error) {
//		if err := ipcimpl.ReadText(ipcimpl.Field(entry, 0), &key); err != nil {
//			return key, value, ipcimpl.InField("key", err)
//		}
//		value = entry.Value()
//		return key, value, nil
//	}
//
// An error of the key is located at field "key"; one of the value is not
// located further than the entry.
func (g *generator) mapEntryFuncs(name string, t *annotate.Type) {
	st := t.Entry
	kf, vf := st.Fields[0], st.Fields[1]
	entry, key, value := jen.Id("entry"), jen.Id("key"), jen.Id("value")

	w := g.newFn("entry", "key", "value")
	steps := append(w.writeField(entry, st.Name, kf, t.Key, ref{x: key}, "key", fieldWrap("key")),
		w.writeField(entry, st.Name, vf, t.Elem, ref{x: value}, "value", unwrapped)...)
	g.file.Comment(fmt.Sprintf("write%sEntry writes key and value into entry.", name))
	g.file.Func().Id("write"+name+"Entry").Params(
		jen.Id("entry").Id(st.Name), jen.Id("key").Add(g.goType(t.Key)), jen.Id("value").Add(g.goType(t.Elem)),
	).Error().Block(finish(steps)...)

	if needsDepth(g, t) {
		return
	}
	// A failed step returns what was read so far with the error.
	results := func(err jen.Code) jen.Code { return jen.List(key, value, err) }
	w = g.newFn("entry", "key", "value")
	steps = append(w.readField(entry, st.Name, kf, t.Key, ref{x: key}, "key", fieldWrap("key")),
		w.readField(entry, st.Name, vf, t.Elem, ref{x: value}, "value", unwrapped)...)
	g.file.Comment(fmt.Sprintf("read%sEntry reads the key and value of entry.", name))
	g.file.Func().Id("read"+name+"Entry").Params(jen.Id("entry").Id(st.Name)).Params(
		jen.Id("key").Add(g.goType(t.Key)), jen.Id("value").Add(g.goType(t.Elem)), jen.Err().Error(),
	).Block(finishReturning(steps, results)...)
}

// writeAt renders the call that writes v, a Go value of type t that sits
// behind a pointer, at the ipcimpl.Pointer at: at.SetText(v),
// writeInt32List(at, v).
func (w *fn) writeAt(t *annotate.Type, at, v jen.Code) jen.Code {
	switch shapeOf(t) {
	case shapeText:
		if t.Kind == annotate.KindBytes {
			return jen.Add(at).Dot("SetData").Call(w.toWire(t, jen.Add(v)))
		}
		return jen.Add(at).Dot("SetText").Call(w.toWire(t, jen.Add(v)))
	case shapePointer:
		return w.pointerWriteCall(t, at, v)
	}
	panic(fmt.Sprintf("proxy: kind %d is not converted at a pointer", t.Kind))
}

// readAt renders the call that reads the ipcimpl.Pointer from into dst, a
// pointer to a Go value of type t.
func (w *fn) readAt(t *annotate.Type, from, dst jen.Code) jen.Code {
	switch shapeOf(t) {
	case shapeText:
		if t.Kind == annotate.KindBytes {
			return jen.Qual(ipcimplPath, "ReadData").Call(from, dst)
		}
		return jen.Qual(ipcimplPath, "ReadText").Call(from, dst)
	case shapePointer:
		return w.pointerReadCall(t, from, dst)
	}
	panic(fmt.Sprintf("proxy: kind %d is not converted at a pointer", t.Kind))
}

// pointerWrite returns the doc and the steps of the writer of t.
func (w *fn) pointerWrite(t *annotate.Type) (string, []step) {
	at, v := jen.Id("at"), jen.Id("v")
	nilStaysNull := plain(jen.If(jen.Id("v").Op("==").Nil()).Block(jen.Return(jen.Nil())))
	switch {
	case t.Hook != nil:
		// wire, err := ipc.MarshalText[pkg.T](v)
		// if err != nil {
		// 	return err
		// }
		// return at.SetText(wire)
		steps, x := w.hookToWire(t, v, "", unwrapped)
		return fmt.Sprintf("converts v with %s and writes it at at.", w.g.funcName(t.Hook.ToWire)),
			append(steps, checked(w.writeAt(t.Hook.Wire, at, jen.Id(x)), unwrapped))

	case t.Kind == annotate.KindByteArray:
		// return at.SetData(v[:])
		return "points at at a new Data holding v.",
			[]step{checked(jen.Id("at").Dot("SetData").Call(jen.Id("v").Index(jen.Empty(), jen.Empty())), unwrapped)}

	case t.Kind == annotate.KindList:
		// l, err := ipcimpl.NewList(at, capnp.NewInt32List, len(v))
		// if err != nil {
		// 	return err
		// }
		// for i := range v {
		// 	…write v[i] into l at i…
		// }
		// return nil
		doc := "points at at a new list holding v; a nil v leaves at null."
		var steps []step
		n := jen.Len(v)
		if t.Len > 0 {
			doc, n = fmt.Sprintf("points at at a new list holding the %d elements of v.", t.Len), jen.Lit(t.Len)
		} else {
			steps = nilStaysNull
		}
		if call, ok := w.listHelperWrite(t, jen.Id("at"), jen.Id("v"), false); ok {
			// return ipcimpl.WriteScalarList(at, capnp.NewInt32List, v)
			return doc, []step{checked(call, unwrapped)}
		}
		l, i := w.sc.name("l"), w.sc.name("i")
		loop := w.writeElem(l, i, t.Elem, ref{x: jen.Id("v").Index(jen.Id(i))}, wrapper(unwrapped).elem(i))
		return doc, append(steps, plain(
			jen.List(jen.Id(l), jen.Err()).Op(":=").Qual(ipcimplPath, "NewList").Call(at, w.newList(t), n),
			ifErr(unwrapped),
			jen.For(jen.Id(i).Op(":=").Range().Id("v")).Block(render(loop)...),
		)...)

	case t.Kind == annotate.KindMap:
		// return ipcimpl.WriteMap(at, NewTextInt64Entry_List, v, cmp.Compare, writeStringInt64MapEntry)
		return "points at at a new list of v's entries, sorted by key; a nil v leaves at null.",
			[]step{checked(w.mapHelperWrite(t, at, v), unwrapped)}

	case t.Kind == annotate.KindOptional:
		e := t.Elem
		doc := "writes *v at at; a nil v leaves at null."
		switch {
		case e.Kind == annotate.KindString && e.Hook == nil:
			// capnpc-go's setters write null for "": an optional tells
			// nil from "".
			// return at.SetNewText(*v)
			return doc, append(nilStaysNull, checked(jen.Id("at").Dot("SetNewText").Call(w.toWire(e, jen.Op("*").Id("v"))), unwrapped))
		case shapeOf(e) == shapeStruct:
			// s, err := ipcimpl.NewStruct(at, NewBlockRef)
			// if err != nil {
			// 	return err
			// }
			// return WriteBlockRef(s, v)
			s := w.sc.name("s")
			return doc, append(nilStaysNull, append(plain(
				jen.List(jen.Id(s), jen.Err()).Op(":=").Qual(ipcimplPath, "NewStruct").Call(at, w.g.bound(schemaPath(e), "New"+e.Struct.Name)),
				ifErr(unwrapped),
			), checked(w.structWriter(e).Call(jen.Id(s), v), unwrapped))...)
		}
		// return writeInt32List(at, *v)
		return doc, append(nilStaysNull, checked(w.writeAt(e, at, jen.Op("*").Id("v")), unwrapped))
	}
	panic(fmt.Sprintf("proxy: no pointer conversion for kind %d", t.Kind))
}

// pointerRead returns the doc and the steps of the reader of t.
func (w *fn) pointerRead(t *annotate.Type) (string, []step) {
	from, dst := jen.Id("from"), ref{x: jen.Id("dst"), ptr: true}
	switch {
	case t.Hook != nil:
		// var wire string
		// if err := ipcimpl.ReadText(from, &wire); err != nil {
		// 	return err
		// }
		// value, err := ipc.UnmarshalText[pkg.T](wire)
		// …
		// *dst = value
		x := w.sc.name("wire")
		steps := append(plain(jen.Var().Id(x).Add(w.g.goType(t.Hook.Wire))),
			checked(w.readAt(t.Hook.Wire, from, jen.Op("&").Id(x)), unwrapped))
		return fmt.Sprintf("reads from into *dst, converting it with %s.", w.g.funcName(t.Hook.FromWire)),
			append(steps, w.hookFromWire(t, jen.Id(x), dst, "value", unwrapped)...)

	case t.Kind == annotate.KindByteArray:
		// return ipcimpl.ReadByteArray(from, dst[:])
		return fmt.Sprintf("reads the Data from points to, which must hold %d bytes, into *dst.", t.Len),
			[]step{checked(jen.Qual(ipcimplPath, "ReadByteArray").Call(jen.Id("from"), jen.Id("dst").Index(jen.Empty(), jen.Empty())), unwrapped)}

	case t.Kind == annotate.KindList:
		return w.listRead(t)

	case t.Kind == annotate.KindMap:
		return w.mapRead(t)

	case t.Kind == annotate.KindOptional:
		// if from.IsNull() {
		// 	return nil
		// }
		// value := new(mining.BlockRef)
		// …read from into *value…
		// *dst = value
		e := t.Elem
		doc := "sets *dst to a new value read from from; a null pointer leaves *dst as it was."
		if call, ok := w.optionalHelperRead(t, jen.Id("from"), jen.Id("dst")); ok {
			// return ipcimpl.ReadOptionalStruct(from, dst, ReadBlockRef)
			return doc, []step{checked(call, unwrapped)}
		}
		value := w.sc.name("value")
		steps := plain(
			jen.If(jen.Id("from").Dot("IsNull").Call()).Block(jen.Return(jen.Nil())),
			jen.Id(value).Op(":=").New(w.g.goType(e)),
		)
		if shapeOf(e) == shapeStruct {
			// s, err := ipcimpl.Struct[BlockRef](from)
			// if err != nil { … }
			// if err := ReadBlockRef(s, value); err != nil { … }
			s := w.sc.name("s")
			steps = append(steps, plain(
				jen.List(jen.Id(s), jen.Err()).Op(":=").Qual(ipcimplPath, "Struct").Types(w.g.bound(schemaPath(e), e.Struct.Name)).Call(from),
				ifErr(unwrapped),
			)...)
			steps = append(steps, checked(w.structReadCall(e, jen.Id(s), jen.Id(value)), unwrapped))
		} else {
			steps = append(steps, checked(w.readAt(e, from, jen.Id(value)), unwrapped))
		}
		return doc, append(steps, step{stmt: dst.set(jen.Id(value))})
	}
	panic(fmt.Sprintf("proxy: no pointer conversion for kind %d", t.Kind))
}

// listRead returns the doc and steps of the reader of the list or array
// type t:
//
//	l, n, err := ipcimpl.ListLen[capnp.Int32List, int32](from)
//	if err != nil || n < 0 { // n < 0: a null pointer
//		return err
//	}
//	v := make([]int32, n)
//	for i := range v {
//		v[i] = l.At(i)
//	}
//	*dst = v
//
// (ListLen refuses a length whose Go slice would exceed the read budget
// of the message: a list of zero-sized structs takes no bytes on the
// wire.)
func (w *fn) listRead(t *annotate.Type) (string, []step) {
	if call, ok := w.listHelperRead(t, jen.Id("from"), jen.Id("dst"), false); ok {
		// return ipcimpl.ReadScalarList[capnp.Int32List](from, dst)
		doc := "reads the list from points to into *dst; a null pointer leaves *dst as it was."
		if t.Len > 0 {
			doc = fmt.Sprintf("reads the list from points to, which must hold %d elements, into *dst.", t.Len)
		}
		return doc, []step{checked(call, unwrapped)}
	}
	l, i := w.sc.name("l"), w.sc.name("i")
	wrap := wrapper(unwrapped).elem(i)
	if t.Len > 0 {
		steps := plain(
			jen.List(jen.Id(l), jen.Err()).Op(":=").Qual(ipcimplPath, "List").Types(w.typedList(t)).Call(jen.Id("from")),
			ifErr(unwrapped),
		)
		// if l.Len() != 4 {
		// 	return ipcimpl.LengthError(l.Len(), 4)
		// }
		// for i := range 4 {
		// 	…read element i into dst[i]…
		// }
		loop := w.readElem(l, i, t.Elem, ref{x: jen.Id("dst").Index(jen.Id(i))}, wrap)
		return fmt.Sprintf("reads the list from points to, which must hold %d elements, into *dst.", t.Len), append(steps, plain(
			jen.If(jen.Id(l).Dot("Len").Call().Op("!=").Lit(t.Len)).Block(
				jen.Return(jen.Qual(ipcimplPath, "LengthError").Call(jen.Id(l).Dot("Len").Call(), jen.Lit(t.Len)))),
			jen.For(jen.Id(i).Op(":=").Range().Lit(t.Len)).Block(render(loop)...),
		)...)
	}
	n, v := w.sc.name("n"), w.sc.name("v")
	loop := w.readElem(l, i, t.Elem, ref{x: jen.Id(v).Index(jen.Id(i))}, wrap)
	return "reads the list from points to into *dst; a null pointer leaves *dst as it was.", plain(
		jen.List(jen.Id(l), jen.Id(n), jen.Err()).Op(":=").Qual(ipcimplPath, "ListLen").Types(w.typedList(t), w.g.goType(t.Elem)).Call(jen.Id("from")),
		jen.If(jen.Err().Op("!=").Nil().Op("||").Id(n).Op("<").Lit(0)).Block(jen.Return(jen.Err())),
		jen.Id(v).Op(":=").Make(w.g.goType(t), jen.Id(n)),
		jen.For(jen.Id(i).Op(":=").Range().Id(v)).Block(render(loop)...),
		jen.Op("*").Id("dst").Op("=").Id(v),
	)
}

// listHelper names the family of ipcimpl's list helpers (ipcimpl.Write<family>List)
// that converts a list of elem whole, or returns "" when the generated
// function loops over the elements itself: for an array of structs or
// pointers (see ipcimpl's lists.go), a list of optionals, interfaces or
// types hooked to a scalar, and a list whose reader counts nesting levels.
func (w *fn) listHelper(t *annotate.Type, write bool) string {
	e := t.Elem
	switch {
	case scalarHook(e):
		return ""
	case e.Hook != nil:
		// converted by its own function: below
	case e.Kind == annotate.KindBool:
		return "Bool"
	case e.Kind == annotate.KindEnum && write:
		if b := goBasic(e); b != "uint8" && b != "uint16" {
			return "Enum" // ipcimpl.EnumValue checks each element
		}
		return "Scalar"
	case e.Kind == annotate.KindEnum && narrowEnum(e):
		return "Enum" // ipcimpl.EnumFromWire checks each element
	case e.Kind.IsScalar():
		return "Scalar"
	case e.Kind == annotate.KindString:
		return "Text"
	case e.Kind == annotate.KindBytes:
		return "Data"
	}
	switch {
	case t.Len > 0 || (!write && needsDepth(w.g, t)):
		return ""
	case e.Kind == annotate.KindOptional:
		return "Box"
	case shapeOf(e) == shapeStruct:
		return "Struct"
	case shapeOf(e) == shapePointer && e.Kind != annotate.KindOptional:
		return "Pointer"
	}
	return ""
}

// listHelperWrite renders the call of ipcimpl's helper that writes the
// list or array v, of type t, at at, when there is one (listHelper):
//
//	ipcimpl.WriteScalarList(at, capnp.NewInt32List, v)
//	ipcimpl.WriteTextList(at, v[:])
//	ipcimpl.WriteStructList(at, NewPoint_List, v, WritePoint)
//
// A use site calls it directly (direct) only for a slice: an array has a
// function of its own.
func (w *fn) listHelperWrite(t *annotate.Type, at, v jen.Code, direct bool) (jen.Code, bool) {
	if t.Kind != annotate.KindList || t.Hook != nil || (direct && t.Len > 0) {
		return nil, false
	}
	family := w.listHelper(t, true)
	if family == "" {
		return nil, false
	}
	if t.Len > 0 {
		v = jen.Add(v).Index(jen.Empty(), jen.Empty())
	}
	args := []jen.Code{at}
	switch family {
	case "Scalar", "Enum":
		args = append(args, w.newList(t), v)
	case "Struct":
		args = append(args, w.newList(t), v, w.structWriter(t.Elem))
	case "Pointer":
		args = append(args, w.newList(t), v, w.g.pointerWriter(t.Elem))
	case "Box":
		args = append(args, w.newList(t), v, jen.Id("write"+w.g.partsName(t)+"Elem"))
	default:
		args = append(args, v)
	}
	return jen.Qual(ipcimplPath, "Write"+family+"List").Call(args...), true
}

// listHelperRead renders the call of ipcimpl's helper that reads the list
// from points to into dst, a pointer to a Go list or array of type t,
// when there is one:
//
//	ipcimpl.ReadScalarList[capnp.Int32List](from, dst)
//	ipcimpl.ReadTextArray(from, dst[:])
//	ipcimpl.ReadStructList[Point_List](from, dst, ReadPoint)
//
// A use site calls it directly (direct) only for a slice.
func (w *fn) listHelperRead(t *annotate.Type, from, dst jen.Code, direct bool) (jen.Code, bool) {
	if t.Kind != annotate.KindList || t.Hook != nil || (direct && t.Len > 0) {
		return nil, false
	}
	family := w.listHelper(t, false)
	if family == "" {
		return nil, false
	}
	name := jen.Qual(ipcimplPath, "Read"+family+"List")
	if t.Len > 0 {
		name = jen.Qual(ipcimplPath, "Read"+family+"Array")
		dst = jen.Add(dst).Index(jen.Empty(), jen.Empty())
	}
	args := []jen.Code{from, dst}
	switch family {
	case "Scalar", "Enum":
		name = name.Types(w.typedList(t))
	case "Struct":
		name = name.Types(w.typedList(t))
		args = append(args, w.structReader(t.Elem))
	case "Pointer":
		name = name.Types(w.typedList(t))
		args = append(args, jen.Id("read"+w.g.wireTypeName(t.Elem)))
	case "Box":
		name = name.Types(w.typedList(t))
		args = append(args, jen.Id("read"+w.g.partsName(t)+"Elem"))
	}
	return name.Call(args...), true
}

// optionalHelperRead renders the call of ipcimpl's helper that reads the
// optional of type t from from into dst, unless the reader counts nesting
// levels:
//
//	ipcimpl.ReadOptionalStruct(from, dst, ReadBlockRef)
//	ipcimpl.ReadOptional(from, dst, ipcimpl.ReadText)
//	ipcimpl.ReadOptional(from, dst, readInt32List)
func (w *fn) optionalHelperRead(t *annotate.Type, from, dst jen.Code) (jen.Code, bool) {
	if t.Kind != annotate.KindOptional || t.Hook != nil || needsDepth(w.g, t) {
		return nil, false
	}
	e := t.Elem
	switch shapeOf(e) {
	case shapeStruct:
		return jen.Qual(ipcimplPath, "ReadOptionalStruct").Call(from, dst, w.structReader(e)), true
	case shapeText:
		read := "ReadText"
		if e.Kind == annotate.KindBytes {
			read = "ReadData"
		}
		return jen.Qual(ipcimplPath, "ReadOptional").Call(from, dst, jen.Qual(ipcimplPath, read)), true
	case shapePointer:
		return jen.Qual(ipcimplPath, "ReadOptional").Call(from, dst, jen.Id("read"+w.g.wireTypeName(e))), true
	}
	return nil, false
}

// mapHelperWrite renders the call of ipcimpl.WriteMap that writes v, of
// the map type t, at at:
//
//	ipcimpl.WriteMap(at, NewTextInt64Entry_List, v, cmp.Compare, writeStringInt64MapEntry)
func (w *fn) mapHelperWrite(t *annotate.Type, at, v jen.Code) jen.Code {
	return jen.Qual(ipcimplPath, "WriteMap").Call(at, w.newList(t), v, w.compare(t.Key), jen.Id("write"+w.g.partsName(t)+"Entry"))
}

// mapHelperRead renders the call of ipcimpl.ReadMap that reads the map
// type t from from into dst, for a map whose reader counts no nesting
// levels:
//
//	ipcimpl.ReadMap[TextInt64Entry_List](from, dst, readStringInt64MapEntry)
func (w *fn) mapHelperRead(t *annotate.Type, from, dst jen.Code) jen.Code {
	return jen.Qual(ipcimplPath, "ReadMap").Types(w.typedList(t)).Call(from, dst, jen.Id("read"+w.g.partsName(t)+"Entry"))
}

// structReader renders the function that reads a struct of the bindings
// into a Go value of type t, a struct or a type hooked to a struct, with a
// fresh nesting budget: ReadBlockRef, readTime.
func (w *fn) structReader(t *annotate.Type) *jen.Statement {
	if t.Hook != nil {
		return jen.Id("read" + w.g.wireTypeName(t))
	}
	return w.g.bound(schemaPath(t), structReadFunc(t.Struct.Name))
}

// mapRead returns the doc and steps of the reader of the map type t:
//
//	l, n, err := ipcimpl.MapLen[TextInt64Entry_List, string, int64](from)
//	if err != nil || n < 0 {
//		return err
//	}
//	m := make(map[string]int64, n)
//	for i := range n {
//		entry := l.At(i)
//		…read entry's key into key…
//		if _, dup := m[key]; dup {
//			return ipcimpl.InElem(i, ipc.ErrDuplicateKey)
//		}
//		m[key] = entry.Value()   (or …read entry's value into value…; m[key] = value)
//	}
//	*dst = m
func (w *fn) mapRead(t *annotate.Type) (string, []step) {
	entry := t.Entry
	if entry == nil || len(entry.Fields) != 2 {
		panic("proxy: map type without a key/value entry struct")
	}
	if !needsDepth(w.g, t) {
		// return ipcimpl.ReadMap[TextInt64Entry_List](from, dst, readStringInt64MapEntry)
		return "reads the entries of the list from points to into a new map in *dst; a null pointer\n" +
				"leaves *dst as it was, and a key that comes twice is an error.",
			[]step{checked(w.mapHelperRead(t, jen.Id("from"), jen.Id("dst")), unwrapped)}
	}
	kf, vf := entry.Fields[0], entry.Fields[1]
	l, n, m, i := w.sc.name("l"), w.sc.name("n"), w.sc.name("m"), w.sc.name("i")
	en := w.sc.name("entry")
	wrap := wrapper(unwrapped).elem(i)

	body := plain(jen.Id(en).Op(":=").Id(l).Dot("At").Call(jen.Id(i)))
	key := w.sc.name("key")
	body = append(body, w.declare(jen.Id(en), entry.Name, kf, t.Key, key, wrap.field("key"))...)
	body = append(body, plain(jen.If(
		jen.List(jen.Id("_"), jen.Id("dup")).Op(":=").Id(m).Index(jen.Id(key)), jen.Id("dup"),
	).Block(jen.Return(wrap(jen.Qual(ipcPath, "ErrDuplicateKey")))))...)
	if x, ok := w.scalarRead(jen.Id(en), vf, t.Elem); ok {
		body = append(body, plain(jen.Id(m).Index(jen.Id(key)).Op("=").Add(x))...)
	} else {
		value := w.sc.name("value")
		body = append(body, w.declare(jen.Id(en), entry.Name, vf, t.Elem, value, wrap)...)
		body = append(body, plain(jen.Id(m).Index(jen.Id(key)).Op("=").Id(value))...)
	}
	return "reads the entries of the list from points to into a new map in *dst; a null pointer\n" +
			"leaves *dst as it was, and a key that comes twice is an error.", plain(
			jen.List(jen.Id(l), jen.Err()).Op(":=").Qual(ipcimplPath, "List").Types(w.typedList(t)).Call(jen.Id("from")),
			ifErr(unwrapped),
			jen.If(jen.Op("!").Id(l).Dot("IsValid").Call()).Block(jen.Return(jen.Nil())),
			jen.List(jen.Id(n), jen.Err()).Op(":=").Qual(ipcimplPath, "MapSize").Types(w.g.goType(t.Key), w.g.goType(t.Elem)).Call(jen.Id(l)),
			ifErr(unwrapped),
			jen.Id(m).Op(":=").Make(w.g.goType(t), jen.Id(n)),
			jen.For(jen.Id(i).Op(":=").Range().Id(n)).Block(render(body)...),
			jen.Op("*").Id("dst").Op("=").Id(m),
		)
}

// declare returns the steps that declare the variable name and read field
// f of s (bindings type stype) into it as a Go value of type t:
//
//	key := entry.Key()                  a scalar
//	var key string; …read into &key…    anything else
func (w *fn) declare(s jen.Code, stype string, f *annotate.Field, t *annotate.Type, name string, wrap wrapper) []step {
	if x, ok := w.scalarRead(s, f, t); ok {
		return plain(jen.Id(name).Op(":=").Add(x))
	}
	return append(plain(jen.Var().Id(name).Add(w.g.goType(t))),
		w.readField(s, stype, f, t, ref{x: jen.Id(name)}, name, wrap)...)
}

// compare renders the function that orders map keys of type t.
func (w *fn) compare(t *annotate.Type) jen.Code {
	switch t.Kind {
	case annotate.KindBool:
		return jen.Qual(ipcimplPath, "CompareBool")
	case annotate.KindByteArray:
		// func(a, b [4]byte) int { return bytes.Compare(a[:], b[:]) }
		a, b := w.sc.name("a"), w.sc.name("b")
		return jen.Func().Params(jen.List(jen.Id(a), jen.Id(b)).Add(w.g.goType(t))).Int().Block(
			jen.Return(jen.Qual(bytesPath, "Compare").Call(
				jen.Id(a).Index(jen.Empty(), jen.Empty()), jen.Id(b).Index(jen.Empty(), jen.Empty()))))
	}
	return jen.Qual(cmpPath, "Compare")
}

// listName returns the name of the capnp list type whose elements hold
// Go values of type elem, and whether the bindings declare it (BlockRef_List)
// rather than package capnp (Int32List).
func listName(elem *annotate.Type) (name string, bindings bool) {
	switch elem.Kind {
	case annotate.KindBool:
		return "BitList", false
	case annotate.KindInt8:
		return "Int8List", false
	case annotate.KindInt16:
		return "Int16List", false
	case annotate.KindInt32:
		return "Int32List", false
	case annotate.KindInt64:
		return "Int64List", false
	case annotate.KindUint8:
		return "UInt8List", false
	case annotate.KindUint16:
		return "UInt16List", false
	case annotate.KindUint32:
		return "UInt32List", false
	case annotate.KindUint64:
		return "UInt64List", false
	case annotate.KindFloat32:
		return "Float32List", false
	case annotate.KindFloat64:
		return "Float64List", false
	case annotate.KindString:
		return "TextList", false
	case annotate.KindBytes, annotate.KindByteArray:
		return "DataList", false
	case annotate.KindList, annotate.KindMap:
		return "PointerList", false
	case annotate.KindStruct:
		return elem.Struct.Name + "_List", true
	case annotate.KindEnum:
		return elem.Enum.Name + "_List", true
	case annotate.KindOptional:
		return elem.Box.Name + "_List", true
	case annotate.KindInterface:
		// The bindings' capability lists use go-capnp's capability
		// table; the engine's is reached through a plain pointer list.
		return "PointerList", false
	}
	panic(fmt.Sprintf("proxy: no list type for kind %d", elem.Kind))
}

// listPath is the import path of the generated package whose bindings
// declare the list type of elements of type elem: "" for this package.
// (An optional element's box is always this package's.)
func listPath(elem *annotate.Type) string {
	if elem.Kind == annotate.KindOptional {
		return ""
	}
	return schemaPath(elem)
}

// typedList renders the type of the capnp list that holds the Go list or
// map type t (capnp.Int32List, BlockRef_List, TextInt64Entry_List).
func (w *fn) typedList(t *annotate.Type) *jen.Statement {
	if t.Kind == annotate.KindMap {
		return jen.Id(t.Entry.Name + "_List")
	}
	name, bindings := listName(t.Elem)
	if bindings {
		return w.g.bound(listPath(t.Elem), name)
	}
	return jen.Qual(capnpPath, name)
}

// newList renders the constructor of that list: capnp.NewInt32List,
// NewBlockRef_List, NewTextInt64Entry_List.
func (w *fn) newList(t *annotate.Type) *jen.Statement {
	if t.Kind == annotate.KindMap {
		return jen.Id("New" + t.Entry.Name + "_List")
	}
	name, bindings := listName(t.Elem)
	if bindings {
		return w.g.bound(listPath(t.Elem), "New"+name)
	}
	return jen.Qual(capnpPath, "New"+name)
}
