package schema

import (
	"go/token"

	"github.com/ifacegen/ifacegen/annotate"
)

// This file builds, by hand, the models the tests render: together they
// cover every Kind and every way the schema spells one.

// testModel is a named model; its name names its golden file.
type testModel struct {
	name string
	pkg  *annotate.Package
}

// testModels returns fresh copies of every test model.
func testModels() []testModel {
	return []testModel{
		{"mining", miningModel()},
		{"kinds", kindsModel()},
		{"ordinals", ordinalsModel()},
		{"layouts", layoutsModel()},
		{"capabilities", capabilitiesModel()},
		{"crosspkg", crossModel()},
		{"retired", retiredModel()},
	}
}

func newPackage(path, name string) *annotate.Package {
	return &annotate.Package{
		Path:    path,
		Name:    name,
		Dir:     "/nonexistent/" + name,
		IPCName: name + "ipc",
		IPCPath: path + "/" + name + "ipc",
		IPCDir:  "/nonexistent/" + name + "/" + name + "ipc",
	}
}

func pos(file string, line int) token.Position {
	return token.Position{Filename: file, Line: line, Column: 1}
}

// Types.

func basic(k annotate.Kind, goType string) *annotate.Type {
	return &annotate.Type{Kind: k, Basic: goType}
}

var (
	tBool    = func() *annotate.Type { return basic(annotate.KindBool, "bool") }
	tInt8    = func() *annotate.Type { return basic(annotate.KindInt8, "int8") }
	tInt16   = func() *annotate.Type { return basic(annotate.KindInt16, "int16") }
	tInt32   = func() *annotate.Type { return basic(annotate.KindInt32, "int32") }
	tInt64   = func() *annotate.Type { return basic(annotate.KindInt64, "int64") }
	tUint8   = func() *annotate.Type { return basic(annotate.KindUint8, "uint8") }
	tUint16  = func() *annotate.Type { return basic(annotate.KindUint16, "uint16") }
	tUint32  = func() *annotate.Type { return basic(annotate.KindUint32, "uint32") }
	tUint64  = func() *annotate.Type { return basic(annotate.KindUint64, "uint64") }
	tFloat32 = func() *annotate.Type { return basic(annotate.KindFloat32, "float32") }
	tFloat64 = func() *annotate.Type { return basic(annotate.KindFloat64, "float64") }
	tString  = func() *annotate.Type { return basic(annotate.KindString, "string") }
	tBytes   = func() *annotate.Type { return &annotate.Type{Kind: annotate.KindBytes} }
)

func tByteArray(n int) *annotate.Type {
	return &annotate.Type{Kind: annotate.KindByteArray, Len: n}
}

func tList(elem *annotate.Type) *annotate.Type {
	return &annotate.Type{Kind: annotate.KindList, Elem: elem}
}

func tArray(n int, elem *annotate.Type) *annotate.Type {
	return &annotate.Type{Kind: annotate.KindList, Elem: elem, Len: n}
}

func tStruct(s *annotate.Struct) *annotate.Type {
	return &annotate.Type{Kind: annotate.KindStruct, Named: &s.GoType, Struct: s}
}

func tEnum(e *annotate.Enum) *annotate.Type {
	return &annotate.Type{Kind: annotate.KindEnum, Named: &e.GoType, Basic: e.Basic, Enum: e}
}

func tOptional(elem *annotate.Type) *annotate.Type {
	return &annotate.Type{Kind: annotate.KindOptional, Elem: elem}
}

// tBoxed is an optional as a list element.
func tBoxed(elem *annotate.Type, box *annotate.Struct) *annotate.Type {
	return &annotate.Type{Kind: annotate.KindOptional, Elem: elem, Box: box}
}

func tMap(key, value *annotate.Type, entry *annotate.Struct) *annotate.Type {
	return &annotate.Type{Kind: annotate.KindMap, Key: key, Elem: value, Entry: entry}
}

func tNamed(t *annotate.Type, path, name string) *annotate.Type {
	t.Named = &annotate.TypeName{Path: path, Name: name}
	return t
}

// Declarations.

// f is a field; numbered assigns ordinals.
func f(goName, wireName string, t *annotate.Type, doc ...string) *annotate.Field {
	fd := &annotate.Field{GoName: goName, WireName: wireName, Type: t}
	if len(doc) > 0 {
		fd.Doc = doc[0]
	}
	if isOptionalScalar(t) {
		fd.HasWireName = "has" + string(wireName[0]-'a'+'A') + wireName[1:]
	}
	return fd
}

