package proxy

import (
	"bytes"
	"flag"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ifacegen/ifacegen/annotate"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// Builders for hand-made models, shaped like annotate's output.

func basic(k annotate.Kind, goBasic string) *annotate.Type {
	return &annotate.Type{Kind: k, Basic: goBasic}
}

func named(t *annotate.Type, path, name string) *annotate.Type {
	t.Named = &annotate.TypeName{Path: path, Name: name}
	return t
}

func list(elem *annotate.Type) *annotate.Type {
	return &annotate.Type{Kind: annotate.KindList, Elem: elem}
}

func array(n int, elem *annotate.Type) *annotate.Type {
	return &annotate.Type{Kind: annotate.KindList, Len: n, Elem: elem}
}

func byteArray(n int) *annotate.Type { return &annotate.Type{Kind: annotate.KindByteArray, Len: n} }

func bytesType() *annotate.Type { return &annotate.Type{Kind: annotate.KindBytes} }

func field(goName, wire string, ordinal int, t *annotate.Type) *annotate.Field {
	return &annotate.Field{GoName: goName, WireName: wire, Ordinal: ordinal, Type: t}
}

// optionalScalar is a *T struct field carried with a has flag.
func optionalScalar(goName, wire string, ordinal int, elem *annotate.Type) *annotate.Field {
	f := field(goName, wire, ordinal, &annotate.Type{Kind: annotate.KindOptional, Elem: elem})
	f.HasWireName = "has" + upperFirst(wire)
	f.HasOrdinal = ordinal + 1
	return f
}

// optional is *elem as a field: a has flag or a null pointer.
func optional(elem *annotate.Type) *annotate.Type {
	return &annotate.Type{Kind: annotate.KindOptional, Elem: elem}
}

// optionalField is a field of type *elem, with a has flag when elem is a
// scalar.
func optionalField(goName, wire string, ordinal int, elem *annotate.Type) *annotate.Field {
	if elem.Kind.IsScalar() {
		return optionalScalar(goName, wire, ordinal, elem)
	}
	return field(goName, wire, ordinal, optional(elem))
}

// boxedElem is *elem as a list element: a box struct whose value field is
// the optional.
func boxedElem(box string, elem *annotate.Type) *annotate.Type {
	return &annotate.Type{Kind: annotate.KindOptional, Elem: elem, Box: &annotate.Struct{
		Name: box, Synthetic: annotate.OptionalBox, Fields: []*annotate.Field{optionalField("", "value", 0, elem)},
	}}
}

// mapOf is map[key]value; an optional value is the entry's value field.
func mapOf(entry string, key, value *annotate.Type) *annotate.Type {
	v := field("", "value", 1, value)
	if value.Kind == annotate.KindOptional {
		v = optionalField("", "value", 1, value.Elem)
	}
	return &annotate.Type{Kind: annotate.KindMap, Key: key, Elem: value, Entry: &annotate.Struct{
		Name: entry, Synthetic: annotate.MapEntry,
		Fields: []*annotate.Field{field("", "key", 0, key), v},
	}}
}

func structType(s *annotate.Struct) *annotate.Type {
	return &annotate.Type{Kind: annotate.KindStruct, Named: &s.GoType, Struct: s}
}

const miningPath = "example.com/node/mining"

// miningModel is a model like the one annotate returns for DESIGN.md's
// mining.Mining, grown to use every kind.
func miningModel() *annotate.Package {
	kind := &annotate.Enum{
		Name: "Kind", GoType: annotate.TypeName{Path: miningPath, Name: "Kind"}, Basic: "uint8",
		Enumerants: []*annotate.Enumerant{{GoName: "KindBlock", WireName: "kindBlock"}, {GoName: "KindTx", WireName: "kindTx", Value: 1}},
	}
	kindType := &annotate.Type{Kind: annotate.KindEnum, Named: &kind.GoType, Basic: "uint8", Enum: kind}
	blockRef := &annotate.Struct{Name: "BlockRef", Doc: "BlockRef names a block.", GoType: annotate.TypeName{Path: miningPath, Name: "BlockRef"}}
	blockRef.Fields = []*annotate.Field{
		field("Hash", "hash", 0, byteArray(32)),
		field("Height", "height", 1, named(basic(annotate.KindInt32, "int32"), miningPath, "Height")),
		field("Prev", "prev", 2, &annotate.Type{Kind: annotate.KindOptional, Elem: structType(blockRef)}),
	}
	opts := &annotate.Struct{Name: "BlockCreateOptions", GoType: annotate.TypeName{Path: miningPath, Name: "BlockCreateOptions"}}
	opts.Fields = []*annotate.Field{
		field("UseMempool", "useMempool", 0, basic(annotate.KindBool, "bool")),
		field("ReservedWeight", "reservedWeight", 1, basic(annotate.KindUint64, "uint")),
		optionalScalar("Fee", "fee", 2, basic(annotate.KindInt64, "int64")),
		field("Label", "label", 4, &annotate.Type{Kind: annotate.KindOptional, Elem: basic(annotate.KindString, "string")}),
		field("Timeout", "timeout", 5, named(basic(annotate.KindInt64, "int64"), "time", "Duration")),
		field("Kind", "kind", 6, kindType),
	}
	entry := mapOf("TextInt64Entry", basic(annotate.KindString, "string"), basic(annotate.KindInt64, "int64"))
	tmpl := &annotate.Struct{Name: "BlockTemplate", GoType: annotate.TypeName{Path: miningPath, Name: "BlockTemplate"}}
	tmpl.Fields = []*annotate.Field{
		field("Header", "header", 0, bytesType()),
		field("Txs", "txs", 1, list(bytesType())),
		field("Fees", "fees", 2, entry),
		field("Tip", "tip", 3, &annotate.Type{Kind: annotate.KindOptional, Elem: structType(blockRef)}),
		field("Kinds", "kinds", 4, list(kindType)),
		field("Sigops", "sigops", 5, list(boxedElem("OptionalInt32", basic(annotate.KindInt32, "int32")))),
		field("Matrix", "matrix", 6, list(list(basic(annotate.KindInt32, "int32")))),
		field("Ports", "ports", 7, array(4, basic(annotate.KindUint16, "uint16"))),
		field("Seen", "seen", 8, mapOf("DataBoolEntry", byteArray(4), basic(annotate.KindBool, "bool"))),
		field("Message", "message", 9, basic(annotate.KindString, "string")),
		field("Refs", "refs", 10, list(boxedElem("OptionalBlockRef", structType(blockRef)))),
		field("Notes", "notes", 11, array(2, boxedElem("OptionalText", basic(annotate.KindString, "string")))),
		field("FeeBy", "feeBy", 12, mapOf("TextOptionalInt64Entry", basic(annotate.KindString, "string"), optional(basic(annotate.KindInt64, "int64")))),
		field("TipBy", "tipBy", 13, mapOf("TextOptionalBlockRefEntry", basic(annotate.KindString, "string"), optional(structType(blockRef)))),
	}
	m := &annotate.Interface{Name: "Mining", Doc: "Mining lets an external process build block templates."}
	m.Methods = []*annotate.Method{
		{Name: "IsTestChain", WireName: "isTestChain", Ordinal: 0, Context: true, Error: true,
			Doc:     "IsTestChain reports whether the chain is a test chain.",
			Results: []*annotate.Field{field("", "result", 0, basic(annotate.KindBool, "bool"))}},
		{Name: "GetTip", WireName: "getTip", Ordinal: 1, Context: true, Error: true,
			Doc:     "GetTip returns the tip, or nil when there is none.",
			Results: []*annotate.Field{field("", "result", 0, &annotate.Type{Kind: annotate.KindOptional, Elem: structType(blockRef)})}},
		{Name: "CreateNewBlock", WireName: "createNewBlock", Ordinal: 2, Context: true, Error: true,
			Doc:     "CreateNewBlock builds a template.\n\nIt never blocks:\n\tfor long.",
			Params:  []*annotate.Field{field("opts", "opts", 0, structType(opts))},
			Results: []*annotate.Field{field("", "result", 0, structType(tmpl))}},
		{Name: "CheckBlock", WireName: "checkBlock", Ordinal: 3, Context: true, Error: true,
			Params: []*annotate.Field{field("block", "block", 0, bytesType()), field("opts", "opts", 1, structType(opts))},
			Results: []*annotate.Field{
				field("reason", "reason", 0, basic(annotate.KindString, "string")),
				field("debug", "debug", 1, basic(annotate.KindString, "string")),
				field("ok", "ok", 2, basic(annotate.KindBool, "bool")),
			}},
		{Name: "Interrupt", WireName: "interrupt", Ordinal: 4, Doc: "Interrupt stops a pending wait."},
	}
	return &annotate.Package{
		Path: miningPath, Name: "mining", IPCName: "miningipc", IPCPath: miningPath + "/miningipc",
		Interfaces: []*annotate.Interface{m},
		Structs: []*annotate.Struct{opts, tmpl, blockRef, entry.Entry, tmpl.Fields[5].Type.Elem.Box, tmpl.Fields[8].Type.Entry,
			tmpl.Fields[10].Type.Elem.Box, tmpl.Fields[11].Type.Elem.Box, tmpl.Fields[12].Type.Entry, tmpl.Fields[13].Type.Entry},
		Enums: []*annotate.Enum{kind},
	}
}

func TestGenerateGolden(t *testing.T) {
	for name, pkg := range map[string]*annotate.Package{
		"mining": miningModel(),
	} {
		t.Run(name, func(t *testing.T) {
			got, err := Generate(pkg)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v; run: go test ./gen/proxy -update", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s is stale (-want +got):\n%s\nrun: go test ./gen/proxy -update", path, diff)
			}
		})
	}
}

