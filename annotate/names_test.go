package annotate

import (
	"go/token"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLowerCamel(t *testing.T) {
	tests := map[string]string{
		"IsTestChain": "isTestChain",
		"URLPath":     "urlPath",
		"ID":          "id",
		"GetURL":      "getURL",
		"HTTPServer":  "httpServer",
		"max_size":    "maxSize",
		"Max_Size":    "maxSize",
		"URL_Path":    "urlPath",
		"_x":          "x",
		"x_1":         "x1",
		"A":           "a",
		"a":           "a",
		"V2Header":    "v2Header",
		"ABC123":      "abc123",
		"X509Cert":    "x509Cert",
		"KindBlock":   "kindBlock",
		"kindMax":     "kindMax",
		"Größe":       "größe", // not valid on the wire: validLowerCamel rejects it
		"__":          "",
	}
	for in, want := range tests {
		if got := lowerCamel(in); got != want {
			t.Errorf("lowerCamel(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUpperCamel(t *testing.T) {
	tests := map[string]string{
		"mining":    "Mining",
		"BlockRef":  "BlockRef",
		"Block_ref": "BlockRef",
		"my_pkg":    "MyPkg",
	}
	for in, want := range tests {
		if got := upperCamel(in); got != want {
			t.Errorf("upperCamel(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidNames(t *testing.T) {
	for s, want := range map[string]bool{
		"maxSize": true, "x1": true, "größe": false, "1x": false, "": false, "Upper": false, "has_x": false,
	} {
		if got := validLowerCamel(s); got != want {
			t.Errorf("validLowerCamel(%q) = %v, want %v", s, got, want)
		}
	}
	for s, want := range map[string]bool{
		"BlockRef": true, "B2": true, "blockRef": false, "Block_Ref": false, "": false,
	} {
		if got := validUpperCamel(s); got != want {
			t.Errorf("validUpperCamel(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestNearest(t *testing.T) {
	tests := map[string]string{
		"interfce":   "interface",
		"interfaces": "interface",
		"metod":      "method",
		"enums":      "enum",
		"eror":       "error",
		"convrt":     "convert",
		"frobnicate": "",
		"x":          "",
	}
	for in, want := range tests {
		if got := nearest(in, knownDirectives); got != want {
			t.Errorf("nearest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParsePosition(t *testing.T) {
	tests := map[string]token.Position{
		"/a/b.go:3:7": {Filename: "/a/b.go", Line: 3, Column: 7},
		"/a/b.go:3":   {Filename: "/a/b.go", Line: 3},
		"/a/b.go":     {Filename: "/a/b.go"},
		"C:/a/b.go:3": {Filename: "C:/a/b.go", Line: 3},
		"":            {},
		"-":           {},
	}
	for in, want := range tests {
		if diff := cmp.Diff(want, parsePosition(in)); diff != "" {
			t.Errorf("parsePosition(%q) (-want +got):\n%s", in, diff)
		}
	}
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Pos: token.Position{Filename: "/a/b.go", Line: 3, Column: 7}, Msg: "bad"}, "/a/b.go:3:7: bad"},
		{&Error{Pos: token.Position{Filename: "/a/b.go"}, Msg: "bad"}, "/a/b.go: bad"},
		{&Error{Msg: "no package"}, "no package"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	list := ErrorList{tests[0].err, tests[2].err}
	if got, want := list.Error(), "/a/b.go:3:7: bad\nno package"; got != want {
		t.Errorf("ErrorList.Error() = %q, want %q", got, want)
	}
}
