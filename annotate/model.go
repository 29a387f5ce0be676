package annotate

import "go/token"

// The model is plain data: annotate fills it, gen reads it. Nothing in it
// refers to go/types, so generators and tests can build one by hand.
//
// Wire conventions (every generator relies on these; annotate enforces them):
//
//   - Every wire name (WireName) is a valid Cap'n Proto identifier: methods,
//     fields and parameters are lowerCamelCase without underscores; structs,
//     enums and interfaces are UpperCamelCase. capnpc-go's Go name for an
//     element is its wire name with the first letter upper-cased, and no
//     wire name makes capnpc-go generate two Go methods of one name on a
//     bindings type (a field toPtr, a field hasFoo beside a pointer field
//     foo, a method release).
//   - Method parameters and results become the implicit $Params/$Results
//     structs of the method. An unnamed (or "_") parameter i is named "arg"
//     for i == 0 and "arg<i>" otherwise; unnamed results likewise "result",
//     "result1", "result2", ….
//   - A leading context.Context parameter and a trailing error result are not
//     on the wire (Method.Context, Method.Error).
//   - An optional (Go *T) that is a field of a struct is carried by that
//     field: an optional scalar (T maps to a scalar or enum) as two wire
//     fields, the value (WireName) and a Bool flag (HasWireName, "has" +
//     UpperFirst(WireName)) that is false when the Go value is nil; any
//     other optional as a pointer field that is null when the Go value is
//     nil. Struct fields, parameters, results and the value of a map entry
//     are all such fields (map[string]*int32's entry is key @0, value @1,
//     hasValue @2).
//   - An optional used as a list element ([]*T, [N]*T) is List(Box) for
//     every kind of T, so that a nil element survives (a list of structs
//     or scalars has no null elements): Type.Box is a synthetic struct
//     "Optional<X>" with one field "value" whose Type is the optional
//     itself (without a Box), so the rule above applies inside the box:
//     value @0 and hasValue @1 for a scalar X, a pointer value @0 for any
//     other X. A nil element is a box with hasValue false or a null value.
//   - map[K]V is List(Entry) where Entry is a synthetic struct with fields
//     "key" @0 and "value" @1 (and "hasValue" @2 for an optional scalar
//     value); entries are written sorted by key.
//   - A nil Go slice or map is a null pointer; an empty one is a zero-length
//     list. Both survive a round trip.
//   - An //ipc:interface type used as a value (KindInterface: a parameter,
//     a result, a struct field, a list element, a map value) is a
//     capability pointer: a nil Go interface is a null capability. The
//     receiver gets the generated client proxy of the interface; sending
//     back a client proxy that was received sends its capability itself,
//     not a wrapper around it. Type.Interface names the interface and the
//     generated package that declares its capnp interface and proxies.
//   - A named func type used as a value (a callback) is KindInterface too:
//     the package schema declares an interface of the func type's name
//     with one method "call" @0 carrying the func's parameters and
//     results (Interface.Func). The receiver gets a Go func that calls the
//     capability; it may be called during the call and after it returned,
//     and releases the capability when it is garbage collected.
//   - A named type T of any package with a pair of //ipc:convert functions
//     in the interface package crosses through a Hook as their other type
//     W: the first of the pair in source order is ToWire, func(T) (W,
//     error), the second FromWire, func(W) (T, error). They take
//     precedence over every other mapping of T.
//   - A named type whose pointer has the methods of both
//     encoding.BinaryMarshaler and encoding.BinaryUnmarshaler crosses
//     through a Hook as Data (ipcimpl.MarshalBinary,
//     ipcimpl.UnmarshalBinary); otherwise, one with both text methods as
//     Text (ipcimpl.MarshalText, ipcimpl.UnmarshalText). The methods take precedence over the structural
//     mapping of the type.
//   - time.Time crosses through a Hook as the struct WallTime
//     (runtime/ipcimpl's ipcimpl.WallTime: seconds @0 :Int64, nanos @1 :Int32, offset @2 :Int32;
//     see its doc for what survives).
//   - A struct, enum or //ipc:interface that another annotated package's
//     schema declares (Type.Schema, InterfaceRef.Schema) is not copied:
//     the schema imports the other package's schema file as
//     "/<IPCPath>/<Name>.capnp" (an import path relative to a root
//     directory that holds every generated package at its import path)
//     and names the type through it; the bindings and proxies use the
//     other generated package's. Package.Imports lists those packages.
//   - Ordinals: annotate numbers fields and methods in source order; an
//     optional scalar's has flag takes the ordinal after its value. The
//     schema lock (gen/lock) then renumbers them from the committed schema
//     so that the wire never changes while Go code is edited, and adds
//     Retired placeholders for what was removed. Method parameters and
//     results are positional in the schema text: their ordinals are their
//     positions there.

