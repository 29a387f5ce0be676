package schema

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"capnproto.org/go/capnp/v3"
	"capnproto.org/go/capnp/v3/std/capnp/schema"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
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

// missingFileRequest returns the mining request with its requested file
// pointing at a node that does not exist, which capnpc-go rejects.
func missingFileRequest(t *testing.T) []byte {
	t.Helper()
	req, err := Request(miningModel())
	if err != nil {
		t.Fatal(err)
	}
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
	return bad
}

func TestBindingsPluginError(t *testing.T) {
	_, err := Bindings(t.Context(), ".", missingFileRequest(t))
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

func TestBindingsAllMatchesBindings(t *testing.T) {
	var names []string
	var requests [][]byte
	for _, m := range testModels() {
		req, err := Request(m.pkg)
		if err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		names = append(names, m.name)
		requests = append(requests, req)
	}
	// The same file twice: each request writes in a directory of its own.
	names = append(names, names[0]+" again")
	requests = append(requests, requests[0])

	all, err := BindingsAll(t.Context(), ".", requests)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(requests) {
		t.Fatalf("BindingsAll returned %d bindings for %d requests", len(all), len(requests))
	}
	for i, req := range requests {
		one, err := Bindings(t.Context(), ".", req)
		if err != nil {
			t.Fatalf("%s: %v", names[i], err)
		}
		if diff := cmp.Diff(string(one), string(all[i])); diff != "" {
			t.Errorf("%s: BindingsAll differs from Bindings (-Bindings +BindingsAll):\n%s", names[i], diff)
		}
	}
}

func TestBindingsAllFirstError(t *testing.T) {
	good, err := Request(miningModel())
	if err != nil {
		t.Fatal(err)
	}
	want, err := Bindings(t.Context(), ".", good)
	if err != nil {
		t.Fatal(err)
	}
	// Fewer than minBuiltRequests go through Bindings, more through the
	// capnpc-go BindingsAll builds.
	for n := 0; n < minBuiltRequests; n++ {
		requests := slices.Repeat([][]byte{good}, n)
		requests = append(requests, missingFileRequest(t), []byte("not a message"))
		out, err := BindingsAll(t.Context(), ".", requests)
		var berr *BindingsError
		if !errors.As(err, &berr) {
			t.Fatalf("%d good requests first: BindingsAll error = %v, want a *BindingsError", n, err)
		}
		if berr.Index != n || !strings.Contains(berr.Error(), "no node in schema matches 0x8000000000000042") {
			t.Errorf("%d good requests first: BindingsAll error = %d: %v, want request %d's capnpc-go failure", n, berr.Index, berr.Err, n)
		}
		if diff := cmp.Diff(slices.Repeat([]string{string(want)}, n), byteStrings(out), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%d good requests first: bindings before the failed request (-want +got):\n%s", n, diff)
		}
	}
}

func TestBindingsAllOutsideModule(t *testing.T) {
	req, err := Request(miningModel())
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, minBuiltRequests} {
		out, err := BindingsAll(t.Context(), t.TempDir(), slices.Repeat([][]byte{req}, n))
		var berr *BindingsError
		if !errors.As(err, &berr) || berr.Index != 0 || len(out) != 0 {
			t.Fatalf("%d requests: BindingsAll = %d bindings, %v; want none and request 0's error", n, len(out), err)
		}
		for _, want := range []string{"building capnpc-go in", "run `go get capnproto.org/go/capnp/v3@v3.1.0-alpha.2` there"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%d requests: error %q does not contain %q", n, err, want)
			}
		}
	}
}

func byteStrings(bs [][]byte) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = string(b)
	}
	return out
}