func TestOutputIsFormattedGoWithHeader(t *testing.T) {
	out, err := Generate(miningModel())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out, []byte("// Code generated by ifacegen. DO NOT EDIT.\n")) {
		t.Errorf("output does not start with the generated-code header:\n%s", firstLine(out))
	}
	if _, err := parser.ParseFile(token.NewFileSet(), "mining_ipc.go", out, parser.AllErrors); err != nil {
		t.Fatalf("output does not parse: %v", err)
	}
	formatted, err := format.Source(out)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(formatted), string(out)); diff != "" {
		t.Errorf("output is not gofmt'ed (-gofmt +output):\n%s", diff)
	}
}

func TestOutputIsDeterministic(t *testing.T) {
	first, err := Generate(miningModel())
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		again, err := Generate(miningModel())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(first), string(again)); diff != "" {
			t.Fatalf("two runs differ (-first +again):\n%s", diff)
		}
	}
}

// The output refers to the interface package under its own name, and to
// every other package under an identifier no local shadows.
func TestImportsAndLocals(t *testing.T) {
	pkg := miningModel()
	// A parameter named like packages the output uses, and like locals.
	pkg.Interfaces[0].Methods = append(pkg.Interfaces[0].Methods, &annotate.Method{
		Name: "Shadow", WireName: "shadow", Ordinal: 5, Context: true, Error: true,
		Params: []*annotate.Field{
			field("ipc", "ipc", 0, basic(annotate.KindInt32, "int32")),
			field("capnp", "capnp", 1, basic(annotate.KindInt32, "int32")),
			field("mining", "mining", 2, basic(annotate.KindInt32, "int32")),
			field("c", "c", 3, list(basic(annotate.KindInt32, "int32"))),
			field("err", "err", 4, basic(annotate.KindString, "string")),
			field("len", "len", 5, basic(annotate.KindInt32, "int32")),
		},
	})
	out, err := Generate(pkg)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "mining_ipc.go", out, 0)
	if err != nil {
		t.Fatal(err)
	}
	imports := map[string]string{}
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		name := ""
		if imp.Name != nil {
			name = imp.Name.Name
		}
		imports[path] = name
	}
	want := map[string]string{
		"bytes":                     "",
		"cmp":                       "",
		"context":                   "",
		"time":                      "",
		"capnproto.org/go/capnp/v3": "",
		"github.com/ifacegen/ifacegen/runtime/capnprpc": "",
		"github.com/ifacegen/ifacegen/runtime/ipc":      "",
		"github.com/ifacegen/ifacegen/runtime/ipcimpl":  "",
		miningPath: "",
	}
	if diff := cmp.Diff(want, imports); diff != "" {
		t.Errorf("imports (-want +got):\n%s", diff)
	}
	src := string(out)
	for _, s := range []string{
		"func (c1 *MiningClient) Shadow(ctx context.Context, ipc1 int32, capnp1 int32, mining1 int32, c []int32, err1 string, len1 int32) (err error)",
		"return writeMining_shadow_Params(Mining_shadow_Params(p), ipc1, capnp1, mining1, c, err1, len1)",
	} {
		if !strings.Contains(src, s) {
			t.Errorf("output lacks %q", s)
		}
	}
}

