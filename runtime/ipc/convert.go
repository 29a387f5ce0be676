package ipc

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"capnproto.org/go/capnp/v3"
	"capnproto.org/go/capnp/v3/schemas"
	"capnproto.org/go/capnp/v3/std/capnp/schema"
)

// This file holds what generated conversion code calls: errors that locate
// a bad value, the wire conventions capnpc-go's accessors do not cover
// (nil vs empty Data in lists, non-null empty Text), and sorting map
// entries. Generated code is their only intended caller.

// ConvertError reports a value that could not be converted between its Go
// form and its wire form, e.g. a [32]byte field that arrived with 31 bytes.
type ConvertError struct {
	Path string // where the value sits: "opts.Blocks[3].Hash"
	Err  error  // what is wrong with it
}

func (e *ConvertError) Error() string { return e.Path + ": " + e.Err.Error() }

func (e *ConvertError) Unwrap() error { return e.Err }

// InField returns err located in the field, parameter or result named
// name: a *ConvertError whose Path starts with name. It returns nil for nil.
func InField(name string, err error) error {
	return locate(name, err)
}

// InElem returns err located at index i of a list (or entry i of a map):
// a *ConvertError whose Path starts with "[i]". It returns nil for nil.
func InElem(i int, err error) error {
	return locate("["+strconv.Itoa(i)+"]", err)
}

func locate(step string, err error) error {
	if err == nil {
		return nil
	}
	if ce, ok := err.(*ConvertError); ok {
		if strings.HasPrefix(ce.Path, "[") {
			return &ConvertError{Path: step + ce.Path, Err: ce.Err}
		}
		return &ConvertError{Path: step + "." + ce.Path, Err: ce.Err}
	}
	return &ConvertError{Path: step, Err: err}
}

// LengthError reports a fixed-size value ([N]byte, [N]T) that arrived with
// got elements instead of want.
func LengthError(got, want int) error {
	return fmt.Errorf("length %d, want %d", got, want)
}

// ErrDuplicateKey is the cause when a map arrives with a key twice.
var ErrDuplicateKey = errors.New("duplicate map key")

// integer is every Go integer type an //ipc:enum type can have.
type integer interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 |
		~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// EnumValue returns v as the uint16 an enum is on the wire, or an error if
// v does not fit. (Reading needs no check: generated code converts any
// wire value to the Go type, so values added by a newer peer pass through.)
func EnumValue[T integer](v T) (uint16, error) {
	if v < 0 || uint64(v) > 0xffff {
		return 0, fmt.Errorf("enum value %d does not fit in 16 bits", v)
	}
	return uint16(v), nil
}

// EnumFromWire returns the wire value w of an enum as the Go enum type T.
// Any value T can hold passes through, so enumerants a newer peer added
// survive; a value T cannot hold (300 for a uint8 enum) is an error rather
// than being truncated into another enumerant.
func EnumFromWire[T integer, W ~uint16](w W) (T, error) {
	v := T(w)
	if v < 0 || uint64(v) != uint64(w) {
		return 0, fmt.Errorf("enum value %d does not fit in %T", w, v)
	}
	return v, nil
}

// Entry is one key and value of a map.
type Entry[K comparable, V any] struct {
	Key   K
	Value V
}

// SortedEntries returns the entries of m ordered by compare on their keys,
// the order in which a map is written to the wire, so that equal maps
// encode to equal bytes. compare is cmp.Compare for ordered keys.
func SortedEntries[M ~map[K]V, K comparable, V any](m M, compare func(a, b K) int) []Entry[K, V] {
	es := make([]Entry[K, V], 0, len(m))
	for k, v := range m {
		es = append(es, Entry[K, V]{k, v})
	}
	slices.SortFunc(es, func(a, b Entry[K, V]) int { return compare(a.Key, b.Key) })
	return es
}

// CompareBool orders false before true, like cmp.Compare for bool keys.
func CompareBool[T ~bool](a, b T) int {
	switch {
	case a == b:
		return 0
	case !bool(a):
		return -1
	default:
		return 1
	}
}

