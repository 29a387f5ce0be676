package lock

import (
	"bytes"
	"cmp"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ifacegen/ifacegen/annotate"
	"github.com/ifacegen/ifacegen/gen/schema"
)

// repoPackages loads every annotated package of the module once: the
// examples and golden cases whose committed schemas the tests parse.
var repoPackages = sync.OnceValues(func() ([]*annotate.Package, error) {
	root, err := filepath.Abs("../..")
	if err != nil {
		return nil, err
	}
	return annotate.Load(context.Background(), root, "./...")
})

func loadRepo(t *testing.T) []*annotate.Package {
	t.Helper()
	pkgs, err := repoPackages()
	if err != nil {
		t.Fatalf("loading the repository's annotated packages: %v", err)
	}
	if len(pkgs) == 0 {
		t.Fatal("the repository has no annotated packages")
	}
	return pkgs
}

// committedSchema returns the path and text of pkg's committed schema.
func committedSchema(t *testing.T, pkg *annotate.Package) (string, []byte) {
	t.Helper()
	path := filepath.Join(pkg.IPCDir, pkg.Name+".capnp")
	src, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		t.Skipf("%s has no generated schema yet (run go run ./cmd/ifacegen ./...)", pkg.Path)
	}
	if err != nil {
		t.Fatal(err)
	}
	return path, src
}

// ignoreLines leaves line numbers out of comparisons with schemas built
// from models.
var ignoreLines = cmpopts.IgnoreFields(Schema{}, "Filename")

func ignorePositions() gocmp.Option {
	return gocmp.Options{
		ignoreLines,
		cmpopts.IgnoreFields(Interface{}, "Line"),
		cmpopts.IgnoreFields(Method{}, "Line"),
		cmpopts.IgnoreFields(Field{}, "Line"),
		cmpopts.IgnoreFields(Struct{}, "Line"),
		cmpopts.IgnoreFields(Enum{}, "Line"),
		cmpopts.IgnoreFields(Enumerant{}, "Line"),
	}
}

// TestParseCommittedSchemas parses the committed schema of every annotated
// package in the repository and checks it against the model it was
// generated from (with the lock applied): every declaration, ID, member,
// ordinal, type, doc and retired placeholder.
func TestParseCommittedSchemas(t *testing.T) {
	for _, pkg := range loadRepo(t) {
		t.Run(pkg.Path, func(t *testing.T) {
			path, src := committedSchema(t, pkg)
			got, err := Parse(path, src)
			if err != nil {
				t.Fatal(err)
			}
			// The committed file is the lock of the model it was generated
			// from. When it is not what the locked model renders, someone
			// edited the Go code and has not regenerated yet (the drift
			// check reports that).
			if err := Apply(pkg, got); err != nil {
				t.Fatal(err)
			}
			if text, err := schema.Text(pkg); err != nil || !bytes.Equal(text, src) {
				t.Skipf("%s is not what the model renders (%v); run go run ./cmd/ifacegen ./... to refresh it", path, err)
			}
			if got.Filename != path {
				t.Errorf("Filename = %q, want %q", got.Filename, path)
			}
			if diff := gocmp.Diff(schemaOf(t, pkg, got.Imports), got, ignorePositions()); diff != "" {
				t.Errorf("Parse(%s) differs from the model (-model +parsed):\n%s", path, diff)
			}
		})
	}
}

// TestParseText parses what schema.Text renders for the repository's
// models: the same as the committed files, and Text's own output.
func TestParseText(t *testing.T) {
	for _, pkg := range loadRepo(t) {
		text, err := schema.Text(pkg)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Parse("x.capnp", text)
		if err != nil {
			t.Fatalf("%s: %v", pkg.Path, err)
		}
		if diff := gocmp.Diff(schemaOf(t, pkg, got.Imports), got, ignorePositions()); diff != "" {
			t.Errorf("%s: Parse(Text) differs from the model (-model +parsed):\n%s", pkg.Path, diff)
		}
	}
}

