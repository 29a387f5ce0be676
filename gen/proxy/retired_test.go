package proxy

import (
	"go/parser"
	"go/token"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ifacegen/ifacegen/annotate"
)

// retiredModel is miningModel after the schema lock kept placeholders for
// what was removed from the Go code: a method, a parameter, a result and a
// struct field of each slot kind.
func retiredModel() *annotate.Package {
	pkg := miningModel()
	m := pkg.Interfaces[0]
	checkBlock := m.Methods[3]
	checkBlock.Params = append(checkBlock.Params, &annotate.Field{
		WireName: "heightRetired2", Ordinal: 2, Retired: true, Doc: "was height Int32",
		Type: basic(annotate.KindInt32, ""),
	})
	checkBlock.Results = append(checkBlock.Results, &annotate.Field{
		WireName: "tipRetired3", Ordinal: 3, Retired: true, Doc: "was tip BlockRef",
		Type: &annotate.Type{Kind: annotate.KindAnyPointer},
	})
	m.Methods = append(m.Methods, &annotate.Method{
		WireName: "submitSolutionRetired5", Ordinal: 5, Retired: true, Doc: "was submitSolution",
	})
	var blockRef *annotate.Struct
	for _, s := range pkg.Structs {
		if s.Name == "BlockRef" {
			blockRef = s
		}
	}
	blockRef.Fields = append(blockRef.Fields,
		&annotate.Field{WireName: "workRetired3", Ordinal: 3, Retired: true, Type: &annotate.Type{Kind: annotate.KindAnyPointer}},
		&annotate.Field{WireName: "flagsRetired4", Ordinal: 4, Retired: true, Type: basic(annotate.KindUint16, "")},
	)
	return pkg
}

// Retired members are never read or written; a retired method has a
// server method that answers "unimplemented" and no client method.
func TestRetiredMembers(t *testing.T) {
	out, err := Generate(retiredModel())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parser.ParseFile(token.NewFileSet(), "mining_ipc.go", out, parser.AllErrors); err != nil {
		t.Fatalf("output does not parse: %v", err)
	}
	src := string(out)
	for _, absent := range []string{"HeightRetired2", "TipRetired3", "WorkRetired3", "FlagsRetired4",
		"(c *MiningClient) SubmitSolution", "(UnimplementedMining) SubmitSolution", "Mining_submitSolutionRetired5_Params"} {
		if strings.Contains(src, absent) {
			t.Errorf("output mentions %q", absent)
		}
	}
	want := `		case 5:
			return ipcimpl.Retired("mining.Mining.submitSolutionRetired5")
`
	if !strings.Contains(src, want) {
		t.Errorf("output lacks the retired method's case in Dispatch:\n%s", want)
	}
	// Apart from that case and the sizes of structs that gained
	// placeholders, the output is the one without placeholders.
	plain, err := Generate(miningModel())
	if err != nil {
		t.Fatal(err)
	}
	sizes := regexp.MustCompile(`capnp\.ObjectSize\{[^}]*\}`)
	if diff := cmp.Diff(sizes.ReplaceAllString(string(plain), "SIZE"), sizes.ReplaceAllString(strings.Replace(src, want, "", 1), "SIZE")); diff != "" {
		t.Errorf("retired members changed more than the retired method's case (-plain +retired):\n%s", diff)
	}
}

// A method whose every parameter and result was retired is called and
// served without arguments and results.
func TestAllParamsRetired(t *testing.T) {
	pkg := retiredModel()
	ping := &annotate.Method{Name: "Ping", WireName: "ping", Ordinal: 6, Context: true, Error: true,
		Params:  []*annotate.Field{{WireName: "argRetired0", Retired: true, Type: basic(annotate.KindInt64, "")}},
		Results: []*annotate.Field{{WireName: "resultRetired0", Retired: true, Type: &annotate.Type{Kind: annotate.KindAnyPointer}}}}
	pkg.Interfaces[0].Methods = append(pkg.Interfaces[0].Methods, ping)
	out, err := Generate(pkg)
	if err != nil {
		t.Fatal(err)
	}
	src := string(out)
	for _, s := range []string{
		"func (c *MiningClient) Ping(ctx context.Context) (err error) {\n\treturn ipcimpl.Call(ctx, c.c, &methodMiningPing, nil, nil)",
		"func (UnimplementedMining) Ping(context.Context) error {",
		"return ipcimpl.ServerError(s.impl.Ping(ctx))",
	} {
		if !strings.Contains(src, s) {
			t.Errorf("output lacks %q", s)
		}
	}
	for _, s := range []string{"writeMining_ping_Params", "readMining_ping_Results"} {
		if strings.Contains(src, s) {
			t.Errorf("output has %s, though every field is retired", s)
		}
	}
}
