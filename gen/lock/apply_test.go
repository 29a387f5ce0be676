package lock

import (
	"go/token"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/ifacegen/ifacegen/annotate"
	"github.com/ifacegen/ifacegen/gen/schema"
)

// TestApplyUnchangedIsIdentity applies to the model of every annotated
// package of the repository the schema generated from it: nothing may
// change, twice over. (That the committed schemas are the ones generated
// now is the drift check's business: go run ./cmd/ifacegen ./... changes
// nothing.)
func TestApplyUnchangedIsIdentity(t *testing.T) {
	for _, pkg := range loadRepo(t) {
		t.Run(pkg.Path, func(t *testing.T) {
			text, err := schema.Text(pkg)
			if err != nil {
				t.Fatal(err)
			}
			old, err := Parse(pkg.Name+".capnp", text)
			if err != nil {
				t.Fatal(err)
			}
			before := pkg.Dump()
			for range 2 {
				if err := Apply(pkg, old); err != nil {
					t.Fatal(err)
				}
				if diff := gocmp.Diff(before, pkg.Dump()); diff != "" {
					t.Fatalf("Apply changed the model of an unchanged package (-before +after):\n%s", diff)
				}
			}
		})
	}
}

// Hand-built models: a package "svc" in its first version and edits of it.

var pos = func(line int) token.Position { return token.Position{Filename: "svc.go", Line: line, Column: 2} }

func scalar(k annotate.Kind, basic string) *annotate.Type {
	return &annotate.Type{Kind: k, Basic: basic}
}

func optional(elem *annotate.Type) *annotate.Type {
	return &annotate.Type{Kind: annotate.KindOptional, Elem: elem}
}

// field is a struct field, parameter or result named goName (wire name
// lowerCamel), numbered later by number.
func field(goName string, t *annotate.Type, line int) *annotate.Field {
	f := &annotate.Field{GoName: goName, WireName: annotate.MemberName(goName), Type: t, Pos: pos(line)}
	if t.Kind == annotate.KindOptional && t.Elem.Kind.IsScalar() {
		f.HasWireName = "has" + strings.ToUpper(f.WireName[:1]) + f.WireName[1:]
	}
	return f
}

func was(f *annotate.Field, old string) *annotate.Field {
	f.Was = old
	return f
}

// number gives fields ordinals in source order, as annotate does.
func number(fs ...*annotate.Field) []*annotate.Field {
	n := 0
	for _, f := range fs {
		f.Ordinal = n
		n++
		if f.HasWireName != "" {
			f.HasOrdinal = n
			n++
		}
	}
	return fs
}

func meth(name string, line int, params, results []*annotate.Field) *annotate.Method {
	return &annotate.Method{Name: name, WireName: annotate.MemberName(name), Pos: pos(line), Context: true, Error: true,
		Params: number(params...), Results: number(results...)}
}

func fs(f ...*annotate.Field) []*annotate.Field { return f }

