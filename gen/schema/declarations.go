package schema

import (
	"errors"
	"fmt"
	"go/token"
	"slices"
	"strings"

	"capnproto.org/go/capnp/v3/std/capnp/schema"

	"github.com/ifacegen/ifacegen/annotate"
)

// This file lowers the model to Cap'n Proto declarations: every node with
// its ID, every member with its capnp type, ordinal, code order and layout
// slot. Text and Request both render from the result, so the schema text and
// the CodeGeneratorRequest cannot disagree.

// schemaFile is the capnp view of one generated schema file.
type schemaFile struct {
	id         uint64
	name       string // file name, e.g. "mining.capnp"
	path       string // import path, e.g. "/example.com/x/mining/miningipc/mining.capnp" (ImportPath)
	source     string // Go import path of the interface package
	goPackage  string // $Go.package
	goImport   string // $Go.import
	interfaces []*interfaceDecl
	structs    []*structDecl
	enums      []*enumDecl
	imports    []*importDecl // the other schemas it imports, in Package.Imports order
}

// importDecl is an imported schema: `using <alias> = import "<file.path>";`.
type importDecl struct {
	alias string
	file  *schemaFile
}

// displayName is how the capnp compiler names f in a request: a requested
// file by its file name, an imported one by its import path without the
// leading slash.
func (f *schemaFile) displayName(requested bool) string {
	if requested {
		return f.name
	}
	return strings.TrimPrefix(f.path, "/")
}

type interfaceDecl struct {
	name    string
	doc     string
	id      uint64
	methods []*methodDecl    // by ordinal; code order is the index
	extends []*interfaceDecl // the superclasses, in source order
}

type methodDecl struct {
	name    string
	doc     string
	ordinal uint16
	params  *structDecl // the implicit $Params struct
	results *structDecl // the implicit $Results struct
}

type structDecl struct {
	name      string // capnp name; "createNewBlock$Params" for a method's struct
	doc       string
	id        uint64
	scope     uint64 // the file's ID; 0 for a method's implicit struct, as the compiler does
	synthetic bool   // a map entry or a box: rendered on one line
	fields    []*fieldDecl
	dataWords uint16
	pointers  uint16
}

type fieldDecl struct {
	name    string
	doc     string
	ordinal uint16 // also the code order: fields are declared by ordinal
	typ     *capnpType
	offset  uint32 // in units of the type's size for data, pointer index otherwise
	def     string // the default value as the schema spells it; "" for none
	goName  string // the $Go.name annotation; "" for none
}

type enumDecl struct {
	name       string
	doc        string
	id         uint64
	enumerants []enumerantDecl // by value; code order is the index
}

type enumerantDecl struct {
	name string
	doc  string
}

// capnpType is a Cap'n Proto type as a field declares it.
type capnpType struct {
	which  schema.Type_Which // a scalar, text, data, list, enum, structType, interface or anyPointer (a retired slot)
	scalar annotate.Scalar   // Bool, a number, Text or Data: its row of annotate's table; zero (Kind 0) otherwise
	elem   *capnpType        // list: the element type
	id     uint64            // enum, structType, interface: the declaration's ID
	name   string            // enum, structType, interface: the declaration's name, "Alias.Name" when imported
	decl   any               // enum, structType, interface: the *enumDecl, *structDecl or *interfaceDecl
	file   *schemaFile       // enum, structType, interface: the file that declares it
}

// scalarWhich is the CodeGeneratorRequest's tag for the capnp type of
// each scalar kind of annotate's table (annotate.ScalarOf): the one fact
// about a scalar that the table, which knows nothing of the request's
// bindings, does not hold.
var scalarWhich = map[annotate.Kind]schema.Type_Which{
	annotate.KindBool:      schema.Type_Which_bool,
	annotate.KindInt8:      schema.Type_Which_int8,
	annotate.KindInt16:     schema.Type_Which_int16,
	annotate.KindInt32:     schema.Type_Which_int32,
	annotate.KindInt64:     schema.Type_Which_int64,
	annotate.KindUint8:     schema.Type_Which_uint8,
	annotate.KindUint16:    schema.Type_Which_uint16,
	annotate.KindUint32:    schema.Type_Which_uint32,
	annotate.KindUint64:    schema.Type_Which_uint64,
	annotate.KindFloat32:   schema.Type_Which_float32,
	annotate.KindFloat64:   schema.Type_Which_float64,
	annotate.KindString:    schema.Type_Which_text,
	annotate.KindBytes:     schema.Type_Which_data,
	annotate.KindByteArray: schema.Type_Which_data,
}

