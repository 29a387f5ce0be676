// Package conform checks that the schema a Go package generates is
// wire-identical to a schema written elsewhere, such as Bitcoin Core's
// mining.capnp: same file ID, interface and struct IDs, method ordinals,
// field ordinals, offsets, types and defaults, and capability types.
//
// Both sides are CodeGeneratorRequests: the package's from
// gen/schema.Request, the foreign file's from the capnp compiler
// (`capnp compile -o-`, see Compile). Names do not cross the wire and are
// not compared; what is compared is matched by ID (a declaration of the
// foreign file whose ID the package lacks is matched by name, and its ID
// reported) and by ordinal. Types that both sides name by the same ID are
// compared too, transitively, wherever they are declared (common.capnp's
// BlockRef, mp/proxy.capnp's Context and Thread).
//
// Every difference is a breaking.Finding at the Go position to edit, with
// one of these rules (named like gen/breaking's where they mean the same):
//
//	file-id-changed         the files' IDs differ                          the //ipc:package directive
//	interface-removed       the foreign file declares an interface the      the package
//	                        package lacks (by ID and by name)
//	interface-added         the package declares an interface the foreign   the interface
//	                        schema lacks
//	interface-id-changed    an interface of the same name has another ID   the interface
//	interface-bases-changed the superclasses differ                         the interface
//	method-removed          a foreign method ordinal has no method          the interface
//	method-added            a method ordinal the foreign interface lacks    the method
//	field-removed           a foreign field (struct, parameter, result)     the struct or method
//	                        ordinal has no field
//	field-added             a field ordinal the foreign struct lacks        the field
//	field-type-changed      a field's wire type differs (struct, enum and   the field
//	                        interface types by ID)
//	field-offset-changed    a field's slot offset differs                   the field
//	field-default-changed   a field's default value differs                 the field
//	struct-removed          like interface-removed, for a struct            the package
//	struct-added            like interface-added, for a struct              the struct
//	struct-id-changed       like interface-id-changed, for a struct         the struct
//	struct-size-changed     data words or pointer count differ              the struct or method
//	enum-removed, enum-added, enum-id-changed, enum-values-changed (the number of enumerants)
//	kind-changed            one ID is a struct here and an interface there  the declaration
package conform

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/token"
	"math"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"capnproto.org/go/capnp/v3"
	"capnproto.org/go/capnp/v3/std/capnp/schema"

	"github.com/ifacegen/ifacegen/annotate"
	"github.com/ifacegen/ifacegen/gen/breaking"
	gschema "github.com/ifacegen/ifacegen/gen/schema"
)

// ErrNoCapnp is returned by Compile when the capnp compiler is not on PATH.
var ErrNoCapnp = errors.New("the capnp compiler is not installed (Debian package capnproto: apt-get install capnproto); -conform reads the foreign schema with it")

