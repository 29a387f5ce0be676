package proxy

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/ifacegen/ifacegen/annotate"
)

// This file emits the conversions between Go values and capnpc-go's
// bindings. Every conversion is a list of statements inside a generated
// function that returns error; a failure returns the error located with
// ipc.InField / ipc.InElem, so that it names the path of the bad value.
//
// Values are addressed through refs. A ref to a Go value may be the value
// itself (a variable, a field selector, a slice element: all addressable)
// or a pointer to it (a generated reader's result parameter, a freshly
// allocated optional). Arrays are handled through the pointer directly,
// since Go indexes, slices and ranges over a pointer to an array.

// ref addresses a Go value in generated code.
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

// index renders element i of an array or slice value: x[i].
func (r ref) index(i string) *jen.Statement { return jen.Add(r.x).Index(jen.Id(i)) }

// slice renders the whole of an array value as a slice: x[:].
func (r ref) slice() *jen.Statement { return jen.Add(r.x).Index(jen.Empty(), jen.Empty()) }

// set renders an assignment of v to the value: x = v or *x = v.
func (r ref) set(v jen.Code) *jen.Statement { return r.val().Op("=").Add(v) }

// wrapper renders an error expression located at the value being
// converted, e.g. ipc.InField("Items", ipc.InElem(i, err)).
type wrapper func(err jen.Code) jen.Code

func fieldWrap(name string) wrapper {
	return func(err jen.Code) jen.Code { return jen.Qual(ipcPath, "InField").Call(jen.Lit(name), err) }
}

// field locates errors in field name of the value w locates.
func (w wrapper) field(name string) wrapper {
	return func(err jen.Code) jen.Code { return w(jen.Qual(ipcPath, "InField").Call(jen.Lit(name), err)) }
}

// elem locates errors at index i (a variable) of the list w locates.
func (w wrapper) elem(i string) wrapper {
	return func(err jen.Code) jen.Code { return w(jen.Qual(ipcPath, "InElem").Call(jen.Id(i), err)) }
}

// fn emits the body of one generated function.
type fn struct {
	g  *generator
	sc *scope

	// In the nested reader of a recursive struct (see nesting.go): the
	// name of its depth parameter and the struct's cycle group. depth
	// is "" in any other function.
	depth string
	group int
}

// nested builds the statements of a block with their own scope.
func (w *fn) nested(build func() []jen.Code) []jen.Code {
	saved := w.sc
	w.sc = saved.child()
	defer func() { w.sc = saved }()
	return build()
}

// ifErr renders
//
//	if err != nil {
//		return ipc.InField("X", err)
//	}
func ifErr(wrap wrapper) jen.Code {
	return jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(wrap(jen.Err())))
}

