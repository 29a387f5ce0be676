package annotate

import (
	"context"
	"errors"
	"flag"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var update = flag.Bool("update", false, "rewrite testdata/ok.golden from the current output")

// testdataDir is the module of test packages (module example.com/t).
const testdataDir = "testdata/src"

// load runs Load on testdata with patterns.
func load(t *testing.T, patterns ...string) ([]*Package, error) {
	t.Helper()
	return Load(context.Background(), testdataDir, patterns...)
}

// loadOK loads patterns and fails the test on any error.
func loadOK(t *testing.T, patterns ...string) map[string]*Package {
	t.Helper()
	pkgs, err := load(t, patterns...)
	if err != nil {
		t.Fatalf("Load(%q): %v", patterns, err)
	}
	byPath := make(map[string]*Package)
	for _, p := range pkgs {
		byPath[p.Path] = p
	}
	return byPath
}

// TestLoadGolden checks the whole model of every package in testdata/src/ok
// through its dump.
func TestLoadGolden(t *testing.T) {
	pkgs, err := load(t, "./ok/...")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	var b strings.Builder
	for _, p := range pkgs {
		paths = append(paths, p.Path)
		b.WriteString(p.Dump())
		b.WriteString("\n")
	}
	// ok/none and ok/shared declare no interface.
	wantPaths := []string{"example.com/t/ok/docexample", "example.com/t/ok/mining", "example.com/t/ok/types"}
	if diff := cmp.Diff(wantPaths, paths); diff != "" {
		t.Errorf("Load returned packages (-want +got):\n%s", diff)
	}

	golden := filepath.Join("testdata", "ok.golden")
	got := b.String()
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("model dump differs from %s (-want +got); if the change is intended, run go test ./annotate -run TestLoadGolden -update:\n%s", golden, diff)
	}
}

// TestLoadModel checks a few models field by field, positions and docs
// included.
func TestLoadModel(t *testing.T) {
	pkgs := loadOK(t, "./ok/docexample", "./ok/mining")
	abs, err := filepath.Abs(testdataDir)
	if err != nil {
		t.Fatal(err)
	}
	at := func(file string, line, col int) token.Position {
		return token.Position{Filename: filepath.Join(abs, file), Line: line, Column: col}
	}

	t.Run("docexample", func(t *testing.T) {
		const path = "example.com/t/ok/docexample"
		blockRef := &Struct{
			Name:   "BlockRef",
			Doc:    "BlockRef identifies a block.",
			Pos:    at("ok/docexample/mining.go", 9, 6),
			GoType: TypeName{path, "BlockRef"},
			Fields: []*Field{
				{GoName: "Hash", WireName: "hash", Pos: at("ok/docexample/mining.go", 10, 2), Ordinal: 0,
					Type: &Type{Kind: KindByteArray, Len: 32}},
				{GoName: "Height", WireName: "height", Pos: at("ok/docexample/mining.go", 11, 2), Ordinal: 1,
					Type: &Type{Kind: KindInt32, Basic: "int32", Named: &TypeName{path, "Height"}}},
			},
		}
		want := &Package{
			Path:    path,
			Name:    "mining",
			Dir:     filepath.Join(abs, "ok/docexample"),
			IPCName: "miningipc",
			IPCPath: path + "/miningipc",
			IPCDir:  filepath.Join(abs, "ok/docexample/miningipc"),
			Interfaces: []*Interface{{
				Name: "Mining",
				Doc:  "Mining builds blocks.",
				Pos:  at("ok/docexample/mining.go", 17, 6),
				Methods: []*Method{
					{
						Name: "GetTip", WireName: "getTip", Ordinal: 0,
						Doc:     "GetTip returns the best block; nil before there is one.",
						Pos:     at("ok/docexample/mining.go", 19, 2),
						Context: true, Error: true,
						Results: []*Field{{
							WireName: "result", Pos: at("ok/docexample/mining.go", 19, 31),
							Type: &Type{Kind: KindOptional, Elem: &Type{Kind: KindStruct, Named: &TypeName{path, "BlockRef"}, Struct: blockRef}},
						}},
					},
					{Name: "Stop", WireName: "stop", Ordinal: 1, Was: "Interrupt", Pos: at("ok/docexample/mining.go", 21, 2)},
				},
			}},
			Structs: []*Struct{blockRef},
		}
		noOffsets := cmpopts.IgnoreFields(token.Position{}, "Offset")
		if diff := cmp.Diff(want, pkgs[path], cmpopts.EquateEmpty(), noOffsets); diff != "" {
			t.Errorf("model (-want +got):\n%s", diff)
		}
	})

	t.Run("mining", func(t *testing.T) {
		p := pkgs["example.com/t/ok/mining"]
		if p == nil {
			t.Fatal("no model for ok/mining")
		}
		in := p.Interfaces[0]
		if in.ID != 0xc2a8f3e1d0b4a697 {
			t.Errorf("ID = %#x, want the pinned 0xc2a8f3e1d0b4a697", in.ID)
		}
		if want := "Mining lets an external process build blocks.\n\nIt is the second paragraph."; in.Doc != want {
			t.Errorf("Doc = %q, want %q (directive line and trailing newline removed)", in.Doc, want)
		}

		// CheckBlock(context.Context, []byte, *uint32) (reason, debug string, ok bool, err error)
		check := in.Methods[3]
		ignore := cmpopts.IgnoreFields(Field{}, "Pos", "Doc")
		wantParams := []*Field{
			{WireName: "arg", Ordinal: 0, Type: &Type{Kind: KindBytes}},
			{WireName: "arg1", Ordinal: 1, HasWireName: "hasArg1", HasOrdinal: 2,
				Type: &Type{Kind: KindOptional, Elem: &Type{Kind: KindUint32, Basic: "uint32"}}},
		}
		if diff := cmp.Diff(wantParams, check.Params, ignore); diff != "" {
			t.Errorf("CheckBlock params (-want +got):\n%s", diff)
		}
		text := &Type{Kind: KindString, Basic: "string"}
		wantResults := []*Field{
			{GoName: "reason", WireName: "reason", Ordinal: 0, Type: text},
			{GoName: "debug", WireName: "debug", Ordinal: 1, Type: text},
			{GoName: "ok", WireName: "ok", Ordinal: 2, Type: &Type{Kind: KindBool, Basic: "bool"}},
		}
		if diff := cmp.Diff(wantResults, check.Results, ignore); diff != "" {
			t.Errorf("CheckBlock results (-want +got):\n%s", diff)
		}
		if !check.Context || !check.Error {
			t.Errorf("CheckBlock Context, Error = %v, %v; want true, true", check.Context, check.Error)
		}

		// The enum from lib/chain, a package outside the patterns, with its
		// unexported constant.
		wantEnum := &Enum{
			Name: "Kind", Doc: "Kind says what a chain object is.",
			GoType: TypeName{"example.com/t/lib/chain", "Kind"}, Basic: "uint8",
			Pos: at("lib/chain/chain.go", 20, 6),
			Enumerants: []*Enumerant{
				{GoName: "KindBlock", WireName: "kindBlock", Value: 0, Doc: "KindBlock is a block.", Pos: at("lib/chain/chain.go", 25, 2)},
				{GoName: "KindTx", WireName: "kindTx", Value: 1, Doc: "a transaction", Pos: at("lib/chain/chain.go", 26, 2)},
				{GoName: "kindMax", WireName: "kindMax", Value: 2, Pos: at("lib/chain/chain.go", 27, 2)},
			},
		}
		if diff := cmp.Diff([]*Enum{wantEnum}, p.Enums, cmpopts.IgnoreFields(token.Position{}, "Offset")); diff != "" {
			t.Errorf("enums (-want +got):\n%s", diff)
		}
		names := func(ss []*Struct) []string {
			var n []string
			for _, s := range ss {
				n = append(n, s.Name)
			}
			return n
		}
		// Two BlockRef types (ok/mining and lib/chain) get their package names.
		wantStructs := []string{"ChainBlockRef", "MiningBlockRef", "Options", "TextInt64Entry"}
		if diff := cmp.Diff(wantStructs, names(p.Structs)); diff != "" {
			t.Errorf("struct names (-want +got):\n%s", diff)
		}
	})
}

