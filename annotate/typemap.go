package annotate

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"reflect"
	"slices"
	"strings"
)

// use says where a Go type occurs, for messages and for boxing.
type use struct {
	path     string         // e.g. "parameter opts: field BlockTemplate.Target"
	pos      token.Position // where a problem with the type is reported
	src      *source        // the syntax the type expression belongs to
	listElem bool           // an element of a slice or array: an optional is boxed
}

// errorf reports a problem with the type at u.
func (b *builder) errorf(u use, format string, args ...any) {
	b.errs.addf(u.pos, "%s: %s", u.path, fmt.Sprintf(format, args...))
}

// typeString renders t for messages, qualifying other packages' types by
// package name.
func (b *builder) typeString(t types.Type) string {
	return types.TypeString(t, func(p *types.Package) string {
		if p.Path() == b.src.path {
			return ""
		}
		return p.Name()
	})
}

// mapType returns how t crosses the wire, or nil after reporting why it
// cannot. expr is t's syntax when known (it sharpens positions).
func (b *builder) mapType(t types.Type, expr ast.Expr, u use) *Type {
	expr = ast.Unparen(expr)
	if expr != nil {
		u.pos = u.src.pos(expr)
	}
	switch t := t.(type) {
	case *types.Alias:
		return b.mapType(types.Unalias(t), expr, u)
	case *types.Named:
		return b.mapNamed(t, u)
	case *types.Basic:
		return b.mapBasic(t, u)
	case *types.Slice:
		if isByte(t.Elem()) {
			return &Type{Kind: KindBytes}
		}
		var elemExpr ast.Expr
		if a, ok := expr.(*ast.ArrayType); ok {
			elemExpr = a.Elt
		}
		elem := b.mapType(t.Elem(), elemExpr, u.listElement())
		if elem == nil {
			return nil
		}
		return &Type{Kind: KindList, Elem: elem}
	case *types.Array:
		if t.Len() == 0 {
			b.errorf(u, "the zero-length array %s carries nothing; remove it", b.typeString(t))
			return nil
		}
		if isByte(t.Elem()) {
			return &Type{Kind: KindByteArray, Len: int(t.Len())}
		}
		var elemExpr ast.Expr
		if a, ok := expr.(*ast.ArrayType); ok {
			elemExpr = a.Elt
		}
		elem := b.mapType(t.Elem(), elemExpr, u.listElement())
		if elem == nil {
			return nil
		}
		return &Type{Kind: KindList, Elem: elem, Len: int(t.Len())}
	case *types.Map:
		return b.mapMap(t, expr, u)
	case *types.Pointer:
		return b.mapPointer(t, expr, u)
	case *types.Chan:
		b.errorf(u, "channel types cannot cross a process boundary; use a method call per value instead")
	case *types.Signature:
		b.errorf(u, "an unnamed func type cannot cross a process boundary; declare a named func type (type Callback %s) in package %s and use it", b.typeString(t), b.src.name)
	case *types.Interface:
		b.errorf(u, "interface type %s cannot cross a process boundary (the receiver could not rebuild its value); use a concrete type", b.typeString(t))
	case *types.Struct:
		b.errorf(u, "anonymous struct types cannot cross a process boundary; declare a named struct type")
	case *types.TypeParam:
		b.errorf(u, "type parameter %s cannot cross a process boundary; use a concrete type", t)
	default:
		b.errorf(u, "type %s cannot cross a process boundary; use a concrete type", b.typeString(t))
	}
	return nil
}

// listElement returns u for the element of a slice or array.
func (u use) listElement() use {
	u.listElem = true
	return u
}

// inField returns u for a value that sits in a struct field of its own:
// the element of a pointer, or the key or value of a map (the fields of
// its entry struct).
func (u use) inField() use {
	u.listElem = false
	return u
}

// basicKind returns the kind of a Go basic type that crosses as it is:
// the scalar whose Go type it is (Scalar.Go), and Go int and uint as
// Int64 and UInt64.
func basicKind(t *types.Basic) (Kind, bool) {
	switch t.Kind() {
	case types.Int:
		return KindInt64, true
	case types.Uint:
		return KindUint64, true
	}
	name := basicName(t)
	for _, s := range scalars {
		if s.Kind != KindInvalid && s.Go == name {
			return s.Kind, true
		}
	}
	return KindInvalid, false
}

