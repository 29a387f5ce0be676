package schema

import (
	"fmt"
	"slices"
	"strings"

	"capnproto.org/go/capnp/v3"
	"capnproto.org/go/capnp/v3/std/capnp/schema"

	"github.com/ifacegen/ifacegen/annotate"
)

// compilerVersion is the capnp release whose output Request reproduces; the
// request reports it as its capnpVersion.
var compilerVersion = struct {
	major        uint16
	minor, micro uint8
}{0, 9, 2}

// Request builds the CodeGeneratorRequest for the schema Text renders, as
// `capnp compile -o- <pkg.Name>.capnp` (run in the file's directory, with
// GoCapnp on the import path) would hand it to a plugin on stdin: one
// unpacked message in the standard stream framing.
//
// It holds a node for the file, each interface, each method's implicit
// $Params and $Results structs, each struct and each enum, plus the nodes of
// go.capnp for the $Go annotations; the requested file with its imports
// ("/go.capnp" and the ImportPath of each of pkg.Imports, sorted by name as
// the compiler sorts them); and the doc comments as source info. Of an
// imported schema it holds what the compiler loads: the file node (with its
// $Go annotations, from which capnpc-go takes the Go import of the other
// bindings) and the declarations this file refers to, directly or through
// other loaded ones (struct fields, methods with their implicit structs,
// superclasses), transitively across imports, with their source info. IDs follow the
// compiler's rules (see ChildID and MethodStructID), struct layouts its
// algorithm, and every node matches the compiler's field for field,
// including which empty lists it leaves null, so that capnpc-go generates
// the same bindings from either. Two deliberate omissions: the compiler's
// source info entry with ID 0 (an artifact of the implicit method structs)
// and source positions.
//
// The result depends only on pkg; the error lists every problem with the
// model.
func Request(pkg *annotate.Package) ([]byte, error) {
	f, err := declare(pkg)
	if err != nil {
		return nil, err
	}
	msg, seg := capnp.NewSingleSegmentMessage(nil)
	req, err := schema.NewRootCodeGeneratorRequest(seg)
	if err != nil {
		return nil, fmt.Errorf("building request: %w", err)
	}
	if err := buildRequest(req, f); err != nil {
		return nil, fmt.Errorf("building request: %w", err)
	}
	b, err := msg.Marshal()
	if err != nil {
		return nil, fmt.Errorf("encoding request: %w", err)
	}
	return b, nil
}

func buildRequest(req schema.CodeGeneratorRequest, f *schemaFile) error {
	loaded := loadImported(f)
	var n int32 = 1 + 3 // the file; go.capnp and its two annotations
	n += int32(len(f.interfaces) + len(f.structs) + len(f.enums))
	for _, in := range f.interfaces {
		n += 2 * int32(len(in.methods))
	}
	for _, lf := range loaded {
		n += 1 + int32(len(lf.interfaces)+len(lf.structs)+len(lf.enums))
		for _, in := range lf.interfaces {
			n += 2 * int32(len(in.methods))
		}
	}
	all := append([]*loadedFile{{file: f, displayName: f.displayName(true), interfaces: f.interfaces, structs: f.structs, enums: f.enums}}, loaded...)
	usesGoName := false
	for _, lf := range all {
		usesGoName = usesGoName || lf.usesGoName()
	}
	if usesGoName {
		n++
	}
	nodes, err := req.NewNodes(n)
	if err != nil {
		return err
	}
	var next int
	node := func() schema.Node {
		next++
		return nodes.At(next - 1)
	}
	for _, lf := range all {
		if err := lf.buildNodes(node); err != nil {
			return err
		}
	}
	var nameNode *schema.Node
	file, pkgNode, impNode := node(), node(), node()
	if usesGoName {
		nn := node()
		nameNode = &nn
	}
	if err := buildGoCapnpNodes(file, pkgNode, impNode, nameNode); err != nil {
		return err
	}

	files, err := req.NewRequestedFiles(1)
	if err != nil {
		return err
	}
	rf := files.At(0)
	rf.SetId(f.id)
	if err := rf.SetFilename(f.name); err != nil {
		return err
	}
	// The compiler lists the imports sorted by name.
	type fileImport struct {
		id   uint64
		name string
	}
	fileImports := []fileImport{{goCapnpFileID, goCapnpImport}}
	for _, imp := range f.imports {
		fileImports = append(fileImports, fileImport{imp.file.id, imp.file.path})
	}
	slices.SortFunc(fileImports, func(a, b fileImport) int { return strings.Compare(a.name, b.name) })
	imports, err := rf.NewImports(int32(len(fileImports)))
	if err != nil {
		return err
	}
	for i, imp := range fileImports {
		imports.At(i).SetId(imp.id)
		if err := imports.At(i).SetName(imp.name); err != nil {
			return err
		}
	}

	v, err := req.NewCapnpVersion()
	if err != nil {
		return err
	}
	v.SetMajor(compilerVersion.major)
	v.SetMinor(compilerVersion.minor)
	v.SetMicro(compilerVersion.micro)

	return buildSourceInfo(req, all, usesGoName)
}

