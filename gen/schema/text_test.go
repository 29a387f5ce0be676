package schema

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ifacegen/ifacegen/annotate"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestTextGolden compares Text with testdata/<model>.capnp. The oracle
// tests check that the same text compiles to what Request builds.
func TestTextGolden(t *testing.T) {
	for _, m := range testModels() {
		t.Run(m.name, func(t *testing.T) {
			got, err := Text(m.pkg)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", m.name+".capnp")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v; run `go test ./gen/schema -run TestTextGolden -update` to create it", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("Text differs from %s (-want +got):\n%s\nrun `go test ./gen/schema -run TestTextGolden -update` if the change is intended", path, diff)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	for _, m := range testModels() {
		text1, err1 := Text(m.pkg)
		req1, err2 := Request(m.pkg)
		text2, err3 := Text(testModelsByName(m.name))
		req2, err4 := Request(testModelsByName(m.name))
		for _, err := range []error{err1, err2, err3, err4} {
			if err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(text1, text2) || !bytes.Equal(req1, req2) {
			t.Errorf("%s: two renderings of one model differ", m.name)
		}
	}
}

func testModelsByName(name string) *annotate.Package {
	for _, m := range testModels() {
		if m.name == name {
			return m.pkg
		}
	}
	panic("no test model " + name)
}

func TestDocComments(t *testing.T) {
	for _, c := range []struct{ doc, comment string }{
		{"", ""},
		{"One line.", "One line.\n"},
		{"Two\nlines.", "Two\nlines.\n"},
		{"Para.\n\nGraph.", "Para.\n\nGraph.\n"},
		{"Trailing  \nspace\t\n\n", "Trailing\nspace\n"},
		{"\tcode", "\tcode\n"},
		{"\n\n", ""},
	} {
		if got := docComment(c.doc); got != c.comment {
			t.Errorf("docComment(%q) = %q, want %q", c.doc, got, c.comment)
		}
	}
}
