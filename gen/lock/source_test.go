package lock

import (
	"context"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/ifacegen/ifacegen/annotate"
)

// TestApplySourceEdits runs the lock on Go source: testdata/src/v2 is
// testdata/src/v1 edited, with was= in //ipc:method, //ipc:param,
// //ipc:result and struct tags.
func TestApplySourceEdits(t *testing.T) {
	pkgs, err := annotate.Load(context.Background(), "testdata/src", "./v1", "./v2")
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 2 {
		t.Fatalf("loaded %d packages, want 2", len(pkgs))
	}
	v1, v2 := pkgs[0], pkgs[1]
	if err := Apply(v2, lockOf(t, v1)); err != nil {
		t.Fatal(err)
	}
	type member struct {
		Name    string
		Ordinal int
		Retired bool
	}
	ordinals := func(fs []*annotate.Field) []member {
		var out []member
		for _, f := range fs {
			out = append(out, member{f.WireName, f.Ordinal, f.Retired})
			if f.HasWireName != "" {
				out = append(out, member{f.HasWireName, f.HasOrdinal, false})
			}
		}
		return out
	}
	got := make(map[string][]member)
	for _, m := range v2.Interfaces[0].Methods {
		got["methods"] = append(got["methods"], member{m.WireName, m.Ordinal, m.Retired})
		got[m.WireName+" params"] = ordinals(m.Params)
		got[m.WireName+" results"] = ordinals(m.Results)
	}
	got["Opts"] = ordinals(v2.Structs[0].Fields)
	want := map[string][]member{
		"methods":             {{"put", 2, false}, {"fetch", 0, false}, {"dropRetired1", 1, true}},
		"put params":          {{"key", 0, false}, {"v", 1, false}},
		"put results":         nil,
		"fetch params":        {{"opts", 1, false}, {"name", 0, false}},
		"fetch results":       {{"ok", 1, false}, {"value", 0, false}},
		"dropRetired1 params": nil, "dropRetired1 results": nil,
		"Opts": {{"extra", 4, false}, {"maxFees", 1, false}, {"hasMaxFees", 2, false}, {"limit2", 0, false}, {"noteRetired3", 3, true}},
	}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("ordinals (-want +got):\n%s", diff)
	}
}
