package proxy

import (
	"strings"
	"testing"

	"github.com/ifacegen/ifacegen/annotate"
)

// UnimplementedX has every Go method of X, its ancestors' included, and
// a func type gets none.
func TestUnimplementedType(t *testing.T) {
	const path = "example.com/u"
	base := &annotate.Interface{Name: "Base", Methods: []*annotate.Method{
		{Name: "Stop", WireName: "stop", Context: true, Error: true},
	}}
	derived := &annotate.Interface{Name: "Derived",
		Extends: []*annotate.InterfaceRef{{Go: annotate.TypeName{Path: path, Name: "Base"}, Name: "Base", IPCPath: path + "/uipc", IPCName: "uipc"}},
		Methods: []*annotate.Method{
			{Name: "Size", WireName: "size", Results: []*annotate.Field{field("", "result", 0, basic(annotate.KindInt64, "int"))}},
			{Name: "Tick", WireName: "tick", Ordinal: 1},
			{WireName: "oldRetired2", Ordinal: 2, Retired: true},
		}}
	notify := &annotate.Interface{Name: "Notify", Func: &annotate.TypeName{Path: path, Name: "Notify"},
		Methods: []*annotate.Method{{Name: "Call", WireName: "call", Params: []*annotate.Field{field("n", "n", 0, basic(annotate.KindInt32, "int32"))}}}}
	pkg := &annotate.Package{Path: path, Name: "u", IPCName: "uipc", IPCPath: path + "/uipc",
		Interfaces: []*annotate.Interface{base, derived, notify}}
	out, err := Generate(pkg)
	if err != nil {
		t.Fatal(err)
	}
	src := string(out)
	for _, s := range []string{
		"type UnimplementedDerived struct{}\n\nvar _ u.Derived = UnimplementedDerived{}",
		"func (UnimplementedDerived) Size() int {\n\treturn 0\n}",
		"\n\nfunc (UnimplementedDerived) Tick() {}\n",
		"func (UnimplementedDerived) Stop(context.Context) error {\n\treturn ipcimpl.Unimplemented(\"u.Base.Stop\")\n}",
		"func (UnimplementedBase) Stop(context.Context) error {",
	} {
		if !strings.Contains(src, s) {
			t.Errorf("output lacks %q", s)
		}
	}
	for _, s := range []string{"UnimplementedNotify", "(UnimplementedDerived) OldRetired2", "(c *DerivedClient) OldRetired2"} {
		if strings.Contains(src, s) {
			t.Errorf("output has %q", s)
		}
	}
}
