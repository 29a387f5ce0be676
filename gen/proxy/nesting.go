package proxy

import (
	"github.com/dave/jennifer/jen"

	"github.com/ifacegen/ifacegen/annotate"
)

// A recursive type lets a hostile peer nest a value as deep as its
// message allows, or make it a cycle (a list that contains itself), and
// generated readers recurse once per level: without a bound they overflow
// the stack, a fatal error no recover catches. go-capnp's own depth limit
// does not hold inside lists of structs (v3.1.0-alpha.2 List.Struct), so
// the readers of recursive structs count levels themselves.
//
// A struct is recursive when it can reach itself through its fields (by
// way of lists, maps, optionals, boxes and hooks' wire types). Structs
// that reach each other form one cycle group; the reader of a struct in a
// group has a depth-counting twin,
//
//	// ReadTree reads s into v.
//	func ReadTree(s Tree, v *pkg.Tree) error {
//		return readTreeNested(s, v, ipc.MaxNesting)
//	}
//
//	// readTreeNested reads s into v, which may nest depth levels deep.
//	func readTreeNested(s Tree, v *pkg.Tree, depth int) error {
//		if depth == 0 {
//			return ipc.ErrTooDeep
//		}
//		…
//		return ipcimpl.InField("Children", readTreeList(ipcimpl.Field(s, 1), &v.Children, depth-1))
//	}
//
// and reads the structs of its own group through their twins with one
// level less. The reader of a wire type whose values may hold structs of
// a group (readTreeList, readOptionalTree) takes a depth parameter too and
// passes it on unchanged: only a struct is a level. Any other struct is read through its exported reader, with a
// fresh budget: it cannot lead back to the group (it would be in it), so
// a path through the value meets each group once, and its depth is at
// most MaxNesting times the number of groups.

// cycleGroups returns, for every Go struct of pkg's schema that is
// recursive, the number of its cycle group (structs of one group reach
// each other). Structs of other packages' schemas are never in a group
// with this package's: the imported package does not import this one.
func cycleGroups(pkg *annotate.Package) map[*annotate.Struct]int {
	var structs []*annotate.Struct
	for _, s := range pkg.Structs {
		if s.Synthetic == annotate.GoStruct {
			structs = append(structs, s)
		}
	}
	// reach[s] holds every Go struct of this schema that reading s
	// reads, directly or not.
	reach := make(map[*annotate.Struct]map[*annotate.Struct]bool, len(structs))
	for _, s := range structs {
		seen := make(map[*annotate.Struct]bool)
		var visitStruct func(st *annotate.Struct)
		var visitType func(t *annotate.Type)
		visitType = func(t *annotate.Type) {
			if t == nil {
				return
			}
			if t.Hook != nil {
				visitType(t.Hook.Wire)
			}
			if t.Kind == annotate.KindStruct && t.Schema == nil && t.Struct != nil {
				visitStruct(t.Struct)
			}
			if t.Box != nil {
				visitStruct(t.Box)
			}
			if t.Entry != nil {
				visitStruct(t.Entry)
			}
			visitType(t.Elem)
			visitType(t.Key)
		}
		visitStruct = func(st *annotate.Struct) {
			if seen[st] {
				return
			}
			seen[st] = true
			for _, f := range live(st.Fields) {
				visitType(f.Type)
			}
		}
		for _, f := range live(s.Fields) {
			visitType(f.Type)
		}
		reach[s] = seen
	}
	groups := make(map[*annotate.Struct]int)
	n := 0
	for _, s := range structs {
		if !reach[s][s] {
			continue
		}
		if _, done := groups[s]; done {
			continue
		}
		for _, t := range structs {
			if reach[s][t] && reach[t][s] {
				groups[t] = n
			}
		}
		n++
	}
	return groups
}

// nestedReadFunc is the depth-counting reader of a recursive struct.
func nestedReadFunc(name string) string { return "read" + name + "Nested" }

// leafStruct returns the struct type that reading a value of type t reads
// (through lists, maps, optionals and hooks' wire types), or nil. A map's
// key is never a struct, so there is at most one.
func leafStruct(t *annotate.Type) *annotate.Type {
	switch {
	case t == nil:
		return nil
	case t.Hook != nil:
		return leafStruct(t.Hook.Wire)
	case t.Kind == annotate.KindStruct:
		return t
	}
	return leafStruct(t.Elem)
}

// needsDepth reports whether the reader of t, a wire type, counts levels:
// t's values may hold a recursive struct of this package's schema.
func needsDepth(g *generator, t *annotate.Type) bool {
	if t.Kind == annotate.KindStruct && t.Hook == nil {
		return false // read by the struct's own reader
	}
	leaf := leafStruct(t)
	if leaf == nil || leaf.Schema != nil {
		return false
	}
	_, recursive := g.groups[leaf.Struct]
	return recursive
}

// depthFor returns the depth argument for reading the struct type t in
// the function being emitted, when that function counts the levels of
// t's cycle group: depth-1 in the nested reader of a struct of the group,
// depth in a wire type's reader. ok is false elsewhere: t is read with a
// fresh budget.
func (w *fn) depthFor(t *annotate.Type) (depth jen.Code, ok bool) {
	if w.depth == "" || t == nil || t.Schema != nil || t.Hook != nil {
		return nil, false
	}
	group, recursive := w.g.groups[t.Struct]
	if !recursive || group != w.group {
		return nil, false
	}
	if w.nested {
		return jen.Id(w.depth).Op("-").Lit(1), true
	}
	return jen.Id(w.depth), true
}