// Compile runs `capnp compile -o- file` with the import directories dirs
// (-I; relative imports resolve beside file, and /capnp/c++.capnp from the
// compiler's standard import path) and returns the CodeGeneratorRequest it
// writes. The error carries the compiler's message.
func Compile(ctx context.Context, file string, dirs ...string) ([]byte, error) {
	capnpPath, err := exec.LookPath("capnp")
	if err != nil {
		return nil, ErrNoCapnp
	}
	args := []string{"compile", "-o-"}
	for _, d := range dirs {
		args = append(args, "-I"+d)
	}
	args = append(args, filepath.Base(file))
	cmd := exec.CommandContext(ctx, capnpPath, args...)
	cmd.Dir = filepath.Dir(file)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("capnp compile %s: %v: %s", file, err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// Compare reports every wire difference between ours, the request
// gen/schema.Request builds for pkg, and theirs, the request for the
// foreign file (its first requested file), sorted by position. foreign
// names the foreign file in messages.
func Compare(pkg *annotate.Package, ours, theirs []byte, foreign string) ([]breaking.Finding, error) {
	o, err := readRequest(ours)
	if err != nil {
		return nil, fmt.Errorf("the package's request: %w", err)
	}
	t, err := readRequest(theirs)
	if err != nil {
		return nil, fmt.Errorf("the request for %s: %w", foreign, err)
	}
	c := &comparer{pkg: pkg, o: o, t: t, foreign: filepath.Base(foreign), pos: positionsOf(pkg), seen: make(map[[2]uint64]bool)}
	c.compare()
	slices.SortStableFunc(c.findings, func(a, b breaking.Finding) int {
		if a.Pos.Filename != b.Pos.Filename {
			return strings.Compare(a.Pos.Filename, b.Pos.Filename)
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line - b.Pos.Line
		}
		return a.Pos.Column - b.Pos.Column
	})
	return c.findings, nil
}

// request is a decoded CodeGeneratorRequest: its nodes by ID and its
// first requested file.
type request struct {
	nodes map[uint64]schema.Node
	file  uint64
}

func readRequest(b []byte) (*request, error) {
	msg, err := capnp.Unmarshal(b)
	if err != nil {
		return nil, err
	}
	msg.ResetReadLimit(math.MaxUint64)
	req, err := schema.ReadRootCodeGeneratorRequest(msg)
	if err != nil {
		return nil, err
	}
	nodes, err := req.Nodes()
	if err != nil {
		return nil, err
	}
	r := &request{nodes: make(map[uint64]schema.Node)}
	for i := 0; i < nodes.Len(); i++ {
		r.nodes[nodes.At(i).Id()] = nodes.At(i)
	}
	files, err := req.RequestedFiles()
	if err != nil || files.Len() == 0 {
		return nil, errors.New("no requested file")
	}
	r.file = files.At(0).Id()
	return r, nil
}

// decl is a top-level declaration of a requested file.
type decl struct {
	name string
	id   uint64
}

// nested lists the declarations nested in the file node id.
func (r *request) nested(id uint64) []decl {
	n, ok := r.nodes[id]
	if !ok {
		return nil
	}
	nn, err := n.NestedNodes()
	if err != nil {
		return nil
	}
	var out []decl
	for i := 0; i < nn.Len(); i++ {
		name, _ := nn.At(i).Name()
		out = append(out, decl{name, nn.At(i).Id()})
	}
	return out
}

// positions maps our node IDs, and members by ordinal, to Go positions.
type positions struct {
	pkg     token.Position
	node    map[uint64]token.Position
	member  map[uint64]map[int]token.Position // node ID → method or field ordinal → position
	methods map[uint64]map[int]token.Position // interface ID → method ordinal → position
}

func positionsOf(pkg *annotate.Package) *positions {
	p := &positions{
		node:    make(map[uint64]token.Position),
		member:  make(map[uint64]map[int]token.Position),
		methods: make(map[uint64]map[int]token.Position),
	}
	p.pkg = pkg.Pos
	if !p.pkg.IsValid() && len(pkg.Interfaces) > 0 {
		p.pkg = pkg.Interfaces[0].Pos
	}
	seen := make(map[*annotate.Package]bool)
	var add func(pkg *annotate.Package)
	add = func(pkg *annotate.Package) {
		if seen[pkg] {
			return
		}
		seen[pkg] = true
		for _, imp := range pkg.Imports {
			add(imp)
		}
		for _, in := range pkg.Interfaces {
			id := gschema.InterfaceID(pkg, in)
			p.node[id] = in.Pos
			p.methods[id] = make(map[int]token.Position)
			for _, m := range in.Methods {
				mpos := m.Pos
				if !mpos.IsValid() {
					mpos = in.Pos
				}
				p.methods[id][m.Ordinal] = mpos
				for i, fields := range [][]*annotate.Field{m.Params, m.Results} {
					sid := gschema.MethodStructID(id, uint16(m.Ordinal), i == 1)
					p.node[sid] = mpos
					p.fields(sid, fields, mpos)
				}
			}
		}
		for _, s := range pkg.Structs {
			if s.Synthetic != annotate.GoStruct {
				continue
			}
			id := gschema.StructID(pkg, s)
			p.node[id] = s.Pos
			p.fields(id, s.Fields, s.Pos)
		}
		for _, e := range pkg.Enums {
			p.node[gschema.EnumID(pkg, e)] = e.Pos
		}
	}
	add(pkg)
	return p
}

func (p *positions) fields(id uint64, fields []*annotate.Field, fallback token.Position) {
	m := make(map[int]token.Position)
	for _, f := range fields {
		pos := f.Pos
		if !pos.IsValid() || f.WireOnly {
			pos = fallback
		}
		m[f.Ordinal] = pos
		if f.HasWireName != "" {
			m[f.HasOrdinal] = pos
		}
	}
	p.member[id] = m
}

// at returns the position of the member ordinal of node id, else of the
// node, else of the package.
func (p *positions) at(id uint64, ordinal int) token.Position {
	if pos, ok := p.member[id][ordinal]; ok && pos.IsValid() {
		return pos
	}
	if pos, ok := p.methods[id][ordinal]; ok && pos.IsValid() {
		return pos
	}
	return p.of(id)
}

func (p *positions) of(id uint64) token.Position {
	if pos, ok := p.node[id]; ok && pos.IsValid() {
		return pos
	}
	return p.pkg
}

type comparer struct {
	pkg      *annotate.Package
	o, t     *request
	foreign  string
	pos      *positions
	seen     map[[2]uint64]bool
	findings []breaking.Finding
}

func (c *comparer) report(pos token.Position, rule, format string, args ...any) {
	c.findings = append(c.findings, breaking.Finding{Pos: pos, Rule: rule, Message: fmt.Sprintf(format, args...), Package: c.pkg.Path})
}

// kindOf names the kind of a node: "interface", "struct", "enum", ….
func kindOf(n schema.Node) string {
	switch n.Which() {
	case schema.Node_Which_interface:
		return "interface"
	case schema.Node_Which_structNode:
		return "struct"
	case schema.Node_Which_enum:
		return "enum"
	case schema.Node_Which_file:
		return "file"
	case schema.Node_Which_const:
		return "const"
	case schema.Node_Which_annotation:
		return "annotation"
	}
	return "node"
}

// shortName is the display name of a node without its file prefix.
func shortName(n schema.Node) string {
	name, _ := n.DisplayName()
	return name[n.DisplayNamePrefixLength():]
}

func (c *comparer) compare() {
	if c.o.file != c.t.file {
		c.report(c.pos.pkg, "file-id-changed", "the schema's file ID is %#x, %s's is %#x; pin it with //ipc:package id=%#x", c.o.file, c.foreign, c.t.file, c.t.file)
	}
	ours := c.o.nested(c.o.file)
	oursByName := make(map[string]decl)
	for _, d := range ours {
		oursByName[d.name] = d
	}
	matched := make(map[uint64]bool)
	for _, td := range c.t.nested(c.t.file) {
		tn := c.t.nodes[td.id]
		kind := kindOf(tn)
		if kind != "interface" && kind != "struct" && kind != "enum" {
			continue // constants and annotations do not cross the wire
		}
		if _, ok := c.o.nodes[td.id]; ok {
			matched[td.id] = true
			c.compareNodes(td.id, td.id)
			continue
		}
		if od, ok := oursByName[td.name]; ok && kindOf(c.o.nodes[od.id]) == kind {
			matched[od.id] = true
			c.report(c.pos.of(od.id), kind+"-id-changed", "%s %s has the ID %#x here and %#x in %s; pin it with //ipc:%s id=%#x", kind, td.name, od.id, td.id, c.foreign, kind, td.id)
			c.compareNodes(od.id, td.id)
			continue
		}
		c.report(c.pos.pkg, kind+"-removed", "%s declares %s %s @%#x, which the package does not declare; add it", c.foreign, kind, td.name, td.id)
	}
	for _, od := range ours {
		n := c.o.nodes[od.id]
		kind := kindOf(n)
		if matched[od.id] || kind != "interface" && kind != "struct" && kind != "enum" {
			continue
		}
		if _, ok := c.t.nodes[od.id]; ok {
			c.compareNodes(od.id, od.id) // declared in a file the foreign one imports
			continue
		}
		c.report(c.pos.of(od.id), kind+"-added", "%s %s @%#x is not in %s (nor in what it imports); remove it, or it is an addition to the foreign schema", kind, od.name, od.id, c.foreign)
	}
}

// compareNodes compares our node oid with their node tid (the same
// declaration), once per pair.
func (c *comparer) compareNodes(oid, tid uint64) {
	key := [2]uint64{oid, tid}
	if c.seen[key] {
		return
	}
	c.seen[key] = true
	on, ook := c.o.nodes[oid]
	tn, tok := c.t.nodes[tid]
	if !ook || !tok {
		return // a request without the node: nothing to compare with
	}
	if on.Which() != tn.Which() {
		c.report(c.pos.of(oid), "kind-changed", "%s is a %s here and %s is a %s in %s", shortName(on), kindOf(on), shortName(tn), kindOf(tn), c.foreign)
		return
	}
	switch on.Which() {
	case schema.Node_Which_interface:
		c.compareInterfaces(oid, on, tn)
	case schema.Node_Which_structNode:
		c.compareStructs(oid, on, tn, "struct "+shortName(on))
	case schema.Node_Which_enum:
		oe, _ := on.Enum().Enumerants()
		te, _ := tn.Enum().Enumerants()
		if oe.Len() != te.Len() {
			c.report(c.pos.of(oid), "enum-values-changed", "enum %s has %d values here and %d in %s", shortName(on), oe.Len(), te.Len(), c.foreign)
		}
	}
}

func (c *comparer) compareInterfaces(oid uint64, on, tn schema.Node) {
	name := shortName(on)
	supers := func(n schema.Node) []uint64 {
		l, _ := n.Interface().Superclasses()
		var ids []uint64
		for i := 0; i < l.Len(); i++ {
			ids = append(ids, l.At(i).Id())
		}
		slices.Sort(ids)
		return ids
	}
	if os, ts := supers(on), supers(tn); !slices.Equal(os, ts) {
		c.report(c.pos.of(oid), "interface-bases-changed", "interface %s extends %s here and %s in %s", name, idList(os), idList(ts), c.foreign)
	}
	methods := func(n schema.Node) map[int]schema.Method {
		l, _ := n.Interface().Methods()
		m := make(map[int]schema.Method)
		for i := 0; i < l.Len(); i++ {
			m[i] = l.At(i) // the list is in ordinal order
		}
		return m
	}
	om, tm := methods(on), methods(tn)
	for ord := 0; ord < max(len(om), len(tm)); ord++ {
		o, inOurs := om[ord]
		t, inTheirs := tm[ord]
		switch {
		case !inOurs:
			tname, _ := t.Name()
			c.report(c.pos.of(oid), "method-removed", "interface %s has no method @%d; %s has %s @%d there; add it (//ipc:method ordinal=%d)", name, ord, c.foreign, tname, ord, ord)
		case !inTheirs:
			oname, _ := o.Name()
			c.report(c.pos.at(oid, ord), "method-added", "method %s.%s @%d is not in %s, whose %s has %d methods", name, oname, ord, c.foreign, name, len(tm))
		default:
			oname, _ := o.Name()
			what := fmt.Sprintf("method %s.%s @%d", name, oname, ord)
			c.compareStructs(o.ParamStructType(), c.o.nodes[o.ParamStructType()], c.t.nodes[t.ParamStructType()], what+" parameters")
			c.compareStructs(o.ResultStructType(), c.o.nodes[o.ResultStructType()], c.t.nodes[t.ResultStructType()], what+" results")
		}
	}
}

func idList(ids []uint64) string {
	if len(ids) == 0 {
		return "nothing"
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("%#x", id)
	}
	return strings.Join(parts, ", ")
}

// compareStructs compares two struct nodes, our oid and theirs: sizes and
// fields by ordinal. what names the struct in messages.
func (c *comparer) compareStructs(oid uint64, on, tn schema.Node, what string) {
	if !on.IsValid() || !tn.IsValid() || on.Which() != schema.Node_Which_structNode || tn.Which() != schema.Node_Which_structNode {
		return
	}
	os, ts := on.StructNode(), tn.StructNode()
	if os.DataWordCount() != ts.DataWordCount() || os.PointerCount() != ts.PointerCount() {
		c.report(c.pos.of(oid), "struct-size-changed", "%s: %d data words and %d pointers here, %d and %d in %s", what, os.DataWordCount(), os.PointerCount(), ts.DataWordCount(), ts.PointerCount(), c.foreign)
	}
	fields := func(s schema.Node_structNode) map[int]schema.Field {
		l, _ := s.Fields()
		m := make(map[int]schema.Field)
		for i := 0; i < l.Len(); i++ {
			f := l.At(i)
			ord := i
			if f.Ordinal().Which() == schema.Field_ordinal_Which_explicit {
				ord = int(f.Ordinal().Explicit())
			}
			m[ord] = f
		}
		return m
	}
	of, tf := fields(os), fields(ts)
	for ord := 0; ord < max(len(of), len(tf)); ord++ {
		o, inOurs := of[ord]
		t, inTheirs := tf[ord]
		switch {
		case !inOurs && !inTheirs:
		case !inOurs:
			tname, _ := t.Name()
			c.report(c.pos.of(oid), "field-removed", "%s have no field @%d; %s has %s @%d there", what, ord, c.foreign, tname, ord)
		case !inTheirs:
			oname, _ := o.Name()
			c.report(c.pos.at(oid, ord), "field-added", "%s: %s @%d is not in %s", what, oname, ord, c.foreign)
		default:
			c.compareFields(oid, ord, o, t, what)
		}
	}
}

func (c *comparer) compareFields(oid uint64, ord int, o, t schema.Field, what string) {
	oname, _ := o.Name()
	pos := c.pos.at(oid, ord)
	field := fmt.Sprintf("%s: %s @%d", what, oname, ord)
	if o.Which() != schema.Field_Which_slot || t.Which() != schema.Field_Which_slot || o.DiscriminantValue() != t.DiscriminantValue() {
		if o.Which() != t.Which() || o.DiscriminantValue() != t.DiscriminantValue() {
			c.report(pos, "field-type-changed", "%s is a plain field here and a group or union member in %s; ifacegen emits neither", field, c.foreign)
		}
		return
	}
	os, ts := o.Slot(), t.Slot()
	otype, _ := os.Type()
	ttype, _ := ts.Type()
	ostr, tstr := c.typeString(otype, c.o), c.typeString(ttype, c.t)
	if !sameType(otype, ttype) {
		c.report(pos, "field-type-changed", "%s has the type %s here and %s in %s", field, ostr, tstr, c.foreign)
		return
	}
	if os.Offset() != ts.Offset() {
		c.report(pos, "field-offset-changed", "%s is at offset %d here and %d in %s (in units of its size)", field, os.Offset(), ts.Offset(), c.foreign)
	}
	ov, _ := os.DefaultValue()
	tv, _ := ts.DefaultValue()
	if od, td := valueString(ov), valueString(tv); od != td {
		hint := "set it with the struct tag ipc:\",default=…\""
		switch {
		case strings.HasSuffix(what, " parameters"):
			hint = "set it with //ipc:param <name> default=… in the method's doc comment"
		case strings.HasSuffix(what, " results"):
			hint = "ifacegen gives results no defaults"
		}
		c.report(pos, "field-default-changed", "%s has the default %s here and %s in %s; %s", field, od, td, c.foreign, hint)
	}
	c.followType(otype, ttype)
}

// followType compares the declarations that two equal types name.
func (c *comparer) followType(o, t schema.Type) {
	switch o.Which() {
	case schema.Type_Which_list:
		oe, _ := o.List().ElementType()
		te, _ := t.List().ElementType()
		c.followType(oe, te)
	case schema.Type_Which_structType:
		c.compareNodes(o.StructType().TypeId(), t.StructType().TypeId())
	case schema.Type_Which_interface:
		c.compareNodes(o.Interface().TypeId(), t.Interface().TypeId())
	case schema.Type_Which_enum:
		c.compareNodes(o.Enum().TypeId(), t.Enum().TypeId())
	}
}

// sameType reports whether two types are the same on the wire: the same
// kind, and for structs, enums and interfaces the same type ID.
func sameType(o, t schema.Type) bool {
	if o.Which() != t.Which() {
		return false
	}
	switch o.Which() {
	case schema.Type_Which_list:
		oe, _ := o.List().ElementType()
		te, _ := t.List().ElementType()
		return sameType(oe, te)
	case schema.Type_Which_structType:
		return o.StructType().TypeId() == t.StructType().TypeId()
	case schema.Type_Which_interface:
		return o.Interface().TypeId() == t.Interface().TypeId()
	case schema.Type_Which_enum:
		return o.Enum().TypeId() == t.Enum().TypeId()
	}
	return true
}

// typeString spells a type as the schema language does, naming
// declarations by their display names in r.
func (c *comparer) typeString(t schema.Type, r *request) string {
	named := func(id uint64) string {
		if n, ok := r.nodes[id]; ok {
			name, _ := n.DisplayName()
			return fmt.Sprintf("%s (@%#x)", name, id)
		}
		return fmt.Sprintf("@%#x", id)
	}
	switch t.Which() {
	case schema.Type_Which_list:
		e, _ := t.List().ElementType()
		return "List(" + c.typeString(e, r) + ")"
	case schema.Type_Which_structType:
		return named(t.StructType().TypeId())
	case schema.Type_Which_interface:
		return named(t.Interface().TypeId())
	case schema.Type_Which_enum:
		return named(t.Enum().TypeId())
	}
	return typeNames[t.Which()]
}

var typeNames = map[schema.Type_Which]string{
	schema.Type_Which_void: "Void", schema.Type_Which_bool: "Bool",
	schema.Type_Which_int8: "Int8", schema.Type_Which_int16: "Int16", schema.Type_Which_int32: "Int32", schema.Type_Which_int64: "Int64",
	schema.Type_Which_uint8: "UInt8", schema.Type_Which_uint16: "UInt16", schema.Type_Which_uint32: "UInt32", schema.Type_Which_uint64: "UInt64",
	schema.Type_Which_float32: "Float32", schema.Type_Which_float64: "Float64",
	schema.Type_Which_text: "Text", schema.Type_Which_data: "Data", schema.Type_Which_anyPointer: "AnyPointer",
}

// valueString spells a default value for comparison and messages: the
// scalar, or the content of a pointer default.
func valueString(v schema.Value) string {
	switch v.Which() {
	case schema.Value_Which_void:
		return "void"
	case schema.Value_Which_bool:
		return fmt.Sprint(v.Bool())
	case schema.Value_Which_int8:
		return fmt.Sprint(v.Int8())
	case schema.Value_Which_int16:
		return fmt.Sprint(v.Int16())
	case schema.Value_Which_int32:
		return fmt.Sprint(v.Int32())
	case schema.Value_Which_int64:
		return fmt.Sprint(v.Int64())
	case schema.Value_Which_uint8:
		return fmt.Sprint(v.Uint8())
	case schema.Value_Which_uint16:
		return fmt.Sprint(v.Uint16())
	case schema.Value_Which_uint32:
		return fmt.Sprint(v.Uint32())
	case schema.Value_Which_uint64:
		return fmt.Sprint(v.Uint64())
	case schema.Value_Which_float32:
		return fmt.Sprint(v.Float32())
	case schema.Value_Which_float64:
		return fmt.Sprint(v.Float64())
	case schema.Value_Which_enum:
		return fmt.Sprint(v.Enum())
	case schema.Value_Which_text:
		s, _ := v.Text()
		return fmt.Sprintf("%q", s)
	case schema.Value_Which_data:
		d, _ := v.Data()
		return fmt.Sprintf("0x%x", d)
	case schema.Value_Which_list:
		p, _ := v.List()
		return ptrString(p)
	case schema.Value_Which_structValue:
		p, _ := v.StructValue()
		return ptrString(p)
	case schema.Value_Which_anyPointer:
		p, _ := v.AnyPointer()
		return ptrString(p)
	case schema.Value_Which_interface:
		return "null"
	}
	return "?"
}

// ptrString renders a pointer default by its encoding: null, or its
// canonical bytes.
func ptrString(p capnp.Ptr) string {
	if !p.IsValid() {
		return "null"
	}
	b, err := capnp.Canonicalize(p.Struct())
	if err != nil || !p.Struct().IsValid() {
		return fmt.Sprintf("a %s value", ptrKind(p))
	}
	return fmt.Sprintf("struct 0x%x", b)
}

func ptrKind(p capnp.Ptr) string {
	switch {
	case p.List().IsValid():
		return "list"
	case p.Interface().IsValid():
		return "capability"
	}
	return "pointer"
}
