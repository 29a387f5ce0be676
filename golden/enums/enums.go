// Package enums is a golden case: //ipc:enum types cross as capnp enums,
// as fields, parameters, list elements, map keys and values, and
// optionals. A value the schema does not know passes through unchanged, so
// a newer peer's enumerants survive; a value that does not fit in 16 bits
// is an error on the sending side.
package enums

import "context"

// Color is an enum with a signed underlying type.
//
//ipc:enum
type Color int32

// The colors.
const (
	Red Color = iota
	Green
	Blue
)

// Size is an enum with a small unsigned underlying type.
//
//ipc:enum
type Size uint8

// The sizes.
const (
	Small Size = iota
	Large
)

// Enums echoes enums.
//
//ipc:interface
type Enums interface {
	// Echo returns its arguments unchanged.
	Echo(ctx context.Context, c Color, s Size) (Color, Size, error)

	// EchoValues returns v unchanged.
	EchoValues(ctx context.Context, v Values) (Values, error)
}

// Values holds enums in every position.
type Values struct {
	Color   Color
	Size    Size
	Colors  []Color
	Sizes   []Size
	ByColor map[Color]string
	Named   map[string]Color
	Maybe   *Color
	Maybes  []*Size
	MaybeS  *Size
	SizesBy map[string]*Size
	ColorBy map[Size]*Color
}