// numbered numbers fields in order; an optional scalar's has flag takes the
// ordinal after its value.
func numbered(fields ...*annotate.Field) []*annotate.Field {
	n := 0
	for _, fd := range fields {
		fd.Ordinal = n
		n++
		if fd.HasWireName != "" {
			fd.HasOrdinal = n
			n++
		}
	}
	return fields
}

func goStruct(pkg *annotate.Package, name, doc string, fields ...*annotate.Field) *annotate.Struct {
	return &annotate.Struct{
		Name:   name,
		Doc:    doc,
		Pos:    pos(pkg.Name+".go", 10),
		GoType: annotate.TypeName{Path: pkg.Path, Name: name},
		Fields: numbered(fields...),
	}
}

// mapEntry is the entry struct of a map; an optional scalar value takes
// the has flag hasValue @2.
func mapEntry(name string, key, value *annotate.Type) *annotate.Struct {
	return &annotate.Struct{
		Name:      name,
		Fields:    numbered(f("", "key", key), f("", "value", value)),
		Synthetic: annotate.MapEntry,
	}
}

// box is the box struct of an optional list element of type *elem: one
// field value, the optional itself (with the has flag hasValue @1 for a
// scalar elem).
func box(name string, elem *annotate.Type) *annotate.Struct {
	return &annotate.Struct{
		Name:      name,
		Fields:    numbered(f("", "value", tOptional(elem))),
		Synthetic: annotate.OptionalBox,
	}
}

func method(goName, doc string, params, results []*annotate.Field) *annotate.Method {
	return &annotate.Method{
		Name:     goName,
		WireName: string(goName[0]-'A'+'a') + goName[1:],
		Doc:      doc,
		Context:  true,
		Params:   numbered(params...),
		Results:  numbered(results...),
		Error:    true,
	}
}

func methods(ms ...*annotate.Method) []*annotate.Method {
	for i, m := range ms {
		m.Ordinal = i
	}
	return ms
}

func fields(fs ...*annotate.Field) []*annotate.Field { return fs }

func enum(pkg *annotate.Package, name, doc string, basic string, values ...string) *annotate.Enum {
	e := &annotate.Enum{
		Name:   name,
		Doc:    doc,
		GoType: annotate.TypeName{Path: pkg.Path, Name: name},
		Basic:  basic,
	}
	for i, v := range values {
		e.Enumerants = append(e.Enumerants, &annotate.Enumerant{
			GoName:   name + v,
			WireName: string(name[0]-'A'+'a') + name[1:] + v,
			Value:    i,
		})
	}
	return e
}

// The models.

// miningModel is the DESIGN.md example.
func miningModel() *annotate.Package {
	pkg := newPackage("example.com/x/mining", "mining")
	blockRef := goStruct(pkg, "BlockRef", "BlockRef identifies a block.",
		f("Hash", "hash", tByteArray(32), "Hash is the block hash."),
		f("Height", "height", tNamed(tInt32(), pkg.Path, "Height")),
	)
	createOpts := goStruct(pkg, "BlockCreateOptions", "BlockCreateOptions configures CreateNewBlock.\n\nThe zero value uses the node's defaults.",
		f("UseMempool", "useMempool", tBool(), "UseMempool fills the block from the mempool."),
		f("BlockReservedWeight", "blockReservedWeight", tUint64(), "BlockReservedWeight is kept free for the coinbase."),
		f("CoinbaseOutputMaxAdditionalSigops", "coinbaseOutputMaxAdditionalSigops", tUint64()),
		f("Timeout", "timeout", tNamed(tInt64(), "time", "Duration"), "Timeout bounds the wait\nfor a better template."),
	)
	template := goStruct(pkg, "BlockTemplate", "BlockTemplate is a block to mine.",
		f("Header", "header", tBytes()),
		f("TxFees", "txFees", tList(tInt64())),
		f("TxSigops", "txSigops", tList(tInt64())),
		f("CoinbaseTx", "coinbaseTx", tBytes()),
		f("CoinbaseMerklePath", "coinbaseMerklePath", tList(tByteArray(32))),
	)
	checkOpts := goStruct(pkg, "BlockCheckOptions", "",
		f("CheckMerkleRoot", "checkMerkleRoot", tBool()),
		f("CheckPow", "checkPow", tBool()),
	)
	interrupt := method("Interrupt", "Interrupt makes a waiting call return.", nil, nil)
	interrupt.Context, interrupt.Error = false, false
	pkg.Interfaces = []*annotate.Interface{{
		Name: "Mining",
		Doc:  "Mining lets an external process build block templates.",
		Pos:  pos("mining.go", 5),
		Methods: methods(
			method("IsTestChain", "IsTestChain reports whether the chain is a test chain.", nil,
				fields(f("", "result", tBool()))),
			method("GetTip", "GetTip returns the tip, or nil when there is none.", nil,
				fields(f("", "result", tOptional(tStruct(blockRef))))),
			method("CreateNewBlock", "", fields(f("opts", "opts", tStruct(createOpts))),
				fields(f("", "result", tStruct(template)))),
			method("CheckBlock", "CheckBlock checks a block.\n\n\tok, err := m.CheckBlock(ctx, block, opts)",
				fields(f("block", "block", tBytes()), f("opts", "opts", tStruct(checkOpts))),
				fields(f("reason", "reason", tString()), f("debug", "debug", tString()), f("ok", "ok", tBool()))),
			interrupt,
		),
	}}
	pkg.Structs = []*annotate.Struct{checkOpts, createOpts, template, blockRef}
	return pkg
}

