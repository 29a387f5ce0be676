package main

import (
	"os"
	"strings"
	"testing"
)

func TestFoldSchemaBlob(t *testing.T) {
	src, err := os.ReadFile("../../interfaces/echo/echoipc/echo.capnp.go")
	if err != nil {
		t.Fatal(err)
	}
	folded := string(foldSchemaBlob(src))
	want := "const schema_8171b8ac32e63b08 = \"…\" // the compressed schema: "
	if !strings.Contains(folded, want) {
		t.Fatalf("folded bindings lack %q", want)
	}
	if strings.Contains(folded, `\xda`) {
		t.Errorf("folded bindings still hold the compressed schema")
	}
	// Everything else is kept: the lines after the blob are there.
	orig := strings.Split(string(src), "\n")
	if last := orig[len(orig)-2]; !strings.HasSuffix(folded, last+"\n") {
		t.Errorf("folded bindings lost their last line %q", last)
	}
	if n := strings.Count(folded, "\n"); n >= len(orig)-5 {
		t.Errorf("folded bindings have %d lines, the original %d: nothing was folded", n, len(orig)-1)
	}
}
