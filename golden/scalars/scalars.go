// Package scalars is a golden case: every scalar kind, Go's int and uint,
// named scalar types and time.Duration cross the wire and come back
// unchanged.
package scalars

import (
	"context"
	"time"
)

// Height is a named integer, converted with its Go name on both sides.
type Height int32

// Score is a named float.
type Score float64

// Flag is a named bool.
type Flag bool

// Scalars echoes scalars.
//
//ipc:interface
type Scalars interface {
	// Echo returns its arguments unchanged.
	Echo(ctx context.Context, b bool, i8 int8, i16 int16, i32 int32, i64 int64, i int,
		u8 uint8, u16 uint16, u32 uint32, u64 uint64, u uint, f32 float32, f64 float64,
	) (bool, int8, int16, int32, int64, int, uint8, uint16, uint32, uint64, uint, float32, float64, error)

	// EchoNamed returns its arguments unchanged.
	EchoNamed(ctx context.Context, h Height, s Score, f Flag, d time.Duration, c byte) (Height, Score, Flag, time.Duration, byte, error)

	// EchoAll returns v unchanged.
	EchoAll(ctx context.Context, v All) (All, error)
}

// All holds one field of every scalar type.
type All struct {
	B   bool
	I8  int8
	I16 int16
	I32 int32
	I64 int64
	I   int
	U8  uint8
	U16 uint16
	U32 uint32
	U64 uint64
	U   uint
	F32 float32
	F64 float64
	H   Height
	S   Score
	F   Flag
	D   time.Duration
}