// kindsModel uses every Kind, in every position.
func kindsModel() *annotate.Package {
	pkg := newPackage("example.com/x/kinds", "kinds")
	kind := enum(pkg, "Kind", "Kind tells items apart.", "int32", "Block", "Tx", "Header")
	kind.Enumerants[1].Doc = "KindTx is a transaction."
	level := enum(pkg, "Level", "Level has odd docs.  \n\n  Indented line.\n# not a heading\nÜnïcödé ✓ \"quoted\" \\\n\n", "uint8", "Low", "High")
	level.Enumerants[0].Doc = "\tcode block\n"

	scalars := goStruct(pkg, "Scalars", "Scalars holds one of each scalar.",
		f("B", "b", tBool(), "B is first."),
		f("I8", "i8", tInt8()),
		f("I16", "i16", tInt16()),
		f("I32", "i32", tInt32()),
		f("I64", "i64", tInt64()),
		f("U8", "u8", tUint8()),
		f("U16", "u16", tUint16()),
		f("U32", "u32", tUint32()),
		f("U64", "u64", tUint64()),
		f("F32", "f32", tFloat32()),
		f("F64", "f64", tFloat64()),
		f("B2", "b2", tBool()),
		f("K", "k", tEnum(kind)),
		f("L", "l", tEnum(level)),
		f("D", "d", tNamed(tInt64(), "time", "Duration")),
		f("N", "n", basic(annotate.KindInt64, "int")),
		f("U", "u", basic(annotate.KindUint64, "uint")),
	)
	// Boxes of optional list elements: scalars with a has flag, pointers.
	int64Box := box("Int64Box", tInt64())
	uint32Box := box("UInt32Box", tUint32())
	kindBox := box("KindBox", tEnum(kind))
	boolBox := box("BoolBox", tBool())
	textBox := box("TextBox", tString())
	dataBox := box("DataBox", tByteArray(4))
	scalarsBox := box("ScalarsBox", tStruct(scalars))
	pairBox := box("PairBox", tArray(2, tUint8()))
	textInt64 := mapEntry("TextInt64Entry", tString(), tInt64())
	int32TextList := mapEntry("Int32TextListEntry", tInt32(), tList(tString()))
	textScalars := mapEntry("TextScalarsEntry", tString(), tStruct(scalars))
	// Optional map values: the value field with a has flag, or a pointer.
	textMaybeUInt32 := mapEntry("TextMaybeUInt32Entry", tString(), tOptional(tUint32()))
	textMaybeScalars := mapEntry("TextMaybeScalarsEntry", tString(), tOptional(tStruct(scalars)))
	textMaybeText := mapEntry("TextMaybeTextEntry", tString(), tOptional(tString()))
	kindText := mapEntry("KindTextEntry", tEnum(kind), tString())

	collections := goStruct(pkg, "Collections", "",
		f("Text", "text", tString()),
		f("Data", "data", tBytes()),
		f("Hash", "hash", tByteArray(32)),
		f("Ints", "ints", tList(tInt32())),
		f("Names", "names", tList(tString())),
		f("Matrix", "matrix", tList(tList(tFloat64()))),
		f("Cube", "cube", tList(tList(tList(tString())))),
		f("Bools", "bools", tList(tBool())),
		f("Kinds", "kinds", tList(tEnum(kind))),
		f("Items", "items", tList(tStruct(scalars))),
		f("Fixed", "fixed", tArray(4, tUint16())),
		f("Blobs", "blobs", tList(tBytes())),
		f("ByName", "byName", tMap(tString(), tInt64(), textInt64)),
		f("ByHeight", "byHeight", tMap(tInt32(), tList(tString()), int32TextList)),
		f("Scalars", "scalars", tMap(tString(), tStruct(scalars), textScalars)),
		f("MaybeInts", "maybeInts", tList(tBoxed(tInt64(), int64Box))),
		f("MaybeByName", "maybeByName", tMap(tString(), tOptional(tUint32()), textMaybeUInt32)),
		f("MaybeItems", "maybeItems", tList(tBoxed(tStruct(scalars), scalarsBox))),
		f("MaybeKinds", "maybeKinds", tList(tBoxed(tEnum(kind), kindBox))),
		f("Labels", "labels", tMap(tEnum(kind), tString(), kindText)),
		f("MaybeNames", "maybeNames", tList(tBoxed(tString(), textBox))),
		f("MaybeHashes", "maybeHashes", tList(tBoxed(tByteArray(4), dataBox))),
		f("MaybePairs", "maybePairs", tList(tBoxed(tArray(2, tUint8()), pairBox))),
		f("MaybeQuad", "maybeQuad", tArray(4, tBoxed(tUint32(), uint32Box))),
		f("MaybeFlags", "maybeFlags", tList(tList(tBoxed(tBool(), boolBox)))),
		f("ItemsByName", "itemsByName", tMap(tString(), tOptional(tStruct(scalars)), textMaybeScalars)),
		f("NamesByName", "namesByName", tMap(tString(), tOptional(tString()), textMaybeText)),
	)
	optionals := goStruct(pkg, "Optionals", "Optionals holds nil-able values.",
		f("Count", "count", tOptional(tInt64()), "Count is nil when unknown."),
		f("Flag", "flag", tOptional(tBool())),
		f("Kind", "kind", tOptional(tEnum(kind))),
		f("Ratio", "ratio", tOptional(tFloat64())),
		f("Name", "name", tOptional(tString())),
		f("Ref", "ref", tOptional(tStruct(scalars))),
		f("Blob", "blob", tOptional(tBytes())),
	)
	tree := goStruct(pkg, "Tree", "Tree is recursive through optionals and lists.")
	tree.Fields = numbered(
		f("Value", "value", tInt64()),
		f("Left", "left", tOptional(tStruct(tree))),
		f("Right", "right", tOptional(tStruct(tree))),
		f("Children", "children", tList(tStruct(tree))),
	)
	empty := goStruct(pkg, "Empty", "Empty has no fields.")

	pkg.Interfaces = []*annotate.Interface{
		{
			Name: "Kinds",
			Doc:  "Kinds passes every kind.",
			Methods: methods(
				method("Echo", "", fields(f("all", "all", tStruct(collections))), fields(f("", "result", tStruct(collections)))),
				method("SetCount", "SetCount sets or clears the count.",
					fields(f("count", "count", tOptional(tInt64())), f("kind", "kind", tOptional(tEnum(kind)))), nil),
				method("GetCount", "", nil, fields(f("", "result", tOptional(tInt64())), f("", "result1", tOptional(tBool())))),
				method("Walk", "", fields(f("t", "t", tStruct(tree)), f("limit", "limit", tOptional(tStruct(empty)))),
					fields(f("depth", "depth", basic(annotate.KindInt64, "int")))),
				method("Unnamed", "", fields(f("", "arg", tInt64()), f("", "arg1", tString()), f("", "arg2", tList(tEnum(level)))),
					fields(f("", "result", tBool()), f("", "result1", tString()))),
				method("Scalars", "", fields(f("s", "s", tStruct(scalars)), f("o", "o", tStruct(optionals))),
					fields(f("", "result", tMap(tString(), tInt64(), textInt64)))),
			),
		},
		{
			Name: "Pinned",
			Doc:  "Pinned has a pinned ID.",
			ID:   0xa1b2c3d4e5f60718,
			Methods: methods(
				method("Ping", "", nil, nil),
				method("Stop", "Stop ends it.\n\nIt is idempotent.", nil, nil),
			),
		},
		{Name: "Quiet"},
	}
	pkg.Structs = []*annotate.Struct{
		boolBox, collections, dataBox, empty, int32TextList, int64Box, kindBox, kindText, optionals,
		pairBox, scalars, scalarsBox, textBox, textInt64, textMaybeScalars, textMaybeText,
		textMaybeUInt32, textScalars, tree, uint32Box,
	}
	pkg.Enums = []*annotate.Enum{kind, level}
	return pkg
}

