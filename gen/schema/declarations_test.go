package schema

import (
	"strings"
	"testing"

	"github.com/ifacegen/ifacegen/annotate"
)

func TestDeclareRejects(t *testing.T) {
	for _, c := range []struct {
		name   string
		break_ func(pkg *annotate.Package)
		want   []string // substrings of the error, in order
	}{
		{
			"builtin struct name",
			func(pkg *annotate.Package) { pkg.Structs[0].Name = "Data" },
			[]string{`mining.go:10:1: struct name "Data" is reserved`},
		},
		{
			"our import alias",
			func(pkg *annotate.Package) { pkg.Interfaces[0].Name = "Go" },
			[]string{`mining.go:5:1: interface name "Go" is reserved`},
		},
		{
			"underscore in a type name",
			func(pkg *annotate.Package) { pkg.Structs[0].Name = "Block_Check" },
			[]string{`struct name "Block_Check" is not a Cap'n Proto type name`},
		},
		{
			"lower-case type name",
			func(pkg *annotate.Package) { pkg.Structs[0].Name = "blockCheck" },
			[]string{`struct name "blockCheck" is not a Cap'n Proto type name`},
		},
		{
			"two declarations, one name",
			func(pkg *annotate.Package) { pkg.Structs[1].Name = "Mining" },
			[]string{`struct name "Mining" is already declared in the schema (mining.go:5:1)`},
		},
		{
			"member name",
			func(pkg *annotate.Package) { pkg.Structs[0].Fields[0].WireName = "check_merkle" },
			[]string{`struct BlockCheckOptions: wire name "check_merkle" is not a Cap'n Proto member name`},
		},
		{
			"method ordinal gap",
			func(pkg *annotate.Package) { pkg.Interfaces[0].Methods[4].Ordinal = 5 },
			[]string{"interface Mining: method Interrupt has ordinal @5; the method ordinals must be 0…4"},
		},
		{
			"duplicate field ordinal",
			func(pkg *annotate.Package) { pkg.Structs[0].Fields[1].Ordinal = 0 },
			[]string{"struct BlockCheckOptions: field checkPow has ordinal @0; the ordinals must be 0…1"},
		},
		{
			"AnyPointer outside a placeholder",
			func(pkg *annotate.Package) {
				pkg.Structs[0].Fields[0].Type = &annotate.Type{Kind: annotate.KindAnyPointer}
			},
			[]string{"struct BlockCheckOptions: field checkMerkleRoot has the type AnyPointer, which only a retired placeholder has"},
		},
		{
			"retired field of a pointer type",
			func(pkg *annotate.Package) {
				pkg.Structs[0].Fields[0].Retired = true
				pkg.Structs[0].Fields[0].Type = tString()
			},
			[]string{"struct BlockCheckOptions: retired field checkMerkleRoot has the type Text; a placeholder is a scalar or AnyPointer"},
		},
		{
			"retired method with parameters",
			func(pkg *annotate.Package) { pkg.Interfaces[0].Methods[2].Retired = true },
			[]string{"interface Mining: retired method createNewBlock has a Go name, parameters or results; a placeholder has none"},
		},
		{
			"pinned ID without the high bit",
			func(pkg *annotate.Package) { pkg.Interfaces[0].ID = 0x1234 },
			[]string{"interface Mining: id=0x1234 lacks the high bit"},
		},
		{
			"pinned ID taken",
			func(pkg *annotate.Package) { pkg.Interfaces[0].ID = ChildID(FileID(pkg), "BlockRef") },
			[]string{"interface Mining and struct BlockRef have the same ID"},
		},
		{
			"unknown struct",
			func(pkg *annotate.Package) { pkg.Structs = pkg.Structs[1:] },
			[]string{`field opts: struct "BlockCheckOptions" is not in Package.Structs`},
		},
		{
			"optional scalar without has flag",
			func(pkg *annotate.Package) {
				pkg.Structs[0].Fields[0].Type = tOptional(tBool())
			},
			[]string{"optional scalar field checkMerkleRoot has no has flag"},
		},
		{
			"boxed field",
			func(pkg *annotate.Package) {
				b := box("OptionalBool", tBool())
				pkg.Structs = append(pkg.Structs, b)
				pkg.Structs[0].Fields[0].Type = tBoxed(tBool(), b)
			},
			[]string{"field checkMerkleRoot has a Box; only an optional list element is boxed"},
		},
		{
			"list element optional without a box",
			func(pkg *annotate.Package) {
				pkg.Structs[0].Fields[0].Type = tList(tOptional(tStruct(pkg.Structs[3])))
			},
			[]string{"field checkMerkleRoot: list element: optional without a Box"},
		},
		{
			"has flag on a non-scalar",
			func(pkg *annotate.Package) { pkg.Structs[0].Fields[0].HasWireName = "hasX" },
			[]string{"field checkMerkleRoot has a has flag hasX but is not an optional scalar"},
		},
		{
			"enum values out of order",
			func(pkg *annotate.Package) {
				e := enum(pkg, "Kind", "", "int", "A", "B")
				e.Enumerants[1].Value = 2
				pkg.Enums = append(pkg.Enums, e)
			},
			[]string{"enum Kind: constant KindB has value 2"},
		},
		{
			"every problem at once",
			func(pkg *annotate.Package) {
				pkg.Structs[0].Name = "List"
				pkg.Interfaces[0].Methods[0].WireName = "Upper"
				pkg.IPCName = "mining-ipc"
			},
			[]string{`output package name "mining-ipc"`, `struct name "List" is reserved`, `wire name "Upper"`},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			pkg := miningModel()
			c.break_(pkg)
			for _, render := range []func(*annotate.Package) ([]byte, error){Text, Request} {
				_, err := render(pkg)
				if err == nil {
					t.Fatal("no error")
				}
				msg := err.Error()
				rest := msg
				for _, w := range c.want {
					i := strings.Index(rest, w)
					if i < 0 {
						t.Fatalf("error %q does not contain %q (in this order: %q)", msg, w, c.want)
					}
					rest = rest[i+len(w):]
				}
			}
		})
	}
}