// scalarType is the capnp type of the scalar kind k (Bool, a number, Text
// or Data), and false when k is not one (annotate.ScalarOf).
func scalarType(k annotate.Kind) (*capnpType, bool) {
	s, ok := annotate.ScalarOf(k)
	if !ok {
		return nil, false
	}
	return &capnpType{which: scalarWhich[k], scalar: s}, true
}

// builtinNames are the names a declaration must not take: the capnp
// built-in types (a declaration of that name would shadow the built-in in
// every field of the file) and "Go", the name the file gives go.capnp.
var builtinNames = []string{
	"AnyList", "AnyPointer", "AnyStruct", "Bool", "Capability", "Data",
	"Float32", "Float64", "Go", "Int16", "Int32", "Int64", "Int8", "List",
	"Text", "UInt16", "UInt32", "UInt64", "UInt8", "Void",
}

// lgSize is log2 of the bits a data field of this type takes, or -1 for a
// pointer.
func (t *capnpType) lgSize() int {
	if t.which == schema.Type_Which_enum {
		return 4 // an enum is a UInt16
	}
	return t.scalar.LgSize() // -1 for Text, Data and the zero row of a non-scalar
}

// declarer lowers one package, collecting every problem it finds.
type declarer struct {
	pkg      *annotate.Package
	file     *schemaFile
	structs  map[string]*structDecl    // top-level structs by name
	enums    map[string]*enumDecl      // enums by name
	ifaces   map[string]*interfaceDecl // interfaces by name
	imported map[string]*declarer      // the declarers of the imported schemas, by IPCPath
	aliases  map[string]string         // the alias of each imported schema, by IPCPath
	errs     []error
}

// ImportPath is how a schema that uses a type of pkg's schema imports it:
// "/" + pkg.IPCPath + "/" + pkg.Name + ".capnp". It resolves with
// `capnp compile -I<root>` where <root> holds every generated package at
// its import path (and go.capnp), as a module's source tree laid out by
// import path does.
//
// A path pinned with //ipc:package schema=… (Package.SchemaImport) is used
// as is: "/mp/proxy.capnp".
func ImportPath(pkg *annotate.Package) string {
	if pkg.SchemaImport != "" {
		return pkg.SchemaImport
	}
	return "/" + pkg.IPCPath + "/" + pkg.Name + ".capnp"
}

// declare lowers pkg to its schema file. The error joins every problem
// found; problems that come from the user's Go code carry its position.
func declare(pkg *annotate.Package) (*schemaFile, error) {
	d, err := newDeclarer(pkg, nil)
	if err != nil {
		return nil, err
	}
	return d.file, nil
}

