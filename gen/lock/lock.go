// Package lock reads back the schema ifacegen generated before, and keeps
// the wire identity it fixed while the Go code changes.
//
// The committed schema (<pkg>ipc/<pkg>.capnp) is the lock. Parse reads it
// into a Schema: for every interface its ID and methods, for every struct
// and enum its ID and members, each with the ordinal it has on the wire and
// whether it is a retired placeholder. Apply renumbers a freshly loaded
// model from a Schema: every member keeps the ordinal its wire name (or
// its was= name) had, new members take the next free ordinal, and members
// that disappeared stay as retired placeholders, so that reordering,
// adding and removing Go methods, parameters, results and fields never
// moves anything on the wire.
//
// Parse reads only what gen/schema's Text writes (comments, the file ID,
// using/import lines, $Go annotations, interface/struct/enum blocks and
// their members, with their default values and $Go.name annotations);
// anything else is an error with a position.
package lock

// Schema is what one generated .capnp file fixes on the wire.
type Schema struct {
	Filename string // the file it was read from, for messages
	ID       uint64 // the file ID
	Source   string // the Go import path of the "# Source:" line

	// Imports maps each alias of a "using Alias = import "/path";" line
	// to the import path ("/go.capnp" for Go).
	Imports map[string]string

	Interfaces []*Interface // file order
	Structs    []*Struct    // file order
	Enums      []*Enum      // file order
}

// Interface is one interface declaration.
type Interface struct {
	Name    string
	ID      uint64
	Extends []string  // as written: "Base", "Other.Base"
	Methods []*Method // by ordinal: Methods[i].Ordinal == i
	Line    int       // 1-based line of the declaration
}

// Method is one method of an interface.
type Method struct {
	Name    string
	Ordinal int
	Params  []*Field // positional: Params[i].Ordinal == i
	Results []*Field // positional
	Retired bool     // a placeholder for a removed method
	Doc     string   // the doc comment lines, joined with "\n"
	Line    int
}

// Field is a struct field, a parameter or a result (a has flag is a field
// of its own).
type Field struct {
	Name    string
	Ordinal int
	Type    string // as the schema spells it: "Int64", "List(Text)", "BlockRef", "Base.BlockRef", "AnyPointer"
	Default string // the default value as the schema spells it ("true", "8000"); "" for none
	Retired bool   // a placeholder for a removed field
	Doc     string
	Line    int
}

// Struct is one struct declaration.
type Struct struct {
	Name   string
	ID     uint64
	Fields []*Field // by ordinal: Fields[i].Ordinal == i
	Line   int
}

// Enum is one enum declaration.
type Enum struct {
	Name       string
	ID         uint64
	Enumerants []*Enumerant // by ordinal
	Line       int
}

// Enumerant is one value of an enum.
type Enumerant struct {
	Name    string
	Ordinal int
	Retired bool
	Doc     string
	Line    int
}