func (b *builder) mapBasic(t *types.Basic, u use) *Type {
	if k, ok := basicKind(t); ok {
		return &Type{Kind: k, Basic: basicName(t)}
	}
	switch t.Kind() {
	case types.Invalid:
		// The type checker has reported it.
	case types.Uintptr:
		b.errorf(u, "uintptr cannot cross a process boundary (an address means nothing in another process); use uint64")
	case types.UnsafePointer:
		b.errorf(u, "unsafe.Pointer cannot cross a process boundary (an address means nothing in another process); send the data it points to")
	case types.Complex64, types.Complex128:
		b.errorf(u, "complex numbers are not supported; use a struct with real and imaginary float fields")
	default:
		b.errorf(u, "type %s cannot cross a process boundary; use a concrete type", t)
	}
	return nil
}

// basicName returns the canonical name of a basic type: "uint8" for byte,
// "int32" for rune.
func basicName(t *types.Basic) string {
	return types.Typ[t.Kind()].Name()
}

// isByte reports whether t is byte (uint8), not a named type of it: only
// []byte and [N]byte are Data.
func isByte(t types.Type) bool {
	basic, ok := types.Unalias(t).(*types.Basic)
	return ok && basic.Kind() == types.Uint8
}

func (b *builder) mapMap(t *types.Map, expr ast.Expr, u use) *Type {
	var keyExpr, valueExpr ast.Expr
	if m, ok := expr.(*ast.MapType); ok {
		keyExpr, valueExpr = m.Key, m.Value
	}
	key := b.mapType(t.Key(), keyExpr, u.inField())
	if key != nil && !(key.Kind.IsScalar() || key.Kind == KindString || key.Kind == KindByteArray) {
		ku := u
		if keyExpr != nil {
			ku.pos = u.src.pos(keyExpr)
		}
		b.errorf(ku, "map key type %s is not supported; use a number, bool, string, enum or [N]byte key", b.typeString(t.Key()))
		key = nil
	}
	value := b.mapType(t.Elem(), valueExpr, u.inField())
	if key == nil || value == nil {
		return nil
	}
	mt := &Type{Kind: KindMap, Key: key, Elem: value}
	// An optional value is the entry's value field itself: a has flag
	// (hasValue @2) for a scalar, a null pointer otherwise.
	mt.Entry = &Struct{
		Synthetic: MapEntry,
		Fields:    []*Field{{WireName: "key", Type: key}, {WireName: "value", Type: value}},
	}
	assignOrdinals(mt.Entry.Fields)
	b.synthetic = append(b.synthetic, mt)
	b.synthDesc[mt.Entry] = "the entry struct of " + b.typeString(t)
	return mt
}

func (b *builder) mapPointer(t *types.Pointer, expr ast.Expr, u use) *Type {
	var elemExpr ast.Expr
	if s, ok := expr.(*ast.StarExpr); ok {
		elemExpr = s.X
	}
	switch types.Unalias(t.Elem()).Underlying().(type) {
	case *types.Pointer:
		b.errorf(u, "%s: a pointer to a pointer cannot cross a process boundary; use a single *", b.typeString(t))
		return nil
	case *types.Slice, *types.Map, *types.Interface:
		b.errorf(u, "%s: use %s: nil already means absent", b.typeString(t), b.typeString(t.Elem()))
		return nil
	}
	elem := b.mapType(t.Elem(), elemExpr, u.inField())
	if elem == nil {
		return nil
	}
	ot := &Type{Kind: KindOptional, Elem: elem}
	if u.listElem {
		// A list of structs or scalars has no null elements, so every
		// optional element is a box whose value field is the optional: a
		// has flag hasValue @1 for a scalar, a null pointer otherwise.
		ot.Box = &Struct{
			Synthetic: OptionalBox,
			Fields:    []*Field{{WireName: "value", Type: &Type{Kind: KindOptional, Elem: elem}}},
		}
		assignOrdinals(ot.Box.Fields)
		b.synthetic = append(b.synthetic, ot)
		b.synthDesc[ot.Box] = "the box struct of " + b.typeString(t)
	}
	return ot
}