// SetDataAt sets element i of l to v, keeping nil and empty apart: nil is a
// null pointer, an empty slice a zero-length Data. (capnp.DataList.Set
// writes null for both.)
func SetDataAt(l capnp.DataList, i int, v []byte) error {
	if v == nil {
		return capnp.PointerList(l).Set(i, capnp.Ptr{})
	}
	d, err := capnp.NewData(l.Segment(), v)
	if err != nil {
		return err
	}
	return capnp.PointerList(l).Set(i, d.ToPtr())
}

// Schema answers questions about the structs of one generated package from
// the schema that capnpc-go embeds in its bindings. Generated code needs it
// for one thing: the setter capnpc-go generates for a Text field writes a
// null pointer for "", but an optional string must tell nil from "".
//
// A Schema is safe for concurrent use. It decodes the embedded schema on
// first use.
type Schema struct {
	register func(*schemas.Registry)

	mu      sync.Mutex
	reg     *schemas.Registry
	indexed map[uint64]bool     // struct nodes whose schema has been decoded
	slots   map[fieldKey]uint16 // pointer slot of every pointer field
}

type fieldKey struct {
	typeID uint64
	name   string
}

// NewSchema returns the Schema of the bindings whose RegisterSchema
// function is register.
func NewSchema(register func(*schemas.Registry)) *Schema {
	return &Schema{register: register}
}

// SetText sets the Text field named field (its wire name) of s, a struct
// whose type ID is typeID, to v, writing a non-null pointer even for "".
func (sc *Schema) SetText(s capnp.Struct, typeID uint64, field, v string) error {
	slot, err := sc.pointerSlot(typeID, field)
	if err != nil {
		return err
	}
	return s.SetNewText(slot, v)
}

// pointerSlot returns the index in the pointer section of the pointer
// field named field of the struct typeID.
func (sc *Schema) pointerSlot(typeID uint64, field string) (uint16, error) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if !sc.indexed[typeID] {
		if err := sc.index(typeID); err != nil {
			return 0, fmt.Errorf("ipc: embedded schema of struct @%#x: %w", typeID, err)
		}
	}
	slot, ok := sc.slots[fieldKey{typeID, field}]
	if !ok {
		return 0, fmt.Errorf("ipc: struct @%#x has no pointer field %q; regenerate the bindings", typeID, field)
	}
	return slot, nil
}

// index decodes the schema record holding typeID (capnpc-go puts every
// node of a package in one record) and records the pointer slots of all
// its structs.
func (sc *Schema) index(typeID uint64) error {
	if sc.reg == nil {
		sc.reg = &schemas.Registry{}
		sc.register(sc.reg)
		sc.indexed = make(map[uint64]bool)
		sc.slots = make(map[fieldKey]uint16)
	}
	data, err := sc.reg.Find(typeID)
	if err != nil {
		return err
	}
	msg, err := capnp.Unmarshal(data)
	if err != nil {
		return err
	}
	req, err := schema.ReadRootCodeGeneratorRequest(msg)
	if err != nil {
		return err
	}
	nodes, err := req.Nodes()
	if err != nil {
		return err
	}
	for i := range nodes.Len() {
		n := nodes.At(i)
		if n.Which() != schema.Node_Which_structNode {
			continue
		}
		fields, err := n.StructNode().Fields()
		if err != nil {
			return err
		}
		for j := range fields.Len() {
			f := fields.At(j)
			if f.Which() != schema.Field_Which_slot {
				continue
			}
			typ, err := f.Slot().Type()
			if err != nil {
				return err
			}
			switch typ.Which() {
			case schema.Type_Which_text, schema.Type_Which_data, schema.Type_Which_list,
				schema.Type_Which_structType, schema.Type_Which_interface, schema.Type_Which_anyPointer:
			default:
				continue // a data-section field
			}
			name, err := f.Name()
			if err != nil {
				return err
			}
			sc.slots[fieldKey{n.Id(), name}] = uint16(f.Slot().Offset())
		}
		sc.indexed[n.Id()] = true
	}
	if !sc.indexed[typeID] {
		return errors.New("not a struct in the schema")
	}
	return nil
}