// TestLoadGraph checks the pointers of the model: one Struct per Go type,
// recursion through pointers, slices and maps, one entry or box struct per
// name, shared by every use, and where optionals are boxed.
func TestLoadGraph(t *testing.T) {
	p := loadOK(t, "./ok/types")["example.com/t/ok/types"]
	if p == nil {
		t.Fatal("no model for ok/types")
	}
	structs := make(map[string]*Struct)
	for _, s := range p.Structs {
		if structs[s.Name] != nil {
			t.Errorf("two structs named %s", s.Name)
		}
		structs[s.Name] = s
	}
	field := func(s, name string) *Field {
		t.Helper()
		for _, f := range structs[s].Fields {
			if f.WireName == name {
				return f
			}
		}
		t.Fatalf("struct %s has no field %s", s, name)
		return nil
	}

	node := structs["Node"]
	if got := field("Node", "parent").Type.Elem.Struct; got != node {
		t.Errorf("Node.parent points to %p, want Node %p", got, node)
	}
	if got := field("Node", "children").Type.Elem.Struct; got != node {
		t.Errorf("Node.children element is %p, want Node %p", got, node)
	}
	if got := field("Node", "byName").Type.Entry.Fields[1].Type.Struct; got != node {
		t.Errorf("Node.byName value is %p, want Node %p", got, node)
	}
	if got := field("Optionals", "node").Type.Elem.Struct; got != node {
		t.Errorf("Optionals.node points to %p, want Node %p", got, node)
	}

	entry := structs["TextInt64Entry"]
	for _, f := range []*Field{field("Maps", "plain"), field("Maps", "named"), field("Maps", "again"), p.Interfaces[0].Methods[6].Params[1]} {
		if f.Type.Entry != entry {
			t.Errorf("%s: Entry %p (%s), want the shared TextInt64Entry %p", f.WireName, f.Type.Entry, f.Type.Entry.Name, entry)
		}
	}
	// An optional map value is the entry's value field: a has flag for a
	// scalar, no box.
	maybe := field("Maps", "maybe").Type.Entry
	if maybe != structs["TextOptionalUInt32Entry"] || maybe.Fields[1].Type.Box != nil || maybe.Fields[1].HasWireName != "hasValue" || maybe.Fields[1].HasOrdinal != 2 {
		t.Errorf("Maps.maybe: entry %s, value field %+v; want TextOptionalUInt32Entry whose value has the has flag hasValue @2 and no box", maybe.Name, maybe.Fields[1])
	}
	nested := field("Maps", "nested").Type.Elem // map[string]*uint32
	if nested.Entry != maybe {
		t.Errorf("Maps.nested value: entry %s; want the shared TextOptionalUInt32Entry", nested.Entry.Name)
	}
	if v := field("Maps", "nodes").Type.Entry.Fields[1]; v.Type.Box != nil || v.HasWireName != "" {
		t.Errorf("Maps.nodes: value field %+v; want a pointer field: no box, no has flag", v)
	}
	if got := field("Optionals", "count").Type.Box; got != nil {
		t.Errorf("Optionals.count has box %s; a struct field's optional scalar takes a has flag, not a box", got.Name)
	}

	// An optional list element is a box of any kind, shared by name; its
	// value field is the optional itself.
	for _, tc := range []struct {
		field, box, has string
	}{
		{"maybeInts", "OptionalInt64", "hasValue"},
		{"levels", "OptionalLevel", "hasValue"},
		{"pair", "OptionalUInt8", "hasValue"},
		{"maybeText", "OptionalText", ""},
		{"nodes", "OptionalNode", ""},
		{"hashes2", "OptionalData", ""},
	} {
		elem := field("Lists", tc.field).Type.Elem
		box := structs[tc.box]
		if elem.Box != box || box == nil {
			t.Errorf("Lists.%s: box %p, want the shared %s %p", tc.field, elem.Box, tc.box, box)
			continue
		}
		v := box.Fields[0]
		if len(box.Fields) != 1 || v.WireName != "value" || v.Ordinal != 0 || v.HasWireName != tc.has || v.Type.Kind != KindOptional || v.Type.Box != nil || v.Type.Elem != elem.Elem {
			t.Errorf("Lists.%s: box %s has fields %+v; want value @0 of the optional %v (has flag %q)", tc.field, tc.box, box.Fields, elem, tc.has)
		}
	}
	if node := field("Lists", "nodes").Type.Elem.Elem.Struct; node != structs["Node"] {
		t.Errorf("Lists.nodes element points to %p, want Node %p", node, structs["Node"])
	}
	for _, s := range p.Structs {
		want := GoStruct
		switch {
		case strings.HasSuffix(s.Name, "Entry"):
			want = MapEntry
		case strings.HasPrefix(s.Name, "Optional") && s.Name != "Optionals":
			want = OptionalBox
		}
		if s.Synthetic != want {
			t.Errorf("struct %s: Synthetic = %v, want %v", s.Name, s.Synthetic, want)
		}
	}
	if !slices.IsSortedFunc(p.Structs, func(a, b *Struct) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("Structs are not sorted by name")
	}
}