// mapNamed maps a named type: a struct, an enum, a non-crossing interface,
// or a named type of a type that crosses (time.Duration).
func (b *builder) mapNamed(t *types.Named, u use) *Type {
	obj := t.Obj()
	if obj.Pkg() == nil { // error, comparable
		if isError(t) {
			b.errorf(u, "error can only be the last result, where it carries the call's failure; send a string instead")
		} else {
			b.errorf(u, "%s cannot cross a process boundary; use a concrete type", obj.Name())
		}
		return nil
	}
	tn := TypeName{Path: obj.Pkg().Path(), Name: obj.Name()}
	qualified := b.typeString(t)
	if ht, ok := b.convertType(t, tn, u); ok {
		return ht
	}
	switch {
	case tn == TypeName{Path: "context", Name: "Context"}:
		b.errorf(u, "context.Context is only allowed as the first parameter; move it first")
		return nil
	case tn == TypeName{Path: "time", Name: "Time"}:
		return b.timeType(tn)
	case t.TypeArgs().Len() > 0:
		b.errorf(u, "the generic type %s cannot cross a process boundary yet; declare a non-generic named type", qualified)
		return nil
	case !obj.Exported():
		b.errorf(u, "type %s is not exported, so the generated package %sipc cannot name it; export it", qualified, b.src.name)
		return nil
	}
	if tn.Path != b.src.path {
		if m := b.l.schemaOf(tn.Path, u.pos); m != nil {
			if it := b.imported(m, tn); it != nil {
				return it
			}
		}
	}
	if ht := b.marshalerType(t, tn); ht != nil {
		return ht
	}
	switch under := t.Underlying().(type) {
	case *types.Struct:
		return b.structType(t, tn, u)
	case *types.Signature:
		return b.funcType(t, tn, under, u)
	case *types.Interface:
		if src := b.l.source(tn.Path); src != nil && src.types[tn.Name] != nil && src.types[tn.Name].iface != nil {
			if tn.Path != b.src.path {
				b.errorf(u, "the //ipc:interface %s cannot cross while its package has problems; fix those reported for package %s", qualified, tn.Path)
				return nil
			}
			return &Type{Kind: KindInterface, Named: &tn, Interface: &InterfaceRef{
				Go:      tn,
				Name:    tn.Name,
				IPCPath: b.pkg.PkgPath + "/" + b.pkg.Name + "ipc",
				IPCName: b.pkg.Name + "ipc",
			}}
		} else if tn.Path == b.src.path {
			b.errorf(u, "interface %s is not an //ipc:interface, so it cannot cross a process boundary; add //ipc:interface to its doc comment (the receiver then gets a client proxy that calls back), or use a concrete type", tn.Name)
		} else {
			b.errorf(u, "interface type %s cannot cross a process boundary (the receiver could not rebuild its value); declare an //ipc:interface with the methods you need in package %s and use it (the receiver then gets a client proxy that calls back), or use a concrete type", qualified, b.src.name)
		}
		return nil
	case *types.Basic:
		if under.Info()&types.IsInteger != 0 {
			if src := b.l.source(tn.Path); src != nil && src.types[tn.Name] != nil && src.types[tn.Name].enum != nil {
				e := b.enum(t, tn, u.pos)
				if e == nil {
					return nil
				}
				if !b.usedEnums[e] {
					b.usedEnums[e] = true
					b.goEnums = append(b.goEnums, e)
				}
				return &Type{Kind: KindEnum, Named: &tn, Basic: e.Basic, Enum: e}
			}
		}
	}
	under := b.mapType(t.Underlying(), nil, use{path: u.path + ": type " + qualified, pos: u.pos, src: u.src, listElem: u.listElem})
	if under == nil {
		return nil
	}
	under.Named = &tn
	return under
}