// Package is one Go package that declares at least one //ipc:interface,
// together with everything that crosses the wire from it.
type Package struct {
	Path string // Go import path of the interface package
	Name string // Go package name
	Dir  string // absolute directory of the package (never emitted)

	// Output: the generated subpackage <Name>ipc.
	IPCName string // Go package name of the output, e.g. "miningipc"
	IPCPath string // import path of the output, e.g. Path + "/miningipc"
	IPCDir  string // absolute directory of the output (never emitted)

	// Dialect is "" for ifacegen's own conventions, or Libmultiprocess
	// (//ipc:package dialect=libmultiprocess) for a schema in Bitcoin
	// Core's libmultiprocess conventions: it imports "/mp/proxy.capnp"
	// (the package MPProxyPath), every method but a NoContext one has
	// the WireOnly parameter context :Proxy.Context @0, the interface
	// named Init has the WireOnly method construct @0, and every
	// optional field, parameter and result (not only a scalar) is a value
	// and a has flag.
	Dialect string
	// ID is the file ID pinned by //ipc:package id=…; 0 derives it.
	ID uint64
	// SchemaImport is the import path other schemas use for this one,
	// pinned by //ipc:package schema=… ("/mp/proxy.capnp"); "" derives it
	// from IPCPath (see gen/schema.ImportPath).
	SchemaImport string
	// Pos is the position of the //ipc:package directive; zero without one.
	Pos token.Position

	Interfaces []*Interface // source order (files sorted by name, then position); func types (Interface.Func) last, by name
	Structs    []*Struct    // every struct in the schema, sorted by Name
	Enums      []*Enum      // every enum in the schema, sorted by Name
	Errors     []*ErrorVar  // the //ipc:error variables of the package, sorted by GoName

	// Imports lists the other annotated packages whose schemas declare a
	// struct, enum or interface that this package's schema refers to
	// (Type.Schema, InterfaceRef.Schema), each once, sorted by Path. Their
	// models are complete (gen builds the imported nodes from them), and
	// none of them imports this package.
	Imports []*Package
}

// ErrorVar is an //ipc:error variable: a sentinel error that keeps its
// identity across the wire, so that errors.Is(err, pkg.ErrX) holds on the
// caller's side when the implementation returned an error that wraps it.
// Its wire code is Package.Path + "." + GoName.
type ErrorVar struct {
	GoName string // e.g. "ErrNotReady"
	Doc    string
	Pos    token.Position
}

// TypeName names a Go type by import path and name ("time", "Duration").
type TypeName struct {
	Path string
	Name string
}

// Interface is an //ipc:interface type.
type Interface struct {
	Name    string // Go name; also the capnp name
	Doc     string // doc comment text, directive lines removed, no trailing newline
	Pos     token.Position
	ID      uint64 // the id= pin from the directive; 0 when not pinned (gen derives it)
	Methods []*Method

	// Extends lists the //ipc:interface types the Go interface embeds, in
	// source order: the capnp interface extends them, and its client
	// proxy implements their methods too. They are of the same package.
	Extends []*InterfaceRef

	// Func is set when the interface stands for a named Go func type
	// (a callback) rather than a Go interface: it names that func type,
	// and Methods is the one method Call (wire name "call") with the
	// func's parameters and results. Name is the func type's name.
	Func *TypeName
}

