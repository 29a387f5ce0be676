package annotate

import (
	"go/types"
	"testing"
)

// TestScalarTable checks the rows of the scalar table against each other
// and against the Go types they name, so that a new row cannot be half
// filled in.
func TestScalarTable(t *testing.T) {
	lgSizes := map[Kind]int{
		KindBool: 0, KindInt8: 3, KindUint8: 3, KindInt16: 4, KindUint16: 4,
		KindInt32: 5, KindUint32: 5, KindFloat32: 5, KindInt64: 6, KindUint64: 6, KindFloat64: 6,
		KindString: -1, KindBytes: -1, KindByteArray: -1,
	}
	for k := KindInvalid; k <= KindAnyPointer; k++ {
		s, ok := ScalarOf(k)
		want, isScalar := lgSizes[k]
		if ok != isScalar {
			t.Errorf("ScalarOf(%v) ok = %v, want %v", k, ok, isScalar)
			continue
		}
		if !ok {
			continue
		}
		if s.Kind != k {
			t.Errorf("ScalarOf(%v).Kind = %v", k, s.Kind)
		}
		if got := s.LgSize(); got != want {
			t.Errorf("%v: LgSize() = %d, want %d", k, got, want)
		}
		if s.Capnp == "" || s.Go == "" || s.List == "" || s.Zero == "" || s.Class == 0 {
			t.Errorf("%v: row not filled in: %+v", k, s)
		}
		if s.Bits > 0 {
			// A data-section value's Go type is a predeclared type of
			// that size, which basicKind maps back to this kind.
			basic, _ := types.Universe.Lookup(s.Go).Type().(*types.Basic)
			if basic == nil {
				t.Errorf("%v: Go type %q is not predeclared", k, s.Go)
				continue
			}
			if got, ok := basicKind(basic); !ok || got != k {
				t.Errorf("basicKind(%s) = %v, %v; want %v", s.Go, got, ok, k)
			}
			if size := types.SizesFor("gc", "amd64").Sizeof(basic) * 8; s.Bits != 1 && int64(s.Bits) != size {
				t.Errorf("%v: Bits = %d, but %s has %d bits", k, s.Bits, s.Go, size)
			}
		}
		if byName, ok := ScalarNamed(s.Capnp); !ok || byName.Capnp != s.Capnp || byName.Go != s.Go {
			t.Errorf("ScalarNamed(%q) = %+v, %v; want the row of %v", s.Capnp, byName, ok, k)
		}
	}
	for k, want := range map[Kind]bool{KindBool: true, KindInt64: true, KindFloat64: true, KindEnum: true,
		KindString: false, KindBytes: false, KindByteArray: false, KindList: false, KindOptional: false, KindInvalid: false} {
		if got := k.IsScalar(); got != want {
			t.Errorf("%v.IsScalar() = %v, want %v", k, got, want)
		}
	}
	if _, ok := ScalarNamed("Void"); ok {
		t.Errorf(`ScalarNamed("Void") found a row; Void crosses as nothing`)
	}
	for _, basic := range []*types.Basic{types.Typ[types.Int], types.Typ[types.Uint], types.Universe.Lookup("byte").Type().(*types.Basic)} {
		if _, ok := basicKind(basic); !ok {
			t.Errorf("basicKind(%s) found no kind", basic)
		}
	}
	for _, basic := range []*types.Basic{types.Typ[types.Uintptr], types.Typ[types.Complex64], types.Typ[types.UntypedInt]} {
		if k, ok := basicKind(basic); ok {
			t.Errorf("basicKind(%s) = %v; it does not cross", basic, k)
		}
	}
}
