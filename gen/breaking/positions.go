package breaking

import (
	"go/token"

	"github.com/ifacegen/ifacegen/annotate"
)

// positions indexes a model by wire names, to find the Go declaration of
// a schema element. Every lookup works on a nil receiver (no model) and
// then finds nothing.
type positions struct {
	ifaces  map[string]*goInterface
	structs map[string]*goStruct
	enums   map[string]*goEnum
	model   *annotate.Package
}

type goInterface struct{ in *annotate.Interface }
type goStruct struct{ s *annotate.Struct }
type goEnum struct{ e *annotate.Enum }

func index(pkg *annotate.Package) *positions {
	p := &positions{
		ifaces:  make(map[string]*goInterface),
		structs: make(map[string]*goStruct),
		enums:   make(map[string]*goEnum),
		model:   pkg,
	}
	if pkg == nil {
		return p
	}
	for _, in := range pkg.Interfaces {
		p.ifaces[in.Name] = &goInterface{in}
	}
	for _, s := range pkg.Structs {
		p.structs[s.Name] = &goStruct{s}
	}
	for _, e := range pkg.Enums {
		p.enums[e.Name] = &goEnum{e}
	}
	return p
}

func (g *goInterface) pos() token.Position {
	if g == nil {
		return token.Position{}
	}
	return g.in.Pos
}

// method returns the Go method of a wire name, nil if none.
func (g *goInterface) method(wire string) *goMethod {
	if g == nil {
		return nil
	}
	for _, m := range g.in.Methods {
		if !m.Retired && m.WireName == wire {
			return &goMethod{m}
		}
	}
	return nil
}

type goMethod struct{ *annotate.Method }

func (m *goMethod) params() []*annotate.Field {
	if m == nil {
		return nil
	}
	return m.Params
}

func (m *goMethod) results() []*annotate.Field {
	if m == nil {
		return nil
	}
	return m.Results
}

func (g *goStruct) fields() []*annotate.Field {
	if g == nil {
		return nil
	}
	return g.s.Fields
}

func (g *goEnum) pos() token.Position {
	if g == nil {
		return token.Position{}
	}
	return g.e.Pos
}

func (g *goEnum) enumerant(wire string) *annotate.Enumerant {
	if g == nil {
		return nil
	}
	for _, e := range g.e.Enumerants {
		if e.WireName == wire {
			return e
		}
	}
	return nil
}

// structPos is the Go position that stands for a struct of the schema: the
// Go struct type, or for a synthetic struct (a map entry, an optional box)
// the first parameter, result or field whose type uses it. Zero when
// nothing is found (Compare then uses the package clause).
func (p *positions) structPos(name string) token.Position {
	g := p.structs[name]
	if g == nil {
		return token.Position{}
	}
	if g.s.Pos.IsValid() {
		return g.s.Pos
	}
	var found token.Position
	visit := func(fields []*annotate.Field) bool {
		for _, f := range fields {
			if !f.Retired && uses(f.Type, g.s, 0) && f.Pos.IsValid() {
				found = f.Pos
				return true
			}
		}
		return false
	}
	for _, in := range p.model.Interfaces {
		for _, m := range in.Methods {
			if visit(m.Params) || visit(m.Results) {
				return found
			}
		}
	}
	for _, s := range p.model.Structs {
		if visit(s.Fields) {
			return found
		}
	}
	return token.Position{}
}

// uses reports whether t refers to s, directly or through lists, maps and
// optionals (not through other structs' fields).
func uses(t *annotate.Type, s *annotate.Struct, depth int) bool {
	if t == nil || depth > 50 {
		return false
	}
	if t.Struct == s || t.Entry == s || t.Box == s {
		return true
	}
	return uses(t.Elem, s, depth+1) || uses(t.Key, s, depth+1)
}
