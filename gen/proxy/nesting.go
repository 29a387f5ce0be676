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
//		if err := readTreeNested(l.At(i), &x[i], depth-1); err != nil { … }
//		…
//	}
//
// and reads the structs of its own group through their twins with one
// level less. Any other struct is read through its exported reader, with a
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

// nestedRead returns the call that reads the struct capnp value c into
// the Go value at dst when the function being emitted is the nested
// reader of a struct in t's cycle group, and ok false otherwise.
func (w *fn) nestedRead(t *annotate.Type, c, dst jen.Code) (call jen.Code, ok bool) {
	if w.depth == "" || t.Schema != nil {
		return nil, false
	}
	group, recursive := w.g.groups[t.Struct]
	if !recursive || group != w.group {
		return nil, false
	}
	return jen.Id(nestedReadFunc(t.Struct.Name)).Call(c, dst, jen.Id(w.depth).Op("-").Lit(1)), true
}

// structRead renders the call that reads the struct capnp value c of
// type t into the Go value at dst: the nested reader with one level less
// inside a cycle group, the struct's exported reader otherwise.
func (w *fn) structRead(t *annotate.Type, c, dst jen.Code) jen.Code {
	if call, ok := w.nestedRead(t, c, dst); ok {
		return call
	}
	return w.g.bound(schemaPath(t), structReadFunc(t.Struct.Name)).Call(c, dst)
}