// svcModel builds package svc: interface Svc with methods, struct Opts
// with fields, enum Kind, and a struct Ref; methods and fields come from
// the callbacks so that each version lists its own.
func svcModel(methods func(opts, ref *annotate.Type, kind *annotate.Type) []*annotate.Method,
	fields func(opts, ref *annotate.Type, kind *annotate.Type) []*annotate.Field) *annotate.Package {
	pkg := &annotate.Package{
		Path: "example.com/svc", Name: "svc", Dir: "/nonexistent/svc",
		IPCName: "svcipc", IPCPath: "example.com/svc/svcipc", IPCDir: "/nonexistent/svc/svcipc",
	}
	kindEnum := &annotate.Enum{Name: "Kind", GoType: annotate.TypeName{Path: pkg.Path, Name: "Kind"}, Basic: "int",
		Enumerants: []*annotate.Enumerant{{GoName: "KindA", WireName: "kindA"}, {GoName: "KindB", WireName: "kindB", Value: 1}}}
	ref := &annotate.Struct{Name: "Ref", GoType: annotate.TypeName{Path: pkg.Path, Name: "Ref"}, Pos: pos(90)}
	ref.Fields = number(field("Hash", scalar(annotate.KindBytes, ""), 91))
	opts := &annotate.Struct{Name: "Opts", GoType: annotate.TypeName{Path: pkg.Path, Name: "Opts"}, Pos: pos(80)}
	optsT := &annotate.Type{Kind: annotate.KindStruct, Named: &opts.GoType, Struct: opts}
	refT := &annotate.Type{Kind: annotate.KindStruct, Named: &ref.GoType, Struct: ref}
	kindT := &annotate.Type{Kind: annotate.KindEnum, Named: &kindEnum.GoType, Basic: "int", Enum: kindEnum}
	opts.Fields = number(fields(optsT, refT, kindT)...)
	ms := methods(optsT, refT, kindT)
	for i, m := range ms {
		m.Ordinal = i
	}
	pkg.Interfaces = []*annotate.Interface{{Name: "Svc", Pos: pos(10), Methods: ms}}
	pkg.Structs = []*annotate.Struct{opts, ref}
	pkg.Enums = []*annotate.Enum{kindEnum}
	return pkg
}

var (
	tInt32  = func() *annotate.Type { return scalar(annotate.KindInt32, "int32") }
	tInt64  = func() *annotate.Type { return scalar(annotate.KindInt64, "int64") }
	tString = func() *annotate.Type { return scalar(annotate.KindString, "string") }
	tBool   = func() *annotate.Type { return scalar(annotate.KindBool, "bool") }
)

// svcV1 is the first version.
func svcV1() *annotate.Package {
	return svcModel(func(opts, ref, kind *annotate.Type) []*annotate.Method {
		return []*annotate.Method{
			meth("Get", 11, fs(field("X", tInt32(), 11), field("Y", tString(), 11)), fs(field("Ok", tBool(), 11))),
			meth("Drop", 12, nil, nil),
			meth("Put", 13, fs(field("Opt", optional(scalar(annotate.KindInt16, "int16")), 13), field("O", opts, 13)), nil),
		}
	}, func(opts, ref, kind *annotate.Type) []*annotate.Field {
		return fs(
			field("P", tInt32(), 81),
			field("Q", optional(tInt64()), 82),
			field("R", tString(), 83),
			field("K", kind, 84),
			field("Ref", ref, 85),
		)
	})
}

// svcV2 edits svcV1: a method inserted first, Get renamed with was= and
// its parameters reordered, renamed, added and removed, Drop removed;
// in Opts a field inserted first, Q renamed with was=, R, K and Ref
// removed.
func svcV2() *annotate.Package {
	return svcModel(func(opts, ref, kind *annotate.Type) []*annotate.Method {
		fetch := meth("Fetch", 11, fs(field("Z", tInt64(), 11), field("Y", tString(), 11), was(field("W", tInt32(), 11), "x")), fs(field("Ok", tBool(), 11)))
		fetch.Was = "Get"
		return []*annotate.Method{
			meth("First", 10, nil, nil),
			meth("Put", 13, fs(field("O", opts, 13), field("Opt", optional(scalar(annotate.KindInt16, "int16")), 13)), nil),
			fetch,
		}
	}, func(opts, ref, kind *annotate.Type) []*annotate.Field {
		return fs(
			field("N", tBool(), 80),
			field("P", tInt32(), 81),
			was(field("Q2", optional(tInt64()), 82), "q"),
		)
	})
}

