package schema

import (
	"bytes"
	"strings"
	"testing"

	"capnproto.org/go/capnp/v3"
	"capnproto.org/go/capnp/v3/std/capnp/schema"
)

func TestBindingsHeaderAndDeterminism(t *testing.T) {
	req, err := Request(miningModel())
	if err != nil {
		t.Fatal(err)
	}
	first, err := Bindings(t.Context(), ".", req)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(first, []byte(goHeader+"\n\npackage miningipc\n")) {
		t.Errorf("bindings start %q, want the ifacegen header and package miningipc", first[:min(len(first), 80)])
	}
	if bytes.Contains(first, []byte("capnpc-go")) || bytes.Contains(first, []byte("ifacegen-capnpc-go-")) {
		t.Errorf("bindings mention capnpc-go or the temporary directory")
	}
	second, err := Bindings(t.Context(), ".", req)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Errorf("two runs on one request give different bindings")
	}
}

func TestBindingsOutsideModule(t *testing.T) {
	req, err := Request(miningModel())
	if err != nil {
		t.Fatal(err)
	}
	_, err = Bindings(t.Context(), t.TempDir(), req)
	if err == nil {
		t.Fatal("no error outside a module")
	}
	for _, want := range []string{"building capnpc-go in", "run `go get capnproto.org/go/capnp/v3@v3.1.0-alpha.2` there"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestBindingsPluginError(t *testing.T) {
	req, err := Request(miningModel())
	if err != nil {
		t.Fatal(err)
	}
	// Point the requested file at a node that does not exist.
	msg, err := capnp.Unmarshal(req)
	if err != nil {
		t.Fatal(err)
	}
	root, err := msg.Root()
	if err != nil {
		t.Fatal(err)
	}
	edit, _ := capnp.NewSingleSegmentMessage(nil)
	if err := edit.SetRoot(root); err != nil {
		t.Fatal(err)
	}
	r, err := schema.ReadRootCodeGeneratorRequest(edit)
	if err != nil {
		t.Fatal(err)
	}
	files, err := r.RequestedFiles()
	if err != nil {
		t.Fatal(err)
	}
	files.At(0).SetId(0x8000000000000042)
	bad, err := edit.Marshal()
	if err != nil {
		t.Fatal(err)
	}

	_, err = Bindings(t.Context(), ".", bad)
	if err == nil {
		t.Fatal("no error for a request naming a missing file node")
	}
	for _, want := range []string{"capnpc-go failed", "no node in schema matches 0x8000000000000042"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "go get") {
		t.Errorf("error %q blames the module for capnpc-go's own failure", err)
	}
}

func TestBindingsBadRequest(t *testing.T) {
	_, err := Bindings(t.Context(), ".", []byte("not a message"))
	if err == nil || !strings.Contains(err.Error(), "decoding code generator request") {
		t.Errorf("Bindings(garbage) error = %v, want a decoding error", err)
	}
}