// schemaOf is the Schema Text writes for pkg, built from the model.
// aliases are the import aliases, as parsed (checked against pkg.Imports).
func schemaOf(t *testing.T, pkg *annotate.Package, aliases map[string]string) *Schema {
	t.Helper()
	aliasOf := make(map[string]string) // import path → alias
	for alias, path := range aliases {
		aliasOf[path] = alias
	}
	imports := map[string]string{"Go": "/go.capnp"}
	for _, imp := range pkg.Imports {
		path := schema.ImportPath(imp)
		alias, ok := aliasOf[path]
		if !ok {
			t.Errorf("the schema does not import %s", path)
			continue
		}
		imports[alias] = path
	}
	s := &Schema{ID: schema.FileID(pkg), Source: pkg.Path, Imports: imports}
	spell := func(t *annotate.Type) string { return spelling(pkg, aliasOf, t) }
	for _, in := range pkg.Interfaces {
		li := &Interface{Name: in.Name, ID: schema.InterfaceID(pkg, in)}
		for _, e := range in.Extends {
			li.Extends = append(li.Extends, e.Name)
		}
		for _, m := range in.Methods {
			lm := &Method{Name: m.WireName, Ordinal: m.Ordinal, Retired: m.Retired, Doc: docOf(m.Doc)}
			lm.Params = positional(modelFields(m.Params, spell, false))
			lm.Results = positional(modelFields(m.Results, spell, false))
			li.Methods = append(li.Methods, lm)
		}
		slices.SortFunc(li.Methods, func(a, b *Method) int { return a.Ordinal - b.Ordinal })
		s.Interfaces = append(s.Interfaces, li)
	}
	for _, st := range pkg.Structs {
		s.Structs = append(s.Structs, &Struct{
			Name:   st.Name,
			ID:     schema.StructID(pkg, st),
			Fields: modelFields(st.Fields, spell, true),
		})
	}
	for _, e := range pkg.Enums {
		le := &Enum{Name: e.Name, ID: schema.EnumID(pkg, e)}
		for _, en := range e.Enumerants {
			le.Enumerants = append(le.Enumerants, &Enumerant{Name: en.WireName, Ordinal: en.Value, Doc: docOf(en.Doc)})
		}
		s.Enums = append(s.Enums, le)
	}
	return s
}

// modelFields lists the capnp fields of fs (has flags included) by
// ordinal; withDocs says whether the schema carries their docs.
func modelFields(fs []*annotate.Field, spell func(*annotate.Type) string, withDocs bool) []*Field {
	out := []*Field{}
	for _, f := range fs {
		doc := ""
		if withDocs {
			doc = docOf(f.Doc)
		}
		value := f.Type
		if f.HasWireName != "" {
			value = f.Type.Elem
		}
		out = append(out, &Field{Name: f.WireName, Ordinal: f.Ordinal, Type: spell(value), Default: f.Default, Retired: f.Retired, Doc: doc})
		if f.HasWireName != "" {
			out = append(out, &Field{Name: f.HasWireName, Ordinal: f.HasOrdinal, Type: "Bool"})
		}
	}
	slices.SortFunc(out, func(a, b *Field) int { return cmp.Compare(a.Ordinal, b.Ordinal) })
	return out
}

// positional numbers parameters by position, as Parse does.
func positional(fs []*Field) []*Field {
	for i, f := range fs {
		f.Ordinal = i
	}
	return fs
}