// TestLoadErrors loads every package of testdata/src/bad at once and checks
// the exact problems reported in each: all of them, in one run.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		dir  string // under testdata/src/bad
		want []string
	}{
		{"unknown", []string{
			"unknown.go:3:1: unknown directive //ipc:interfce; did you mean //ipc:interface?",
			"unknown.go:6:1: unknown directive //ipc:frobnicate; the directives are //ipc:interface, //ipc:method, //ipc:enum, //ipc:convert, //ipc:error, //ipc:param, //ipc:result, //ipc:package, //ipc:struct, //ipc:retired",
			"unknown.go:9:1: unknown directive //ipc:enums; did you mean //ipc:enum?",
		}},
		{"nearmiss", []string{
			`nearmiss.go:3:1: "// ipc:interface" is not a directive (no space allowed after //); write //ipc:interface`,
			`nearmiss.go:9:1: "//ipc:Interface" is not a directive (directives are lower case); write //ipc:interface`,
			`nearmiss.go:11:1: "//IPC:enum" is not a directive (directives are lower case); write //ipc:enum`,
			`nearmiss.go:13:1: "//ipc: interface" is not a directive (no space allowed after ipc:); write //ipc:interface`,
			`nearmiss.go:15:1: "//ipc:inTerface" is not a directive (directive names are lower case); write //ipc:interface`,
			`nearmiss.go:18:1: "/* ipc:interface" is not a directive (directives are // line comments); write //ipc:interface`,
			`nearmiss.go:23:2: "//\tipc:method" is not a directive (no space allowed after //); write //ipc:method`,
			`nearmiss.go:27:1: "/*ipc:Blah" is not a directive (directives are // line comments); the directives are //ipc:interface, //ipc:method, //ipc:enum, //ipc:convert, //ipc:error, //ipc:param, //ipc:result, //ipc:package, //ipc:struct, //ipc:retired`,
			// What gofmt makes of "//ipc:Interface" in a doc comment.
			`nearmiss.go:34:1: "// ipc:Interface" is not a directive (no space allowed after //); write //ipc:interface`,
		}},
		{"errvars", []string{
			"errvars.go:6:5: //ipc:error variable errHidden is not exported, so the generated package errvarsipc cannot name it; export it",
			"errvars.go:9:5: //ipc:error variable ErrCount has type int, which is not an error; declare it as var ErrCount = errors.New(\"…\")",
			"errvars.go:11:1: //ipc:error does not apply to variable ErrA; it belongs on a package-level error variable declared on its own (var ErrX = errors.New(…))",
			"errvars.go:14:1: //ipc:error does not apply to constant ErrConst; it belongs on a package-level error variable declared on its own (var ErrX = errors.New(…))",
		}},
		{"notimpl", []string{
			"notimpl.go:9:6: //ipc:convert function toWire is not exported, so the generated package notimplipc cannot call it; export it",
		}},
		{"args", []string{
			"args.go:3:17: //ipc:interface: id=0xZZ is not a hexadecimal number; use e.g. id=0xc2a8f3e1d0b4a697 (run `capnp id` for a fresh one)",
			"args.go:6:17: //ipc:interface: id= needs a value, e.g. id=0xc2a8f3e1d0b4a697 (run `capnp id` for a fresh one)",
			`args.go:9:17: //ipc:interface: unknown key "foo"; the keys are: id`,
			"args.go:12:39: //ipc:interface: duplicate key id; keep one",
			`args.go:15:17: //ipc:interface: unexpected argument "junk"; arguments are key=value (keys: id)`,
			"args.go:18:17: //ipc:interface: id=0x1234 lacks the high bit Cap'n Proto requires of IDs (it must be at least 0x8000000000000000); use e.g. id=0xc2a8f3e1d0b4a697 (run `capnp id` for a fresh one)",
			"args.go:21:17: //ipc:interface: id=1234 must be hexadecimal with a 0x prefix, e.g. id=0xc2a8f3e1d0b4a697 (run `capnp id` for a fresh one)",
			"args.go:24:17: //ipc:interface: id=0x1ffffffffffffffff does not fit in 64 bits; use 16 hex digits, e.g. id=0xc2a8f3e1d0b4a697 (run `capnp id` for a fresh one)",
			"args.go:27:17: //ipc:interface: malformed arguments (an unterminated or unseparated quoted string); write key=value pairs separated by spaces",
			"args.go:29:15: //ipc:method: was=foo-bar is not an exported Go method name; write the method's previous name, e.g. was=OldName, or the retired placeholder of a removed method, e.g. was=oldNameRetired4",
			"args.go:31:15: //ipc:method: was=lower is not an exported Go method name; write the method's previous name, e.g. was=OldName, or the retired placeholder of a removed method, e.g. was=oldNameRetired4",
			`args.go:35:12: //ipc:enum: unknown key "x"; the keys are: id`,
		}},
		{"placement", []string{
			"doc.go:1:1: //ipc:interface does not apply to the package clause; it belongs on an interface type declaration",
			"placement.go:3:1: //ipc:interface does not apply to struct type S; it belongs on an interface type declaration written as type S interface { … }",
			`placement.go:5:2: //ipc:method does not apply to field S.Field; struct fields take the struct tag ipc:"name" or ipc:"-" instead`,
			"placement.go:9:1: //ipc:enum does not apply to type Str (underlying string); it belongs on a named integer type declaration",
			"placement.go:12:1: //ipc:enum does not apply to function F; it belongs on a named integer type declaration",
			"placement.go:17:2: //ipc:method on method Plain.M, but Plain is not an //ipc:interface; add //ipc:interface to Plain or remove //ipc:method",
			"placement.go:21:1: //ipc:interface does not apply to constant C; it belongs on an interface type declaration",
			"placement.go:24:1: //ipc:interface does not apply to a group of type declarations; put it in the doc comment of one type inside the group",
			"placement.go:30:25: //ipc:interface is not in the doc comment of a declaration; put it in the comment directly above an interface type declaration, with no blank line between",
			"placement.go:32:1: //ipc:interface is not in the doc comment of a declaration; put it in the comment directly above an interface type declaration, with no blank line between",
			"placement.go:37:2: //ipc:enum is not in the doc comment of a declaration; put it in the comment directly above a named integer type declaration, with no blank line between",
			"placement.go:40:1: //ipc:interface does not apply to alias Alias; it belongs on an interface type declaration written as type Alias interface { … }",
			"placement.go:43:1: //ipc:enum does not apply to type Generic (underlying int); it belongs on a named integer type declaration",
			"placement.go:46:1: //ipc:method does not apply to interface type I; it belongs on a method of an //ipc:interface type",
			"placement.go:53:2: //ipc:enum does not apply to method J.F; it belongs on a named integer type declaration",
		}},
		{"duplicate", []string{
			"duplicate.go:4:1: duplicate //ipc:interface on A; remove one",
			"duplicate.go:7:2: duplicate //ipc:method on A.F; remove one",
			"duplicate.go:13:2: duplicate //ipc:interface on B; remove one",
			"duplicate.go:18:1: duplicate //ipc:enum on C; remove one",
		}},
		{"iface", []string{
			"iface.go:9:6: generic interface Generic cannot be an //ipc:interface; remove its type parameters",
			"iface.go:13:2: interface Embeds embeds io.Closer, which is not an //ipc:interface of package iface; embed only //ipc:interface types of this package, or list the methods in Embeds",
			"iface.go:19:2: interface TypeSet has the type-set element ~int | ~string: an //ipc:interface may only have methods; remove it",
			"iface.go:24:6: interface unexported is not exported, so the generated package ifaceipc cannot name it; export it",
			"iface.go:28:2: method Methods.lower is not exported; the methods of an //ipc:interface must be exported",
			"iface.go:29:14: method Methods.Variadic is variadic; take a slice parameter instead",
			"iface.go:30:25: parameter ctx: context.Context is only allowed as the first parameter; move it first",
			"iface.go:31:16: result: error can only be the last result, where it carries the call's failure; send a string instead",
			"iface.go:33:2: methods ID and Id of Methods both have the wire name id; rename one",
			"iface.go:34:21: method Methods.Params: parameter URL and parameter url both have the wire name url; rename one",
			"iface.go:35:16: method Methods.Flags: the has flag of parameter x and parameter hasX both have the wire name hasX; rename one",
			"iface.go:36:17: method Methods.Results: result ID and result Id both have the wire name id; rename one",
			"iface.go:40:2: methods A and B of Methods both say was=Old; only one method can keep the old ordinal",
			"iface.go:42:2: method Methods.Self: was=Self names the method itself; remove was=",
			"iface.go:48:17: id=0x8000000000000001 is already the id of interface One; give each interface its own id",
			"iface.go:52:6: interface name Text is also a Cap'n Proto built-in name; rename the interface",
			"iface.go:55:6: interface name Under_Score is not a valid Cap'n Proto name (ASCII letters and digits only); rename it",
		}},
		{"types", []string{
			"types.go:9:8: parameter opts: field Options.Done: channel types cannot cross a process boundary; use a method call per value instead",
			"types.go:14:11: parameter opts: field Options.Inner: field Inner.Callback: an unnamed func type cannot cross a process boundary; declare a named func type (type Callback func()) in package types and use it",
			"types.go:24:2: parameter e: field Embeds.Inner: embedded fields are not supported yet; give the field a name, or tag it `ipc:\"-\"`",
			`types.go:29:2: parameter t: field Tagged.A: struct tag ipc:"Bad_name" is not a valid wire name (a lower-case ASCII letter, then ASCII letters and digits); fix the tag, or use ipc:"-" to leave the field out`,
			`types.go:30:2: parameter t: field Tagged.B: struct tag ipc:"" is not a valid wire name (a lower-case ASCII letter, then ASCII letters and digits); fix the tag, or use ipc:"-" to leave the field out`,
			`types.go:32:2: struct Tagged: field C and field D both have the wire name fine; rename one, or set a wire name with the struct tag ipc:"name"`,
			`types.go:37:2: struct Collide: field URL and field Url both have the wire name url; rename one, or set a wire name with the struct tag ipc:"name"`,
			`types.go:39:2: struct Collide: the has flag of field X and field HasX both have the wire name hasX; rename one, or set a wire name with the struct tag ipc:"name"`,
			"types.go:43:6: type example.com/t/bad/types.TextInt64Entry becomes the Cap'n Proto name TextInt64Entry, which is also the name of the entry struct of map[string]int; rename the Go type",
			"types.go:52:9: parameter c: channel types cannot cross a process boundary; use a method call per value instead",
			"types.go:53:9: parameter f: an unnamed func type cannot cross a process boundary; declare a named func type (type Callback func()) in package types and use it",
			"types.go:54:8: parameter a: interface type any cannot cross a process boundary (the receiver could not rebuild its value); use a concrete type",
			"types.go:55:8: parameter e: error can only be the last result, where it carries the call's failure; send a string instead",
			"types.go:56:11: parameter r: interface type interface{Read([]byte) (int, error)} cannot cross a process boundary (the receiver could not rebuild its value); use a concrete type",
			"types.go:57:8: parameter c: *Callback: use Callback: nil already means absent",
			"types.go:58:12: parameter c: complex numbers are not supported; use a struct with real and imaginary float fields",
			"types.go:59:12: parameter u: uintptr cannot cross a process boundary (an address means nothing in another process); use uint64",
			"types.go:60:11: parameter p: unsafe.Pointer cannot cross a process boundary (an address means nothing in another process); send the data it points to",
			"types.go:61:9: parameter s: anonymous struct types cannot cross a process boundary; declare a named struct type",
			"types.go:62:12: parameter p: the generic type Pair[int] cannot cross a process boundary yet; declare a non-generic named type",
			"types.go:63:11: parameter h: type hidden is not exported, so the generated package typesipc cannot name it; export it",
			"types.go:64:11: parameter o: struct Opaque has only unexported fields, which cannot cross a process boundary; export the fields that should cross, or write the hooks //ipc:convert func OpaqueToWire(Opaque) (W, error) and //ipc:convert func OpaqueFromWire(W) (Opaque, error) in package types with W a type that crosses, or give it the methods func (x *Opaque) MarshalBinary() ([]byte, error) and func (x *Opaque) UnmarshalBinary(data []byte) error",
			"types.go:69:13: parameter m: map key type Opaque is not supported; use a number, bool, string, enum or [N]byte key",
			"types.go:70:13: parameter a: *[]int: use []int: nil already means absent",
			"types.go:70:23: parameter b: *map[string]int: use map[string]int: nil already means absent",
			"types.go:70:42: parameter c: **int: a pointer to a pointer cannot cross a process boundary; use a single *",
			"types.go:71:9: parameter z: the zero-length array [0]int carries nothing; remove it",
			"types.go:73:22: parameter m: channel types cannot cross a process boundary; use a method call per value instead",
			"types.go:75:15: parameter arg1: channel types cannot cross a process boundary; use a method call per value instead",
			"types.go:75:31: result1: an unnamed func type cannot cross a process boundary; declare a named func type (type Callback func()) in package types and use it",
			"types.go:76:10: parameter l: interface Listener is not an //ipc:interface, so it cannot cross a process boundary; add //ipc:interface to its doc comment (the receiver then gets a client proxy that calls back), or use a concrete type",
			"types.go:85:2: struct Half: field hidden is unexported, so it cannot cross a process boundary (the other process would see its zero value); export it, or tag it `ipc:\"-\"` to leave it out on purpose",
		}},
		{"bindings", []string{
			`bindings.go:9:2: struct Ptrs: field ToPtr: its wire name toPtr would make capnpc-go generate the method ToPtr on the bindings struct type, which already has a method of that name, so it does not compile; set another wire name with the struct tag ipc:"name"`,
			`bindings.go:10:2: struct Ptrs: field EncodeAsPtr: its wire name encodeAsPtr would make capnpc-go generate the method EncodeAsPtr on the bindings struct type, which already has a method of that name, so it does not compile; set another wire name with the struct tag ipc:"name"`,
			`bindings.go:11:2: struct Ptrs: field DecodeFromPtr: its wire name decodeFromPtr would make capnpc-go generate the method DecodeFromPtr on the bindings struct type, which already has a method of that name, so it does not compile; set another wire name with the struct tag ipc:"name"`,
			`bindings.go:22:2: struct Pairs: field Foo and field HasFoo would both make capnpc-go generate the method HasFoo on the bindings struct type, which then does not compile; set another wire name for one of them with the struct tag ipc:"name"`,
			`bindings.go:24:2: struct Pairs: field Bar and field SetBar would both make capnpc-go generate the method SetBar on the bindings struct type, which then does not compile; set another wire name for one of them with the struct tag ipc:"name"`,
			`bindings.go:26:2: struct Pairs: field List and field NewList would both make capnpc-go generate the method NewList on the bindings struct type, which then does not compile; set another wire name for one of them with the struct tag ipc:"name"`,
			`bindings.go:28:2: struct Pairs: field Text and field TextBytes would both make capnpc-go generate the method TextBytes on the bindings struct type, which then does not compile; set another wire name for one of them with the struct tag ipc:"name"`,
			`bindings.go:30:2: struct Pairs: field Ref and field NewRef would both make capnpc-go generate the method NewRef on the bindings struct type, which then does not compile; set another wire name for one of them with the struct tag ipc:"name"`,
			`bindings.go:34:2: struct Pairs: field Opt and field SetHasOpt would both make capnpc-go generate the method SetHasOpt on the bindings struct type, which then does not compile; set another wire name for one of them with the struct tag ipc:"name"`,
			`bindings.go:36:2: struct Pairs: field Map and field HasMap would both make capnpc-go generate the method HasMap on the bindings struct type, which then does not compile; set another wire name for one of them with the struct tag ipc:"name"`,
			`bindings.go:41:2: struct Futures: field Struct: its wire name struct would make capnpc-go generate the method Struct on the bindings struct's _Future type, which already has a method of that name, so it does not compile; set another wire name with the struct tag ipc:"name"`,
			`bindings.go:42:2: struct Futures: field Future: its wire name future would make capnpc-go generate the method Future on the bindings struct's _Future type, which embeds a field Future, so it does not compile; set another wire name with the struct tag ipc:"name"`,
			`bindings.go:44:2: struct Futures: field Tagged: its wire name toPtr would make capnpc-go generate the method ToPtr on the bindings struct type, which already has a method of that name, so it does not compile; set another wire name with the struct tag ipc:"name"`,
			"bindings.go:55:30: method Bindings.Params: parameter toPtr: its wire name toPtr would make capnpc-go generate the method ToPtr on the bindings struct type, which already has a method of that name, so it does not compile; rename the parameter",
			"bindings.go:55:55: method Bindings.Params: parameter foo and parameter hasFoo would both make capnpc-go generate the method HasFoo on the bindings struct type, which then does not compile; rename one of the parameters",
			"bindings.go:56:32: method Bindings.Results: result encodeAsPtr: its wire name encodeAsPtr would make capnpc-go generate the method EncodeAsPtr on the bindings struct type, which already has a method of that name, so it does not compile; rename the result",
			"bindings.go:56:51: method Bindings.Results: result future: its wire name future would make capnpc-go generate the method Future on the bindings struct's _Future type, which embeds a field Future, so it does not compile; rename the result",
			"bindings.go:57:2: method Bindings.AddRef: its wire name addRef would make capnpc-go generate a second AddRef method on the bindings client type Bindings (every client type has AddRef), which does not compile; rename the Go method",
			"bindings.go:58:2: method Bindings.Resolve: its wire name resolve would make capnpc-go generate a second Resolve method on the bindings client type Bindings (every client type has Resolve), which does not compile; rename the Go method",
			"bindings.go:59:2: method Bindings.String: its wire name string would make capnpc-go generate a second String method on the bindings client type Bindings (every client type has String), which does not compile; rename the Go method",
			"bindings.go:60:2: method Bindings.IsValid: its wire name isValid would make capnpc-go generate a second IsValid method on the bindings client type Bindings (every client type has IsValid), which does not compile; rename the Go method",
			"bindings.go:61:2: method Bindings.IsSame: its wire name isSame would make capnpc-go generate a second IsSame method on the bindings client type Bindings (every client type has IsSame), which does not compile; rename the Go method",
			"bindings.go:62:2: method Bindings.WaitStreaming: its wire name waitStreaming would make capnpc-go generate a second WaitStreaming method on the bindings client type Bindings (every client type has WaitStreaming), which does not compile; rename the Go method",
			"bindings.go:63:2: method Bindings.SetFlowLimiter: its wire name setFlowLimiter would make capnpc-go generate a second SetFlowLimiter method on the bindings client type Bindings (every client type has SetFlowLimiter), which does not compile; rename the Go method",
			"bindings.go:64:2: method Bindings.GetFlowLimiter: its wire name getFlowLimiter would make capnpc-go generate a second GetFlowLimiter method on the bindings client type Bindings (every client type has GetFlowLimiter), which does not compile; rename the Go method",
			"bindings.go:65:2: method Bindings.Release: its wire name release would make capnpc-go generate a second Release method on the bindings client type Bindings (every client type has Release), which does not compile; rename the Go method",
			"bindings.go:66:2: method Bindings.EncodeAsPtr: its wire name encodeAsPtr would make capnpc-go generate a second EncodeAsPtr method on the bindings client type Bindings (every client type has EncodeAsPtr), which does not compile; rename the Go method",
			"bindings.go:67:2: method Bindings.DecodeFromPtr: its wire name decodeFromPtr would make capnpc-go generate a second DecodeFromPtr method on the bindings client type Bindings (every client type has DecodeFromPtr), which does not compile; rename the Go method",
		}},
		{"enum", []string{
			"enum.go:10:2: constant Gap2 = 2 breaks the sequence 0..1 of //ipc:enum Gap; number its constants 0, 1, 2, … without gaps",
			"enum.go:19:2: constant DupC has the value 1 of DupB; the constants of //ipc:enum Dup must be distinct, 0..2",
			"enum.go:26:2: constant Minus = -1 breaks the sequence 0..1 of //ipc:enum Negative; number its constants 0, 1, 2, … without gaps",
			"enum.go:31:6: //ipc:enum Empty has no constants; declare its values as constants of type Empty: 0, 1, 2, …",
			"enum.go:38:2: constants KindA and Kind_a of //ipc:enum Names both have the wire name kindA; rename one",
		}},
		{"many", []string{
			"many.go:6:4: parameter r: field Req.C: channel types cannot cross a process boundary; use a method call per value instead",
			`many.go:9:1: "// ipc:enum" is not a directive (no space allowed after //); write //ipc:enum`,
			"many.go:15:7: constant KindOne = 1 breaks the sequence 0..0 of //ipc:enum Kind; number its constants 0, 1, 2, … without gaps",
			"many.go:17:17: //ipc:interface: id=0x12 lacks the high bit Cap'n Proto requires of IDs (it must be at least 0x8000000000000000); use e.g. id=0xc2a8f3e1d0b4a697 (run `capnp id` for a fresh one)",
			"many.go:19:34: result: interface type any cannot cross a process boundary (the receiver could not rebuild its value); use a concrete type",
			"many.go:20:2: unknown directive //ipc:metod; did you mean //ipc:method?",
			"many.go:21:10: parameter f: an unnamed func type cannot cross a process boundary; declare a named func type (type Callback func()) in package many and use it",
			"many.go:22:14: //ipc:param nothing: method Service.Third has no parameter nothing on the wire; the parameters are n",
		}},
		{"renames", []string{
			`renames.go:6:2: parameter t: field Tags.A: struct tag ipc:"a,was=b,was=c": was= is given twice; keep one`,
			`renames.go:7:2: parameter t: field Tags.B: struct tag ipc:",was=Bad_name": was=Bad_name is not a wire name; write the wire name the field had (a lower-case ASCII letter, then ASCII letters and digits), e.g. was=oldName`,
			`renames.go:8:2: parameter t: field Tags.C: struct tag ipc:",was=c": was=c is the field's own wire name; remove was=`,
			`renames.go:9:2: parameter t: field Tags.D: struct tag ipc:",foo=1": unknown option "foo=1"; the options are was=oldName, the wire name the field had before a rename, and default=V, the field's default value`,
			"renames.go:11:2: struct Tags: fields E and F both say was=old; only one field can keep the old ordinal",
			`renames.go:12:2: parameter t: field Tags.G: struct tag ipc:"-,was=g": ipc:"-" leaves the field out and takes no options; remove ",was=g"`,
			"renames.go:17:14: //ipc:param x: method Service.Do has no parameter x on the wire; the parameters are t, n",
			"renames.go:18:2: //ipc:param t: missing was= or default=; write //ipc:param t was=oldName with the wire name the parameter had, or //ipc:param t default=V",
			"renames.go:19:2: //ipc:param needs the Go name of the parameter it renames first, e.g. //ipc:param opts was=oldName",
			"renames.go:21:2: duplicate //ipc:param n on Service.Do; keep one",
			"renames.go:22:18: //ipc:result ok: was=ok is the result's own wire name; remove the directive",
			"renames.go:23:15: //ipc:result missing: method Service.Do has no result missing on the wire; the results are ok",
			`renames.go:24:14: //ipc:param: "_" is not the Go name of a parameter; write e.g. //ipc:param opts was=oldName`,
			`renames.go:25:14: //ipc:param: "Bad-name" is not the Go name of a parameter; write e.g. //ipc:param opts was=oldName`,
			"renames.go:26:16: //ipc:param: was=Old_n is not a wire name; write the wire name the parameter had (a lower-case ASCII letter, then ASCII letters and digits), e.g. was=oldName",
			"renames.go:31:2: //ipc:result needs the Go name of the result it renames first, e.g. //ipc:result opts was=oldName",
			"renames.go:32:9: method Service.Two: parameters a and b both say was=x; only one can keep the old ordinal",
			"renames.go:37:2: //ipc:param on method Plain.M, but Plain is not an //ipc:interface; add //ipc:interface to Plain or remove //ipc:param",
			"renames.go:41:1: //ipc:result does not apply to struct type Misplaced; it belongs on a method of an //ipc:interface type, in its doc comment",
		}},
		{"typeerror", []string{
			"typeerror.go:5:6: undefined: Undefined",
			`typeerror.go:8:13: cannot use "not an int" (untyped string constant) as int value in variable declaration`,
		}},
		{"mainpkg", []string{
			"main.go:4:6: interface Service is in package main, which the generated package mainipc cannot import; move it to a package of its own",
		}},
		{"collide", []string{
			// Reported at the second type; both got the prefix Chain.
			"b/chain/chain.go:3:6: type example.com/t/bad/collide/a/chain.BlockRef and type example.com/t/bad/collide/b/chain.BlockRef both become the Cap'n Proto name ChainBlockRef; rename one of the Go types",
		}},
	}

	pkgs, err := load(t, "./bad/...")
	if pkgs != nil {
		t.Errorf("Load returned %d packages with errors; want nil", len(pkgs))
	}
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("Load error is %T (%v), want ErrorList", err, err)
	}
	badDir, err := filepath.Abs(filepath.Join(testdataDir, "bad"))
	if err != nil {
		t.Fatal(err)
	}
	got := make(map[string][]string) // by case
	for _, e := range list {
		rel, err := filepath.Rel(badDir, e.Pos.Filename)
		if err != nil || !filepath.IsLocal(rel) {
			t.Errorf("error outside testdata/src/bad: %v", e)
			continue
		}
		rel = filepath.ToSlash(rel)
		dir, file, _ := strings.Cut(rel, "/")
		pos := e.Pos
		pos.Filename = file
		got[dir] = append(got[dir], pos.String()+": "+e.Msg)
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, got[tt.dir]); diff != "" {
				t.Errorf("errors in bad/%s (-want +got):\n%s", tt.dir, diff)
			}
		})
		delete(got, tt.dir)
	}
	for dir, errs := range got {
		t.Errorf("bad/%s has no test case, but reports:\n%s", dir, strings.Join(errs, "\n"))
	}
}

