package fuzz_test

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ifacegen/ifacegen/annotate"
)

// directiveSource is a Go file whose interface carries comment (a line
// comment, "//" included) in its doc comment: the place //ipc:interface
// goes.
func directiveSource(comment string) string {
	return "package p\n\nimport \"context\"\n\n// I is fuzzed.\n//\n" + comment +
		"\ntype I interface {\n\tM(ctx context.Context) error\n}\n"
}

// FuzzDirective checks go/ast.ParseDirective and Directive.ParseArgs,
// which annotate's directive scanner is built on, on arbitrary comment
// lines: what they return must be consistent with the comment's text and
// positions. annotate's own scanner is unexported; FuzzLoadDirective
// drives it through Load, slowly.
func FuzzDirective(f *testing.F) {
	f.Fuzz(func(t *testing.T, text string) {
		if strings.ContainsAny(text, "\r\n") {
			return // a line comment ends at the line
		}
		src := directiveSource("//" + text)
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, "p.go", src, parser.ParseComments)
		if err != nil {
			return
		}
		for _, group := range file.Comments {
			for _, c := range group.List {
				d, ok := ast.ParseDirective(c.Slash, c.Text)
				if !ok {
					continue
				}
				if d.Tool == "" || d.Name == "" || !strings.HasPrefix(c.Text, "//"+d.Tool+":"+d.Name) {
					t.Fatalf("ParseDirective(%q) = tool %q, name %q", c.Text, d.Tool, d.Name)
				}
				args, err := d.ParseArgs()
				if err != nil {
					continue
				}
				for _, a := range args {
					if a.Pos < c.Slash || a.Pos >= c.End() {
						t.Fatalf("ParseDirective(%q): argument %q at %d, outside the comment [%d, %d)", c.Text, a.Arg, a.Pos, c.Slash, c.End())
					}
					// An unquoted argument is the text at its position.
					off := int(a.Pos - c.Slash)
					quoted := strings.ContainsAny(c.Text[off:off+1], "\"`") || strings.ContainsAny(a.Arg, "\"`\\")
					if !quoted && !strings.HasPrefix(c.Text[off:], a.Arg) {
						t.Fatalf("ParseDirective(%q): argument %q does not start at its position (%q)", c.Text, a.Arg, c.Text[off:])
					}
				}
			}
		}
	})
}

// FuzzLoadDirective puts an arbitrary comment line in the doc comment of
// an interface in a module of its own and runs annotate.Load on it. Load
// must not panic; it returns either the package or an annotate.ErrorList
// whose problems all name the file or none. A comment that
// go/ast reads as a plain //ipc:interface yields the interface.
//
// Each input runs the go command (tens of milliseconds or more), so this
// target explores slowly; an exported pure scanner in annotate (say,
// ScanDirectives(fset, *ast.File) ErrorList) would make it fast.
func FuzzLoadDirective(f *testing.F) {
	f.Fuzz(func(t *testing.T, text string) {
		if strings.ContainsAny(text, "\r\n") {
			return
		}
		comment := "//" + text
		dir := t.TempDir()
		file := filepath.Join(dir, "p.go")
		if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/p\n\ngo 1.26\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(directiveSource(comment)), 0o644); err != nil {
			t.Fatal(err)
		}
		pkgs, err := annotate.Load(context.Background(), dir, ".")
		var list annotate.ErrorList
		switch {
		case err == nil:
		case errors.As(err, &list):
			for _, e := range list {
				// annotate documents Filename as absolute, but passes on
				// the go command's relative names (see doc.go, Known gaps).
				name := e.Pos.Filename
				if name != "" && !filepath.IsAbs(name) {
					name = filepath.Join(dir, name)
				}
				if name != "" && name != file {
					t.Errorf("comment %q: problem in another file: %v", comment, e)
				}
			}
		default:
			t.Fatalf("comment %q: Load failed without a positioned problem: %v", comment, err)
		}
		if d, ok := ast.ParseDirective(0, comment); ok && d.Tool == "ipc" && d.Name == "interface" && strings.TrimSpace(d.Args) == "" {
			if err != nil || len(pkgs) != 1 || len(pkgs[0].Interfaces) != 1 {
				t.Errorf("comment %q is //ipc:interface; Load = %d packages, %v; want the interface", comment, len(pkgs), err)
			}
		}
	})
}