// usesGoName reports whether a field of lf's declarations has $Go.name.
func (lf *loadedFile) usesGoName() bool {
	var structs []*structDecl
	for _, in := range lf.interfaces {
		for _, m := range in.methods {
			structs = append(structs, m.params, m.results)
		}
	}
	for _, s := range append(structs, lf.structs...) {
		for _, fd := range s.fields {
			if fd.goName != "" {
				return true
			}
		}
	}
	return false
}

// loadedFile is a schema file with the declarations of it that a request
// holds: all of them for the requested file; for an imported file, the
// ones the compiler loads, which are those the requested file refers to,
// directly or through other loaded declarations (the fields of a struct,
// the methods of an interface and their parameters and results, its
// superclasses).
type loadedFile struct {
	file        *schemaFile
	displayName string
	interfaces  []*interfaceDecl // in declaration order
	structs     []*structDecl
	enums       []*enumDecl
}

// loadImported returns the imported files the request for f holds nodes
// of, in the order f's imports reach them (depth first), each once, with
// the declarations the compiler loads from them.
func loadImported(f *schemaFile) []*loadedFile {
	used := make(map[uint64]bool) // IDs of loaded imported declarations
	var queue []any
	var visitType func(t *capnpType)
	visitType = func(t *capnpType) {
		if t == nil {
			return
		}
		if t.which == schema.Type_Which_list {
			visitType(t.elem)
			return
		}
		if t.decl == nil || t.file == nil || t.file.id == f.id || used[t.id] {
			return
		}
		used[t.id] = true
		queue = append(queue, t.decl)
	}
	visitStruct := func(s *structDecl) {
		for _, fd := range s.fields {
			visitType(fd.typ)
		}
	}
	for _, s := range f.allStructs() {
		visitStruct(s)
	}
	for len(queue) > 0 {
		decl := queue[0]
		queue = queue[1:]
		switch decl := decl.(type) {
		case *structDecl:
			visitStruct(decl)
		case *interfaceDecl:
			for _, m := range decl.methods {
				visitStruct(m.params)
				visitStruct(m.results)
			}
			for _, e := range decl.extends {
				if !used[e.id] {
					used[e.id] = true
					queue = append(queue, e)
				}
			}
		}
	}

	var out []*loadedFile
	seen := map[uint64]bool{f.id: true}
	var walk func(x *schemaFile)
	walk = func(x *schemaFile) {
		for _, imp := range x.imports {
			g := imp.file
			if seen[g.id] {
				continue
			}
			seen[g.id] = true
			lf := &loadedFile{file: g, displayName: g.displayName(false)}
			for _, in := range g.interfaces {
				if used[in.id] {
					lf.interfaces = append(lf.interfaces, in)
				}
			}
			for _, s := range g.structs {
				if used[s.id] {
					lf.structs = append(lf.structs, s)
				}
			}
			for _, e := range g.enums {
				if used[e.id] {
					lf.enums = append(lf.enums, e)
				}
			}
			if len(lf.interfaces)+len(lf.structs)+len(lf.enums) > 0 {
				out = append(out, lf)
			}
			walk(g)
		}
	}
	walk(f)
	return out
}