// ordinalsModel has ordinals out of source order, as a schema lock leaves
// them after renames and additions.
func ordinalsModel() *annotate.Package {
	pkg := newPackage("example.com/x/ordinals", "ordinals")
	s := goStruct(pkg, "Moved", "")
	y := f("Y", "y", tInt64())
	x := f("X", "x", tBool())
	opt := f("Opt", "opt", tOptional(tInt16()))
	y.Ordinal, x.Ordinal, opt.Ordinal, opt.HasOrdinal = 2, 0, 1, 3
	s.Fields = []*annotate.Field{y, x, opt}
	a := method("A", "", nil, nil)
	b := method("B", "B was added later.", fields(f("s", "s", tStruct(s))), nil)
	c := method("C", "", nil, nil)
	b.Ordinal, a.Ordinal, c.Ordinal = 0, 2, 1
	pkg.Interfaces = []*annotate.Interface{{Name: "Renamed", Methods: []*annotate.Method{a, b, c}}}
	pkg.Structs = []*annotate.Struct{s}
	return pkg
}

// retiredModel is what the schema lock (gen/lock) leaves after edits:
// retired placeholders at the front, in the middle and at the end of
// methods, struct fields, parameters and results, parameters out of
// source order, and optional scalars whose has flags are not next to
// their values.
func retiredModel() *annotate.Package {
	pkg := newPackage("example.com/x/retired", "retired")
	kind := enum(pkg, "Kind", "", "int32", "A", "B")
	anyPointer := func() *annotate.Type { return &annotate.Type{Kind: annotate.KindAnyPointer} }
	retiredField := func(name string, ordinal int, t *annotate.Type) *annotate.Field {
		return &annotate.Field{WireName: name, Ordinal: ordinal, Type: t, Retired: true,
			Doc: "Retired: was " + name[:1] + ", removed from the Go source. The ordinal is never reused."}
	}
	retiredMethod := func(name string, ordinal int) *annotate.Method {
		return &annotate.Method{WireName: name, Ordinal: ordinal, Retired: true,
			Doc: "Retired: was " + name[:3] + ", removed from the Go source. The ordinal is never reused; servers answer \"unimplemented\"."}
	}

	s := goStruct(pkg, "Evolved", "Evolved was edited.")
	a := f("A", "a", tInt32(), "A moved.")
	opt := f("Opt", "opt", tOptional(tInt16()))
	name := f("Name", "name", tString())
	k := f("K", "k", tEnum(kind))
	a.Ordinal = 3
	opt.Ordinal, opt.HasOrdinal = 1, 6
	name.Ordinal = 5
	k.Ordinal = 8
	s.Fields = []*annotate.Field{a, opt, name, k,
		retiredField("fRetired0", 0, anyPointer()),
		retiredField("gRetired2", 2, tBool()),
		retiredField("hRetired4", 4, tUint16()),
		retiredField("iRetired7", 7, anyPointer()),
		retiredField("jRetired9", 9, tFloat64()),
	}

	get := method("Get", "Get was edited.",
		fields(f("y", "y", tString()), f("x", "x", tOptional(tInt64())), retiredField("zRetired1", 1, anyPointer())),
		fields(f("ok", "ok", tBool()), retiredField("rRetired0", 0, tInt32())))
	get.Params[0].Ordinal = 2
	get.Params[1].Ordinal, get.Params[1].HasOrdinal = 0, 3
	get.Params[2].Ordinal = 1
	get.Results[0].Ordinal, get.Results[1].Ordinal = 1, 0
	get.Ordinal = 1
	put := method("Put", "", fields(f("e", "e", tStruct(s)), f("k", "k", tEnum(kind))), nil)
	put.Ordinal = 3
	pkg.Interfaces = []*annotate.Interface{
		{Name: "Evolving", Doc: "Evolving lost methods.", Methods: []*annotate.Method{
			get, put, retiredMethod("oldRetired0", 0), retiredMethod("midRetired2", 2), retiredMethod("endRetired4", 4),
		}},
		{Name: "Gone", Methods: []*annotate.Method{retiredMethod("allRetired0", 0)}},
	}
	pkg.Structs = []*annotate.Struct{s}
	pkg.Enums = []*annotate.Enum{kind}
	return pkg
}