// lockOf renders pkg and parses the result: the lock a generation leaves.
func lockOf(t *testing.T, pkg *annotate.Package) *Schema {
	t.Helper()
	text, err := schema.Text(pkg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := schema.Request(pkg); err != nil {
		t.Fatal(err)
	}
	s, err := Parse("svc.capnp", text)
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	return s
}

func TestApplyEdits(t *testing.T) {
	lock1 := lockOf(t, svcV1())
	pkg := svcV2()
	if err := Apply(pkg, lock1); err != nil {
		t.Fatal(err)
	}
	want := `package example.com/svc (svc) → example.com/svc/svcipc (svcipc)
interface Svc  svc.go:10:2
  method first @3 go:First [ctx error]  svc.go:10:2
  method put @2 go:Put [ctx error]  svc.go:13:2
    param o @2 :Opts go:O  svc.go:13:2
    param opt @0 :Optional(Int16) (hasOpt @1) go:Opt  svc.go:13:2
  method fetch @0 go:Fetch [ctx error was=Get]  svc.go:11:2
    param z @2 :Int64 go:Z  svc.go:11:2
    param y @1 :Text go:Y  svc.go:11:2
    param w @0 :Int32 go:W was=x  svc.go:11:2
    result ok @0 :Bool go:Ok  svc.go:11:2
  method dropRetired1 @1 go: [retired]  -
    # Retired: was drop, removed from the Go source. The ordinal is never reused; servers answer "unimplemented".
struct Opts go:example.com/svc.Opts  svc.go:80:2
  field n @6 :Bool go:N  svc.go:80:2
  field p @0 :Int32 go:P  svc.go:81:2
  field q2 @1 :Optional(Int64) (hasQ2 @2) go:Q2 was=q  svc.go:82:2
  field rRetired3 @3 :AnyPointer retired  -
    # Retired: was r, removed from the Go source. The ordinal is never reused.
  field kRetired4 @4 :UInt16 retired  -
    # Retired: was k, removed from the Go source. The ordinal is never reused.
  field refRetired5 @5 :AnyPointer retired  -
    # Retired: was ref, removed from the Go source. The ordinal is never reused.
struct Ref go:example.com/svc.Ref  svc.go:90:2
  field hash @0 :Data go:Hash  svc.go:91:2
enum Kind go:example.com/svc.Kind (int)  -
  kindA = 0 go:KindA  -
  kindB = 1 go:KindB  -
`
	if diff := gocmp.Diff(want, pkg.Dump()); diff != "" {
		t.Errorf("Apply (-want +got):\n%s", diff)
	}

	// Applying again changes nothing.
	if err := Apply(pkg, lock1); err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff(want, pkg.Dump()); diff != "" {
		t.Errorf("second Apply (-want +got):\n%s", diff)
	}

	// The next generation reads the lock this one writes: the same
	// ordinals, the placeholders keep their names and docs.
	lock2 := lockOf(t, pkg)
	again := svcV2()
	if err := Apply(again, lock2); err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff(want, again.Dump()); diff != "" {
		t.Errorf("Apply of the regenerated lock (-want +got):\n%s", diff)
	}
	text2, _ := schema.Text(pkg)
	text3, _ := schema.Text(again)
	if diff := gocmp.Diff(string(text2), string(text3)); diff != "" {
		t.Errorf("the schema changed between two generations (-first +second):\n%s", diff)
	}
}

// TestApplyNewDeclarations: an interface or struct the lock does not
// declare keeps source order; one the Go code dropped is simply gone.
func TestApplyNewDeclarations(t *testing.T) {
	lock1 := lockOf(t, svcV1())
	lock1.Interfaces[0].Name = "Other"
	lock1.Structs[0].Name = "Gone"
	pkg := svcV2()
	want := svcV2().Dump()
	if err := Apply(pkg, lock1); err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff(want, pkg.Dump()); diff != "" {
		t.Errorf("Apply (-source order +got):\n%s", diff)
	}
}

// TestApplyReturnRemovedField: removing a field, regenerating, then adding
// a field of the same name gives it a new ordinal, never the retired one.
func TestApplyReturnRemovedField(t *testing.T) {
	v1 := svcV1()
	lock1 := lockOf(t, v1)
	v2 := svcV2()
	if err := Apply(v2, lock1); err != nil {
		t.Fatal(err)
	}
	lock2 := lockOf(t, v2)
	v3 := svcModel(func(opts, ref, kind *annotate.Type) []*annotate.Method {
		return []*annotate.Method{meth("Drop", 12, nil, nil)}
	}, func(opts, ref, kind *annotate.Type) []*annotate.Field {
		return fs(field("R", tString(), 83))
	})
	if err := Apply(v3, lock2); err != nil {
		t.Fatal(err)
	}
	if m := v3.Interfaces[0].Methods[0]; m.WireName != "drop" || m.Ordinal != 4 {
		t.Errorf("method drop is @%d, want @4 (after first @3)", m.Ordinal)
	}
	if f := v3.Structs[0].Fields[0]; f.WireName != "r" || f.Ordinal != 7 {
		t.Errorf("field r is @%d, want @7 (after n @6)", f.Ordinal)
	}
	if _, err := schema.Request(v3); err != nil {
		t.Fatal(err)
	}
}

func TestApplyErrors(t *testing.T) {
	lock1 := lockOf(t, svcV1())
	pkg := svcModel(func(opts, ref, kind *annotate.Type) []*annotate.Method {
		// Get keeps get; Other asks for it too.
		other := meth("Other", 20, nil, nil)
		other.Was = "Get"
		return []*annotate.Method{meth("Get", 11, nil, nil), other}
	}, func(opts, ref, kind *annotate.Type) []*annotate.Field {
		return fs(field("P", tInt32(), 81), was(field("S", tInt32(), 82), "p"))
	})
	// A method named like the placeholder of the removed drop @1.
	pkg.Interfaces[0].Methods = append(pkg.Interfaces[0].Methods, meth("DropRetired1", 21, nil, nil))
	err := Apply(pkg, lock1)
	if err == nil {
		t.Fatal("no error")
	}
	want := []string{
		"svc.go:20:2: interface Svc: method Other: was=Get asks for the ordinal @0 of the old method get, but method Get keeps it under that name; remove was=, or rename method Get",
		"svc.go:21:2: interface Svc: method DropRetired1: its wire name dropRetired1 is the name of the retired placeholder for the removed method drop @1; choose another name",
		"svc.go:82:2: struct Opts: field S: was=p asks for the ordinal @0 of the old field p, but field P keeps it under that name; remove was=, or rename field P",
	}
	if diff := gocmp.Diff(strings.Join(want, "\n"), err.Error()); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func TestApplyRetiredNameReused(t *testing.T) {
	v2 := svcV2()
	if err := Apply(v2, lockOf(t, svcV1())); err != nil {
		t.Fatal(err)
	}
	lock2 := lockOf(t, v2)
	pkg := svcV2()
	pkg.Structs[0].Fields = append(pkg.Structs[0].Fields, field("RRetired3", tString(), 86))
	err := Apply(pkg, lock2)
	want := "svc.go:86:2: struct Opts: field RRetired3: its wire name rRetired3 is the name of a retired placeholder in the schema lock svc.capnp, whose ordinal is never reused; choose another name"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v\nwant %s", err, want)
	}
}

// TestApplyPins: a pinned ordinal wins over the lock, a retired slot
// declared by //ipc:retired survives a lock that lacks it, and a method the
// pin displaces takes a new ordinal.
func TestApplyPins(t *testing.T) {
	old, err := Parse("svc.capnp", []byte(Header+`

@0xe0b4c5d7a2f31968;

interface Svc @0xd9e0b1c2a3f40516 {
  a @0 () -> ();
  b @1 () -> ();
}
`))
	if err != nil {
		t.Fatal(err)
	}
	a := &annotate.Method{Name: "A", WireName: "a", Pos: pos(3)}
	b := &annotate.Method{Name: "B", WireName: "b", Pos: pos(4)}
	c := &annotate.Method{Name: "C", WireName: "c", Pos: pos(5), Ordinal: 1, Pinned: true}
	gone := &annotate.Method{WireName: "old3", Ordinal: 3, Pinned: true, Retired: true, Doc: "Retired: old, declared by //ipc:retired."}
	pkg := &annotate.Package{Path: "example.com/svc", Name: "svc", IPCName: "svcipc", IPCPath: "example.com/svc/svcipc",
		Interfaces: []*annotate.Interface{{Name: "Svc", Pos: pos(2), Methods: []*annotate.Method{a, b, c, gone}}}}
	if err := Apply(pkg, old); err != nil {
		t.Fatal(err)
	}
	got := make(map[string]int)
	for _, m := range pkg.Interfaces[0].Methods {
		got[m.WireName] = m.Ordinal
	}
	want := map[string]int{"a": 0, "c": 1, "b": 2, "old3": 3}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("ordinals (-want +got):\n%s", diff)
	}
	text, err := schema.Text(pkg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), "old3 @3 () -> ();") {
		t.Errorf("the retired slot is not in the schema:\n%s", text)
	}
}