// An interface without methods still gets a client and a server, and the
// file imports only what it uses.
func TestEmptyInterface(t *testing.T) {
	pkg := &annotate.Package{
		Path: "example.com/e", Name: "e", IPCName: "eipc", IPCPath: "example.com/e/eipc",
		Interfaces: []*annotate.Interface{{Name: "Empty"}},
	}
	out, err := Generate(pkg)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "e_ipc.go", out, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, imp := range f.Imports {
		got = append(got, imp.Path.Value)
	}
	want := []string{`"context"`, `"example.com/e"`, `"github.com/ifacegen/ifacegen/runtime/capnprpc"`,
		`"github.com/ifacegen/ifacegen/runtime/ipc"`, `"github.com/ifacegen/ifacegen/runtime/ipcimpl"`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("imports (-want +got):\n%s", diff)
	}
	for _, s := range []string{"func NewEmptyClient(c *ipc.Capability) *EmptyClient", "func NewEmptyServer(impl e.Empty) *ipc.Capability"} {
		if !bytes.Contains(out, []byte(s)) {
			t.Errorf("output lacks %q", s)
		}
	}
}

func TestGenerateRejects(t *testing.T) {
	pos := token.Position{Filename: "mining.go", Line: 7, Column: 6}
	for name, tc := range map[string]struct {
		edit func(*annotate.Package)
		want string
	}{
		"struct named like the client": {
			func(p *annotate.Package) {
				p.Structs = append(p.Structs, &annotate.Struct{Name: "MiningClient", Pos: pos, GoType: annotate.TypeName{Path: miningPath, Name: "MiningClient"}})
			},
			"the struct MiningClient collides with the generated MiningClient for interface Mining; rename one of them",
		},
		"enum named like the server": {
			func(p *annotate.Package) {
				p.Enums = append(p.Enums, &annotate.Enum{Name: "MiningServer", GoType: annotate.TypeName{Path: miningPath, Name: "MiningServer"}})
			},
			"the enum MiningServer collides with the generated MiningServer for interface Mining; rename one of them",
		},
		"struct named like UnimplementedX": {
			func(p *annotate.Package) {
				p.Structs = append(p.Structs, &annotate.Struct{Name: "UnimplementedMining", Pos: pos, GoType: annotate.TypeName{Path: miningPath, Name: "UnimplementedMining"}})
			},
			"the struct UnimplementedMining collides with the generated UnimplementedMining for interface Mining; rename one of them",
		},
		"method Release": {
			func(p *annotate.Package) {
				p.Interfaces[0].Methods = append(p.Interfaces[0].Methods, &annotate.Method{Name: "Release", WireName: "release", Pos: pos})
			},
			"mining.go:7:6: method mining.Mining.Release collides with the Release method of the generated MiningClient; rename the method",
		},
		"unexported interface": {
			func(p *annotate.Package) { p.Interfaces[0].Name = "mining"; p.Interfaces[0].Pos = pos },
			"mining.go:7:6: interface mining.mining is unexported; the generated package miningipc cannot refer to it",
		},
	} {
		t.Run(name, func(t *testing.T) {
			pkg := miningModel()
			tc.edit(pkg)
			_, err := Generate(pkg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// A model that breaks its own invariants is an error, not a crash.
func TestInconsistentModelIsAnError(t *testing.T) {
	pkg := miningModel()
	pkg.Structs[1].Fields[2].Type.Entry = nil // a map without its entry struct
	if _, err := Generate(pkg); err == nil || !strings.Contains(err.Error(), "inconsistent model") {
		t.Errorf("got %v, want an inconsistent-model error", err)
	}
}

func TestGuessName(t *testing.T) {
	for path, want := range map[string]string{
		"time":                       "time",
		"math/rand/v2":               "rand",
		"example.com/foo-bar":        "foobar",
		"example.com/go-thing":       "thing",
		"gopkg.in/yaml.v3":           "yamlv3",
		"example.com/x/v10":          "x",
		"example.com/2fa":            "fa",
		"example.com/Mixed_Case.Pkg": "mixedcasepkg",
	} {
		if got := guessName(path); got != want {
			t.Errorf("guessName(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestScopeNames(t *testing.T) {
	sc := newScope(map[string]bool{"ipc": true})
	inner := sc.child()
	got := []string{sc.name("x"), sc.name("x"), sc.name("ipc"), inner.name("x"), inner.name("i"), sc.child().name("i"), sc.name("type")}
	want := []string{"x", "x1", "ipc1", "x2", "i", "i", "type1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
}

func firstLine(b []byte) string {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	return string(line)
}