// Method is one method of an Interface, in source order.
type Method struct {
	Name     string // Go name, e.g. "CreateNewBlock"
	WireName string // capnp name, e.g. "createNewBlock"
	Doc      string
	Pos      token.Position
	Ordinal  int    // capnp method ordinal (@n)
	Was      string // //ipc:method was=OldName, or ""
	Context  bool   // the first Go parameter is context.Context
	Params   []*Field
	Results  []*Field // without the trailing error
	Error    bool     // the last Go result is error

	// Retired marks a placeholder that the schema lock (gen/lock) keeps
	// for a method that is no longer in the Go interface: capnp ordinals
	// are consecutive and never reused, so the slot stays forever. Only
	// WireName (the placeholder name, e.g. "checkBlockRetired3"), Doc
	// (what it was) and Ordinal are set; Name is "", Params and Results
	// are empty. Clients have no Go method for it; servers answer every
	// call to it with an "unimplemented" exception. Retired methods follow
	// the Go methods in Interface.Methods, by ordinal. A retired method
	// declared by //ipc:retired (or a gap between pinned ordinals) is also
	// Pinned.
	Retired bool

	// Pinned says Ordinal was fixed by //ipc:method ordinal=N (or
	// //ipc:retired, or the dialect's construct): the schema lock keeps
	// it whatever the committed schema says.
	Pinned bool
	// NoContext marks //ipc:method noctx in a dialect package: the method
	// has no wire context parameter (it runs on the peer's event loop).
	NoContext bool
	// WireOnly marks a method that is on the wire but not in the Go
	// interface: the libmultiprocess dialect's construct @0 (threadMap
	// :Proxy.ThreadMap) -> (threadMap :Proxy.ThreadMap) of Init. Name is
	// "". Clients have no Go method for it; the runtime calls it on
	// connect and answers it when serving (generated servers answer it
	// like a retired method until the runtime intercepts it).
	WireOnly bool
}

// Field is a struct field, a method parameter or a method result.
type Field struct {
	GoName   string // Go identifier; "" for an unnamed parameter or result
	WireName string // capnp name
	Doc      string
	Pos      token.Position
	Type     *Type
	Ordinal  int // capnp field ordinal (@n)

	// For an optional scalar (Type.Kind == KindOptional with a scalar or enum
	// Elem) the has flag's wire name and ordinal; "" and 0 otherwise.
	HasWireName string
	HasOrdinal  int

	// Was is the wire name the field had before a rename (struct tag
	// `ipc:"name,was=old"`, `//ipc:param name was=old`, `//ipc:result
	// name was=old`): the schema lock gives the field the ordinal the old
	// name had, when the committed schema has no field of WireName. ""
	// when not renamed.
	Was string

	// Retired marks a placeholder the schema lock keeps for a capnp field
	// (a struct field, parameter or result, or a has flag) that is no
	// longer in the Go code: WireName is the placeholder name, Ordinal the
	// old ordinal, Doc says what it was, GoName is "" and HasWireName "".
	// Type is the slot the field held: the same scalar kind (an enum as
	// KindUint16) or KindAnyPointer for any pointer, so the layout of the
	// other fields does not move. Generated code never reads or writes
	// it. Retired fields follow the Go fields, by ordinal.
	Retired bool

	// WireOnly marks a field that is on the wire but not in Go: the
	// libmultiprocess dialect's context :Proxy.Context parameter @0 (and
	// construct's threadMap). GoName is ""; generated code never reads or
	// writes it: the runtime fills it in outgoing calls and reads it from
	// incoming ones.
	WireOnly bool

	// Default is the field's default value as the schema spells it
	// (//ipc:param name default=V, struct tag `ipc:",default=V"`): "true",
	// "8000", "1.7976931348623157e+308"; "" for none. It only changes the
	// encoding (Cap'n Proto stores a scalar XOR its default): Go values
	// stay literal, a zero Go value is sent as zero.
	Default string

	// HasGoName is the Go name the bindings give the has flag
	// ($Go.name in the schema) when capnpc-go's own name for it would
	// collide with the value's accessor: a dialect optional pointer
	// value x has the method HasX, so its flag hasX is named "hasXFlag".
	// "" otherwise.
	HasGoName string
}

// Struct is a capnp struct: a Go struct type, a map entry or an optional box.
type Struct struct {
	Name      string // capnp name, unique in the package schema
	Doc       string
	Pos       token.Position // position of the Go type; zero for synthetic structs
	GoType    TypeName       // the Go struct type; zero for synthetic structs
	Fields    []*Field       // source order for Go structs; key, value for entries; value for boxes
	Synthetic SyntheticKind
	ID        uint64 // pinned by //ipc:struct id=…; 0 derives it
}

// SyntheticKind tells a Go struct from the structs the mapping invents.
type SyntheticKind int

const (
	GoStruct    SyntheticKind = iota // a Go struct type
	MapEntry                         // the entry of a map: fields key, value (and hasValue)
	OptionalBox                      // a box around an optional list element: field value (and hasValue)
)