// TestApplyRestoreRetired: a removed method or field comes back onto its
// retired slot when was= names the placeholder or the name it had.
func TestApplyRestoreRetired(t *testing.T) {
	v2 := svcV2()
	if err := Apply(v2, lockOf(t, svcV1())); err != nil {
		t.Fatal(err)
	}
	lock2 := lockOf(t, v2) // dropRetired1 @1; rRetired3 @3, kRetired4 @4
	for _, tc := range []struct{ methodWas, fieldWas string }{
		{"DropRetired1", "rRetired3"},
		{"dropRetired1", "r"},
		{"Drop", "r"}, // annotate rejects was= naming the method itself; the lock does not care
	} {
		v3 := svcModel(func(opts, ref, kind *annotate.Type) []*annotate.Method {
			drop := meth("Drop", 12, nil, nil)
			drop.Was = tc.methodWas
			return []*annotate.Method{drop}
		}, func(opts, ref, kind *annotate.Type) []*annotate.Field {
			return fs(was(field("R", tString(), 83), tc.fieldWas))
		})
		// Method was= is a Go name; annotate.MemberName lowers it.
		if err := Apply(v3, lock2); err != nil {
			t.Fatal(err)
		}
		if m := v3.Interfaces[0].Methods[0]; m.WireName != "drop" || m.Ordinal != 1 {
			t.Errorf("was=%s: method drop is @%d, want its retired @1", tc.methodWas, m.Ordinal)
		}
		if f := v3.Structs[0].Fields[0]; f.WireName != "r" || f.Ordinal != 3 {
			t.Errorf("was=%s: field r is @%d, want its retired @3", tc.fieldWas, f.Ordinal)
		}
		for _, m := range v3.Interfaces[0].Methods {
			if m.WireName == "dropRetired1" {
				t.Errorf("was=%s: the placeholder dropRetired1 is still there", tc.methodWas)
			}
		}
	}
}

func TestMatch(t *testing.T) {
	old := []Member{
		{Name: "get", Ordinal: 0},
		{Name: "dropRetired1", Ordinal: 1, Retired: true},
		{Name: "put", Ordinal: 2},
		{Name: "list", Ordinal: 3},
	}
	cur := []Member{
		{Name: "fetch", Was: "get"},      // renamed: get
		{Name: "put"},                    // same name
		{Name: "drop", Was: "drop"},      // restored by its former name
		{Name: "entries", Was: "put"},    // put keeps its name: new
		{Name: "listAll", Was: "list"},   // renamed: list
		{Name: "other", Was: "list"},     // list already taken: new
		{Name: "gone", Retired: true},    // placeholders never match
		{Name: "x", Was: "dropRetired1"}, // the slot was restored by drop
	}
	got := Match(old, cur)
	want := []int{0, 2, 1, -1, 3, -1, -1, -1}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("Match (-want +got):\n%s", diff)
	}
}