// structType returns the Type of the named struct type t, building its
// Struct on first use (before its fields, so recursive types link up).
func (b *builder) structType(t *types.Named, tn TypeName, u use) *Type {
	if s, ok := b.structs[tn]; ok {
		return &Type{Kind: KindStruct, Named: &tn, Struct: s}
	}
	src := b.l.source(tn.Path)
	var td *typeDecl
	if src != nil {
		td = src.types[tn.Name]
	}
	s := &Struct{GoType: tn, Synthetic: GoStruct, Pos: b.l.fset.Position(t.Obj().Pos())}
	if td != nil {
		s.Doc = docText(td.doc)
		s.Pos = src.pos(td.spec.Name)
		s.ID = pinnedID(td.strct)
	}
	b.structs[tn] = s
	b.goStructs = append(b.goStructs, s)
	b.pkgNames[tn] = t.Obj().Pkg().Name()

	st := t.Underlying().(*types.Struct)
	unexported := 0
	var dropped []*types.Var // unexported fields of a struct of this package, not tagged ipc:"-"
	for i := range st.NumFields() {
		v := st.Field(i)
		tag, tagged := reflect.StructTag(st.Tag(i)).Lookup("ipc")
		if !v.Exported() {
			unexported++
			if tn.Path == b.src.path && !(tagged && tag == "-") {
				dropped = append(dropped, v)
			}
			continue
		}
		if tagged && tag == "-" {
			continue
		}
		af, ident := b.fieldSyntax(src, td, v)
		f := &Field{GoName: v.Name(), WireName: lowerCamel(v.Name()), Pos: b.l.fset.Position(v.Pos())}
		if ident != nil {
			f.Pos = src.pos(ident)
		} else if af != nil {
			f.Pos = src.pos(af.Type) // an embedded field
		}
		if af != nil {
			f.Doc = docText(af.Doc)
			if af.Doc == nil {
				f.Doc = docText(af.Comment)
			}
		}
		fu := use{path: fmt.Sprintf("%s: field %s.%s", u.path, tn.Name, v.Name()), pos: f.Pos, src: src}
		if v.Embedded() {
			b.errorf(fu, "embedded fields are not supported yet; give the field a name, or tag it `ipc:\"-\"`")
			continue
		}
		name, opts, hasOpts := strings.Cut(tag, ",")
		switch {
		case tagged && name == "-" && hasOpts:
			b.errorf(fu, "struct tag ipc:%q: ipc:\"-\" leaves the field out and takes no options; remove %q", tag, ","+opts)
			continue
		case tagged && !hasOpts && !validLowerCamel(name):
			b.errorf(fu, "struct tag ipc:%q is not a valid wire name (a lower-case ASCII letter, then ASCII letters and digits); fix the tag, or use ipc:\"-\" to leave the field out", tag)
			continue
		case tagged && name != "" && !validLowerCamel(name):
			b.errorf(fu, "struct tag ipc:%q: %q is not a valid wire name (a lower-case ASCII letter, then ASCII letters and digits); fix the tag, or use ipc:\"-\" to leave the field out", tag, name)
			continue
		case tagged && name != "":
			f.WireName = name
		case !validLowerCamel(f.WireName):
			b.errorf(fu, "its wire name %q is not a valid Cap'n Proto name (ASCII letters and digits only); set one with the struct tag ipc:\"name\"", f.WireName)
			continue
		}
		if hasOpts {
			b.tagOptions(fu, f, tag, opts)
		}
		var typExpr ast.Expr
		if af != nil {
			typExpr = af.Type
		}
		if f.Type = b.mapType(v.Type(), typExpr, fu); f.Type != nil {
			if f.Default != "" {
				lit, msg := defaultLiteral(f.Type, f.Default)
				if msg != "" {
					b.errorf(fu, "struct tag ipc:%q: %s", tag, msg)
				}
				f.Default = lit
			}
			s.Fields = append(s.Fields, f)
		}
	}
	if unexported < st.NumFields() {
		// In-process the field survives; across processes it would
		// silently arrive as its zero value. Only the annotated package's
		// own structs: a struct of another package cannot be tagged.
		for _, v := range dropped {
			pos := b.l.fset.Position(v.Pos())
			if _, ident := b.fieldSyntax(src, td, v); ident != nil {
				pos = src.pos(ident)
			}
			b.errs.addf(pos, "struct %s: field %s is unexported, so it cannot cross a process boundary (the other process would see its zero value); export it, or tag it `ipc:\"-\"` to leave it out on purpose", tn.Name, v.Name())
		}
	}
	if st.NumFields() > 0 && unexported == st.NumFields() {
		n := t.Obj().Name()
		b.errorf(u, "struct %s has only unexported fields, which cannot cross a process boundary; export the fields that should cross, or write the hooks //ipc:convert func %sToWire(%s) (W, error) and //ipc:convert func %sFromWire(W) (%s, error) in package %s with W a type that crosses, or give it the methods func (x *%s) MarshalBinary() ([]byte, error) and func (x *%s) UnmarshalBinary(data []byte) error", b.typeString(t), n, b.typeString(t), n, b.typeString(t), b.src.name, n, n)
	}
	b.assignOrdinals(s.Fields)
	b.checkWireNames(s.Fields, "struct "+b.typeString(t), "field", true)
	b.checkWas(s.Fields, "struct "+b.typeString(t))
	b.checkBindingFields(s.Fields, "struct "+b.typeString(t), "field",
		`set another wire name with the struct tag ipc:"name"`, `set another wire name for one of them with the struct tag ipc:"name"`)
	return &Type{Kind: KindStruct, Named: &tn, Struct: s}
}