func TestDeclareRejectsImports(t *testing.T) {
	for _, c := range []struct {
		name   string
		break_ func(pkg *annotate.Package)
		want   string
	}{
		{
			"imported type without its package in Imports",
			func(pkg *annotate.Package) { pkg.Imports = nil },
			"is declared in the schema of example.com/x/base/baseipc, which is not in Package.Imports",
		},
		{
			"an import of itself",
			func(pkg *annotate.Package) { pkg.Imports = append(pkg.Imports, pkg) },
			"the schema of example.com/x/user imports itself",
		},
		{
			"an import listed twice",
			func(pkg *annotate.Package) { pkg.Imports = append(pkg.Imports, pkg.Imports[0]) },
			"Package.Imports lists example.com/x/base twice",
		},
		{
			"a broken imported model",
			func(pkg *annotate.Package) { pkg.Imports[0].Structs = pkg.Imports[0].Structs[1:] },
			`imported schema of example.com/x/base: interface BlockTemplate method Ref results: field result: struct "BlockRef" is not in Package.Structs`,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			pkg := crossModel()
			c.break_(pkg)
			_, err := declare(pkg)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("declare: %v\nwant an error containing %q", err, c.want)
			}
		})
	}
}

// TestScalarWhich checks that every scalar kind of annotate's table has
// the request tag of the capnp type the table names.
func TestScalarWhich(t *testing.T) {
	for k := annotate.KindInvalid; k <= annotate.KindAnyPointer; k++ {
		s, ok := annotate.ScalarOf(k)
		if !ok {
			if _, tagged := scalarWhich[k]; tagged {
				t.Errorf("scalarWhich has %v, which is not a scalar kind", k)
			}
			continue
		}
		which, ok := scalarWhich[k]
		if !ok {
			t.Errorf("scalarWhich has no tag for %v (%s)", k, s.Capnp)
			continue
		}
		if want := strings.ToLower(s.Capnp); which.String() != want {
			t.Errorf("scalarWhich[%v] = %v, want %s", k, which, want)
		}
	}
}