// newDeclarer lowers pkg. inProgress holds the packages whose imports are
// being lowered, to reject an import cycle.
func newDeclarer(pkg *annotate.Package, inProgress map[string]bool) (*declarer, error) {
	d := &declarer{
		pkg:      pkg,
		structs:  make(map[string]*structDecl),
		enums:    make(map[string]*enumDecl),
		ifaces:   make(map[string]*interfaceDecl),
		imported: make(map[string]*declarer),
		aliases:  make(map[string]string),
	}
	d.file = &schemaFile{
		id:        FileID(pkg),
		name:      pkg.Name + ".capnp",
		path:      ImportPath(pkg),
		source:    pkg.Path,
		goPackage: pkg.IPCName,
		goImport:  pkg.IPCPath,
	}
	if !isGoIdentifier(pkg.Name) {
		d.errorf(token.Position{}, "package name %q is not a Go identifier", pkg.Name)
	}
	if !isGoIdentifier(pkg.IPCName) {
		d.errorf(token.Position{}, "output package name %q is not a Go identifier", pkg.IPCName)
	}
	if pkg.IPCPath == "" || !isQuotable(pkg.IPCPath) || !isQuotable(pkg.Path) {
		d.errorf(token.Position{}, "import paths %q and %q must be non-empty printable text", pkg.Path, pkg.IPCPath)
	}
	d.declareNames()
	if inProgress == nil {
		inProgress = make(map[string]bool)
	}
	inProgress[pkg.IPCPath] = true
	d.declareImports(inProgress)
	delete(inProgress, pkg.IPCPath)
	for _, s := range pkg.Structs {
		if sd := d.structs[s.Name]; sd != nil && sd.fields == nil {
			sd.fields = d.fields(s.Fields, "struct "+s.Name)
		}
	}
	for _, in := range pkg.Interfaces {
		d.declareMethods(in)
		d.declareExtends(in)
	}
	for _, e := range pkg.Enums {
		d.declareEnumerants(e)
	}
	d.checkUniqueIDs()
	if len(d.errs) > 0 {
		return nil, errors.Join(d.errs...)
	}
	for _, s := range d.file.allStructs() {
		s.layOut()
	}
	return d, nil
}

// declareImports lowers the schemas of pkg.Imports and gives each an
// alias: the package name upper-cased first (underscores dropped), with a
// number appended when a declaration of this schema, "Go" or an earlier
// alias has that name.
func (d *declarer) declareImports(inProgress map[string]bool) {
	taken := map[string]bool{"Go": true}
	for n := range d.structs {
		taken[n] = true
	}
	for n := range d.enums {
		taken[n] = true
	}
	for n := range d.ifaces {
		taken[n] = true
	}
	for _, imp := range d.pkg.Imports {
		switch {
		case imp == nil:
			d.errorf(token.Position{}, "Package.Imports holds nil")
			continue
		case imp.IPCPath == d.pkg.IPCPath || inProgress[imp.IPCPath]:
			d.errorf(token.Position{}, "the schema of %s imports itself through %s; Go packages cannot import each other in a cycle", d.pkg.Path, imp.Path)
			continue
		case d.imported[imp.IPCPath] != nil:
			d.errorf(token.Position{}, "Package.Imports lists %s twice", imp.Path)
			continue
		case !isQuotable(ImportPath(imp)):
			d.errorf(token.Position{}, "import path %q must be printable text", ImportPath(imp))
			continue
		}
		id, err := newDeclarer(imp, inProgress)
		if err != nil {
			d.errs = append(d.errs, fmt.Errorf("imported schema of %s: %w", imp.Path, err))
			continue
		}
		base := upperFirstASCII(strings.ReplaceAll(imp.Name, "_", ""))
		if imp.SchemaImport != "" {
			// "/mp/proxy.capnp" → Proxy, as its own users spell it.
			file := imp.SchemaImport[strings.LastIndex(imp.SchemaImport, "/")+1:]
			base = upperFirstASCII(strings.TrimSuffix(file, ".capnp"))
		}
		if !isTypeName(base) {
			base = "Schema"
		}
		alias := base
		for i := 2; taken[alias] || slices.Contains(builtinNames, alias); i++ {
			alias = fmt.Sprint(base, i)
		}
		taken[alias] = true
		d.imported[imp.IPCPath] = id
		d.aliases[imp.IPCPath] = alias
		d.file.imports = append(d.file.imports, &importDecl{alias: alias, file: id.file})
	}
}