// fieldSyntax finds the declaration of the struct field v of td: by name
// in td's struct type literal, else (type T U) by the position of v in a
// type-checked source. It returns nils when there is no syntax to be had.
func (b *builder) fieldSyntax(src *source, td *typeDecl, v *types.Var) (*ast.Field, *ast.Ident) {
	if src == nil {
		return nil, nil
	}
	if td != nil {
		if st, ok := td.spec.Type.(*ast.StructType); ok {
			for _, f := range st.Fields.List {
				for _, n := range f.Names {
					if n.Name == v.Name() {
						return f, n
					}
				}
				if len(f.Names) == 0 && v.Embedded() && embeddedName(f.Type) == v.Name() {
					return f, nil
				}
			}
			return nil, nil
		}
	}
	if f := src.fields[v.Pos()]; f != nil && src.fset == b.l.fset {
		for _, n := range f.Names {
			if n.Pos() == v.Pos() {
				return f, n
			}
		}
	}
	return nil, nil
}

// embeddedName returns the field name an embedded field's type gives it.
func embeddedName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return embeddedName(e.X)
	case *ast.SelectorExpr:
		return e.Sel.Name
	case *ast.Ident:
		return e.Name
	case *ast.IndexExpr:
		return embeddedName(e.X)
	case *ast.IndexListExpr:
		return embeddedName(e.X)
	}
	return ""
}

// validateEnum builds the //ipc:enum type td of the root package so that
// its constants are checked even when no interface uses it.
func (b *builder) validateEnum(td *typeDecl) {
	obj, ok := b.src.info.Defs[td.spec.Name].(*types.TypeName)
	if !ok {
		return
	}
	if n, ok := obj.Type().(*types.Named); ok {
		b.enum(n, TypeName{Path: b.src.path, Name: obj.Name()}, b.src.pos(td.spec.Name))
	}
}