// buildNodes builds the nodes of lf with node: the file, its loaded
// interfaces with their methods' implicit structs, structs and enums.
func (lf *loadedFile) buildNodes(node func() schema.Node) error {
	f := lf.file
	filePrefix := lf.displayName + ":"
	if err := buildFileNode(node(), f, lf.displayName); err != nil {
		return err
	}
	for _, in := range lf.interfaces {
		if err := buildInterfaceNode(node(), f, lf.displayName, in); err != nil {
			return err
		}
		prefix := filePrefix + in.name + "."
		for _, m := range in.methods {
			for _, s := range []*structDecl{m.params, m.results} {
				if err := buildStructNode(node(), prefix, s); err != nil {
					return err
				}
			}
		}
	}
	for _, s := range lf.structs {
		if err := buildStructNode(node(), filePrefix, s); err != nil {
			return err
		}
	}
	for _, e := range lf.enums {
		if err := buildEnumNode(node(), filePrefix, f.id, e); err != nil {
			return err
		}
	}
	return nil
}

// setNodeHeader sets the fields every node has. Callers add the nested
// node list: the compiler leaves it null only for a method's implicit
// structs.
func setNodeHeader(n schema.Node, id uint64, displayName string, prefixLen int, scope uint64) error {
	n.SetId(id)
	if err := n.SetDisplayName(displayName); err != nil {
		return err
	}
	n.SetDisplayNamePrefixLength(uint32(prefixLen))
	n.SetScopeId(scope)
	return nil
}

// buildFileNode builds the file node: its top-level declarations as nested
// nodes in text order, and the $Go.package and $Go.import annotations.
func buildFileNode(n schema.Node, f *schemaFile, displayName string) error {
	// The compiler's prefix for a file is everything up to its last dot.
	if err := setNodeHeader(n, f.id, displayName, len(displayName)-len("capnp"), 0); err != nil {
		return err
	}
	type nested struct {
		name string
		id   uint64
	}
	var decls []nested
	for _, in := range f.interfaces {
		decls = append(decls, nested{in.name, in.id})
	}
	for _, s := range f.structs {
		decls = append(decls, nested{s.name, s.id})
	}
	for _, e := range f.enums {
		decls = append(decls, nested{e.name, e.id})
	}
	nn, err := n.NewNestedNodes(int32(len(decls)))
	if err != nil {
		return err
	}
	for i, d := range decls {
		nn.At(i).SetId(d.id)
		if err := nn.At(i).SetName(d.name); err != nil {
			return err
		}
	}
	anns, err := n.NewAnnotations(2)
	if err != nil {
		return err
	}
	for i, a := range []struct {
		id    uint64
		value string
	}{{goPackageAnnotID, f.goPackage}, {goImportAnnotID, f.goImport}} {
		ann := anns.At(i)
		ann.SetId(a.id)
		v, err := ann.NewValue()
		if err != nil {
			return err
		}
		if err := v.SetText(a.value); err != nil {
			return err
		}
		// The compiler records an empty brand on every annotation use.
		if _, err := ann.NewBrand(); err != nil {
			return err
		}
	}
	n.SetFile()
	return nil
}

func buildInterfaceNode(n schema.Node, f *schemaFile, displayName string, in *interfaceDecl) error {
	if err := setNodeHeader(n, in.id, displayName+":"+in.name, len(displayName)+1, f.id); err != nil {
		return err
	}
	if _, err := n.NewNestedNodes(0); err != nil {
		return err
	}
	n.SetInterface()
	ms, err := n.Interface().NewMethods(int32(len(in.methods)))
	if err != nil {
		return err
	}
	for i, m := range in.methods {
		mb := ms.At(i)
		if err := mb.SetName(m.name); err != nil {
			return err
		}
		mb.SetCodeOrder(uint16(i))
		if _, err := mb.NewImplicitParameters(0); err != nil {
			return err
		}
		mb.SetParamStructType(m.params.id)
		mb.SetResultStructType(m.results.id)
	}
	supers, err := n.Interface().NewSuperclasses(int32(len(in.extends)))
	if err != nil {
		return err
	}
	for i, e := range in.extends {
		supers.At(i).SetId(e.id)
	}
	return nil
}

