package main

import (
	"bytes"
	"go/token"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ifacegen/ifacegen/gen/breaking"
)

// TestPrintFindings checks the three output formats, including the
// escaping GitHub's workflow commands need.
func TestPrintFindings(t *testing.T) {
	wd := t.TempDir()
	findings := []breaking.Finding{{
		Pos:     token.Position{Filename: filepath.Join(wd, "a", "b.go"), Line: 3, Column: 7},
		Rule:    breaking.FieldTypeChanged,
		Message: "100% changed, a: b\nnext",
		Package: "example.com/a",
	}}
	tests := []struct {
		format string
		want   string
	}{
		{formatText, "a/b.go:3:7: field-type-changed: 100% changed, a: b\nnext\n"},
		{formatGitHub, "::error file=a/b.go,line=3,col=7,title=ifacegen field-type-changed::100%25 changed, a: b%0Anext\n"},
		{formatJSON, `[
  {
    "file": "a/b.go",
    "line": 3,
    "col": 7,
    "rule": "field-type-changed",
    "message": "100% changed, a: b\nnext",
    "package": "example.com/a"
  }
]
`},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		if err := printFindings(&buf, wd, tt.format, findings); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, buf.String()); diff != "" {
			t.Errorf("-format %s (-want +got):\n%s", tt.format, diff)
		}
	}

	// No findings: JSON is an empty array, the others print nothing.
	for _, format := range []string{formatText, formatGitHub, formatJSON} {
		var buf bytes.Buffer
		if err := printFindings(&buf, wd, format, nil); err != nil {
			t.Fatal(err)
		}
		want := ""
		if format == formatJSON {
			want = "[]\n"
		}
		if got := buf.String(); got != want {
			t.Errorf("-format %s without findings: got %q, want %q", format, got, want)
		}
	}
}

func TestEscapeProperty(t *testing.T) {
	if got, want := escapeProperty("a:b,c%d\ne"), "a%3Ab%2Cc%25d%0Ae"; got != want {
		t.Errorf("escapeProperty: got %q, want %q", got, want)
	}
}