// enum returns the Enum of the //ipc:enum type t, building it on first
// use: its constants, in value order, must be 0..n-1. pos is where to
// report that its package cannot be loaded.
func (b *builder) enum(t *types.Named, tn TypeName, pos token.Position) *Enum {
	if e, ok := b.enums[tn]; ok {
		return e
	}
	src := b.l.typedSource(tn.Path, pos)
	if src == nil {
		return nil
	}
	e := &Enum{
		Pos:    b.l.fset.Position(t.Obj().Pos()),
		GoType: tn,
		Basic:  basicName(t.Underlying().(*types.Basic)),
	}
	if td := src.types[tn.Name]; td != nil {
		e.Doc = docText(td.doc)
		e.Pos = src.pos(td.spec.Name)
		e.ID = pinnedID(td.enum)
	}
	b.enums[tn] = e
	b.pkgNames[tn] = src.name

	scope := src.tpkg.Scope()
	for _, name := range scope.Names() {
		c, ok := scope.Lookup(name).(*types.Const)
		if !ok {
			continue
		}
		ct, ok := types.Unalias(c.Type()).(*types.Named)
		if !ok || ct.Obj().Name() != tn.Name || ct.Obj().Pkg() == nil || ct.Obj().Pkg().Path() != tn.Path {
			continue
		}
		value, exact := constant.Int64Val(constant.ToInt(c.Val()))
		if !exact {
			continue // cannot happen for a constant of an integer type
		}
		en := &Enumerant{GoName: name, WireName: lowerCamel(name), Pos: src.fset.Position(c.Pos()), Value: int(value)}
		if cd := src.consts[name]; cd != nil {
			en.Doc = docText(cd.doc)
		}
		e.Enumerants = append(e.Enumerants, en)
	}
	slices.SortStableFunc(e.Enumerants, func(x, y *Enumerant) int {
		return cmp.Or(cmp.Compare(x.Value, y.Value), cmp.Compare(x.Pos.Filename, y.Pos.Filename), cmp.Compare(x.Pos.Offset, y.Pos.Offset))
	})
	if len(e.Enumerants) == 0 {
		b.errs.addf(e.Pos, "//ipc:enum %s has no constants; declare its values as constants of type %s: 0, 1, 2, …", tn.Name, tn.Name)
		return e
	}
	seen := make(map[string]*Enumerant)
	for i, en := range e.Enumerants {
		if en.Value != i {
			if i > 0 && e.Enumerants[i-1].Value == en.Value {
				b.errs.addf(en.Pos, "constant %s has the value %d of %s; the constants of //ipc:enum %s must be distinct, 0..%d", en.GoName, en.Value, e.Enumerants[i-1].GoName, tn.Name, len(e.Enumerants)-1)
			} else {
				b.errs.addf(en.Pos, "constant %s = %d breaks the sequence 0..%d of //ipc:enum %s; number its constants 0, 1, 2, … without gaps", en.GoName, en.Value, len(e.Enumerants)-1, tn.Name)
			}
			break
		}
	}
	for _, en := range e.Enumerants {
		switch prev := seen[en.WireName]; {
		case !validLowerCamel(en.WireName):
			b.errs.addf(en.Pos, "constant %s: its wire name %q is not a valid Cap'n Proto name (ASCII letters and digits only); rename it", en.GoName, en.WireName)
		case prev != nil:
			b.errs.addf(en.Pos, "constants %s and %s of //ipc:enum %s both have the wire name %s; rename one", prev.GoName, en.GoName, tn.Name, en.WireName)
		default:
			seen[en.WireName] = en
		}
	}
	return e
}

