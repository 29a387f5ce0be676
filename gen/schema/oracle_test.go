package schema

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"capnproto.org/go/capnp/v3"
	"capnproto.org/go/capnp/v3/std/capnp/schema"
	"github.com/google/go-cmp/cmp"

	"github.com/ifacegen/ifacegen/annotate"
)

// The oracle tests hold Request to the official capnp compiler: for every
// test model, the request built here and the one `capnp compile -o-` builds
// from Text must agree on every node, and capnpc-go must generate the same
// bindings from both.

// capnpCompile compiles text, saved as name in a temporary directory beside
// an include directory that holds GoCapnp and, at their import paths
// (ImportPath), the schemas of imports and of theirs, and returns the
// compiler's CodeGeneratorRequest. It skips the test when capnp is not
// installed.
func capnpCompile(t *testing.T, name string, text []byte, imports ...*annotate.Package) []byte {
	t.Helper()
	capnpPath, err := exec.LookPath("capnp")
	if err != nil {
		t.Skip("the capnp compiler is not installed (Debian package capnproto); it is the oracle for this test")
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "include"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "include", "go.capnp"), GoCapnp(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), text, 0o644); err != nil {
		t.Fatal(err)
	}
	var writeImports func(pkgs []*annotate.Package)
	writeImports = func(pkgs []*annotate.Package) {
		for _, imp := range pkgs {
			impText, err := Text(imp)
			if err != nil {
				t.Fatalf("imported schema %s: %v", imp.Path, err)
			}
			path := filepath.Join(dir, "include", filepath.FromSlash(ImportPath(imp)))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, impText, 0o644); err != nil {
				t.Fatal(err)
			}
			writeImports(imp.Imports)
		}
	}
	writeImports(imports)
	cmd := exec.Command(capnpPath, "compile", "--no-standard-import", "-Iinclude", "-o-", name)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("capnp compile %s: %v\n%s\n%s", name, err, stderr.Bytes(), text)
	}
	if stderr.Len() > 0 {
		t.Errorf("capnp compile %s warns:\n%s", name, stderr.Bytes())
	}
	return out
}

func TestOracleRequest(t *testing.T) {
	for _, m := range oracleModels(t) {
		t.Run(m.name, func(t *testing.T) {
			text, err := Text(m.pkg)
			if err != nil {
				t.Fatal(err)
			}
			theirs := decodeRequest(t, capnpCompile(t, m.pkg.Name+".capnp", text, m.pkg.Imports...))
			ourBytes, err := Request(m.pkg)
			if err != nil {
				t.Fatal(err)
			}
			ours := decodeRequest(t, ourBytes)

			if diff := cmp.Diff(summarizeRequest(t, theirs), summarizeRequest(t, ours)); diff != "" {
				t.Errorf("Request differs from capnp compile -o- (-capnp +ours):\n%s", diff)
			}
			// The summary leaves out object sizes and which empty lists are
			// null; the nodes as capnpc-go embeds them in the bindings show both.
			theirNodes, ourNodes := embeddedNodes(t, theirs), embeddedNodes(t, ours)
			for id, want := range theirNodes {
				if got, ok := ourNodes[id]; ok && !bytes.Equal(want, got) {
					t.Errorf("node %#x encodes differently:\ncapnp: %x\nours:  %x", id, want, got)
				}
			}
		})
	}
}

func TestOracleBindings(t *testing.T) {
	for _, m := range oracleModels(t) {
		t.Run(m.name, func(t *testing.T) {
			text, err := Text(m.pkg)
			if err != nil {
				t.Fatal(err)
			}
			theirs := capnpCompile(t, m.pkg.Name+".capnp", text, m.pkg.Imports...)
			ours, err := Request(m.pkg)
			if err != nil {
				t.Fatal(err)
			}
			want, err := Bindings(t.Context(), ".", theirs)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Bindings(t.Context(), ".", ours)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("capnpc-go output differs between capnp's request and ours (-capnp +ours):\n%s", diff)
			}
		})
	}
}

func decodeRequest(t *testing.T, b []byte) schema.CodeGeneratorRequest {
	t.Helper()
	msg, err := capnp.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	req, err := schema.ReadRootCodeGeneratorRequest(msg)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// embeddedNodes encodes each node of req alone, the way capnpc-go copies
// nodes into the schema it embeds: the bytes depend on every value, object
// size and null pointer, not on how the message was laid out.
func embeddedNodes(t *testing.T, req schema.CodeGeneratorRequest) map[uint64][]byte {
	t.Helper()
	nodes, err := req.Nodes()
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[uint64][]byte)
	for i := 0; i < nodes.Len(); i++ {
		msg, seg := capnp.NewSingleSegmentMessage(nil)
		r, err := schema.NewRootCodeGeneratorRequest(seg)
		if err != nil {
			t.Fatal(err)
		}
		list, err := r.NewNodes(1)
		if err != nil {
			t.Fatal(err)
		}
		if err := list.Set(0, nodes.At(i)); err != nil {
			t.Fatal(err)
		}
		b, err := msg.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		out[nodes.At(i).Id()] = b
	}
	return out
}

