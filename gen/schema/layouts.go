package schema

import "github.com/ifacegen/ifacegen/annotate"

// StructLayout is the wire shape of one struct of a schema: the sizes of
// its sections and where its pointer fields are. Generated proxies use it
// to allocate a method's params and results structs and to set and read
// capability pointers, whose accessors in capnpc-go's bindings go through
// go-capnp's capability table rather than the RPC engine's.
type StructLayout struct {
	DataWords uint16
	Pointers  uint16
	// Pointer maps the wire name of each pointer field to its index in
	// the pointer section.
	Pointer map[string]uint16
}

// Layouts is the layout of every struct of one package's schema.
type Layouts struct {
	// Structs holds the package's own structs (maps' entries and list
	// boxes included), by capnp name.
	Structs map[string]StructLayout
	// Params and Results hold the implicit structs of each method, by
	// interface name and method wire name: Params["Mining"]["getTip"].
	Params, Results map[string]map[string]StructLayout
}

// Layout computes the layouts of pkg's schema exactly as Request places
// them (the capnp compiler's algorithm).
func Layout(pkg *annotate.Package) (*Layouts, error) {
	f, err := declare(pkg)
	if err != nil {
		return nil, err
	}
	ls := &Layouts{
		Structs: make(map[string]StructLayout),
		Params:  make(map[string]map[string]StructLayout),
		Results: make(map[string]map[string]StructLayout),
	}
	for _, s := range f.structs {
		ls.Structs[s.name] = s.wireLayout()
	}
	for _, in := range f.interfaces {
		ls.Params[in.name] = make(map[string]StructLayout)
		ls.Results[in.name] = make(map[string]StructLayout)
		for _, m := range in.methods {
			ls.Params[in.name][m.name] = m.params.wireLayout()
			ls.Results[in.name][m.name] = m.results.wireLayout()
		}
	}
	return ls, nil
}

func (s *structDecl) wireLayout() StructLayout {
	l := StructLayout{DataWords: s.dataWords, Pointers: s.pointers, Pointer: make(map[string]uint16)}
	for _, f := range s.fields {
		if f.typ.lgSize() < 0 {
			l.Pointer[f.name] = uint16(f.offset)
		}
	}
	return l
}