// buildStructNode builds the node of a top-level struct (scope set) or of a
// method's implicit struct (scope 0, no nested nodes: what the compiler
// emits). prefix is the display name up to s.name.
func buildStructNode(n schema.Node, prefix string, s *structDecl) error {
	if err := setNodeHeader(n, s.id, prefix+s.name, len(prefix), s.scope); err != nil {
		return err
	}
	if s.scope != 0 {
		if _, err := n.NewNestedNodes(0); err != nil {
			return err
		}
	}
	n.SetStructNode()
	st := n.StructNode()
	st.SetDataWordCount(s.dataWords)
	st.SetPointerCount(s.pointers)
	st.SetPreferredListEncoding(schema.ElementSize_inlineComposite)
	if len(s.fields) == 0 {
		return nil // the compiler leaves an empty field list null
	}
	fs, err := st.NewFields(int32(len(s.fields)))
	if err != nil {
		return err
	}
	for i, f := range s.fields {
		fb := fs.At(i)
		if err := fb.SetName(f.name); err != nil {
			return err
		}
		fb.SetCodeOrder(uint16(i))
		fb.SetDiscriminantValue(schema.Field_noDiscriminant)
		fb.SetSlot()
		slot := fb.Slot()
		slot.SetOffset(f.offset)
		t, err := slot.NewType()
		if err != nil {
			return err
		}
		if err := setType(t, f.typ); err != nil {
			return err
		}
		v, err := slot.NewDefaultValue()
		if err != nil {
			return err
		}
		if f.def != "" {
			setDefaultValue(v, f.typ, f.def)
			slot.SetHadExplicitDefault(true)
		} else {
			setZeroValue(v, f.typ)
		}
		fb.Ordinal().SetExplicit(f.ordinal)
		if f.goName != "" {
			anns, err := fb.NewAnnotations(1)
			if err != nil {
				return err
			}
			ann := anns.At(0)
			ann.SetId(goNameAnnotID)
			av, err := ann.NewValue()
			if err != nil {
				return err
			}
			if err := av.SetText(f.goName); err != nil {
				return err
			}
			if _, err := ann.NewBrand(); err != nil {
				return err
			}
		}
	}
	return nil
}

func buildEnumNode(n schema.Node, prefix string, scope uint64, e *enumDecl) error {
	if err := setNodeHeader(n, e.id, prefix+e.name, len(prefix), scope); err != nil {
		return err
	}
	if _, err := n.NewNestedNodes(0); err != nil {
		return err
	}
	n.SetEnum()
	es, err := n.Enum().NewEnumerants(int32(len(e.enumerants)))
	if err != nil {
		return err
	}
	for i, en := range e.enumerants {
		if err := es.At(i).SetName(en.name); err != nil {
			return err
		}
		es.At(i).SetCodeOrder(uint16(i))
	}
	return nil
}

// buildGoCapnpNodes builds the nodes of GoCapnp: the file and its package
// and import annotations, and its name annotation when goName is not nil,
// as the compiler includes them for an import.
func buildGoCapnpNodes(file, pkg, imp schema.Node, goName *schema.Node) error {
	const name = "go.capnp"
	if err := setNodeHeader(file, goCapnpFileID, name, len(name)-len("capnp"), 0); err != nil {
		return err
	}
	type annot struct {
		n    schema.Node
		id   uint64
		name string
	}
	nested := []annot{{pkg, goPackageAnnotID, "package"}, {imp, goImportAnnotID, "import"}, {schema.Node{}, goNameAnnotID, "name"}}
	nn, err := file.NewNestedNodes(int32(len(nested)))
	if err != nil {
		return err
	}
	for i, a := range nested {
		nn.At(i).SetId(a.id)
		if err := nn.At(i).SetName(a.name); err != nil {
			return err
		}
	}
	file.SetFile()
	annots := nested[:2]
	if goName != nil {
		annots = append(annots, annot{*goName, goNameAnnotID, "name"})
	}
	for _, a := range annots {
		if err := setNodeHeader(a.n, a.id, name+":"+a.name, len(name)+1, goCapnpFileID); err != nil {
			return err
		}
		if _, err := a.n.NewNestedNodes(0); err != nil {
			return err
		}
		a.n.SetAnnotation()
		t, err := a.n.Annotation().NewType()
		if err != nil {
			return err
		}
		t.SetText()
		if a.id == goNameAnnotID {
			a.n.Annotation().SetTargetsField(true)
			a.n.Annotation().SetTargetsParam(true)
		} else {
			a.n.Annotation().SetTargetsFile(true)
		}
	}
	return nil
}