// TestLoadErrorText checks the error's text: absolute file names, one
// problem per line, sorted by position.
func TestLoadErrorText(t *testing.T) {
	_, err := load(t, "./bad/typeerror")
	abs, _ := filepath.Abs(filepath.Join(testdataDir, "bad/typeerror/typeerror.go"))
	want := abs + ":5:6: undefined: Undefined\n" +
		abs + `:8:13: cannot use "not an int" (untyped string constant) as int value in variable declaration`
	if err == nil {
		t.Fatal("Load succeeded on a package that does not type-check")
	}
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("error text (-want +got):\n%s", diff)
	}
}

// TestLoadSkips checks that packages without interfaces are skipped
// silently: one without directives even when it does not type-check, one
// with only a (valid) //ipc:enum, and a generated package (every file
// starts with ifacegen's header) whatever it holds.
func TestLoadSkips(t *testing.T) {
	pkgs, err := load(t, "./quiet/...", "./ok/none", "./ok/shared")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(pkgs) != 0 {
		t.Errorf("Load returned %d packages, want none", len(pkgs))
	}
}

// TestLoadSyntaxError checks that a syntax error is reported in a
// package that mentions no directive (it may hide some), all of its
// errors, as for a package with directives. The package is written at
// test time: a committed file that does not parse would fail gofmt.
func TestLoadSyntaxError(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":           "module example.com/s\n\ngo 1.26\n",
		"syntax/syntax.go": "package syntax\n\nfunc Broken( {\n}\n",
		"fine/fine.go":     "package fine\n",
	}
	for name, text := range files {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := Load(context.Background(), dir, "./...")
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("Load error is %T (%v), want ErrorList", err, err)
	}
	var got []string
	for _, e := range list {
		pos := e.Pos
		pos.Filename = filepath.Base(pos.Filename)
		got = append(got, pos.String()+": "+e.Msg)
	}
	want := []string{
		"syntax.go:3:14: expected ')', found '{'",
		"syntax.go:4:1: missing ',' in parameter list",
		"syntax.go:4:2: expected ')', found newline",
		"syntax.go:4:2: missing ',' before newline in parameter list",
		"syntax.go:4:3: expected ')', found 'EOF'",
		"syntax.go:4:3: expected ';', found 'EOF'",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

// TestLoadDefaultPattern checks that no patterns means ".".
func TestLoadDefaultPattern(t *testing.T) {
	pkgs, err := Load(context.Background(), filepath.Join(testdataDir, "ok", "docexample"))
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 1 || pkgs[0].Path != "example.com/t/ok/docexample" {
		t.Errorf("Load with no patterns returned %v, want ok/docexample", pkgs)
	}
}

// TestLoadMissingPackage checks that a pattern naming nothing is an error.
func TestLoadMissingPackage(t *testing.T) {
	_, err := load(t, "./no/such/dir")
	var list ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		t.Fatalf("Load(./no/such/dir) = %v, want an ErrorList", err)
	}
}

