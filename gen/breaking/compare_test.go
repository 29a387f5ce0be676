package breaking

import (
	"fmt"
	"go/token"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ifacegen/ifacegen/annotate"
	"github.com/ifacegen/ifacegen/gen/lock"
)

// clause is the package clause position every test package has.
var clause = token.Position{Filename: "p.go", Line: 1, Column: 9}

// parse reads a schema body (declarations, using lines) as gen/schema
// writes it, through the lock's parser.
func parse(t *testing.T, body string) *lock.Schema {
	t.Helper()
	src := lock.Header + "\n# Source: example.com/p\n\n@0xe0f1e2d3c4b5a697;\n\nusing Go = import \"/go.capnp\";\n" + body
	s, err := lock.Parse("p.capnp", []byte(src))
	if err != nil {
		t.Fatalf("parsing the test schema: %v\n%s", err, src)
	}
	return s
}

// summary renders findings as "file:line:col: rule" lines.
func summary(findings []Finding) []string {
	var out []string
	for _, f := range findings {
		out = append(out, fmt.Sprintf("%s: %s", f.Pos, f.Rule))
	}
	return out
}

func comparePkg(t *testing.T, oldBody, newBody string, model *annotate.Package) []Finding {
	t.Helper()
	return Compare([]*Package{{
		Path:         "example.com/p",
		SchemaImport: "/example.com/p/pipc/p.capnp",
		Clause:       clause,
		Model:        model,
		Old:          parse(t, oldBody),
		New:          parse(t, newBody),
	}})
}

const greeter = `
interface Greeter @0xd5b2c1a0f9e8d7c6 {
  greet @0 (name :Text, times :Int32) -> (result :Text);
  count @1 () -> (result :Int64);
}

struct Ref @0xc1d2e3f4a5b6c7d8 {
  hash @0 :Data;
  height @1 :Int32;
  tags @2 :List(Int32);
}

struct Tag @0xc1d2e3f4a5b6c7d9 {
  value @0 :Int32;
  note @1 :Text;
}

enum Kind @0xf1d2e3f4a5b6c7d8 {
  full @0;
  header @1;
  body @2;
}
`