// funcType returns the Type of the named func type t, a callback: a
// capability whose interface, named for t, has the one method call. The
// interface is built on first use (before its parameters, so that a func
// type may refer to itself).
func (b *builder) funcType(t *types.Named, tn TypeName, sig *types.Signature, u use) *Type {
	ref := func(in *Interface) *Type {
		return &Type{Kind: KindInterface, Named: &tn, Interface: &InterfaceRef{
			Go:      tn,
			Name:    in.Name,
			IPCPath: b.pkg.PkgPath + "/" + b.pkg.Name + "ipc",
			IPCName: b.pkg.Name + "ipc",
		}}
	}
	if in, ok := b.funcs[tn]; ok {
		if in == nil {
			return nil // reported
		}
		return ref(in)
	}
	qualified := b.typeString(t)
	if tn.Path != b.src.path {
		b.errorf(u, "the func type %s of another package crosses only when an //ipc:interface of its package uses it (its schema then declares it); declare a func type of the same signature in package %s", qualified, b.src.name)
		return nil
	}
	td := b.src.types[tn.Name]
	var ft *ast.FuncType
	if td != nil {
		ft, _ = td.spec.Type.(*ast.FuncType)
	}
	if ft == nil {
		b.errorf(u, "func type %s must be declared with a func type literal (type %s func(…)) to cross a process boundary", qualified, tn.Name)
		b.funcs[tn] = nil
		return nil
	}
	if !validUpperCamel(tn.Name) || reservedTypeNames[tn.Name] {
		b.errorf(u, "func type name %s is not a valid Cap'n Proto interface name (ASCII letters and digits, not a built-in name); rename it", tn.Name)
		b.funcs[tn] = nil
		return nil
	}
	pos := b.src.pos(td.spec.Name)
	in := &Interface{Name: tn.Name, Doc: docText(td.doc), Pos: pos, Func: &tn}
	m := &Method{Name: "Call", WireName: "call", Pos: pos}
	in.Methods = []*Method{m}
	b.funcs[tn] = in
	if !b.signature(m, ft, sig, "func type "+tn.Name) {
		b.funcs[tn] = nil
		return nil
	}
	if b.dialect != "" {
		b.withContext(tn.Name, m) // libmultiprocess callbacks take a Context too
	}
	b.funcList = append(b.funcList, in)
	return ref(in)
}

// ipcimplPath is the import path of the support package of generated
// code, which holds the built-in hooks.
const ipcimplPath = "github.com/ifacegen/ifacegen/runtime/ipcimpl"

// timeType returns the Type of time.Time: a Hook through
// ipcimpl.TimeToWire and ipcimpl.TimeFromWire to the struct
// ipcimpl.WallTime, whose model is built here (the user's package need not
// import runtime/ipcimpl).
func (b *builder) timeType(tn TypeName) *Type {
	wt := TypeName{Path: ipcimplPath, Name: "WallTime"}
	s, ok := b.structs[wt]
	if !ok {
		s = &Struct{
			GoType:    wt,
			Synthetic: GoStruct,
			Doc:       "WallTime is a time.Time: seconds since the Unix epoch, nanoseconds within the\nsecond, and the zone's offset in seconds east of UTC.",
			Fields: []*Field{
				{GoName: "Seconds", WireName: "seconds", Type: &Type{Kind: KindInt64, Basic: "int64"}},
				{GoName: "Nanos", WireName: "nanos", Type: &Type{Kind: KindInt32, Basic: "int32"}},
				{GoName: "Offset", WireName: "offset", Type: &Type{Kind: KindInt32, Basic: "int32"}},
			},
		}
		assignOrdinals(s.Fields)
		b.structs[wt] = s
		b.goStructs = append(b.goStructs, s)
		b.pkgNames[wt] = "ipcimpl"
	}
	wire := &Type{Kind: KindStruct, Named: &wt, Struct: s}
	t := *wire
	t.Named = &tn
	t.Hook = &Hook{Wire: wire, ToWire: TypeName{Path: ipcimplPath, Name: "TimeToWire"}, FromWire: TypeName{Path: ipcimplPath, Name: "TimeFromWire"}}
	return &t
}

// marshalerType returns the Type of t when *t has the methods of
// encoding.BinaryMarshaler and encoding.BinaryUnmarshaler (Data), or else
// of encoding.TextMarshaler and encoding.TextUnmarshaler (Text); nil
// otherwise.
func (b *builder) marshalerType(t *types.Named, tn TypeName) *Type {
	if _, isIface := t.Underlying().(*types.Interface); isIface {
		return nil
	}
	ms := types.NewMethodSet(types.NewPointer(t))
	has := func(name string, marshal bool) bool {
		sel := ms.Lookup(t.Obj().Pkg(), name)
		if sel == nil {
			return false
		}
		sig, ok := sel.Type().(*types.Signature)
		if !ok {
			return false
		}
		bytes := types.NewSlice(types.Typ[types.Byte])
		if marshal {
			return sig.Params().Len() == 0 && sig.Results().Len() == 2 &&
				types.Identical(sig.Results().At(0).Type(), bytes) && isError(sig.Results().At(1).Type())
		}
		return sig.Params().Len() == 1 && types.Identical(sig.Params().At(0).Type(), bytes) &&
			sig.Results().Len() == 1 && isError(sig.Results().At(0).Type())
	}
	hook := func(kind Kind, basic, marshal, unmarshal string) *Type {
		wire := &Type{Kind: kind, Basic: basic}
		ht := *wire
		ht.Named = &tn
		ht.Hook = &Hook{Wire: wire, ToWire: TypeName{Path: ipcimplPath, Name: marshal}, FromWire: TypeName{Path: ipcimplPath, Name: unmarshal}, Generic: true}
		return &ht
	}
	switch {
	case has("MarshalBinary", true) && has("UnmarshalBinary", false):
		return hook(KindBytes, "", "MarshalBinary", "UnmarshalBinary")
	case has("MarshalText", true) && has("UnmarshalText", false):
		return hook(KindString, "string", "MarshalText", "UnmarshalText")
	}
	return nil
}

