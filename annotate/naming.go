package annotate

import (
	"cmp"
	"go/token"
	"slices"
)

// name gives every struct and enum that crosses its Cap'n Proto name, lists
// them in out sorted by name, and reports names that collide.
//
// A Go struct or enum keeps its Go name (underscores dropped), unless two
// different Go types share it, or it is a Cap'n Proto built-in name, or an
// interface of the package has it: then each such type gets its Go package
// name prefixed in UpperCamel (chain.BlockRef → ChainBlockRef). Map entries
// and optional boxes are named from the wire names of their types
// (map[string][]int32 → TextListOfInt32Entry, the elements of []*int64 →
// OptionalInt64) and shared by every map or list element with the same name.
func (b *builder) name(out *Package) {
	type decl struct {
		tn   TypeName
		pos  token.Position
		set  func(string)
		name string
	}
	var decls []*decl
	for _, s := range b.goStructs {
		decls = append(decls, &decl{tn: s.GoType, pos: s.Pos, set: func(n string) { s.Name = n }})
	}
	for _, e := range b.goEnums {
		decls = append(decls, &decl{tn: e.GoType, pos: e.Pos, set: func(n string) { e.Name = n }})
	}

	taken := make(map[string]string)           // Cap'n Proto name → what has it
	takenAt := make(map[string]token.Position) // its position when it is a Go declaration
	for _, in := range out.Interfaces {
		taken[in.Name] = "interface " + in.Name
		takenAt[in.Name] = in.Pos
	}

	sharers := make(map[string]int)
	for _, d := range decls {
		sharers[upperCamel(d.tn.Name)]++
	}
	for _, d := range decls {
		base := upperCamel(d.tn.Name)
		d.name = base
		if sharers[base] > 1 || reservedTypeNames[base] || taken[base] != "" {
			d.name = upperCamel(b.pkgNames[d.tn]) + base
		}
	}
	for _, d := range decls {
		what := "type " + d.tn.Path + "." + d.tn.Name
		switch prev, dup := taken[d.name]; {
		case !validUpperCamel(d.name):
			b.errs.addf(d.pos, "%s: its Cap'n Proto name %s is not valid (ASCII letters and digits only); rename the Go type", what, d.name)
		case dup:
			b.errs.addf(d.pos, "%s and %s both become the Cap'n Proto name %s; rename one of the Go types", prev, what, d.name)
		default:
			taken[d.name] = what
			takenAt[d.name] = d.pos
		}
		d.set(d.name)
	}

	canonical := make(map[string]*Struct)
	var synthetic []*Struct
	claim := func(s *Struct, name string) *Struct {
		if c := canonical[name]; c != nil {
			return c
		}
		if prev, dup := taken[name]; dup {
			b.errs.addf(takenAt[name], "%s becomes the Cap'n Proto name %s, which is also the name of %s; rename the Go type", prev, name, b.synthDesc[s])
		}
		s.Name = name
		canonical[name] = s
		synthetic = append(synthetic, s)
		return s
	}
	for _, t := range b.synthetic {
		if t.Entry != nil {
			t.Entry = claim(t.Entry, fragment(t.Key)+fragment(t.Elem)+"Entry")
		}
		if t.Box != nil {
			t.Box = claim(t.Box, "Optional"+fragment(t.Elem))
		}
	}

	out.Structs = append(slices.Clone(b.goStructs), synthetic...)
	slices.SortStableFunc(out.Structs, func(x, y *Struct) int { return cmp.Compare(x.Name, y.Name) })
	out.Enums = slices.Clone(b.goEnums)
	slices.SortStableFunc(out.Enums, func(x, y *Enum) int { return cmp.Compare(x.Name, y.Name) })
}

// fragment is the part of a synthetic struct's name that stands for t:
// the Cap'n Proto type name, with ListOf, MapOf…To… and Optional for the
// composite kinds.
func fragment(t *Type) string {
	switch t.Kind {
	case KindList:
		return "ListOf" + fragment(t.Elem)
	case KindMap:
		return "MapOf" + fragment(t.Key) + "To" + fragment(t.Elem)
	case KindOptional:
		return "Optional" + fragment(t.Elem)
	case KindStruct:
		return t.Struct.Name
	case KindEnum:
		return t.Enum.Name
	case KindInterface:
		return t.Interface.Name
	}
	s, _ := ScalarOf(t.Kind)
	return s.Capnp
}