func TestCompare(t *testing.T) {
	tests := []struct {
		name     string
		old, new string // "" is greeter
		want     []string
	}{
		{name: "unchanged"},
		{
			name: "safe changes",
			new: `
interface Greeter @0xd5b2c1a0f9e8d7c6 {
  # Greeter has a new doc comment.

  greet @0 (name :Text, times :Int32) -> (result :Text, extra :Bool);
  # A new result is safe.

  countRetired1 @1 () -> ();
  # Retired: was count, removed from the Go source.

  fresh @2 () -> ();
}

interface Added @0xd5b2c1a0f9e8d7c7 {
  x @0 () -> ();
}

struct Ref @0xc1d2e3f4a5b6c7d8 {
  hashRetired0 @0 :AnyPointer;
  # Retired: was hash, removed from the Go source. The ordinal is never reused.

  height @1 :Int32;
  tags @2 :List(Tag);
  added @3 :Text;
}

struct Tag @0xc1d2e3f4a5b6c7d9 {
  value @0 :Int32;
  note @1 :Text;
}

enum Kind @0xf1d2e3f4a5b6c7d8 {
  full @0;
  headerOnly @1;
  body @2;
  more @3;
}
`,
		},
		{
			name: "method removed",
			new: `
interface Greeter @0xd5b2c1a0f9e8d7c6 {
  greet @0 (name :Text, times :Int32) -> (result :Text);
}`,
			want: []string{"p.go:1:9: method-removed"},
		},
		{
			name: "methods swapped",
			new:  strings.Replace(strings.Replace(greeter, "greet @0", "greet @1", 1), "count @1", "count @0", 1),
			want: []string{"p.go:1:9: method-ordinal-changed", "p.go:1:9: method-ordinal-changed"},
		},
		{
			name: "method renamed without was",
			new:  strings.Replace(greeter, "count @1", "total @1", 1),
			want: []string{"p.go:1:9: method-renamed"},
		},
		{
			name: "removed method's ordinal reused",
			old: `
interface Greeter @0xd5b2c1a0f9e8d7c6 {
  greet @0 (name :Text) -> ();
  countRetired1 @1 () -> ();
  # Retired: was count, removed from the Go source.
}`,
			new: `
interface Greeter @0xd5b2c1a0f9e8d7c6 {
  greet @0 (name :Text) -> ();
  total @1 () -> ();
}`,
			want: []string{"p.go:1:9: method-ordinal-reused"},
		},
		{
			name: "inserted first without the lock",
			new: `
interface Greeter @0xd5b2c1a0f9e8d7c6 {
  first @0 () -> ();
  greet @1 (name :Text, times :Int32) -> (result :Text);
  count @2 () -> (result :Int64);
}` + greeter[strings.Index(greeter, "struct Ref"):],
			want: []string{"p.go:1:9: method-ordinal-changed", "p.go:1:9: method-ordinal-changed"},
		},
		{
			name: "interface ID changed",
			new:  strings.Replace(greeter, "@0xd5b2c1a0f9e8d7c6", "@0xd5b2c1a0f9e8d7c5", 1),
			want: []string{"p.go:1:9: interface-id-changed"},
		},
		{
			name: "interface renamed with its ID pinned",
			new:  strings.Replace(greeter, "interface Greeter", "interface Welcomer", 1),
		},
		{
			name: "interface renamed without a pin",
			new:  strings.Replace(greeter, "interface Greeter @0xd5b2c1a0f9e8d7c6", "interface Welcomer @0xd5b2c1a0f9e8d7c5", 1),
			want: []string{"p.go:1:9: interface-removed"},
		},
		{
			name: "base removed",
			old: `
interface Base @0xd5b2c1a0f9e8d7c1 {
  ping @0 () -> ();
}
interface Derived @0xd5b2c1a0f9e8d7c2 extends(Base) {
  get @0 () -> ();
}`,
			new: `
interface Base @0xd5b2c1a0f9e8d7c1 {
  ping @0 () -> ();
}
interface Derived @0xd5b2c1a0f9e8d7c2 {
  get @0 () -> ();
}`,
			want: []string{"p.go:1:9: interface-base-removed"},
		},
		{
			name: "base renamed with its ID pinned",
			old: `
interface Base @0xd5b2c1a0f9e8d7c1 {
  ping @0 () -> ();
}
interface Derived @0xd5b2c1a0f9e8d7c2 extends(Base) {
  get @0 () -> ();
}`,
			new: `
interface Root @0xd5b2c1a0f9e8d7c1 {
  ping @0 () -> ();
}
interface Derived @0xd5b2c1a0f9e8d7c2 extends(Root) {
  get @0 () -> ();
}`,
		},
		{
			name: "parameter type changed",
			new:  strings.Replace(greeter, "times :Int32", "times :Int64", 1),
			want: []string{"p.go:1:9: field-type-changed"},
		},
		{
			name: "result type changed",
			new:  strings.Replace(greeter, "(result :Int64)", "(result :UInt64)", 1),
			want: []string{"p.go:1:9: field-type-changed"},
		},
		{
			name: "struct field type changed",
			new:  strings.Replace(greeter, "height @1 :Int32", "height @1 :Int64", 1),
			want: []string{"p.go:1:9: field-type-changed"},
		},
		{
			name: "parameter default added",
			new:  strings.Replace(greeter, "times :Int32", "times :Int32 = 1", 1),
			want: []string{"p.go:1:9: field-default-changed"},
		},
		{
			name: "struct field default changed",
			old:  strings.Replace(greeter, "height @1 :Int32", "height @1 :Int32 = 5", 1),
			new:  strings.Replace(greeter, "height @1 :Int32", "height @1 :Int32 = 6 $Go.name(\"h\")", 1),
			want: []string{"p.go:1:9: field-default-changed"},
		},
		{
			name: "list upgraded to a struct whose first field has the element type",
			new:  strings.Replace(greeter, "tags @2 :List(Int32)", "tags @2 :List(Tag)", 1),
		},
		{
			name: "list changed to a struct whose first field has another type",
			new:  strings.Replace(greeter, "tags @2 :List(Int32)", "tags @2 :List(Ref)", 1),
			want: []string{"p.go:1:9: field-type-changed"},
		},
		{
			name: "parameter added",
			new:  strings.Replace(greeter, "times :Int32)", "times :Int32, loud :Bool)", 1),
			want: []string{"p.go:1:9: param-added"},
		},
		{
			name: "parameter removed",
			new:  strings.Replace(greeter, "(name :Text, times :Int32)", "(name :Text)", 1),
			want: []string{"p.go:1:9: field-removed"},
		},
		{
			name: "parameter retired",
			new:  strings.Replace(greeter, "(name :Text, times :Int32)", "(name :Text, timesRetired1 :Int32)", 1),
		},
		{
			name: "parameters swapped",
			new:  strings.Replace(greeter, "(name :Text, times :Int32)", "(times :Int32, name :Text)", 1),
			want: []string{"p.go:1:9: field-ordinal-changed", "p.go:1:9: field-ordinal-changed"},
		},
		{
			name: "struct field removed",
			new:  strings.Replace(greeter, "  tags @2 :List(Int32);\n", "", 1),
			want: []string{"p.go:1:9: field-removed"},
		},
		{
			name: "struct field renamed without was",
			new:  strings.Replace(greeter, "height @1", "depth @1", 1),
			want: []string{"p.go:1:9: field-renamed"},
		},
		{
			name: "struct field inserted first without the lock",
			new:  strings.Replace(strings.Replace(strings.Replace(greeter, "tags @2", "tags @3", 1), "height @1", "height @2", 1), "hash @0 :Data;", "first @0 :Bool;\n  hash @1 :Data;", 1),
			want: []string{"p.go:1:9: field-ordinal-changed", "p.go:1:9: field-ordinal-changed", "p.go:1:9: field-ordinal-changed"},
		},
		{
			name: "enum value removed",
			new:  strings.Replace(strings.Replace(greeter, "  header @1;\n", "", 1), "body @2", "body @1", 1),
			want: []string{"p.go:1:9: enum-value-removed", "p.go:1:9: enum-value-renumbered"},
		},
		{
			name: "last enum value removed",
			new:  strings.Replace(greeter, "  body @2;\n", "", 1),
			want: []string{"p.go:1:9: enum-value-removed"},
		},
		{
			name: "unused struct and enum removed",
			new:  greeter[:strings.Index(greeter, "struct Ref")],
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old, new := tt.old, tt.new
			if old == "" {
				old = greeter
			}
			if new == "" {
				new = greeter
			}
			got := summary(comparePkg(t, old, new, nil))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCompareModel checks what Compare reads from the current model: Go
// positions and names, was= renames, optional parameters.
func TestCompareModel(t *testing.T) {
	pos := func(line, col int) token.Position {
		return token.Position{Filename: "greet.go", Line: line, Column: col}
	}
	model := func() *annotate.Package {
		return &annotate.Package{
			Path: "example.com/p",
			Name: "p",
			Interfaces: []*annotate.Interface{{
				Name: "Greeter",
				Pos:  pos(5, 6),
				Methods: []*annotate.Method{
					{Name: "Greet", WireName: "greet", Pos: pos(6, 2), Params: []*annotate.Field{
						{GoName: "name", WireName: "name", Pos: pos(6, 29), Type: &annotate.Type{Kind: annotate.KindString}},
						{GoName: "times", WireName: "times", Pos: pos(6, 42), Type: &annotate.Type{Kind: annotate.KindInt32}},
						{GoName: "loud", WireName: "loud", Pos: pos(6, 55), Type: &annotate.Type{Kind: annotate.KindOptional, Elem: &annotate.Type{Kind: annotate.KindBool}}, HasWireName: "hasLoud"},
					}},
					{Name: "Total", WireName: "total", Pos: pos(7, 2), Was: "Count"},
				},
			}},
			Structs: []*annotate.Struct{{
				Name: "Ref", Pos: pos(10, 6), Fields: []*annotate.Field{
					{GoName: "Hash", WireName: "hash", Pos: pos(11, 2), Type: &annotate.Type{Kind: annotate.KindBytes}},
					{GoName: "Depth", WireName: "depth", Pos: pos(12, 2), Was: "height", Type: &annotate.Type{Kind: annotate.KindInt32}},
					{GoName: "Tags", WireName: "tags", Pos: pos(13, 2), Type: &annotate.Type{Kind: annotate.KindInt64}},
				},
			}},
			Enums: []*annotate.Enum{{
				Name: "Kind", Pos: pos(20, 6), Enumerants: []*annotate.Enumerant{
					{GoName: "KindFull", WireName: "full", Pos: pos(22, 2)},
					{GoName: "KindBody", WireName: "body", Pos: pos(23, 2), Value: 1},
				},
			}},
		}
	}

	t.Run("renames with was and an optional parameter are safe", func(t *testing.T) {
		new := strings.NewReplacer(
			"count @1", "total @1",
			"height @1", "depth @1",
			"times :Int32)", "times :Int32, loud :Bool, hasLoud :Bool)",
		).Replace(greeter)
		got := comparePkg(t, greeter, new, model())
		if diff := cmp.Diff([]string(nil), summary(got)); diff != "" {
			t.Errorf("findings (-want +got):\n%s", diff)
		}
	})

	t.Run("positions and messages", func(t *testing.T) {
		new := strings.NewReplacer(
			"count @1", "total @1",
			"(name :Text, times :Int32)", "(times :Int64, name :Text)",
			"tags @2 :List(Int32)", "tags @2 :List(Int64)",
			"  header @1;\n  body @2;\n", "  body @1;\n",
		).Replace(greeter)
		m := model()
		m.Interfaces[0].Methods[1].Was = "" // total is not count renamed
		got := comparePkg(t, greeter, new, m)
		var lines []string
		for _, f := range got {
			lines = append(lines, fmt.Sprintf("%s: %s: %s [%s]", f.Pos, f.Rule, f.Message, f.Package))
		}
		want := []string{
			"greet.go:6:29: field-ordinal-changed: parameter name of method Greeter.Greet moved from @0 to @1, so old peers' values land in another parameter; regenerate with the committed schema in place, which keeps @0 [example.com/p]",
			"greet.go:6:42: field-ordinal-changed: parameter times of method Greeter.Greet moved from @1 to @0, so old peers' values land in another parameter; regenerate with the committed schema in place, which keeps @1 [example.com/p]",
			"greet.go:6:42: field-type-changed: parameter times of method Greeter.Greet changed its wire type from Int32 to Int64, so old peers misread it; keep the old type, or give the new type a new name (the lock then retires the old parameter and gives the new one a new ordinal) [example.com/p]",
			"greet.go:7:2: method-renamed: method Greeter.Total took @1, which was count's, without //ipc:method was=Count, so old callers of count now call it; if it is count renamed, add //ipc:method was=Count, otherwise regenerate with the committed schema in place to give it a new ordinal [example.com/p]",
			"greet.go:13:2: field-type-changed: field Tags of struct Ref changed its wire type from List(Int32) to List(Int64), so old peers misread it; keep the old type, or give the new type a new name (the lock then retires the old field and gives the new one a new ordinal) [example.com/p]",
			"greet.go:20:6: enum-value-removed: enum value Kind.header (1) was removed, so a 1 from an old peer reads as another value or an unknown one; keep the constant (the wire value is the Go constant's value) [example.com/p]",
			"greet.go:23:2: enum-value-renumbered: enum value KindBody changed from 2 to 1, so old peers read it as another value; keep the constants in their order and add new ones after the last [example.com/p]",
		}
		if diff := cmp.Diff(want, lines); diff != "" {
			t.Errorf("findings (-want +got):\n%s", diff)
		}
	})

	t.Run("a removed method restored onto its retired slot", func(t *testing.T) {
		old := strings.Replace(greeter, "count @1 () -> (result :Int64);", "countRetired1 @1 () -> ();\n  # Retired: was count, removed from the Go source.", 1)
		new := strings.Replace(greeter, "count @1", "total @1", 1)
		for _, tc := range []struct {
			was  string
			want []string
		}{
			{"CountRetired1", nil},
			{"Count", nil},
			{"", []string{"greet.go:7:2: method-ordinal-reused"}},
		} {
			m := model()
			m.Interfaces[0].Methods[1].Was = tc.was
			got := comparePkg(t, old, new, m)
			if diff := cmp.Diff(tc.want, summary(got)); diff != "" {
				t.Errorf("was=%q: findings (-want +got):\n%s", tc.was, diff)
			}
		}
	})

	t.Run("a new parameter that is not optional", func(t *testing.T) {
		new := strings.Replace(greeter, "times :Int32)", "times :Int32, loud :Bool)", 1)
		m := model()
		m.Interfaces[0].Methods[0].Params[2] = &annotate.Field{GoName: "loud", WireName: "loud", Pos: pos(6, 55), Type: &annotate.Type{Kind: annotate.KindBool}}
		got := comparePkg(t, greeter, new, m)
		if diff := cmp.Diff([]string{"greet.go:6:55: param-added"}, summary(got)); diff != "" {
			t.Errorf("findings (-want +got):\n%s", diff)
		}
	})
}

// TestCompareAcrossPackages checks the findings that depend on more than
// one package: types another package's schema still imports, and a
// package that no longer declares anything.
func TestCompareAcrossPackages(t *testing.T) {
	base := `
struct Ref @0xc1d2e3f4a5b6c7d8 {
  height @0 :Int32;
}

enum Kind @0xf1d2e3f4a5b6c7d8 {
  full @0;
}

interface Source @0xd5b2c1a0f9e8d7c6 {
  get @0 () -> (ref :Ref, kind :Kind);
}
`
	user := `
using Base = import "/example.com/base/baseipc/base.capnp";

interface Pool @0xd5b2c1a0f9e8d7c1 {
  submit @0 (ref :Base.Ref, kind :Base.Kind) -> ();
}
`
	basePkg := func(newBody string) *Package {
		p := &Package{
			Path:         "example.com/base",
			SchemaImport: "/example.com/base/baseipc/base.capnp",
			Clause:       token.Position{Filename: "base/base.go", Line: 1, Column: 9},
			Old:          parse(t, base),
		}
		if newBody != "" {
			p.New = parse(t, newBody)
		}
		return p
	}
	userPkg := &Package{
		Path:         "example.com/user",
		SchemaImport: "/example.com/user/useripc/user.capnp",
		Clause:       token.Position{Filename: "user/user.go", Line: 1, Column: 9},
		Old:          parse(t, user),
		New:          parse(t, strings.ReplaceAll(user, "Base", "B")), // another alias, the same types
	}

	got := summary(Compare([]*Package{basePkg(`
interface Source @0xd5b2c1a0f9e8d7c6 {
  get @0 () -> ();
}`), userPkg}))
	want := []string{
		"base/base.go:1:9: enum-removed",
		"base/base.go:1:9: field-removed",
		"base/base.go:1:9: field-removed",
		"base/base.go:1:9: struct-removed",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}

	// The package declares nothing any more: its interface is gone.
	got = summary(Compare([]*Package{basePkg(""), userPkg}))
	want = []string{"base/base.go:1:9: enum-removed", "base/base.go:1:9: interface-removed", "base/base.go:1:9: struct-removed"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}

	// A struct of base became an interface of the same name: user's
	// parameter changed its type, though its spelling did not.
	got = nil
	for _, f := range Compare([]*Package{basePkg(`
enum Kind @0xf1d2e3f4a5b6c7d8 {
  full @0;
}

interface Ref @0xc1d2e3f4a5b6c7d8 {
  height @0 () -> (result :Int32);
}

interface Source @0xd5b2c1a0f9e8d7c6 {
  get @0 () -> (ref :Ref, kind :Kind);
}`), userPkg}) {
		got = append(got, fmt.Sprintf("%s: %s: %s", f.Pos, f.Rule, f.Message))
	}
	want = []string{
		"base/base.go:1:9: field-type-changed: result ref of method Source.get changed its wire type from struct Ref to interface Ref, so old peers misread it; keep the old type, or give the new type a new name (the lock then retires the old result and gives the new one a new ordinal)",
		"user/user.go:1:9: field-type-changed: parameter ref of method Pool.submit changed its wire type from struct Base.Ref to interface B.Ref, so old peers misread it; keep the old type, or give the new type a new name (the lock then retires the old parameter and gives the new one a new ordinal)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}

	// No baseline: a new package, nothing to compare.
	p := basePkg(base)
	p.Old = nil
	if got := Compare([]*Package{p}); len(got) != 0 {
		t.Errorf("findings without a baseline: %v", got)
	}
}

func TestRulesDocumented(t *testing.T) {
	data, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for _, r := range Rules {
		if !strings.Contains(doc, "//\t"+r+" ") {
			t.Errorf("rule %s is not in the rule table of doc.go", r)
		}
	}
}

// TestCompareKindChanged checks that a struct replaced by an interface of
// the same name is a type change where it is used, and nothing else.
func TestCompareKindChanged(t *testing.T) {
	old := `
interface Source @0xd5b2c1a0f9e8d7c6 {
  get @0 () -> (result :Block);
}

struct Block @0xc1d2e3f4a5b6c7d8 {
  height @0 :Int32;
}
`
	new := `
interface Source @0xd5b2c1a0f9e8d7c6 {
  get @0 () -> (result :Block);
}

interface Block @0xc1d2e3f4a5b6c7d8 {
  height @0 () -> (result :Int32);
}
`
	var got []string
	for _, f := range comparePkg(t, old, new, nil) {
		got = append(got, fmt.Sprintf("%s: %s: %s", f.Pos, f.Rule, f.Message))
	}
	want := []string{
		"p.go:1:9: field-type-changed: result result of method Source.get changed its wire type from struct Block to interface Block, so old peers misread it; keep the old type, or give the new type a new name (the lock then retires the old result and gives the new one a new ordinal)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

// TestCompareRestore: findings whose fix is to regenerate from the
// baseline's lock name the command that puts it back.
func TestCompareRestore(t *testing.T) {
	moved := strings.NewReplacer("greet @0", "greet @1", "count @1", "count @0").Replace(greeter)
	got := Compare([]*Package{{
		Path: "example.com/p", SchemaImport: "/example.com/p/pipc/p.capnp", Clause: clause,
		Old: parse(t, greeter), New: parse(t, moved),
		Restore: "git checkout origin/main -- pipc/p.capnp",
	}})
	if len(got) == 0 {
		t.Fatal("no findings")
	}
	for _, f := range got {
		if !strings.Contains(f.Message, "put the baseline schema back (git checkout origin/main -- pipc/p.capnp) and regenerate") || strings.Contains(f.Message, inPlace) {
			t.Errorf("%s: %s does not name the restore command", f.Rule, f.Message)
		}
	}
}