// layoutCases are field type sequences whose layouts the compiler decides
// in interesting ways: small fields filling the holes larger ones leave.
var layoutCases = []struct {
	name  string
	types []func() *annotate.Type
}{
	{"BoolAfterInt64", []func() *annotate.Type{tInt64, tBool}},
	{"ManyBools", []func() *annotate.Type{tBool, tBool, tBool, tBool, tBool, tBool, tBool, tBool, tBool, tInt8, tBool}},
	{"Holes", []func() *annotate.Type{tBool, tInt32, tInt8, tInt16, tBool, tUint8, tFloat32, tInt16, tInt64, tBool}},
	{"Descending", []func() *annotate.Type{tInt64, tInt32, tInt16, tInt8, tBool, tFloat64, tUint32, tUint16, tUint8, tBool}},
	{"Mixed", []func() *annotate.Type{tString, tBool, tBytes, tInt16, tInt16, tInt16, tInt16, tInt16, tUint32, tFloat32, tInt8}},
	{"Ascending", []func() *annotate.Type{tBool, tInt8, tInt16, tInt32, tInt64, tBool, tInt8, tInt16, tInt32}},
}

// layoutsModel declares one struct per layout case, and a method whose
// parameters and results take the same layouts.
func layoutsModel() *annotate.Package {
	pkg := newPackage("example.com/x/layouts", "layouts")
	var ms []*annotate.Method
	for _, c := range layoutCases {
		var fs []*annotate.Field
		for i, t := range c.types {
			name := string(rune('a' + i))
			fs = append(fs, f(string(rune('A'+i)), name, t()))
		}
		pkg.Structs = append(pkg.Structs, goStruct(pkg, c.name, "", fs...))
		var params []*annotate.Field
		for _, fd := range fs {
			params = append(params, f(fd.WireName, fd.WireName, fd.Type))
		}
		ms = append(ms, method(c.name, "", params, params))
	}
	pkg.Interfaces = []*annotate.Interface{{Name: "Layouts", Methods: methods(ms...)}}
	return pkg
}

