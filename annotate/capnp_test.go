package annotate

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// These tests check, with the official compiler, the facts behind two
// naming decisions: Cap'n Proto keywords are fine as member names (so Go
// fields named Struct, Interface, Import, … need no renaming), and a
// top-level declaration named like a built-in type shadows it (so
// reservedTypeNames exist).

// capnpCompile compiles schema with `capnp compile -o-`, skipping the test
// when the compiler is not installed.
func capnpCompile(t *testing.T, schema string) error {
	t.Helper()
	capnp, err := exec.LookPath("capnp")
	if err != nil {
		t.Skip("capnp not installed (Debian package capnproto); CI installs it")
	}
	file := filepath.Join(t.TempDir(), "test.capnp")
	if err := os.WriteFile(file, []byte(schema), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(capnp, "compile", "-o-", file).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	return nil
}

func TestCapnpKeywordsAreMemberNames(t *testing.T) {
	keywords := []string{
		"struct", "interface", "import", "using", "const", "annotation", "extends",
		"in", "of", "on", "as", "with", "from", "fixed", "true", "false", "inf", "nan",
		"void", "enum", "union", "group", "list", "text", "data", "bool", "id",
	}
	var b strings.Builder
	b.WriteString("@0xd9c5ec4a0c9bd5a1;\nstruct S {\n")
	for i, k := range keywords {
		fmt.Fprintf(&b, "  %s @%d :Int32;\n", k, i)
	}
	b.WriteString("}\ninterface I {\n")
	for i, k := range keywords {
		fmt.Fprintf(&b, "  %s @%d (%s :Int32) -> (%s :Bool);\n", k, i, k, k)
	}
	b.WriteString("}\nenum E {\n")
	for i, k := range keywords {
		fmt.Fprintf(&b, "  %s @%d;\n", k, i)
	}
	b.WriteString("}\n")
	if err := capnpCompile(t, b.String()); err != nil {
		t.Errorf("keywords as member names do not compile:\n%v", err)
	}
}

func TestCapnpBuiltinNamesAreShadowed(t *testing.T) {
	for name := range reservedTypeNames {
		if name == "Go" {
			continue // reserved by the schema's `using Go = import "/go.capnp";`
		}
		t.Run(name, func(t *testing.T) {
			// The field x names the built-in type, yet takes a value of the
			// struct: the declaration shadows the built-in in the whole file.
			schema := fmt.Sprintf("@0xd9c5ec4a0c9bd5a1;\nstruct %s {}\nstruct Shadow { x @0 :%s; }\nconst check :Shadow = (x = ());\n", name, name)
			if err := capnpCompile(t, schema); err != nil {
				t.Errorf("a struct named %s does not shadow the built-in type; reservedTypeNames may not need it:\n%v", name, err)
			}
		})
	}
}
