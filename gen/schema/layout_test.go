package schema

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// layoutWant is a struct layout: section sizes and each field's offset (in
// units of its size for data, the pointer index otherwise).
type layoutWant struct {
	DataWords, Pointers uint16
	Offsets             []uint32
}

// compilerLayouts are the layouts capnp 0.9.2 (`capnp compile -o-`) gives
// layoutCases; TestOracleRequest checks them against the installed
// compiler too.
var compilerLayouts = map[string]layoutWant{
	// Int64 @0 takes word 0; the Bool opens word 1, at bit 64.
	"BoolAfterInt64": {2, 0, []uint32{0, 64}},
	// Nine Bools take bits 0…8; the Int8 takes byte 2, the next Bool bit 9.
	"ManyBools": {1, 0, []uint32{0, 1, 2, 3, 4, 5, 6, 7, 8, 2, 9}},
	// Bool, Int32, Int8, Int16, Bool, UInt8, Float32, Int16, Int64, Bool.
	"Holes": {3, 0, []uint32{0, 1, 1, 1, 1, 8, 3, 5, 2, 2}},
	// Int64, Int32, Int16, Int8, Bool, Float64, UInt32, UInt16, UInt8, Bool.
	"Descending": {4, 0, []uint32{0, 2, 6, 14, 120, 2, 6, 14, 30, 121}},
	// Text, Bool, Data, five Int16, UInt32, Float32, Int8.
	"Mixed": {3, 2, []uint32{0, 0, 1, 1, 2, 3, 4, 5, 3, 4, 1}},
	// Bool, Int8, Int16, Int32, Int64, Bool, Int8, Int16, Int32.
	"Ascending": {3, 0, []uint32{0, 1, 1, 1, 1, 1, 16, 9, 5}},
}

func layoutOf(s *structDecl) layoutWant {
	got := layoutWant{DataWords: s.dataWords, Pointers: s.pointers, Offsets: []uint32{}}
	for _, fd := range s.fields {
		got.Offsets = append(got.Offsets, fd.offset)
	}
	return got
}

func TestLayoutMatchesCompiler(t *testing.T) {
	file, err := declare(layoutsModel())
	if err != nil {
		t.Fatal(err)
	}
	if len(file.structs) != len(compilerLayouts) {
		t.Fatalf("%d structs, want %d", len(file.structs), len(compilerLayouts))
	}
	for i, s := range file.structs {
		want := compilerLayouts[s.name]
		if diff := cmp.Diff(want, layoutOf(s)); diff != "" {
			t.Errorf("struct %s layout (-compiler +ours):\n%s", s.name, diff)
		}
		// The method taking the same fields as parameters and results gets
		// the same layouts.
		m := file.interfaces[0].methods[i]
		for _, implicit := range []*structDecl{m.params, m.results} {
			if diff := cmp.Diff(want, layoutOf(implicit)); diff != "" {
				t.Errorf("%s layout (-compiler +ours):\n%s", implicit.name, diff)
			}
		}
	}
}

func TestStructLayoutHoles(t *testing.T) {
	// Step by step: what each allocation returns and which holes remain.
	var l structLayout
	steps := []struct {
		lg    uint // 0 Bool … 6 64-bit; 7 a pointer
		want  uint32
		holes [lgBitsWord]uint32
	}{
		{0, 0, [6]uint32{1, 1, 1, 1, 1, 1}}, // a Bool opens word 0: bit 0
		{4, 1, [6]uint32{1, 1, 1, 1, 0, 1}}, // an Int16 takes the free 16-bit slot 1
		{4, 2, [6]uint32{1, 1, 1, 1, 3, 0}}, // the next one splits the 32-bit hole
		{7, 0, [6]uint32{1, 1, 1, 1, 3, 0}}, // pointers never touch the holes
		{6, 1, [6]uint32{1, 1, 1, 1, 3, 0}}, // 64 bits always open a word
		{5, 4, [6]uint32{1, 1, 1, 1, 3, 5}}, // no 32-bit hole: word 2 opens
		{3, 1, [6]uint32{1, 1, 1, 0, 3, 5}}, // the 8-bit hole at byte 1
		{3, 6, [6]uint32{1, 1, 1, 7, 0, 5}}, // splits the 16-bit hole at 3
		{0, 1, [6]uint32{0, 1, 1, 7, 0, 5}}, // the Bool hole at bit 1
		{0, 2, [6]uint32{3, 0, 1, 7, 0, 5}}, // splits the 2-bit hole
	}
	for i, s := range steps {
		var got uint32
		if s.lg == 7 {
			got = l.addPointer()
		} else {
			got = l.addData(s.lg)
		}
		if got != s.want || l.holes != s.holes {
			t.Fatalf("step %d (lg %d): offset %d, holes %v; want %d, %v", i, s.lg, got, l.holes, s.want, s.holes)
		}
	}
	if l.dataWords != 3 || l.pointers != 1 {
		t.Errorf("%d data words, %d pointers; want 3, 1", l.dataWords, l.pointers)
	}
}