// Enum is an //ipc:enum type: a named integer type whose constants are
// 0..n-1 and become the enumerants in value order.
type Enum struct {
	Name       string // capnp name (the Go name unless it collides)
	Doc        string
	Pos        token.Position
	GoType     TypeName
	Basic      string       // Go underlying type, e.g. "int32", "uint8"
	Enumerants []*Enumerant // by value: Enumerants[i].Value == i
	ID         uint64       // pinned by //ipc:enum id=…; 0 derives it
}

// Enumerant is one constant of an Enum.
type Enumerant struct {
	GoName   string // e.g. "KindBlock"
	WireName string // e.g. "kindBlock"
	Doc      string
	Pos      token.Position
	Value    int
}

// Kind classifies a Type by its wire mapping.
type Kind int

const (
	KindInvalid Kind = iota
	KindBool
	KindInt8
	KindInt16
	KindInt32
	KindInt64 // also Go int
	KindUint8
	KindUint16
	KindUint32
	KindUint64 // also Go uint
	KindFloat32
	KindFloat64
	KindString     // Text
	KindBytes      // Data, from []byte
	KindByteArray  // Data, from [Len]byte; the length is checked when read
	KindList       // List(Elem), from []Elem, or [Len]Elem when Len > 0
	KindMap        // List(Entry) from map[Key]Elem
	KindStruct     // a Go struct type (Struct)
	KindEnum       // an //ipc:enum type (Enum)
	KindOptional   // *Elem: has flag or null pointer, in a Box as a list element (see package comment)
	KindInterface  // an //ipc:interface type (Interface): a capability, nil is a null capability
	KindAnyPointer // AnyPointer: only the slot of a retired field (Field.Retired) has it
)

// Type is how one Go type maps to the wire. Composite kinds nest.
type Type struct {
	Kind Kind

	// Named is set when the Go type is a named type (time.Duration,
	// mining.Height, mining.BlockRef); generated code converts with it.
	// For Struct and Enum it is always set.
	Named *TypeName
	// Basic is the Go predeclared type for a scalar, string or enum
	// underlying type: "int", "uint", "int64", "uint8", "string", "bool", ….
	Basic string

	Elem   *Type   // List, Map (value), Optional
	Key    *Type   // Map
	Len    int     // ByteArray, and List from an array
	Struct *Struct // Struct
	Enum   *Enum   // Enum
	Entry  *Struct // Map: the synthetic entry struct
	Box    *Struct // Optional used as a list element: the box struct each element is

	// Interface is the //ipc:interface type a KindInterface value carries.
	Interface *InterfaceRef

	// Schema is set on a KindStruct or KindEnum type that the schema of
	// another annotated package declares: Struct (or Enum) is then that
	// package's, found in Schema.Structs (Schema.Enums), and this
	// package's schema imports it instead of declaring a copy. nil when
	// this package's schema declares the type.
	Schema *Package

	// Hook is set when the Go type (Named) is not itself mappable and
	// crosses as another type through a pair of conversion functions
	// (time.Time as ipcimpl.WallTime). The rest of the Type then describes the
	// wire type (Kind, Struct, …: a copy of Hook.Wire), while Named stays
	// the Go type.
	Hook *Hook
}

// Hook converts a Go type to and from a mappable wire type:
// ToWire is func(Go) (Wire, error), FromWire is func(Wire) (Go, error).
// An error on either side becomes the call's error.
type Hook struct {
	Wire     *Type    // the mappable type on the wire; Wire.Named is its Go type
	ToWire   TypeName // the function converting to the wire type
	FromWire TypeName // the function converting from it
	// Generic says ToWire and FromWire are generic functions to be
	// instantiated with the Go type: ipcimpl.MarshalBinary[pkg.T].
	Generic bool
}

// InterfaceRef names an //ipc:interface type used as a value, and the
// generated package that declares its capnp interface and its proxies.
type InterfaceRef struct {
	Go      TypeName // the Go interface type, e.g. {".../mining", "BlockTemplate"}
	Name    string   // the capnp interface name (the Go name)
	IPCPath string   // import path of the generated package, e.g. ".../mining/miningipc"
	IPCName string   // its Go package name, e.g. "miningipc"

	// Schema is the model of the other annotated package whose schema
	// declares the interface (Schema.IPCPath == IPCPath), or nil when the
	// using package's own schema declares it.
	Schema *Package
}

// IsScalar reports whether k maps to a capnp data-section value (a number,
// a Bool or an enum) rather than a pointer: an enum, or a kind of the
// scalar table (ScalarOf) with a size.
func (k Kind) IsScalar() bool {
	s, ok := ScalarOf(k)
	return ok && s.Bits > 0 || k == KindEnum
}