// docOf is a doc comment as the schema carries it: trailing white space
// and trailing empty lines dropped.
func docOf(doc string) string {
	lines := strings.Split(doc, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r")
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n")
}

var spellings = map[annotate.Kind]string{
	annotate.KindBool: "Bool", annotate.KindInt8: "Int8", annotate.KindInt16: "Int16",
	annotate.KindInt32: "Int32", annotate.KindInt64: "Int64", annotate.KindUint8: "UInt8",
	annotate.KindUint16: "UInt16", annotate.KindUint32: "UInt32", annotate.KindUint64: "UInt64",
	annotate.KindFloat32: "Float32", annotate.KindFloat64: "Float64", annotate.KindString: "Text",
	annotate.KindBytes: "Data", annotate.KindByteArray: "Data", annotate.KindAnyPointer: "AnyPointer",
}

// spelling is how the schema spells the type of a value of t.
func spelling(pkg *annotate.Package, aliasOf map[string]string, t *annotate.Type) string {
	qualify := func(schemaPkg *annotate.Package, name string) string {
		if schemaPkg == nil || schemaPkg.IPCPath == pkg.IPCPath {
			return name
		}
		return aliasOf[schema.ImportPath(schemaPkg)] + "." + name
	}
	if s, ok := spellings[t.Kind]; ok {
		return s
	}
	switch t.Kind {
	case annotate.KindList:
		return "List(" + spelling(pkg, aliasOf, t.Elem) + ")"
	case annotate.KindMap:
		return "List(" + t.Entry.Name + ")"
	case annotate.KindStruct:
		return qualify(t.Schema, t.Struct.Name)
	case annotate.KindEnum:
		return qualify(t.Schema, t.Enum.Name)
	case annotate.KindInterface:
		return qualify(t.Interface.Schema, t.Interface.Name)
	case annotate.KindOptional:
		if t.Box != nil {
			return t.Box.Name
		}
		return spelling(pkg, aliasOf, t.Elem)
	}
	return "?"
}

func TestParse(t *testing.T) {
	src := `# Code generated by ifacegen. DO NOT EDIT.
# Source: example.com/x

@0xff6b677e6861ff2f;

using Go = import "/go.capnp";
using Base = import "/example.com/b/bipc/b.capnp";
$Go.package("xipc");
$Go.import("example.com/x/xipc");

interface A @0xca465e2b1adb17e0 extends(B, Base.C) {
  # A does things.
  #
  #   indented

  b @1 (x :List(List(Text)), xRetired1 :AnyPointer) -> ();
  gone @0 () -> ();
  # Retired: was old.
}

struct S @0xca465e2b1adb17e1 { key @0 :Text; value @1 :Base.Ref; }

struct T @0xca465e2b1adb17e2 {
  b @1 :Bool;
  # Retired: was b.
  # More.
  a @0 :AnyPointer;
}

enum E @0xca465e2b1adb17e3 {
  one @0;
  # One.
}
`
	got, err := Parse("x.capnp", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := &Schema{
		Filename: "x.capnp",
		ID:       0xff6b677e6861ff2f,
		Source:   "example.com/x",
		Imports:  map[string]string{"Go": "/go.capnp", "Base": "/example.com/b/bipc/b.capnp"},
		Interfaces: []*Interface{{
			Name: "A", ID: 0xca465e2b1adb17e0, Extends: []string{"B", "Base.C"}, Line: 11,
			Methods: []*Method{
				{Name: "gone", Ordinal: 0, Params: []*Field{}, Results: []*Field{}, Retired: true, Doc: "Retired: was old.", Line: 17},
				{Name: "b", Ordinal: 1, Params: []*Field{
					{Name: "x", Ordinal: 0, Type: "List(List(Text))", Line: 16},
					{Name: "xRetired1", Ordinal: 1, Type: "AnyPointer", Retired: true, Line: 16},
				}, Results: []*Field{}, Line: 16},
			},
		}},
		Structs: []*Struct{
			{Name: "S", ID: 0xca465e2b1adb17e1, Line: 21, Fields: []*Field{
				{Name: "key", Ordinal: 0, Type: "Text", Line: 21},
				{Name: "value", Ordinal: 1, Type: "Base.Ref", Line: 21},
			}},
			{Name: "T", ID: 0xca465e2b1adb17e2, Line: 23, Fields: []*Field{
				{Name: "a", Ordinal: 0, Type: "AnyPointer", Line: 27},
				{Name: "b", Ordinal: 1, Type: "Bool", Retired: true, Doc: "Retired: was b.\nMore.", Line: 24},
			}},
		},
		Enums: []*Enum{{Name: "E", ID: 0xca465e2b1adb17e3, Line: 30, Enumerants: []*Enumerant{
			{Name: "one", Ordinal: 0, Doc: "One.", Line: 31},
		}}},
	}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("Parse (-want +got):\n%s", diff)
	}
}

func TestParseErrors(t *testing.T) {
	const head = "# Code generated by ifacegen. DO NOT EDIT.\n@0xff6b677e6861ff2f;\n"
	for _, c := range []struct {
		name, src, want string
	}{
		{"no header", "@0xff6b677e6861ff2f;\n", `x.capnp:1:1: the file does not start with "# Code generated by ifacegen. DO NOT EDIT.", so ifacegen did not write it`},
		{"empty", "", `x.capnp:1:1: the file does not start with "# Code generated by ifacegen. DO NOT EDIT.", so ifacegen did not write it`},
		{"no file id", "# Code generated by ifacegen. DO NOT EDIT.\nstruct S @0x8000000000000001 {}\n", `x.capnp:2:1: expected "@" before the ID of the file, found "struct"`},
		{"low id", "# Code generated by ifacegen. DO NOT EDIT.\n@0x12;\n", "x.capnp:2:2: 0x12 is not a Cap'n Proto ID of the file (64 bits, high bit set)"},
		{"junk", head + "const x :Int32 = 1;\n", `x.capnp:3:1: expected a using line, an annotation or an interface, struct or enum declaration, found "const"`},
		{"bad default", head + "struct S @0x8000000000000001 { a @0 :Int32 = x; }\n", `x.capnp:3:46: expected the default value of struct S field a, found "x"`},
		{"bad annotation", head + "struct S @0x8000000000000001 { a @0 :Int32 $Go.name(x); }\n", `x.capnp:3:53: expected the annotation's quoted value, found "x"`},
		{"unexpected char", head + "struct S @0x8000000000000001 { a @0 :Int32; } ~\n", `x.capnp:3:47: unexpected character '~'`},
		{"unterminated string", head + "using X = import \"/a\n", "x.capnp:3:18: unterminated or escaped string"},
		{"gap", head + "struct S @0x8000000000000001 {\n  a @0 :Int32;\n  b @2 :Int32;\n}\n", "x.capnp:5:5: struct S: field b has ordinal @2, but there are only 2 members; ordinals must be 0…1, each used once"},
		{"twice", head + "struct S @0x8000000000000001 {\n  a @0 :Int32;\n  b @0 :Int32;\n}\n", "x.capnp:5:5: struct S: field b has ordinal @0, which a already has"},
		{"dup field", head + "struct S @0x8000000000000001 { a @0 :Int32; a @1 :Int32; }\n", "x.capnp:3:45: struct S: field a is declared twice"},
		{"dup decl", head + "struct S @0x8000000000000001 {}\nenum S @0x8000000000000002 {}\n", "x.capnp:4:6: S is declared twice (also at line 3)"},
		{"ordinal range", head + "enum E @0x8000000000000001 { a @70000; }\n", "x.capnp:3:33: ordinal @70000 of enum E value a is not a number from 0 to 65535"},
		{"method", head + "interface I @0x8000000000000001 {\n  m @0 (a :Int32) => ();\n}\n", `x.capnp:4:19: expected "->" before the results of interface I method m, found "="`},
		{"param", head + "interface I @0x8000000000000001 {\n  m @0 (a :Int32 b :Int32) -> ();\n}\n", `x.capnp:4:18: expected "," between interface I method m parameters, found "b"`},
		{"param ordinal", head + "interface I @0x8000000000000001 {\n  m @0 (a @0 :Int32) -> ();\n}\n", `x.capnp:4:11: expected ":" after a, found "@"`},
		{"unclosed", head + "interface I @0x8000000000000001 {\n  m @0 () -> ();\n", `x.capnp:5:1: expected a method name or "}", found end of file`},
		{"list", head + "struct S @0x8000000000000001 { a @0 :List(Text; }\n", `x.capnp:3:47: expected ")" after the list's element type, found ";"`},
		{"deep", head + "struct S @0x8000000000000001 { a @0 :" + strings.Repeat("List(", 200) + "Text" + strings.Repeat(")", 200) + "; }\n", "x.capnp:3:543: types nest more than 100 deep"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("x.capnp", []byte(c.src))
			if err == nil {
				t.Fatal("no error")
			}
			want := c.want + "; " + repairHint
			if diff := gocmp.Diff(want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzParse feeds Parse mutations of the committed schemas: it must return
// a Schema or an error, never panic or hang, and a Schema it returns has
// its members by ordinal.
func FuzzParse(f *testing.F) {
	paths, err := filepath.Glob("../../golden/*/*ipc/*.capnp")
	if err != nil {
		f.Fatal(err)
	}
	more, _ := filepath.Glob("../../golden/*/*/*ipc/*.capnp")
	for _, p := range append(paths, more...) {
		src, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := Parse("fuzz.capnp", src)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.capnp:") {
				t.Errorf("error without a position: %v", err)
			}
			return
		}
		for _, in := range s.Interfaces {
			for i, m := range in.Methods {
				if m.Ordinal != i {
					t.Errorf("interface %s: method %d has ordinal %d", in.Name, i, m.Ordinal)
				}
				for j, p := range m.Params {
					if p.Ordinal != j {
						t.Errorf("parameter %d has ordinal %d", j, p.Ordinal)
					}
				}
			}
		}
		for _, st := range s.Structs {
			for i, fd := range st.Fields {
				if fd.Ordinal != i {
					t.Errorf("struct %s: field %d has ordinal %d", st.Name, i, fd.Ordinal)
				}
			}
		}
	})
}