// The summaries below are what the oracle compares field by field: plain
// data, IDs in hex, null lists marked, so a difference reads as a diff.

type requestSummary struct {
	Nodes          []nodeSummary // by ID
	RequestedFiles []requestedFileSummary
	SourceInfo     []sourceInfoSummary // by ID, without the compiler's ID 0 entry
}

type nodeSummary struct {
	ID          string
	DisplayName string
	PrefixLen   uint32
	ScopeID     string
	NestedNodes []string // "name id"; nil when the list is null
	Annotations []string // "id value brand"; nil when null
	Parameters  bool     // the list is set
	IsGeneric   bool
	Which       string
	Struct      *structSummary
	Interface   *interfaceSummary
	Enumerants  []string // "codeOrder name"
	Annotation  string   // an annotation node's type and targets
}

type structSummary struct {
	DataWords, Pointers   uint16
	PreferredListEncoding string
	IsGroup               bool
	DiscriminantCount     uint16
	DiscriminantOffset    uint32
	Fields                []fieldSummary // nil when null
}

type fieldSummary struct {
	Name               string
	CodeOrder          uint16
	Ordinal            string
	Discriminant       uint16
	Which              string
	Offset             uint32
	Type               string
	Default            string
	HadExplicitDefault bool
	Annotations        bool // the list is set
}

type interfaceSummary struct {
	Methods      []methodSummary
	Superclasses []string // nil when null
}

type methodSummary struct {
	Name               string
	CodeOrder          uint16
	Params, Results    string
	ParamBrand         bool // set
	ResultBrand        bool
	ImplicitParameters []string // nil when null
	Annotations        bool
}

type requestedFileSummary struct {
	ID       string
	Filename string
	Imports  []string // "id name"; nil when null
}

type sourceInfoSummary struct {
	ID         string
	DocComment string
	Members    []string // nil when null
}

func hex(id uint64) string { return fmt.Sprintf("%#016x", id) }

func summarizeRequest(t *testing.T, req schema.CodeGeneratorRequest) requestSummary {
	t.Helper()
	var s requestSummary
	nodes, err := req.Nodes()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < nodes.Len(); i++ {
		s.Nodes = append(s.Nodes, summarizeNode(t, nodes.At(i)))
	}
	slices.SortFunc(s.Nodes, func(a, b nodeSummary) int { return strings.Compare(a.ID, b.ID) })

	files, err := req.RequestedFiles()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < files.Len(); i++ {
		rf := files.At(i)
		name, _ := rf.Filename()
		fs := requestedFileSummary{ID: hex(rf.Id()), Filename: name}
		if rf.HasImports() {
			imps, _ := rf.Imports()
			fs.Imports = []string{}
			for j := 0; j < imps.Len(); j++ {
				n, _ := imps.At(j).Name()
				fs.Imports = append(fs.Imports, hex(imps.At(j).Id())+" "+n)
			}
		}
		s.RequestedFiles = append(s.RequestedFiles, fs)
	}

	infos, err := req.SourceInfo()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < infos.Len(); i++ {
		si := infos.At(i)
		if si.Id() == 0 {
			continue
		}
		doc, _ := si.DocComment()
		ss := sourceInfoSummary{ID: hex(si.Id()), DocComment: doc}
		if si.HasMembers() {
			ms, _ := si.Members()
			ss.Members = []string{}
			for j := 0; j < ms.Len(); j++ {
				d, _ := ms.At(j).DocComment()
				ss.Members = append(ss.Members, d)
			}
		}
		s.SourceInfo = append(s.SourceInfo, ss)
	}
	slices.SortFunc(s.SourceInfo, func(a, b sourceInfoSummary) int { return strings.Compare(a.ID, b.ID) })
	return s
}