// imported returns the Type of tn when the schema of the annotated package
// m declares it (a struct, an enum, an //ipc:interface or a func type its
// interfaces use), recording m as an import; nil when m's schema does not
// hold tn, which is then copied into this package's schema.
func (b *builder) imported(m *Package, tn TypeName) *Type {
	var t *Type
	for _, s := range m.Structs {
		if s.Synthetic == GoStruct && s.GoType == tn {
			t = &Type{Kind: KindStruct, Named: &tn, Struct: s, Schema: m}
		}
	}
	for _, e := range m.Enums {
		if e.GoType == tn {
			t = &Type{Kind: KindEnum, Named: &tn, Basic: e.Basic, Enum: e, Schema: m}
		}
	}
	for _, in := range m.Interfaces {
		if in.Func == nil && m.Path == tn.Path && in.Name == tn.Name || in.Func != nil && *in.Func == tn {
			t = &Type{Kind: KindInterface, Named: &tn, Interface: &InterfaceRef{
				Go: tn, Name: in.Name, IPCPath: m.IPCPath, IPCName: m.IPCName, Schema: m,
			}}
		}
	}
	if t != nil {
		b.imports[m.Path] = m
	}
	return t
}

// tagOptions reads the options of the struct tag ipc:"name,opts" of the
// field f: was=oldName, the wire name the field had before a rename.
func (b *builder) tagOptions(fu use, f *Field, tag, opts string) {
	for _, opt := range strings.Split(opts, ",") {
		key, value, _ := strings.Cut(opt, "=")
		switch {
		case key == "default" && f.Default != "":
			b.errorf(fu, "struct tag ipc:%q: default= is given twice; keep one", tag)
		case key == "default" && value == "":
			b.errorf(fu, "struct tag ipc:%q: default= needs a value, e.g. ipc:\",default=true\"", tag)
		case key == "default":
			f.Default = value // checked against the type once it is mapped
		case key != "was":
			b.errorf(fu, "struct tag ipc:%q: unknown option %q; the options are was=oldName, the wire name the field had before a rename, and default=V, the field's default value", tag, opt)
		case f.Was != "":
			b.errorf(fu, "struct tag ipc:%q: was= is given twice; keep one", tag)
		case !validLowerCamel(value):
			b.errorf(fu, "struct tag ipc:%q: was=%s is not a wire name; write the wire name the field had (a lower-case ASCII letter, then ASCII letters and digits), e.g. was=oldName", tag, value)
		case value == f.WireName:
			b.errorf(fu, "struct tag ipc:%q: was=%s is the field's own wire name; remove was=", tag, value)
		default:
			f.Was = value
		}
	}
}

// checkWas reports two fields of owner that say the same was=: only one
// of them can keep the old ordinal.
func (b *builder) checkWas(fields []*Field, owner string) {
	byWas := make(map[string]*Field)
	for _, f := range fields {
		if f.Was == "" {
			continue
		}
		if prev := byWas[f.Was]; prev != nil {
			b.errs.addf(f.Pos, "%s: fields %s and %s both say was=%s; only one field can keep the old ordinal", owner, prev.GoName, f.GoName, f.Was)
		}
		byWas[f.Was] = f
	}
}