// upperFirstASCII upper-cases the first letter of s when it is an ASCII
// lower-case letter.
func upperFirstASCII(s string) string {
	if s != "" && 'a' <= s[0] && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// importedFor returns the declarer of the imported schema of the package
// with the given IPCPath, or an error naming what is missing.
func (d *declarer) importedFor(ipcPath, what string) (*declarer, string, error) {
	id := d.imported[ipcPath]
	if id == nil {
		return nil, "", fmt.Errorf("%s is declared in the schema of %s, which is not in Package.Imports", what, ipcPath)
	}
	return id, d.aliases[ipcPath], nil
}

// declareNames creates every top-level declaration, so that types can
// refer to any of them, and checks the names.
func (d *declarer) declareNames() {
	seen := make(map[string]token.Position)
	name := func(what, name string, pos token.Position) bool {
		switch {
		case !isTypeName(name):
			d.errorf(pos, "%s name %q is not a Cap'n Proto type name; use ASCII letters and digits, starting with an upper-case letter", what, name)
			return false
		case slices.Contains(builtinNames, name):
			d.errorf(pos, "%s name %q is reserved in the schema (a Cap'n Proto built-in type or the Go annotation scope); rename the Go type", what, name)
			return false
		}
		if prev, dup := seen[name]; dup {
			d.errorf(pos, "%s name %q is already declared in the schema (%v); rename one of the Go types", what, name, prev)
			return false
		}
		seen[name] = pos
		return true
	}
	for _, in := range d.pkg.Interfaces {
		if !name("interface", in.Name, in.Pos) {
			continue
		}
		if in.ID != 0 && in.ID&idHighBit == 0 {
			d.errorf(in.Pos, "interface %s: id=%#x lacks the high bit that every Cap'n Proto ID has; use an ID from `capnp id`", in.Name, in.ID)
		}
		id := &interfaceDecl{
			name: in.Name,
			doc:  in.Doc,
			id:   InterfaceID(d.pkg, in),
		}
		d.ifaces[in.Name] = id
		d.file.interfaces = append(d.file.interfaces, id)
	}
	for _, s := range d.pkg.Structs {
		if !name("struct", s.Name, s.Pos) {
			continue
		}
		sd := &structDecl{
			name:      s.Name,
			doc:       s.Doc,
			id:        StructID(d.pkg, s),
			scope:     d.file.id,
			synthetic: s.Synthetic != annotate.GoStruct,
		}
		d.structs[s.Name] = sd
		d.file.structs = append(d.file.structs, sd)
	}
	for _, e := range d.pkg.Enums {
		if !name("enum", e.Name, e.Pos) {
			continue
		}
		ed := &enumDecl{name: e.Name, doc: e.Doc, id: EnumID(d.pkg, e)}
		d.enums[e.Name] = ed
		d.file.enums = append(d.file.enums, ed)
	}
}

// declareExtends records the superclasses of the interface declared for in.
func (d *declarer) declareExtends(in *annotate.Interface) {
	id := d.ifaces[in.Name]
	if id == nil {
		return // its name was rejected
	}
	for _, e := range in.Extends {
		switch base := d.ifaces[e.Name]; {
		case e.IPCPath != d.pkg.IPCPath:
			d.errorf(in.Pos, "interface %s extends %s of %s, another schema", in.Name, e.Name, e.IPCPath)
		case base == nil:
			d.errorf(in.Pos, "interface %s extends %q, which is not in Package.Interfaces", in.Name, e.Name)
		default:
			id.extends = append(id.extends, base)
		}
	}
}

// declareMethods fills in the methods of the interface declared for in.
func (d *declarer) declareMethods(in *annotate.Interface) {
	var id *interfaceDecl
	for _, x := range d.file.interfaces {
		if x.name == in.Name {
			id = x
		}
	}
	if id == nil {
		return // its name was rejected
	}
	what := "interface " + in.Name
	methods := slices.Clone(in.Methods)
	slices.SortStableFunc(methods, func(a, b *annotate.Method) int { return a.Ordinal - b.Ordinal })
	names := make(map[string]bool)
	for i, m := range methods {
		if m.Retired && (m.Name != "" || len(m.Params) > 0 || len(m.Results) > 0) {
			d.errorf(m.Pos, "%s: retired method %s has a Go name, parameters or results; a placeholder has none", what, m.WireName)
		}
		if !isMemberName(m.WireName) {
			d.errorf(m.Pos, "%s: method %s: wire name %q is not a Cap'n Proto member name; use ASCII letters and digits, starting with a lower-case letter", what, m.Name, m.WireName)
		} else if names[m.WireName] {
			d.errorf(m.Pos, "%s: method %s: wire name %q is used twice", what, m.Name, m.WireName)
		}
		names[m.WireName] = true
		if m.Ordinal != i {
			d.errorf(m.Pos, "%s: method %s has ordinal @%d; the method ordinals must be 0…%d, each used once", what, m.Name, m.Ordinal, len(methods)-1)
			continue
		}
		if i > 0xffff {
			d.errorf(m.Pos, "%s: more than 65536 methods", what)
			return
		}
		ord := uint16(i)
		scope := fmt.Sprintf("%s method %s", what, m.Name)
		id.methods = append(id.methods, &methodDecl{
			name:    m.WireName,
			doc:     m.Doc,
			ordinal: ord,
			params: &structDecl{
				name:   m.WireName + "$Params",
				id:     MethodStructID(id.id, ord, false),
				fields: d.fields(m.Params, scope+" parameters"),
			},
			results: &structDecl{
				name:   m.WireName + "$Results",
				id:     MethodStructID(id.id, ord, true),
				fields: d.fields(m.Results, scope+" results"),
			},
		})
	}
}

// fields lowers the fields of a struct or of a method's parameters or
// results, sorted by ordinal, and checks names and ordinals. It never
// returns nil.
func (d *declarer) fields(fields []*annotate.Field, what string) []*fieldDecl {
	out := []*fieldDecl{}
	positions := make(map[*fieldDecl]token.Position)
	add := func(f *annotate.Field, name string, ordinal int, t *capnpType, doc string) *fieldDecl {
		if !isMemberName(name) {
			d.errorf(f.Pos, "%s: wire name %q is not a Cap'n Proto member name; use ASCII letters and digits, starting with a lower-case letter", what, name)
		}
		if ordinal < 0 || ordinal > 0xffff {
			d.errorf(f.Pos, "%s: field %s: ordinal @%d is out of range", what, name, ordinal)
			ordinal = 0
		}
		fd := &fieldDecl{name: name, doc: doc, ordinal: uint16(ordinal), typ: t}
		positions[fd] = f.Pos
		out = append(out, fd)
		return fd
	}
	for _, f := range fields {
		if f.Type == nil {
			d.errorf(f.Pos, "%s: field %s has no type", what, f.WireName)
			continue
		}
		if f.Retired || f.Type.Kind == annotate.KindAnyPointer {
			// A placeholder holds its slot: a scalar or AnyPointer.
			// After an error the field still takes its ordinal, so that
			// the ordinal check reports nothing more.
			anyPointer := &capnpType{which: schema.Type_Which_anyPointer}
			switch st, scalar := scalarType(f.Type.Kind); {
			case !f.Retired:
				d.errorf(f.Pos, "%s: field %s has the type AnyPointer, which only a retired placeholder has", what, f.WireName)
				add(f, f.WireName, f.Ordinal, anyPointer, f.Doc)
			case f.HasWireName != "":
				d.errorf(f.Pos, "%s: retired field %s has a has flag; a placeholder is one field", what, f.WireName)
				add(f, f.WireName, f.Ordinal, anyPointer, f.Doc)
				add(f, f.HasWireName, f.HasOrdinal, anyPointer, "")
			case f.Type.Kind == annotate.KindAnyPointer:
				add(f, f.WireName, f.Ordinal, anyPointer, f.Doc)
			case scalar && f.Type.Kind.IsScalar():
				add(f, f.WireName, f.Ordinal, st, f.Doc)
			default:
				d.errorf(f.Pos, "%s: retired field %s has the type %s; a placeholder is a scalar or AnyPointer", what, f.WireName, f.Type)
				add(f, f.WireName, f.Ordinal, anyPointer, f.Doc)
			}
			continue
		}
		if f.Type.Kind == annotate.KindOptional && f.Type.Box != nil {
			d.errorf(f.Pos, "%s: field %s has a Box; only an optional list element is boxed", what, f.WireName)
			continue
		}
		if isOptionalScalar(f.Type) || f.HasWireName != "" && f.Type.Kind == annotate.KindOptional {
			// A value and a has flag: an optional scalar, or any optional
			// in the libmultiprocess dialect.
			if f.HasWireName == "" {
				d.errorf(f.Pos, "%s: optional scalar field %s has no has flag (Field.HasWireName)", what, f.WireName)
				continue
			}
			vt := f.Type
			if isOptionalScalar(f.Type) {
				vt = f.Type.Elem
			}
			t, err := d.capnpType(vt)
			if err != nil {
				d.errorf(f.Pos, "%s: field %s: %v", what, f.WireName, err)
				continue
			}
			add(f, f.WireName, f.Ordinal, t, f.Doc)
			flag, _ := scalarType(annotate.KindBool)
			has := add(f, f.HasWireName, f.HasOrdinal, flag, "")
			has.goName = f.HasGoName
			if f.HasGoName != "" && !isMemberName(f.HasGoName) {
				d.errorf(f.Pos, "%s: field %s: the Go name %q of its has flag is not a member name", what, f.WireName, f.HasGoName)
			}
			continue
		}
		if f.HasGoName != "" {
			d.errorf(f.Pos, "%s: field %s has a has flag Go name but no has flag", what, f.WireName)
		}
		if f.HasWireName != "" {
			d.errorf(f.Pos, "%s: field %s has a has flag %s but is not an optional scalar", what, f.WireName, f.HasWireName)
		}
		t, err := d.capnpType(f.Type)
		if err != nil {
			d.errorf(f.Pos, "%s: field %s: %v", what, f.WireName, err)
			continue
		}
		fd := add(f, f.WireName, f.Ordinal, t, f.Doc)
		if f.Default != "" {
			if _, err := parseDefault(t, f.Default); err != nil {
				d.errorf(f.Pos, "%s: field %s: default %s: %v", what, f.WireName, f.Default, err)
			} else {
				fd.def = f.Default
			}
		}
	}
	slices.SortStableFunc(out, func(a, b *fieldDecl) int { return int(a.ordinal) - int(b.ordinal) })
	names := make(map[string]bool)
	for i, fd := range out {
		if names[fd.name] {
			d.errorf(positions[fd], "%s: wire name %q is used twice", what, fd.name)
		}
		names[fd.name] = true
		if int(fd.ordinal) != i {
			d.errorf(positions[fd], "%s: field %s has ordinal @%d; the ordinals must be 0…%d, each used once (has flags included)", what, fd.name, fd.ordinal, len(out)-1)
			break
		}
	}
	return out
}

// isOptionalScalar reports whether t is carried as a value and a has flag
// when it is a field, parameter or result.
func isOptionalScalar(t *annotate.Type) bool {
	return t.Kind == annotate.KindOptional && t.Elem != nil && t.Elem.Kind.IsScalar()
}

// capnpType maps t, holding one value (a field other than an optional
// scalar, a list element, a map key), to its capnp type. An optional is
// its Box when it has one (a list element), else its element (a pointer
// field that is null when absent). A struct, enum or interface resolves
// through declRef.
func (d *declarer) capnpType(t *annotate.Type) (*capnpType, error) {
	if t == nil {
		return nil, errors.New("missing type")
	}
	if st, ok := scalarType(t.Kind); ok {
		return st, nil
	}
	switch t.Kind {
	case annotate.KindList:
		if t.Elem != nil && t.Elem.Kind == annotate.KindOptional && t.Elem.Box == nil {
			return nil, errors.New("list element: optional without a Box")
		}
		elem, err := d.capnpType(t.Elem)
		if err != nil {
			return nil, fmt.Errorf("list element: %w", err)
		}
		return &capnpType{which: schema.Type_Which_list, elem: elem}, nil
	case annotate.KindMap:
		entry, err := d.structRef(t.Entry, "map entry")
		if err != nil {
			return nil, err
		}
		return &capnpType{which: schema.Type_Which_list, elem: entry}, nil
	case annotate.KindStruct:
		if t.Struct == nil {
			return nil, errors.New("struct type without its struct")
		}
		return d.declRef(schema.Type_Which_structType, "struct", t.Struct.Name, schemaPath(t.Schema))
	case annotate.KindEnum:
		if t.Enum == nil {
			return nil, errors.New("enum type without Type.Enum")
		}
		return d.declRef(schema.Type_Which_enum, "enum", t.Enum.Name, schemaPath(t.Schema))
	case annotate.KindInterface:
		if t.Interface == nil {
			return nil, errors.New("interface type without Type.Interface")
		}
		ipcPath := t.Interface.IPCPath
		if ipcPath == d.pkg.IPCPath {
			ipcPath = ""
		}
		return d.declRef(schema.Type_Which_interface, "interface", t.Interface.Name, ipcPath)
	case annotate.KindOptional:
		if t.Elem == nil {
			return nil, errors.New("optional type without Type.Elem")
		}
		if t.Box != nil {
			return d.structRef(t.Box, "optional box")
		}
		if t.Elem.Kind.IsScalar() {
			return nil, errors.New("optional scalar outside a field and without a Box")
		}
		return d.capnpType(t.Elem)
	}
	return nil, fmt.Errorf("type kind %d has no Cap'n Proto mapping", t.Kind)
}

// schemaPath is the IPCPath of the package whose schema declares a type
// (annotate.Type.Schema), or "" when it is this package's.
func schemaPath(pkg *annotate.Package) string {
	if pkg == nil {
		return ""
	}
	return pkg.IPCPath
}

// declRef resolves a reference to the top-level declaration name, a
// struct, enum or interface as which says (what names it in errors), to
// its capnp type: the declaration of this package's schema when ipcPath is
// "", else the one in the imported schema of the generated package
// ipcPath, named through the import's alias ("Base.BlockRef").
func (d *declarer) declRef(which schema.Type_Which, what, name, ipcPath string) (*capnpType, error) {
	if ipcPath == "" {
		return d.localRef(which, what, name)
	}
	id, alias, err := d.importedFor(ipcPath, what+" "+name)
	if err != nil {
		return nil, err
	}
	ct, err := id.localRef(which, what, name)
	if err != nil {
		return nil, fmt.Errorf("%w (in the schema of %s)", err, id.pkg.Path)
	}
	ct.name = alias + "." + ct.name
	return ct, nil
}

// structRef is the capnp type of a reference to s, a top-level struct of
// this package's schema (a map entry or an optional box: what says which,
// for messages).
func (d *declarer) structRef(s *annotate.Struct, what string) (*capnpType, error) {
	if s == nil {
		return nil, fmt.Errorf("%s type without its struct", what)
	}
	return d.localRef(schema.Type_Which_structType, what, s.Name)
}

// localRef is the capnp type of a reference to the top-level struct, enum
// or interface (which) name that d's schema declares; what names it in
// the error when d declares no such thing.
func (d *declarer) localRef(which schema.Type_Which, what, name string) (*capnpType, error) {
	ct := &capnpType{which: which, file: d.file}
	switch which {
	case schema.Type_Which_structType:
		sd := d.structs[name]
		if sd == nil {
			return nil, fmt.Errorf("%s %q is not in Package.Structs", what, name)
		}
		ct.id, ct.name, ct.decl = sd.id, sd.name, sd
	case schema.Type_Which_enum:
		ed := d.enums[name]
		if ed == nil {
			return nil, fmt.Errorf("%s %q is not in Package.Enums", what, name)
		}
		ct.id, ct.name, ct.decl = ed.id, ed.name, ed
	case schema.Type_Which_interface:
		in := d.ifaces[name]
		if in == nil {
			return nil, fmt.Errorf("%s %q is not in Package.Interfaces", what, name)
		}
		ct.id, ct.name, ct.decl = in.id, in.name, in
	default:
		panic(fmt.Sprintf("schema: %v is not a declaration", which))
	}
	return ct, nil
}

// declareEnumerants fills in the enumerants of the enum declared for e.
func (d *declarer) declareEnumerants(e *annotate.Enum) {
	ed := d.enums[e.Name]
	if ed == nil {
		return // its name was rejected
	}
	if len(e.Enumerants) > 0x10000 {
		d.errorf(e.Pos, "enum %s: more than 65536 constants", e.Name)
		return
	}
	names := make(map[string]bool)
	for i, en := range e.Enumerants {
		switch {
		case en.Value != i:
			d.errorf(en.Pos, "enum %s: constant %s has value %d; the constants must be 0…%d in order", e.Name, en.GoName, en.Value, len(e.Enumerants)-1)
		case !isMemberName(en.WireName):
			d.errorf(en.Pos, "enum %s: wire name %q is not a Cap'n Proto member name; use ASCII letters and digits, starting with a lower-case letter", e.Name, en.WireName)
		case names[en.WireName]:
			d.errorf(en.Pos, "enum %s: wire name %q is used twice", e.Name, en.WireName)
		}
		names[en.WireName] = true
		ed.enumerants = append(ed.enumerants, enumerantDecl{name: en.WireName, doc: en.Doc})
	}
}

// checkUniqueIDs reports two nodes with one ID (a pinned interface ID can
// collide with a derived one).
func (d *declarer) checkUniqueIDs() {
	ids := map[uint64]string{
		d.file.id:        "the file",
		goCapnpFileID:    "go.capnp",
		goPackageAnnotID: "$Go.package",
		goImportAnnotID:  "$Go.import",
		goNameAnnotID:    "$Go.name",
	}
	add := func(id uint64, what string) {
		if prev, dup := ids[id]; dup {
			d.errorf(token.Position{}, "%s and %s have the same ID %#x; pin a different id=", prev, what, id)
		}
		ids[id] = what
	}
	for _, in := range d.file.interfaces {
		add(in.id, "interface "+in.name)
		for _, m := range in.methods {
			add(m.params.id, in.name+"."+m.params.name)
			add(m.results.id, in.name+"."+m.results.name)
		}
	}
	for _, s := range d.file.structs {
		add(s.id, "struct "+s.name)
	}
	for _, e := range d.file.enums {
		add(e.id, "enum "+e.name)
	}
}

// errorf records a problem, prefixed with pos when pos is known.
func (d *declarer) errorf(pos token.Position, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if pos.IsValid() {
		msg = pos.String() + ": " + msg
	}
	d.errs = append(d.errs, errors.New(msg))
}

// allStructs lists every struct of the file: the implicit method structs,
// then the top-level ones.
func (f *schemaFile) allStructs() []*structDecl {
	var all []*structDecl
	for _, in := range f.interfaces {
		for _, m := range in.methods {
			all = append(all, m.params, m.results)
		}
	}
	return append(all, f.structs...)
}

// layOut places the fields of s, in ordinal order, with the compiler's
// algorithm, and records the section sizes.
func (s *structDecl) layOut() {
	var l structLayout
	for _, f := range s.fields {
		if lg := f.typ.lgSize(); lg >= 0 {
			f.offset = l.addData(uint(lg))
		} else {
			f.offset = l.addPointer()
		}
	}
	// A struct of more than 65535 words or pointers needs more than 65535
	// fields, which the ordinal check has already rejected.
	s.dataWords = uint16(l.dataWords)
	s.pointers = uint16(l.pointers)
}

// isTypeName reports whether name is a valid capnp type name: ASCII letters
// and digits, starting upper case (the compiler rejects underscores).
func isTypeName(name string) bool {
	return name != "" && name[0] >= 'A' && name[0] <= 'Z' && isAlnum(name)
}

// isMemberName reports whether name is a valid capnp member name: ASCII
// letters and digits, starting lower case.
func isMemberName(name string) bool {
	return name != "" && name[0] >= 'a' && name[0] <= 'z' && isAlnum(name)
}

func isAlnum(s string) bool {
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// isGoIdentifier reports whether s is an ASCII Go identifier, as package
// names are.
func isGoIdentifier(s string) bool {
	return s != "" && !('0' <= s[0] && s[0] <= '9') && isAlnum(strings.ReplaceAll(s, "_", "a"))
}

// isQuotable reports whether s can be written in a capnp string literal
// as is: printable ASCII other than the quote and the backslash.
func isQuotable(s string) bool {
	for _, c := range []byte(s) {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