// capabilitiesModel has capabilities in every position, a func type's
// interface and interfaces that extend others.
func capabilitiesModel() *annotate.Package {
	pkg := newPackage("example.com/x/caps", "caps")
	ref := func(name string) *annotate.InterfaceRef {
		return &annotate.InterfaceRef{Go: annotate.TypeName{Path: pkg.Path, Name: name}, Name: name, IPCPath: pkg.IPCPath, IPCName: pkg.IPCName}
	}
	tIface := func(name string) *annotate.Type {
		r := ref(name)
		return &annotate.Type{Kind: annotate.KindInterface, Named: &r.Go, Interface: r}
	}
	entry := mapEntry("TextReaderEntry", tString(), tIface("Reader"))
	holder := goStruct(pkg, "Holder", "Holder holds capabilities.",
		f("Main", "main", tIface("Reader")),
		f("All", "all", tList(tIface("Reader"))),
		f("Named", "named", tMap(tString(), tIface("Reader"), entry)),
		f("Count", "count", tInt32()),
	)
	read := method("Read", "", fields(f("n", "n", tInt32())), fields(f("", "result", tBytes())))
	stop := method("Stop", "", nil, nil)
	position := method("Position", "", nil, fields(f("", "result", tInt64())))
	call := method("Call", "", fields(f("value", "value", tString())), fields(f("", "result", tString()), f("", "result1", tInt32())))
	pkg.Interfaces = []*annotate.Interface{
		{Name: "Reader", Pos: pos("caps.go", 3), Methods: methods(read)},
		{Name: "Stopper", Pos: pos("caps.go", 6), Methods: methods(stop)},
		{Name: "Stream", Doc: "Stream extends two.", Pos: pos("caps.go", 9), Methods: methods(position),
			Extends: []*annotate.InterfaceRef{ref("Reader"), ref("Stopper")}},
		{Name: "Opener", Pos: pos("caps.go", 12), Methods: methods(
			method("Open", "", fields(f("h", "h", tStruct(holder)), f("update", "update", tIface("Update"))),
				fields(f("", "result", tIface("Stream")))),
		)},
		{Name: "Update", Doc: "Update is a func type.", Pos: pos("caps.go", 15), Methods: methods(call),
			Func: &annotate.TypeName{Path: pkg.Path, Name: "Update"}},
	}
	pkg.Structs = []*annotate.Struct{holder, entry}
	return pkg
}

