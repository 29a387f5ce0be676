package proxy

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ifacegen/ifacegen/annotate"
)

// nestingModel has a self-recursive struct (Tree, through a list), two
// structs that reach each other (Expr and Call, through a map and a boxed
// optional), and one that contains a recursive struct without being
// reachable from it (Forest).
func nestingModel() *annotate.Package {
	const path = "example.com/n"
	goStruct := func(name string) *annotate.Struct {
		return &annotate.Struct{Name: name, GoType: annotate.TypeName{Path: path, Name: name}}
	}
	tree, expr, call, forest := goStruct("Tree"), goStruct("Expr"), goStruct("Call"), goStruct("Forest")
	tree.Fields = []*annotate.Field{
		field("Label", "label", 0, basic(annotate.KindString, "string")),
		field("Children", "children", 1, list(structType(tree))),
	}
	args := mapOf("TextExprEntry", basic(annotate.KindString, "string"), structType(expr))
	expr.Fields = []*annotate.Field{
		field("Calls", "calls", 0, list(boxedElem("OptionalCall", structType(call)))),
	}
	call.Fields = []*annotate.Field{
		field("Args", "args", 0, args),
	}
	forest.Fields = []*annotate.Field{
		field("Trees", "trees", 0, list(structType(tree))),
		field("Root", "root", 1, optional(structType(expr))),
	}
	it := &annotate.Interface{Name: "Walker", Methods: []*annotate.Method{{
		Name: "Walk", WireName: "walk", Context: true, Error: true,
		Params: []*annotate.Field{field("f", "f", 0, structType(forest))},
	}}}
	return &annotate.Package{
		Path: path, Name: "n", IPCName: "nipc", IPCPath: path + "/nipc",
		Interfaces: []*annotate.Interface{it},
		Structs:    []*annotate.Struct{call, expr, forest, expr.Fields[0].Type.Elem.Box, args.Entry, tree},
	}
}

func TestCycleGroups(t *testing.T) {
	pkg := nestingModel()
	groups := cycleGroups(pkg)
	got := map[string]int{}
	for s, g := range groups {
		got[s.Name] = g
	}
	// Numbered in the order of pkg.Structs: Call's group first.
	want := map[string]int{"Call": 0, "Expr": 0, "Tree": 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cycle groups (-want +got):\n%s", diff)
	}
}

// The readers of a cycle group call each other's nested readers with one
// level less; a struct outside the group calls the exported reader.
func TestNestedReaders(t *testing.T) {
	out, err := Generate(nestingModel())
	if err != nil {
		t.Fatal(err)
	}
	src := string(out)
	for _, s := range []string{
		"func ReadTree(s Tree, v *n.Tree) error {\n\treturn readTreeNested(s, v, ipc.MaxNesting)\n}",
		"func readTreeNested(s Tree, v *n.Tree, depth int) error {\n\tif depth == 0 {\n\t\treturn ipc.ErrTooDeep\n\t}",
		"readTreeList(ipcimpl.Field(s, 1), &v.Children, depth-1)",        // Tree → []Tree
		"readTreeNested(l.At(i), &v[i], depth)",                          // the list is no level of its own
		"readOptionalCallList(ipcimpl.Field(s, 0), &v.Calls, depth-1)",   // Expr → boxed *Call
		"readCallNested(s, value, depth)",                                // …and the optional
		"readStringExprMap(ipcimpl.Field(s, 0), &v.Args, depth-1)",       // Call → map value Expr
		"readTreeList(ipcimpl.Field(s, 0), &v.Trees, ipc.MaxNesting)",    // Forest → Tree: a fresh budget
		"readOptionalExpr(ipcimpl.Field(s, 1), &v.Root, ipc.MaxNesting)", // Forest → *Expr
		"func ReadForest(s Forest, v *n.Forest) error {\n\tvar fields ipcimpl.Fields\n\tfields.Check(\"Trees\", readTreeList(",
	} {
		if !strings.Contains(src, s) {
			t.Errorf("output lacks %q", s)
		}
	}
	if strings.Contains(src, "readForestNested") {
		t.Error("Forest is not recursive but has a nested reader")
	}
}
