package annotate

import "math/bits"

// Scalar is what every stage needs to know about a kind that crosses as
// one Cap'n Proto built-in type: a Bool, a number, Text or Data. It is the
// one table of these facts: annotate maps Go types with it, gen/schema
// names and lays out the capnp type with it, gen/proxy takes the bindings'
// Go type and list type from it, gen/lock reads the schema's type names
// back with it. Adding such a kind means a Kind constant in model.go, a
// row in scalars below, and only the code that is truly new (the request
// encoding in gen/schema, the Go type mapping in typemap.go).
//
// Text and Data are in the table although Kind.IsScalar excludes them:
// they are pointers, not data-section values (Bits is 0).
type Scalar struct {
	Kind  Kind
	Class ScalarClass
	Capnp string // the schema language's name: "Bool", "UInt16", "Float64", "Text", "Data"
	Go    string // the Go type of capnpc-go's accessors: "bool", "uint16", "string", "[]byte"
	List  string // go-capnp's list type of such elements: "BitList", "UInt16List", "TextList", "DataList"
	Bits  int    // the bits a value takes in the data section: 1 (Bool), 8, 16, 32, 64; 0 for Text and Data
	Zero  string // the zero value of Go as Go source spells it: "false", "0", `""`, "nil"
}

// ScalarClass groups the scalar kinds that are parsed, checked and
// encoded alike.
type ScalarClass int

const (
	BoolScalar     ScalarClass = iota + 1 // Bool
	SignedScalar                          // Int8, Int16, Int32, Int64
	UnsignedScalar                        // UInt8, UInt16, UInt32, UInt64
	FloatScalar                           // Float32, Float64
	TextScalar                            // Text, a pointer
	DataScalar                            // Data, a pointer
)

// scalars is indexed by Kind; kinds that are not scalars have no row.
var scalars = [...]Scalar{
	KindBool:      {KindBool, BoolScalar, "Bool", "bool", "BitList", 1, "false"},
	KindInt8:      {KindInt8, SignedScalar, "Int8", "int8", "Int8List", 8, "0"},
	KindInt16:     {KindInt16, SignedScalar, "Int16", "int16", "Int16List", 16, "0"},
	KindInt32:     {KindInt32, SignedScalar, "Int32", "int32", "Int32List", 32, "0"},
	KindInt64:     {KindInt64, SignedScalar, "Int64", "int64", "Int64List", 64, "0"},
	KindUint8:     {KindUint8, UnsignedScalar, "UInt8", "uint8", "UInt8List", 8, "0"},
	KindUint16:    {KindUint16, UnsignedScalar, "UInt16", "uint16", "UInt16List", 16, "0"},
	KindUint32:    {KindUint32, UnsignedScalar, "UInt32", "uint32", "UInt32List", 32, "0"},
	KindUint64:    {KindUint64, UnsignedScalar, "UInt64", "uint64", "UInt64List", 64, "0"},
	KindFloat32:   {KindFloat32, FloatScalar, "Float32", "float32", "Float32List", 32, "0"},
	KindFloat64:   {KindFloat64, FloatScalar, "Float64", "float64", "Float64List", 64, "0"},
	KindString:    {KindString, TextScalar, "Text", "string", "TextList", 0, `""`},
	KindBytes:     {KindBytes, DataScalar, "Data", "[]byte", "DataList", 0, "nil"},
	KindByteArray: {KindByteArray, DataScalar, "Data", "[]byte", "DataList", 0, "nil"}, // Go is the accessors' type; the Go value is a [Len]byte
}

// ScalarOf returns the row of k, and false when k is not a scalar kind
// (an enum, a list, a struct, …).
func ScalarOf(k Kind) (Scalar, bool) {
	if k < 0 || int(k) >= len(scalars) || scalars[k].Kind == KindInvalid {
		return Scalar{}, false
	}
	return scalars[k], true
}

// ScalarNamed returns the row whose schema name is capnp ("UInt16"), and
// false when no scalar has that name. Data is KindBytes.
func ScalarNamed(capnp string) (Scalar, bool) {
	for _, s := range scalars {
		if s.Kind != KindInvalid && s.Capnp == capnp {
			return s, true
		}
	}
	return Scalar{}, false
}

// LgSize is log2 of Bits, as a schema's field layout records it: 0 for
// Bool, 3 to 6 for the numbers; -1 for Text and Data, which are pointers.
func (s Scalar) LgSize() int {
	if s.Bits == 0 {
		return -1
	}
	return bits.TrailingZeros(uint(s.Bits)) // Bits is a power of two
}