// check renders a call that returns only an error:
//
//	if err := call; err != nil {
//		return ipc.InField("X", err)
//	}
func check(call jen.Code, wrap wrapper) jen.Code {
	return jen.If(jen.Err().Op(":=").Add(call), jen.Err().Op("!=").Nil()).Block(jen.Return(wrap(jen.Err())))
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

// enumToWire returns statements that check an enum value v of type t and
// the expression of its bindings value: Kind(x).
func (w *fn) enumToWire(t *annotate.Type, v *jen.Statement, wrap wrapper) ([]jen.Code, *jen.Statement) {
	name := w.g.bound(schemaPath(t), t.Enum.Name)
	switch goBasic(t) {
	case "uint8", "uint16":
		return nil, name.Call(v) // always fits
	}
	x := w.sc.name("x")
	// x, err := ipc.EnumValue(v)
	// if err != nil {
	// 	return ipc.InField("Kind", err)
	// }
	return []jen.Code{
		jen.List(jen.Id(x), jen.Err()).Op(":=").Qual(ipcPath, "EnumValue").Call(v),
		ifErr(wrap),
	}, name.Call(jen.Id(x))
}

// writeField returns statements that write the Go value v, of type t, into
// field f of s, a capnp struct whose bindings type is stype. t is f.Type,
// or its element when an optional's pointer has already been followed.
func (w *fn) writeField(s jen.Code, stype string, f *annotate.Field, t *annotate.Type, v ref, wrap wrapper) []jen.Code {
	if t.Hook != nil {
		stmts, x := w.hookToWire(t, v, wrap)
		return append(stmts, w.writeField(s, stype, f, t.Hook.Wire, x, wrap)...)
	}
	acc := accessor(f.WireName)
	set := func(args ...jen.Code) *jen.Statement { return jen.Add(s).Dot("Set" + acc).Call(args...) }
	switch t.Kind {
	case annotate.KindBool, annotate.KindInt8, annotate.KindInt16, annotate.KindInt32, annotate.KindInt64,
		annotate.KindUint8, annotate.KindUint16, annotate.KindUint32, annotate.KindUint64,
		annotate.KindFloat32, annotate.KindFloat64:
		// s.SetHeight(int64(v.Height))
		return []jen.Code{set(w.toWire(t, v.val()))}

	case annotate.KindEnum:
		stmts, x := w.enumToWire(t, v.val(), wrap)
		return append(stmts, set(x))

	case annotate.KindString, annotate.KindBytes:
		// if err := s.SetName(v.Name); err != nil {
		// 	return ipc.InField("Name", err)
		// }
		return []jen.Code{check(set(w.toWire(t, v.val())), wrap)}

	case annotate.KindByteArray:
		// if err := s.SetHash(v.Hash[:]); err != nil { … }
		return []jen.Code{check(set(v.slice()), wrap)}

	case annotate.KindList, annotate.KindMap:
		// l, err := s.NewItems(int32(len(v.Items)))
		// if err != nil {
		// 	return ipc.InField("Items", err)
		// }
		// …fill l…
		return w.unlessNil(t, v, func() []jen.Code {
			l := w.sc.name("l")
			body := []jen.Code{
				jen.List(jen.Id(l), jen.Err()).Op(":=").Add(s).Dot("New" + acc).Call(w.listLen(t, v)),
				ifErr(wrap),
			}
			return append(body, w.fill(l, t, v, wrap)...)
		})

	case annotate.KindStruct:
		// c, err := s.NewTip()
		// if err != nil { … }
		// if err := WriteBlockRef(c, &v.Tip); err != nil {
		// 	return ipc.InField("Tip", err)
		// }
		c := w.sc.name("c")
		return []jen.Code{
			jen.List(jen.Id(c), jen.Err()).Op(":=").Add(s).Dot("New" + acc).Call(),
			ifErr(wrap),
			check(w.g.bound(schemaPath(t), structWriteFunc(t.Struct.Name)).Call(jen.Id(c), v.addr()), wrap),
		}

	case annotate.KindInterface:
		// Capabilities go through the engine's table, not the bindings'.
		// if err := ipcimpl.SetCap(capnp.Struct(s), 0, ExportBlockTemplate(v.Template)); err != nil { … }
		return []jen.Code{check(jen.Qual(ipcimplPath, "SetCap").Call(
			jen.Qual(capnpPath, "Struct").Call(s), jen.Lit(w.g.pointerIndex(stype, f.WireName)),
			w.g.bound(schemaPath(t), exportFunc(t.Interface.Name)).Call(v.val())), wrap)}

	case annotate.KindOptional:
		return w.writeOptionalField(s, stype, f, t, v, wrap)
	}
	panic(fmt.Sprintf("proxy: cannot write kind %d", t.Kind))
}

// writeOptionalField writes a Go pointer v of optional type t into field f:
// a value and its has flag for a scalar, else a pointer that stays null
// when v is nil.
func (w *fn) writeOptionalField(s jen.Code, stype string, f *annotate.Field, t *annotate.Type, v ref, wrap wrapper) []jen.Code {
	if f.HasWireName != "" && !t.Elem.Kind.IsScalar() {
		// The libmultiprocess dialect: a pointer and a has flag.
		// if v.Tip != nil {
		// 	s.SetHasTipFlag(true)
		// }
		code := w.writeOptionalPointer(s, stype, f, t, v, wrap)
		return append(code, jen.If(v.val().Op("!=").Nil()).Block(
			jen.Add(s).Dot("Set"+accessor(hasFlagName(f))).Call(jen.True())))
	}
	return w.writeOptionalPointer(s, stype, f, t, v, wrap)
}

// hasFlagName is the Go name of f's has flag in the bindings.
func hasFlagName(f *annotate.Field) string {
	if f.HasGoName != "" {
		return f.HasGoName
	}
	return f.HasWireName
}

// writeOptionalPointer is writeOptionalField without the dialect's has
// flag beside a pointer.
func (w *fn) writeOptionalPointer(s jen.Code, stype string, f *annotate.Field, t *annotate.Type, v ref, wrap wrapper) []jen.Code {
	e := t.Elem
	inner := ref{x: v.val(), ptr: true}
	switch {
	case e.Kind.IsScalar():
		// if v.Fee != nil {
		// 	s.SetFee(*v.Fee)
		// 	s.SetHasFee(true)
		// }
		if f.HasWireName == "" {
			panic(fmt.Sprintf("proxy: optional scalar field %s has no has flag", f.WireName))
		}
		body := w.nested(func() []jen.Code {
			body := w.writeField(s, stype, f, e, inner, wrap)
			return append(body, jen.Add(s).Dot("Set"+accessor(f.HasWireName)).Call(jen.True()))
		})
		return []jen.Code{jen.If(v.val().Op("!=").Nil()).Block(body...)}

	case e.Kind == annotate.KindString && e.Hook == nil:
		// capnpc-go's setter writes null for "": go through the schema.
		// if v.Label != nil {
		// 	if err := wireSchema.SetText(capnp.Struct(s), Foo_TypeID, "label", *v.Label); err != nil { … }
		// }
		w.g.usesSchema = true
		call := jen.Id(schemaVar).Dot("SetText").Call(
			jen.Qual(capnpPath, "Struct").Call(s), jen.Id(stype+"_TypeID"), jen.Lit(f.WireName), w.toWire(e, inner.val()))
		return []jen.Code{jen.If(v.val().Op("!=").Nil()).Block(check(call, wrap))}

	default:
		// if v.Tip != nil {
		// 	…write *v.Tip…
		// }
		return []jen.Code{jen.If(v.val().Op("!=").Nil()).Block(w.nested(func() []jen.Code {
			return w.writeField(s, stype, f, e, inner, wrap)
		})...)}
	}
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

// listLen renders the length of the new list for the list or map value v:
// int32(len(v)), or the array length.
func (w *fn) listLen(t *annotate.Type, v ref) jen.Code {
	if t.Kind == annotate.KindList && t.Len > 0 {
		return jen.Lit(t.Len)
	}
	return jen.Int32().Call(jen.Len(v.val()))
}

// unlessNil guards the statements build returns with "if v != nil" when v
// is a slice or map, so that nil stays a null pointer; arrays are always
// written.
func (w *fn) unlessNil(t *annotate.Type, v ref, build func() []jen.Code) []jen.Code {
	if t.Kind == annotate.KindList && t.Len > 0 {
		return build()
	}
	return []jen.Code{jen.If(v.val().Op("!=").Nil()).Block(w.nested(build)...)}
}

// fill returns statements that write the elements of the list or map v
// into l, a new capnp list of v's length.
func (w *fn) fill(l string, t *annotate.Type, v ref, wrap wrapper) []jen.Code {
	if t.Kind == annotate.KindMap {
		return w.fillMap(l, t, v, wrap)
	}
	// for i := range v.Items {
	// 	…write v.Items[i] into l at i…
	// }
	// (When v is a pointer to an array, ranging over the pointer is the
	// same as ranging over the array.)
	return w.nested(func() []jen.Code {
		i := w.sc.name("i")
		return []jen.Code{jen.For(jen.Id(i).Op(":=").Range().Add(v.x)).Block(
			w.writeElem(l, i, t.Elem, ref{x: v.index(i)}, wrap.elem(i))...)}
	})
}

// fillMap writes the entries of map v into the entry list l, sorted by key.
func (w *fn) fillMap(l string, t *annotate.Type, v ref, wrap wrapper) []jen.Code {
	entry := t.Entry
	if entry == nil || len(entry.Fields) != 2 {
		panic("proxy: map type without a key/value entry struct")
	}
	// for i, e := range ipc.SortedEntries(v.Index, cmp.Compare) {
	// 	entry := l.At(i)
	// 	…write e.Key into entry's key, e.Value into its value…
	// }
	saved := w.sc
	w.sc = saved.child()
	defer func() { w.sc = saved }()
	i, e, en := w.sc.name("i"), w.sc.name("e"), w.sc.name("entry")
	body := []jen.Code{jen.Id(en).Op(":=").Id(l).Dot("At").Call(jen.Id(i))}
	body = append(body, w.writeField(jen.Id(en), entry.Name, entry.Fields[0], t.Key,
		ref{x: jen.Id(e).Dot("Key")}, wrap.elem(i).field("key"))...)
	body = append(body, w.writeField(jen.Id(en), entry.Name, entry.Fields[1], t.Elem,
		ref{x: jen.Id(e).Dot("Value")}, wrap.elem(i))...)
	return []jen.Code{jen.For(
		jen.List(jen.Id(i), jen.Id(e)).Op(":=").Range().Qual(ipcPath, "SortedEntries").Call(v.val(), w.compare(t.Key)),
	).Block(body...)}
}

// compare renders the function that orders map keys of type t.
func (w *fn) compare(t *annotate.Type) jen.Code {
	switch t.Kind {
	case annotate.KindBool:
		return jen.Qual(ipcPath, "CompareBool")
	case annotate.KindByteArray:
		// func(a, b [4]byte) int { return bytes.Compare(a[:], b[:]) }
		a, b := w.sc.name("a"), w.sc.name("b")
		return jen.Func().Params(jen.List(jen.Id(a), jen.Id(b)).Add(w.g.goType(t))).Int().Block(
			jen.Return(jen.Qual(bytesPath, "Compare").Call(
				jen.Id(a).Index(jen.Empty(), jen.Empty()), jen.Id(b).Index(jen.Empty(), jen.Empty()))))
	}
	return jen.Qual(cmpPath, "Compare")
}

// writeElem returns statements that write the Go value v, of type t, as
// element i of the capnp list l.
func (w *fn) writeElem(l, i string, t *annotate.Type, v ref, wrap wrapper) []jen.Code {
	if t.Hook != nil {
		stmts, x := w.hookToWire(t, v, wrap)
		return append(stmts, w.writeElem(l, i, t.Hook.Wire, x, wrap)...)
	}
	set := func(x jen.Code) *jen.Statement { return jen.Id(l).Dot("Set").Call(jen.Id(i), x) }
	at := jen.Id(l).Dot("At").Call(jen.Id(i))
	switch t.Kind {
	case annotate.KindBool, annotate.KindInt8, annotate.KindInt16, annotate.KindInt32, annotate.KindInt64,
		annotate.KindUint8, annotate.KindUint16, annotate.KindUint32, annotate.KindUint64,
		annotate.KindFloat32, annotate.KindFloat64:
		// l.Set(i, int64(v[i]))
		return []jen.Code{set(w.toWire(t, v.val()))}

	case annotate.KindEnum:
		stmts, x := w.enumToWire(t, v.val(), wrap)
		return append(stmts, set(x))

	case annotate.KindString:
		// if err := l.Set(i, v[i]); err != nil { … }
		return []jen.Code{check(set(w.toWire(t, v.val())), wrap)}

	case annotate.KindBytes:
		// capnp.DataList.Set writes null for empty data too.
		// if err := ipc.SetDataAt(l, i, v[i]); err != nil { … }
		return []jen.Code{check(jen.Qual(ipcPath, "SetDataAt").Call(jen.Id(l), jen.Id(i), w.toWire(t, v.val())), wrap)}

	case annotate.KindByteArray:
		// if err := l.Set(i, v[i][:]); err != nil { … }
		return []jen.Code{check(set(v.slice()), wrap)}

	case annotate.KindList, annotate.KindMap:
		// l1, err := capnp.NewInt32List(l.Segment(), int32(len(v[i])))
		// if err != nil { … }
		// …fill l1…
		// if err := l.Set(i, l1.ToPtr()); err != nil { … }
		return w.unlessNil(t, v, func() []jen.Code {
			il := w.sc.name("l")
			body := []jen.Code{
				jen.List(jen.Id(il), jen.Err()).Op(":=").Add(w.newList(t)).Call(jen.Id(l).Dot("Segment").Call(), w.listLen(t, v)),
				ifErr(wrap),
			}
			body = append(body, w.fill(il, t, v, wrap)...)
			return append(body, check(set(jen.Id(il).Dot("ToPtr").Call()), wrap))
		})

	case annotate.KindStruct:
		// if err := WriteBlockRef(l.At(i), &v[i]); err != nil { … }
		return []jen.Code{check(w.g.bound(schemaPath(t), structWriteFunc(t.Struct.Name)).Call(at, v.addr()), wrap)}

	case annotate.KindInterface:
		// A nil element stays a null pointer.
		// if err := ipcimpl.SetCapElem(l, i, ExportBlockTemplate(v[i])); err != nil { … }
		return []jen.Code{check(jen.Qual(ipcimplPath, "SetCapElem").Call(jen.Id(l), jen.Id(i),
			w.g.bound(schemaPath(t), exportFunc(t.Interface.Name)).Call(v.val())), wrap)}

	case annotate.KindOptional:
		// Each element is a box whose value field carries the optional,
		// so a nil element is a box without a value.
		// b := l.At(i)
		// if v[i] != nil {
		// 	b.SetValue(*v[i])
		// 	b.SetHasValue(true)
		// }
		bf, ot := boxed(t)
		b := w.sc.name("b")
		return append([]jen.Code{jen.Id(b).Op(":=").Add(at)},
			w.writeOptionalField(jen.Id(b), t.Box.Name, bf, ot, v, wrap)...)
	}
	panic(fmt.Sprintf("proxy: cannot write list element of kind %d", t.Kind))
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
// map type t (capnp.Int32List, BlockRef_List, TextInt64Entry_List); it
// also converts a capnp.List: capnp.Int32List(p.List()).
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

// enumRead returns statements that convert get, an enum's bindings value,
// to the narrow Go enum type t in a new variable, and that variable:
//
//	x, err := ipc.EnumFromWire[enums.Size](s.Size())
//	if err != nil {
//		return ipc.InField("Size", err)
//	}
func (w *fn) enumRead(get *jen.Statement, t *annotate.Type, wrap wrapper) ([]jen.Code, string) {
	x := w.sc.name("x")
	return []jen.Code{
		jen.List(jen.Id(x), jen.Err()).Op(":=").Qual(ipcPath, "EnumFromWire").Types(w.g.goType(t)).Call(get),
		ifErr(wrap),
	}, x
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

// readField returns statements that read field f of s, a capnp struct
// whose bindings type is stype, into the Go value dst of type t.
func (w *fn) readField(s jen.Code, stype string, f *annotate.Field, t *annotate.Type, dst ref, wrap wrapper) []jen.Code {
	if t.Hook != nil {
		return w.hookFromWire(t, dst, wrap, func(x ref) []jen.Code {
			return w.readField(s, stype, f, t.Hook.Wire, x, wrap)
		})
	}
	get := jen.Add(s).Dot(accessor(f.WireName)).Call()
	if x, ok := w.scalarRead(s, f, t); ok {
		// v.Height = mining.Height(s.Height())
		return []jen.Code{dst.set(x)}
	}
	switch t.Kind {
	case annotate.KindEnum: // a narrow one
		stmts, x := w.enumRead(get, t, wrap)
		return append(stmts, dst.set(jen.Id(x)))

	case annotate.KindString:
		// x, err := s.Name()
		// if err != nil { … }
		// v.Name = x
		x := w.sc.name("x")
		return []jen.Code{
			jen.List(jen.Id(x), jen.Err()).Op(":=").Add(get),
			ifErr(wrap),
			dst.set(w.fromWire(t, jen.Id(x))),
		}

	case annotate.KindBytes:
		// b, err := s.Data()
		// if err != nil { … }
		// v.Data = bytes.Clone(b)
		b := w.sc.name("b")
		return []jen.Code{
			jen.List(jen.Id(b), jen.Err()).Op(":=").Add(get),
			ifErr(wrap),
			dst.set(w.fromWire(t, jen.Qual(bytesPath, "Clone").Call(jen.Id(b)))),
		}

	case annotate.KindByteArray:
		b := w.sc.name("b")
		return append([]jen.Code{
			jen.List(jen.Id(b), jen.Err()).Op(":=").Add(get),
			ifErr(wrap),
		}, w.copyArray(b, t, dst, wrap)...)

	case annotate.KindList, annotate.KindMap:
		// l, err := s.Items()
		// if err != nil { … }
		// …read l…
		l := w.sc.name("l")
		return append([]jen.Code{
			jen.List(jen.Id(l), jen.Err()).Op(":=").Add(get),
			ifErr(wrap),
		}, w.readList(l, t, dst, wrap)...)

	case annotate.KindStruct:
		// c, err := s.Tip()
		// if err != nil { … }
		// if err := ReadBlockRef(c, &v.Tip); err != nil { … }
		c := w.sc.name("c")
		return []jen.Code{
			jen.List(jen.Id(c), jen.Err()).Op(":=").Add(get),
			ifErr(wrap),
			check(w.structRead(t, jen.Id(c), dst.addr()), wrap),
		}

	case annotate.KindInterface:
		// v.Template = ImportBlockTemplate(ipcimpl.Cap(capnp.Struct(s), 0))
		return []jen.Code{dst.set(w.g.bound(schemaPath(t), importFunc(t.Interface.Name)).Call(
			jen.Qual(ipcimplPath, "Cap").Call(jen.Qual(capnpPath, "Struct").Call(s), jen.Lit(w.g.pointerIndex(stype, f.WireName)))))}

	case annotate.KindOptional:
		return w.readOptionalField(s, stype, f, t, dst, wrap)
	}
	panic(fmt.Sprintf("proxy: cannot read kind %d", t.Kind))
}

// readOptionalField reads field f, of optional type t, into the Go
// pointer dst, leaving it nil when the field is absent: its has flag is
// false, or its pointer null.
func (w *fn) readOptionalField(s jen.Code, stype string, f *annotate.Field, t *annotate.Type, dst ref, wrap wrapper) []jen.Code {
	if f.HasWireName != "" && !t.Elem.Kind.IsScalar() {
		// The libmultiprocess dialect: the pointer counts only when its
		// has flag is set.
		// if s.HasTipFlag() {
		// 	…read the pointer…
		// }
		return []jen.Code{jen.If(jen.Add(s).Dot(accessor(hasFlagName(f))).Call()).Block(
			w.readOptionalPointer(s, stype, f, t, dst, wrap)...)}
	}
	return w.readOptionalPointer(s, stype, f, t, dst, wrap)
}

// readOptionalPointer is readOptionalField without the dialect's has flag
// beside a pointer.
func (w *fn) readOptionalPointer(s jen.Code, stype string, f *annotate.Field, t *annotate.Type, dst ref, wrap wrapper) []jen.Code {
	e := t.Elem
	switch {
	case e.Kind.IsScalar():
		// if s.HasFee() {
		// 	x := s.Fee()
		// 	v.Fee = &x
		// }
		if f.HasWireName == "" {
			panic(fmt.Sprintf("proxy: optional scalar field %s has no has flag", f.WireName))
		}
		body := w.nested(func() []jen.Code {
			if narrowEnum(e) {
				stmts, x := w.enumRead(jen.Add(s).Dot(accessor(f.WireName)).Call(), e, wrap)
				return append(stmts, dst.set(jen.Op("&").Id(x)))
			}
			x := w.sc.name("x")
			val, _ := w.scalarRead(s, f, e)
			return []jen.Code{jen.Id(x).Op(":=").Add(val), dst.set(jen.Op("&").Id(x))}
		})
		return []jen.Code{jen.If(jen.Add(s).Dot(accessor(f.HasWireName)).Call()).Block(body...)}

	case e.Kind == annotate.KindString && e.Hook == nil:
		// if s.HasLabel() {
		// 	x, err := s.Label()
		// 	if err != nil { … }
		// 	v.Label = &x
		// }
		body := w.nested(func() []jen.Code {
			x := w.sc.name("x")
			body := []jen.Code{
				jen.List(jen.Id(x), jen.Err()).Op(":=").Add(s).Dot(accessor(f.WireName)).Call(),
				ifErr(wrap),
			}
			if e.Named != nil {
				y := w.sc.name("y")
				return append(body, jen.Id(y).Op(":=").Add(w.fromWire(e, jen.Id(x))), dst.set(jen.Op("&").Id(y)))
			}
			return append(body, dst.set(jen.Op("&").Id(x)))
		})
		return []jen.Code{jen.If(jen.Add(s).Dot("Has" + accessor(f.WireName)).Call()).Block(body...)}

	default:
		// if s.HasTip() {
		// 	x := new(mining.BlockRef)
		// 	…read into *x…
		// 	v.Tip = x
		// }
		body := w.nested(func() []jen.Code {
			x := w.sc.name("x")
			body := []jen.Code{jen.Id(x).Op(":=").New(w.g.goType(e))}
			body = append(body, w.readField(s, stype, f, e, ref{x: jen.Id(x), ptr: true}, wrap)...)
			return append(body, dst.set(jen.Id(x)))
		})
		return []jen.Code{jen.If(jen.Add(s).Dot("Has" + accessor(f.WireName)).Call()).Block(body...)}
	}
}

// copyArray checks that the Data b has the length of the array type t and
// copies it into dst:
//
//	if len(b) != 32 {
//		return ipc.InField("Hash", ipc.LengthError(len(b), 32))
//	}
//	copy(v.Hash[:], b)
func (w *fn) copyArray(b string, t *annotate.Type, dst ref, wrap wrapper) []jen.Code {
	return []jen.Code{
		jen.If(jen.Len(jen.Id(b)).Op("!=").Lit(t.Len)).Block(
			jen.Return(wrap(jen.Qual(ipcPath, "LengthError").Call(jen.Len(jen.Id(b)), jen.Lit(t.Len))))),
		jen.Copy(dst.slice(), jen.Id(b)),
	}
}

// readList returns statements that read the capnp list l into dst, a Go
// slice, array or map of type t. A null list leaves a slice or map nil.
func (w *fn) readList(l string, t *annotate.Type, dst ref, wrap wrapper) []jen.Code {
	if t.Kind == annotate.KindMap {
		return w.readMap(l, t, dst, wrap)
	}
	if t.Len > 0 {
		// if l.Len() != 4 {
		// 	return ipc.InField("Ports", ipc.LengthError(l.Len(), 4))
		// }
		// for i := range 4 {
		// 	…read element i into v.Ports[i]…
		// }
		loop := w.nested(func() []jen.Code {
			i := w.sc.name("i")
			return []jen.Code{jen.For(jen.Id(i).Op(":=").Range().Lit(t.Len)).Block(
				w.readElem(l, i, t.Elem, ref{x: dst.index(i)}, wrap.elem(i))...)}
		})
		return append([]jen.Code{
			jen.If(jen.Id(l).Dot("Len").Call().Op("!=").Lit(t.Len)).Block(
				jen.Return(wrap(jen.Qual(ipcPath, "LengthError").Call(jen.Id(l).Dot("Len").Call(), jen.Lit(t.Len))))),
		}, loop...)
	}
	// if l.IsValid() {
	// 	n, err := ipc.SliceLen[int32](l)
	// 	if err != nil {
	// 		return ipc.InField("Items", err)
	// 	}
	// 	x := make([]int32, n)
	// 	for i := range x {
	// 		…read element i into x[i]…
	// 	}
	// 	v.Items = x
	// }
	//
	// (SliceLen refuses a length whose Go slice would exceed the read
	// budget of the message: a list of zero-sized structs takes no
	// bytes on the wire.)
	body := w.nested(func() []jen.Code {
		n, x, i := w.sc.name("n"), w.sc.name("x"), w.sc.name("i")
		return []jen.Code{
			jen.List(jen.Id(n), jen.Err()).Op(":=").Qual(ipcPath, "SliceLen").Types(w.g.goType(t.Elem)).Call(jen.Id(l)),
			ifErr(wrap),
			jen.Id(x).Op(":=").Make(w.g.goType(t), jen.Id(n)),
			jen.For(jen.Id(i).Op(":=").Range().Id(x)).Block(
				w.readElem(l, i, t.Elem, ref{x: jen.Id(x).Index(jen.Id(i))}, wrap.elem(i))...),
			dst.set(jen.Id(x)),
		}
	})
	return []jen.Code{jen.If(jen.Id(l).Dot("IsValid").Call()).Block(body...)}
}

// readMap reads the entry list l into dst, a Go map of type t; a key that
// comes twice is an error.
func (w *fn) readMap(l string, t *annotate.Type, dst ref, wrap wrapper) []jen.Code {
	entry := t.Entry
	kf, vf := entry.Fields[0], entry.Fields[1]
	saved := w.sc
	w.sc = saved.child()
	defer func() { w.sc = saved }()
	n, m, i, e := w.sc.name("n"), w.sc.name("m"), w.sc.name("i"), w.sc.name("e")
	en := jen.Id(e)

	var body []jen.Code
	body = append(body, en.Clone().Op(":=").Id(l).Dot("At").Call(jen.Id(i)))
	k := w.sc.name("k")
	body = append(body, w.declare(en, entry.Name, kf, t.Key, k, wrap.elem(i).field("key"))...)
	// if _, dup := m[k]; dup {
	// 	return ipc.InField("Index", ipc.InElem(i, ipc.ErrDuplicateKey))
	// }
	body = append(body, jen.If(
		jen.List(jen.Id("_"), jen.Id("dup")).Op(":=").Id(m).Index(jen.Id(k)), jen.Id("dup"),
	).Block(jen.Return(wrap.elem(i)(jen.Qual(ipcPath, "ErrDuplicateKey")))))
	if x, ok := w.scalarRead(en, vf, t.Elem); ok {
		// m[k] = e.Value()
		body = append(body, jen.Id(m).Index(jen.Id(k)).Op("=").Add(x))
	} else {
		// val, err := e.Value()   (or another declaration of val)
		// m[k] = val
		val := w.sc.name("val")
		body = append(body, w.declare(en, entry.Name, vf, t.Elem, val, wrap.elem(i))...)
		body = append(body, jen.Id(m).Index(jen.Id(k)).Op("=").Id(val))
	}
	// if l.IsValid() {
	// 	n, err := ipc.MapLen[string, int64](l)
	// 	if err != nil {
	// 		return ipc.InField("Index", err)
	// 	}
	// 	m := make(map[string]int64, n)
	// 	for i := range n {
	// 		…
	// 	}
	// 	v.Index = m
	// }
	return []jen.Code{jen.If(jen.Id(l).Dot("IsValid").Call()).Block(
		jen.List(jen.Id(n), jen.Err()).Op(":=").Qual(ipcPath, "MapLen").Types(w.g.goType(t.Key), w.g.goType(t.Elem)).Call(jen.Id(l)),
		ifErr(wrap),
		jen.Id(m).Op(":=").Make(w.g.goType(t), jen.Id(n)),
		jen.For(jen.Id(i).Op(":=").Range().Id(n)).Block(body...),
		dst.set(jen.Id(m)),
	)}
}

// declare returns statements that declare the variable name and read
// field f of s (bindings type stype) into it as a Go value of type t:
//
//	k := e.Key()                      a scalar
//	k, err := e.Key()                 a string (+ if err != nil …)
//	var k T; …read e's key into k…    anything else
func (w *fn) declare(s jen.Code, stype string, f *annotate.Field, t *annotate.Type, name string, wrap wrapper) []jen.Code {
	if x, ok := w.scalarRead(s, f, t); ok {
		return []jen.Code{jen.Id(name).Op(":=").Add(x)}
	}
	if t.Kind == annotate.KindString && t.Named == nil && t.Hook == nil {
		return []jen.Code{
			jen.List(jen.Id(name), jen.Err()).Op(":=").Add(s).Dot(accessor(f.WireName)).Call(),
			ifErr(wrap),
		}
	}
	return append([]jen.Code{jen.Var().Id(name).Add(w.g.goType(t))},
		w.readField(s, stype, f, t, ref{x: jen.Id(name)}, wrap)...)
}

// readElem returns statements that read element i of the capnp list l
// into dst, a Go value of type t.
func (w *fn) readElem(l, i string, t *annotate.Type, dst ref, wrap wrapper) []jen.Code {
	if t.Hook != nil {
		return w.hookFromWire(t, dst, wrap, func(x ref) []jen.Code {
			return w.readElem(l, i, t.Hook.Wire, x, wrap)
		})
	}
	at := jen.Id(l).Dot("At").Call(jen.Id(i))
	if narrowEnum(t) {
		stmts, x := w.enumRead(at, t, wrap)
		return append(stmts, dst.set(jen.Id(x)))
	}
	if t.Kind.IsScalar() {
		// x[i] = int(l.At(i))
		return []jen.Code{dst.set(w.fromWire(t, at))}
	}
	switch t.Kind {
	case annotate.KindString:
		x := w.sc.name("x")
		return []jen.Code{
			jen.List(jen.Id(x), jen.Err()).Op(":=").Add(at),
			ifErr(wrap),
			dst.set(w.fromWire(t, jen.Id(x))),
		}

	case annotate.KindBytes:
		b := w.sc.name("b")
		return []jen.Code{
			jen.List(jen.Id(b), jen.Err()).Op(":=").Add(at),
			ifErr(wrap),
			dst.set(w.fromWire(t, jen.Qual(bytesPath, "Clone").Call(jen.Id(b)))),
		}

	case annotate.KindByteArray:
		b := w.sc.name("b")
		return append([]jen.Code{
			jen.List(jen.Id(b), jen.Err()).Op(":=").Add(at),
			ifErr(wrap),
		}, w.copyArray(b, t, dst, wrap)...)

	case annotate.KindList, annotate.KindMap:
		// p, err := l.At(i)
		// if err != nil { … }
		// l1 := capnp.Int32List(p.List())
		// …read l1…
		p, il := w.sc.name("p"), w.sc.name("l")
		return append([]jen.Code{
			jen.List(jen.Id(p), jen.Err()).Op(":=").Add(at),
			ifErr(wrap),
			jen.Id(il).Op(":=").Add(w.typedList(t)).Call(jen.Id(p).Dot("List").Call()),
		}, w.readList(il, t, dst, wrap)...)

	case annotate.KindStruct:
		// if err := ReadBlockRef(l.At(i), &x[i]); err != nil { … }
		return []jen.Code{check(w.structRead(t, at, dst.addr()), wrap)}

	case annotate.KindInterface:
		// x[i] = ImportBlockTemplate(ipcimpl.CapElem(l, i))
		return []jen.Code{
			dst.set(w.g.bound(schemaPath(t), importFunc(t.Interface.Name)).Call(
				jen.Qual(ipcimplPath, "CapElem").Call(jen.Id(l), jen.Id(i)))),
		}

	case annotate.KindOptional:
		return w.readOptionalElem(l, i, t, dst, wrap)
	}
	panic(fmt.Sprintf("proxy: cannot read list element of kind %d", t.Kind))
}

// readOptionalElem reads element i of l, a list of boxes, into the Go
// pointer dst, leaving it nil when the box holds no value.
//
//	b := l.At(i)
//	if b.HasValue() {
//		x := b.Value()
//		v[i] = &x
//	}
func (w *fn) readOptionalElem(l, i string, t *annotate.Type, dst ref, wrap wrapper) []jen.Code {
	bf, ot := boxed(t)
	b := w.sc.name("b")
	return append([]jen.Code{jen.Id(b).Op(":=").Id(l).Dot("At").Call(jen.Id(i))},
		w.readOptionalField(jen.Id(b), t.Box.Name, bf, ot, dst, wrap)...)
}

// hookToWire returns statements that convert the Go value v of the hooked
// type t to its wire type, and a ref to the result:
//
//	x, err := ipc.TimeToWire(v.At)
//	if err != nil {
//		return ipc.InField("At", err)
//	}
func (w *fn) hookToWire(t *annotate.Type, v ref, wrap wrapper) ([]jen.Code, ref) {
	x := w.sc.name("x")
	return []jen.Code{
		jen.List(jen.Id(x), jen.Err()).Op(":=").Add(w.hookFunc(t, t.Hook.ToWire)).Call(v.val()),
		ifErr(wrap),
	}, ref{x: jen.Id(x)}
}

// hookFromWire returns statements that read a wire value with read into
// a new variable and convert it to the Go value dst of the hooked type t:
//
//	var x ipc.WallTime
//	…read into x…
//	y, err := ipc.TimeFromWire(x)
//	if err != nil {
//		return ipc.InField("At", err)
//	}
//	v.At = y
func (w *fn) hookFromWire(t *annotate.Type, dst ref, wrap wrapper, read func(x ref) []jen.Code) []jen.Code {
	return w.nested(func() []jen.Code {
		x := w.sc.name("x")
		body := []jen.Code{jen.Var().Id(x).Add(w.g.goType(t.Hook.Wire))}
		body = append(body, read(ref{x: jen.Id(x)})...)
		y := w.sc.name("y")
		body = append(body,
			jen.List(jen.Id(y), jen.Err()).Op(":=").Add(w.hookFunc(t, t.Hook.FromWire)).Call(jen.Id(x)),
			ifErr(wrap),
			dst.set(jen.Id(y)),
		)
		return []jen.Code{jen.Block(body...)}
	})
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