// TestDocExample checks that the example in the package doc is what Dump
// prints for testdata/src/ok/docexample.
func TestDocExample(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(src), "Package.Dump prints as\n//\n")
	block, _, ok2 := strings.Cut(after, "\n//\n")
	if !ok || !ok2 {
		t.Fatal("doc.go has no Dump example")
	}
	var want strings.Builder
	for _, line := range strings.Split(block, "\n") {
		want.WriteString(strings.TrimPrefix(line, "//\t") + "\n")
	}
	p := loadOK(t, "./ok/docexample")["example.com/t/ok/docexample"]
	got := strings.ReplaceAll(p.Dump(), "example.com/t/ok/docexample", "example.com/x/mining")
	if diff := cmp.Diff(want.String(), got); diff != "" {
		t.Errorf("doc.go's example differs from Dump (-doc +Dump):\n%s", diff)
	}
}

// TestLoadCancelled checks that a cancelled context is a plain error, not
// problems in the source.
func TestLoadCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	pkgs, err := Load(ctx, testdataDir, "./ok/docexample")
	var list ErrorList
	if err == nil || errors.As(err, &list) || pkgs != nil {
		t.Errorf("Load with a cancelled context = %v, %v; want nil and a non-ErrorList error", pkgs, err)
	}
}

// TestLoadCrossPackage checks that types another annotated package's schema
// holds are referenced, not copied, whether or not the patterns match that
// package, and that other types of it are copied.
func TestLoadCrossPackage(t *testing.T) {
	for _, patterns := range [][]string{{"./cross/user"}, {"./cross/..."}} {
		t.Run(strings.Join(patterns, ","), func(t *testing.T) {
			pkgs := loadOK(t, patterns...)
			user := pkgs["example.com/t/cross/user"]
			if user == nil {
				t.Fatal("no model for cross/user")
			}
			if len(user.Imports) != 1 {
				t.Fatalf("user.Imports has %d packages, want base alone", len(user.Imports))
			}
			base := user.Imports[0]
			if base.Path != "example.com/t/cross/base" || base.IPCPath != base.Path+"/baseipc" || base.IPCName != "baseipc" {
				t.Errorf("user imports %s (%s, %s), want example.com/t/cross/base and its baseipc", base.Path, base.IPCPath, base.IPCName)
			}
			if b, ok := pkgs[base.Path]; ok && b != base {
				t.Error("the model of base that Load returns is not the one user imports")
			}
			structIn := func(p *Package, name string) *Struct {
				for _, s := range p.Structs {
					if s.GoType.Name == name {
						return s
					}
				}
				return nil
			}
			params := user.Interfaces[0].Methods[0].Params
			if r := params[0].Type; r.Kind != KindStruct || r.Schema != base || r.Struct != structIn(base, "Ref") || r.Struct == nil {
				t.Errorf("parameter r: kind %v, schema %v, struct %p; want base's struct Ref %p", r.Kind, r.Schema, r.Struct, structIn(base, "Ref"))
			}
			if l := params[1].Type; l.Schema != nil || l.Struct != structIn(user, "Loose") || l.Struct == nil {
				t.Errorf("parameter l: schema %v, struct %p; want a copy in user's schema", l.Schema, l.Struct)
			}
			if k := params[2].Type.Elem; k.Kind != KindEnum || k.Schema != base || k.Enum != base.Enums[0] {
				t.Errorf("parameter k: element kind %v, schema %v; want base's enum Kind", k.Kind, k.Schema)
			}
			for i, name := range []string{"Template", "Done"} {
				ref := params[3+i].Type.Interface
				if ref == nil || ref.Schema != base || ref.IPCPath != base.IPCPath || ref.IPCName != "baseipc" || ref.Name != name {
					t.Errorf("parameter %s: interface %+v; want base's %s", params[3+i].WireName, ref, name)
				}
			}
			if res := user.Interfaces[0].Methods[0].Results[0].Type; res.Kind != KindOptional || res.Elem.Schema != base {
				t.Errorf("result: %v of schema %v; want an optional of base's Ref", res.Kind, res.Elem.Schema)
			}
			if len(user.Structs) != 1 {
				t.Errorf("user declares %d structs, want Loose alone", len(user.Structs))
			}
		})
	}
}