func summarizeNode(t *testing.T, n schema.Node) nodeSummary {
	t.Helper()
	name, _ := n.DisplayName()
	s := nodeSummary{
		ID:          hex(n.Id()),
		DisplayName: name,
		PrefixLen:   n.DisplayNamePrefixLength(),
		ScopeID:     hex(n.ScopeId()),
		Parameters:  n.HasParameters(),
		IsGeneric:   n.IsGeneric(),
		Which:       n.Which().String(),
	}
	if n.HasNestedNodes() {
		nn, _ := n.NestedNodes()
		s.NestedNodes = []string{}
		for i := 0; i < nn.Len(); i++ {
			name, _ := nn.At(i).Name()
			s.NestedNodes = append(s.NestedNodes, name+" "+hex(nn.At(i).Id()))
		}
	}
	if n.HasAnnotations() {
		anns, _ := n.Annotations()
		s.Annotations = []string{}
		for i := 0; i < anns.Len(); i++ {
			a := anns.At(i)
			v, _ := a.Value()
			s.Annotations = append(s.Annotations, fmt.Sprintf("%s %s brand=%v", hex(a.Id()), valueString(v), a.HasBrand()))
		}
	}
	switch n.Which() {
	case schema.Node_Which_structNode:
		st := n.StructNode()
		ss := &structSummary{
			DataWords:             st.DataWordCount(),
			Pointers:              st.PointerCount(),
			PreferredListEncoding: st.PreferredListEncoding().String(),
			IsGroup:               st.IsGroup(),
			DiscriminantCount:     st.DiscriminantCount(),
			DiscriminantOffset:    st.DiscriminantOffset(),
		}
		if st.HasFields() {
			fs, _ := st.Fields()
			ss.Fields = []fieldSummary{}
			for i := 0; i < fs.Len(); i++ {
				ss.Fields = append(ss.Fields, summarizeField(fs.At(i)))
			}
		}
		s.Struct = ss
	case schema.Node_Which_interface:
		in := n.Interface()
		is := &interfaceSummary{}
		ms, _ := in.Methods()
		for i := 0; i < ms.Len(); i++ {
			m := ms.At(i)
			name, _ := m.Name()
			msum := methodSummary{
				Name:        name,
				CodeOrder:   m.CodeOrder(),
				Params:      hex(m.ParamStructType()),
				Results:     hex(m.ResultStructType()),
				ParamBrand:  m.HasParamBrand(),
				ResultBrand: m.HasResultBrand(),
				Annotations: m.HasAnnotations(),
			}
			if m.HasImplicitParameters() {
				msum.ImplicitParameters = []string{}
			}
			is.Methods = append(is.Methods, msum)
		}
		if in.HasSuperclasses() {
			sc, _ := in.Superclasses()
			is.Superclasses = []string{}
			for i := 0; i < sc.Len(); i++ {
				is.Superclasses = append(is.Superclasses, hex(sc.At(i).Id()))
			}
		}
		s.Interface = is
	case schema.Node_Which_enum:
		es, _ := n.Enum().Enumerants()
		s.Enumerants = []string{}
		for i := 0; i < es.Len(); i++ {
			name, _ := es.At(i).Name()
			s.Enumerants = append(s.Enumerants, fmt.Sprintf("%d %s annotations=%v", es.At(i).CodeOrder(), name, es.At(i).HasAnnotations()))
		}
	case schema.Node_Which_annotation:
		a := n.Annotation()
		typ, _ := a.Type()
		s.Annotation = fmt.Sprintf("type=%s file=%v struct=%v field=%v", typeString(typ), a.TargetsFile(), a.TargetsStruct(), a.TargetsField())
	}
	return s
}

func summarizeField(f schema.Field) fieldSummary {
	name, _ := f.Name()
	s := fieldSummary{
		Name:         name,
		CodeOrder:    f.CodeOrder(),
		Discriminant: f.DiscriminantValue(),
		Which:        f.Which().String(),
		Annotations:  f.HasAnnotations(),
	}
	switch f.Ordinal().Which() {
	case schema.Field_ordinal_Which_explicit:
		s.Ordinal = fmt.Sprintf("@%d", f.Ordinal().Explicit())
	default:
		s.Ordinal = "implicit"
	}
	if f.Which() == schema.Field_Which_slot {
		slot := f.Slot()
		s.Offset = slot.Offset()
		typ, _ := slot.Type()
		s.Type = typeString(typ)
		v, _ := slot.DefaultValue()
		s.Default = valueString(v)
		s.HadExplicitDefault = slot.HadExplicitDefault()
	}
	return s
}

func typeString(t schema.Type) string {
	switch t.Which() {
	case schema.Type_Which_list:
		elem, _ := t.List().ElementType()
		return "List(" + typeString(elem) + ")"
	case schema.Type_Which_structType:
		return fmt.Sprintf("struct %s brand=%v", hex(t.StructType().TypeId()), t.StructType().HasBrand())
	case schema.Type_Which_enum:
		return fmt.Sprintf("enum %s brand=%v", hex(t.Enum().TypeId()), t.Enum().HasBrand())
	case schema.Type_Which_interface:
		return fmt.Sprintf("interface %s brand=%v", hex(t.Interface().TypeId()), t.Interface().HasBrand())
	}
	return t.Which().String()
}

func valueString(v schema.Value) string {
	s := v.Which().String()
	switch v.Which() {
	case schema.Value_Which_text:
		text, _ := v.Text()
		s += fmt.Sprintf(" %q", text)
	case schema.Value_Which_bool:
		s += fmt.Sprint(" ", v.Bool())
	case schema.Value_Which_enum:
		s += fmt.Sprint(" ", v.Enum())
	case schema.Value_Which_int8, schema.Value_Which_int16, schema.Value_Which_int32, schema.Value_Which_int64,
		schema.Value_Which_uint8, schema.Value_Which_uint16, schema.Value_Which_uint32, schema.Value_Which_uint64,
		schema.Value_Which_float32, schema.Value_Which_float64:
		s += fmt.Sprintf(" %#x %#x", capnp.Struct(v).Uint64(0), capnp.Struct(v).Uint64(8)) // the data section: the union tag and the value
	}
	// Pointer values: null or set.
	switch v.Which() {
	case schema.Value_Which_text, schema.Value_Which_data, schema.Value_Which_list,
		schema.Value_Which_structValue, schema.Value_Which_anyPointer:
		s += fmt.Sprintf(" pointer=%v", capnp.Struct(v).HasPtr(0))
	}
	return s
}
