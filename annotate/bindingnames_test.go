package annotate

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// capnpcGoDir returns the directory of capnpc-go in the capnp module this
// module builds with, skipping the test when it is not at hand.
func capnpcGoDir(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "capnproto.org/go/capnp/v3").Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Skipf("the source of capnproto.org/go/capnp/v3 is not in the module cache (%v)", err)
	}
	return filepath.Join(dir, "capnpc-go")
}

// methodsIn returns the sorted names of the methods the template file
// declares on receivers written as recv (a regexp).
func methodsIn(t *testing.T, file, recv string) []string {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`func \(` + recv + `\) (\w+)\(`)
	var names []string
	for _, m := range re.FindAllStringSubmatch(string(src), -1) {
		if !slices.Contains(names, m[1]) {
			names = append(names, m[1])
		}
	}
	slices.Sort(names)
	return names
}

func keys(m map[string]bool) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// TestBindingMethodsMatchCapnpcGo reads the method sets the collision
// checks rely on from capnpc-go's own templates, so that a capnp upgrade
// that adds a method fails here rather than in a user's build.
func TestBindingMethodsMatchCapnpcGo(t *testing.T) {
	dir := capnpcGoDir(t)
	templates := filepath.Join(dir, "templates")

	client := methodsIn(t, filepath.Join(templates, "interfaceClient"), `(?:c )?\{\{\$\.Node\.Name\}\}`)
	if diff := cmp.Diff(keys(clientMethods), client); diff != "" {
		t.Errorf("clientMethods differ from templates/interfaceClient (-ours +capnpc-go):\n%s", diff)
	}

	var structs []string
	for _, f := range []string{"baseStructFuncs", "structFuncs"} {
		structs = append(structs, methodsIn(t, filepath.Join(templates, f), `(?:s )?\{\{\.Node\.Name\}\}`)...)
	}
	slices.Sort(structs)
	if diff := cmp.Diff(keys(structMethods), structs); diff != "" {
		t.Errorf("structMethods differ from templates/baseStructFuncs and structFuncs (-ours +capnpc-go):\n%s", diff)
	}

	promise, err := os.ReadFile(filepath.Join(templates, "promise"))
	if err != nil {
		t.Fatal(err)
	}
	future := methodsIn(t, filepath.Join(templates, "promise"), `f \{\{\.Node\.Name\}\}_Future`)
	if !strings.Contains(string(promise), "_Future struct { *capnp.Future }") {
		t.Errorf("templates/promise no longer embeds *capnp.Future in X_Future:\n%s", promise)
	}
	if diff := cmp.Diff([]string{"Struct"}, future); diff != "" {
		t.Errorf("methods of X_Future in templates/promise (-ours +capnpc-go):\n%s", diff)
	}

	nodes, err := os.ReadFile(filepath.Join(dir, "nodes.go"))
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile(`(?s)var renameIdents = map\[string\]bool \{(.*?)\n\}`).FindSubmatch(nodes)
	if block == nil {
		t.Fatal("nodes.go has no renameIdents map")
	}
	var renamed []string
	for _, m := range regexp.MustCompile(`"(\w+)":\s*true`).FindAllSubmatch(block[1], -1) {
		renamed = append(renamed, string(m[1]))
	}
	slices.Sort(renamed)
	if diff := cmp.Diff(keys(renamedFields), renamed); diff != "" {
		t.Errorf("renamedFields differ from renameIdents in nodes.go (-ours +capnpc-go):\n%s", diff)
	}
}

// TestBindingMethods checks the methods generated per field kind.
func TestBindingMethods(t *testing.T) {
	i32 := &Type{Kind: KindInt32, Basic: "int32"}
	str := &Type{Kind: KindString, Basic: "string"}
	st := &Type{Kind: KindStruct, Struct: &Struct{Name: "S"}}
	for _, tc := range []struct {
		f    *Field
		want []string // "~Name" for a method on the _Future type
	}{
		{&Field{WireName: "n", Type: i32}, []string{"N", "SetN"}},
		{&Field{WireName: "s", Type: str}, []string{"S", "SetS", "HasS", "SBytes"}},
		{&Field{WireName: "d", Type: &Type{Kind: KindByteArray, Len: 4}}, []string{"D", "SetD", "HasD"}},
		{&Field{WireName: "l", Type: &Type{Kind: KindMap}}, []string{"L", "SetL", "HasL", "NewL"}},
		{&Field{WireName: "r", Type: &Type{Kind: KindOptional, Elem: st}}, []string{"R", "SetR", "HasR", "NewR", "~R"}},
		{&Field{WireName: "o", HasWireName: "hasO", Type: &Type{Kind: KindOptional, Elem: i32}}, []string{"O", "SetO", "HasO", "SetHasO"}},
		{&Field{WireName: "string", Type: str}, []string{"String_", "SetString_", "HasString_", "String_Bytes"}},
	} {
		var got []string
		for _, m := range bindingMethods(tc.f) {
			if m.future {
				got = append(got, "~"+m.name)
			} else {
				got = append(got, m.name)
			}
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("field %s: methods (-want +got):\n%s", tc.f.WireName, diff)
		}
	}
}