// crossModel is a package whose schema imports two others: base's struct,
// enum and interfaces, and, through base's struct, core's struct (which
// the compiler loads though the requested file does not name it). The
// package declares an interface named Base, so base's alias is Base2.
func crossModel() *annotate.Package {
	core := newPackage("example.com/x/core", "core")
	point := goStruct(core, "Point", "Point is core's.", f("X", "x", tInt32()), f("Y", "y", tInt32()))
	core.Structs = []*annotate.Struct{point}
	core.Interfaces = []*annotate.Interface{{Name: "Core", Pos: pos("core.go", 3), Methods: methods(
		method("At", "", nil, fields(f("", "result", tStruct(point)))))}}

	base := newPackage("example.com/x/base", "base")
	baseRef := func(name string) *annotate.InterfaceRef {
		return &annotate.InterfaceRef{Go: annotate.TypeName{Path: base.Path, Name: name}, Name: name, IPCPath: base.IPCPath, IPCName: base.IPCName}
	}
	kind := enum(base, "Kind", "Kind is base's.", "int32", "Block", "Header")
	pointT := tStruct(point)
	pointT.Schema = core
	blockRef := goStruct(base, "BlockRef", "BlockRef names a block.",
		f("Height", "height", tInt32(), "Height of the block."),
		f("Where", "where", pointT),
	)
	unused := goStruct(base, "Unused", "", f("N", "n", tInt32()))
	base.Structs = []*annotate.Struct{blockRef, unused}
	base.Enums = []*annotate.Enum{kind}
	base.Imports = []*annotate.Package{core}
	tmplRef := baseRef("BlockTemplate")
	base.Interfaces = []*annotate.Interface{
		{Name: "Waiter", Pos: pos("base.go", 3), Methods: methods(method("Wait", "", nil, nil))},
		{Name: "BlockTemplate", Doc: "BlockTemplate is base's.", Pos: pos("base.go", 5), Extends: []*annotate.InterfaceRef{baseRef("Waiter")}, Methods: methods(
			method("Ref", "Ref returns the block.", nil, fields(f("", "result", tStruct(blockRef)))),
			method("Next", "", nil, fields(f("", "result", &annotate.Type{Kind: annotate.KindInterface, Named: &tmplRef.Go, Interface: tmplRef}))))},
		{Name: "Other", Pos: pos("base.go", 9), Methods: methods(method("Ping", "", nil, nil))},
	}

	user := newPackage("example.com/x/user", "user")
	refT := func() *annotate.Type {
		t := tStruct(blockRef)
		t.Schema = base
		return t
	}
	kindT := func() *annotate.Type {
		t := tEnum(kind)
		t.Schema = base
		return t
	}
	tmplT := func() *annotate.Type {
		r := baseRef("BlockTemplate")
		r.Schema = base
		return &annotate.Type{Kind: annotate.KindInterface, Named: &r.Go, Interface: r}
	}
	entry := mapEntry("TextBlockRefEntry", tString(), refT())
	holder := goStruct(user, "Holder", "Holder is user's.",
		f("Ref", "ref", refT()),
		f("Kinds", "kinds", tList(kindT())),
		f("ByName", "byName", tMap(tString(), refT(), entry)),
		f("Kind", "kind", kindT()),
	)
	user.Structs = []*annotate.Struct{holder, entry}
	user.Imports = []*annotate.Package{base}
	user.Interfaces = []*annotate.Interface{
		{Name: "Base", Doc: "Base takes the alias Base.", Pos: pos("user.go", 3), Methods: methods(
			method("Use", "", fields(f("r", "r", refT()), f("t", "t", tmplT()), f("h", "h", tStruct(holder))),
				fields(f("", "result", tmplT()), f("", "result1", tList(refT())))),
		)},
	}
	return user
}