// buildSourceInfo records the doc comments of the file's declarations and
// their members (code order), and an entry per go.capnp node, as the
// compiler does. The compiler leaves the member list null for a struct
// without fields and for nodes that have no members.
func buildSourceInfo(req schema.CodeGeneratorRequest, files []*loadedFile, usesGoName bool) error {
	type info struct {
		id      uint64
		doc     string
		members []string // nil: null list
	}
	var infos []info
	for _, f := range files {
		infos = append(infos, info{id: f.file.id})
		for _, in := range f.interfaces {
			members := []string{}
			for _, m := range in.methods {
				members = append(members, m.doc)
			}
			infos = append(infos, info{in.id, in.doc, members})
		}
		for _, s := range f.structs {
			var members []string
			for _, fd := range s.fields {
				members = append(members, fd.doc)
			}
			infos = append(infos, info{s.id, s.doc, members})
		}
		for _, e := range f.enums {
			members := []string{}
			for _, en := range e.enumerants {
				members = append(members, en.doc)
			}
			infos = append(infos, info{e.id, e.doc, members})
		}
	}
	infos = append(infos,
		info{id: goCapnpFileID},
		info{id: goPackageAnnotID, doc: goPackageDoc},
		info{id: goImportAnnotID, doc: goImportDoc})
	if usesGoName {
		infos = append(infos, info{id: goNameAnnotID, doc: goNameDoc})
	}

	list, err := req.NewSourceInfo(int32(len(infos)))
	if err != nil {
		return err
	}
	for i, in := range infos {
		si := list.At(i)
		si.SetId(in.id)
		if err := si.SetDocComment(docComment(in.doc)); err != nil {
			return err
		}
		if in.members == nil {
			continue
		}
		ml, err := si.NewMembers(int32(len(in.members)))
		if err != nil {
			return err
		}
		for j, doc := range in.members {
			if err := ml.At(j).SetDocComment(docComment(doc)); err != nil {
				return err
			}
		}
	}
	return nil
}

// setType sets t to ct. Struct, enum and interface types carry no brand: the compiler
// leaves it null for non-generic types.
func setType(t schema.Type, ct *capnpType) error {
	switch ct.which {
	case schema.Type_Which_bool:
		t.SetBool()
	case schema.Type_Which_int8:
		t.SetInt8()
	case schema.Type_Which_int16:
		t.SetInt16()
	case schema.Type_Which_int32:
		t.SetInt32()
	case schema.Type_Which_int64:
		t.SetInt64()
	case schema.Type_Which_uint8:
		t.SetUint8()
	case schema.Type_Which_uint16:
		t.SetUint16()
	case schema.Type_Which_uint32:
		t.SetUint32()
	case schema.Type_Which_uint64:
		t.SetUint64()
	case schema.Type_Which_float32:
		t.SetFloat32()
	case schema.Type_Which_float64:
		t.SetFloat64()
	case schema.Type_Which_text:
		t.SetText()
	case schema.Type_Which_data:
		t.SetData()
	case schema.Type_Which_list:
		t.SetList()
		elem, err := t.List().NewElementType()
		if err != nil {
			return err
		}
		return setType(elem, ct.elem)
	case schema.Type_Which_enum:
		t.SetEnum()
		t.Enum().SetTypeId(ct.id)
	case schema.Type_Which_structType:
		t.SetStructType()
		t.StructType().SetTypeId(ct.id)
	case schema.Type_Which_interface:
		t.SetInterface()
		t.Interface().SetTypeId(ct.id)
	case schema.Type_Which_anyPointer:
		// AnyPointer, unconstrained: what the compiler records for the
		// built-in AnyPointer.
		t.SetAnyPointer()
		t.AnyPointer().SetUnconstrained()
		t.AnyPointer().Unconstrained().SetAnyKind()
	default:
		return fmt.Errorf("no capnp type for %v", ct.which)
	}
	return nil
}

// setZeroValue sets v to the default value the compiler records for a
// field of type ct without an explicit default: the zero of the type, and a
// null pointer for pointer types.
func setZeroValue(v schema.Value, ct *capnpType) {
	if ct.scalar.Bits > 0 {
		setDataValue(v, ct, defaultValue{}) // false or 0
		return
	}
	switch ct.which {
	case schema.Type_Which_text:
		_ = v.SetText("") // a null pointer; nothing to allocate, nothing to fail
	case schema.Type_Which_data:
		_ = v.SetData(nil)
	case schema.Type_Which_list:
		_ = v.SetList(capnp.Ptr{})
	case schema.Type_Which_enum:
		v.SetEnum(0)
	case schema.Type_Which_structType:
		_ = v.SetStructValue(capnp.Ptr{})
	case schema.Type_Which_interface:
		v.SetInterface()
	case schema.Type_Which_anyPointer:
		_ = v.SetAnyPointer(capnp.Ptr{})
	}
}
