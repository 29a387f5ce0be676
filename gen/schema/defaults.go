package schema

import (
	"fmt"
	"strconv"

	"capnproto.org/go/capnp/v3/std/capnp/schema"

	"github.com/ifacegen/ifacegen/annotate"
)

// defaultValue is a field's default value (annotate.Field.Default), parsed
// for its capnp type: one of the members is meaningful.
type defaultValue struct {
	b bool
	i int64
	u uint64
	f float64
}

// parseDefault parses text, a default as the schema spells it, for a
// field of type t: Bool, integer and float types take one.
func parseDefault(t *capnpType, text string) (defaultValue, error) {
	var v defaultValue
	var err error
	switch t.scalar.Class {
	case annotate.BoolScalar:
		v.b, err = strconv.ParseBool(text)
		if text != "true" && text != "false" {
			err = fmt.Errorf("not true or false")
		}
	case annotate.SignedScalar:
		v.i, err = strconv.ParseInt(text, 10, t.scalar.Bits)
	case annotate.UnsignedScalar:
		v.u, err = strconv.ParseUint(text, 10, t.scalar.Bits)
	case annotate.FloatScalar:
		v.f, err = strconv.ParseFloat(text, t.scalar.Bits)
	default:
		err = fmt.Errorf("the type %s takes no default here", typeText(t))
	}
	return v, err
}

// setDefaultValue sets v to the default text of a field of type ct, which
// parseDefault accepted.
func setDefaultValue(v schema.Value, ct *capnpType, text string) {
	d, _ := parseDefault(ct, text)
	setDataValue(v, ct, d)
}

// setDataValue sets v to d, a value of the Bool or number type ct.
func setDataValue(v schema.Value, ct *capnpType, d defaultValue) {
	switch ct.which {
	case schema.Type_Which_bool:
		v.SetBool(d.b)
	case schema.Type_Which_int8:
		v.SetInt8(int8(d.i))
	case schema.Type_Which_int16:
		v.SetInt16(int16(d.i))
	case schema.Type_Which_int32:
		v.SetInt32(int32(d.i))
	case schema.Type_Which_int64:
		v.SetInt64(d.i)
	case schema.Type_Which_uint8:
		v.SetUint8(uint8(d.u))
	case schema.Type_Which_uint16:
		v.SetUint16(uint16(d.u))
	case schema.Type_Which_uint32:
		v.SetUint32(uint32(d.u))
	case schema.Type_Which_uint64:
		v.SetUint64(d.u)
	case schema.Type_Which_float32:
		v.SetFloat32(float32(d.f))
	case schema.Type_Which_float64:
		v.SetFloat64(d.f)
	}
}
