// Package times is a golden case for types that cross through conversion
// hooks: time.Time, as the struct WallTime (seconds, nanoseconds, zone
// offset), as a parameter and result, a struct field, an optional, a list
// element and a map value; and types with text or binary marshal methods,
// as Text or Data.
package times

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Event happened at a time.
type Event struct {
	Name string
	At   time.Time
	Seen *time.Time
}

// Times echoes times.
//
//ipc:interface
type Times interface {
	// Echo returns t.
	Echo(ctx context.Context, t time.Time) (time.Time, error)
	// Events returns events and times.
	Events(ctx context.Context, events []Event, at map[string]time.Time, all []time.Time) ([]Event, map[string]time.Time, []time.Time, error)
	// Maybe returns t.
	Maybe(ctx context.Context, t *time.Time) (*time.Time, error)
}

// Version crosses as Text through its text methods.
type Version struct{ Major, Minor int }

// MarshalText implements encoding.TextMarshaler.
func (v Version) MarshalText() ([]byte, error) {
	return fmt.Appendf(nil, "%d.%d", v.Major, v.Minor), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (v *Version) UnmarshalText(b []byte) error {
	if _, err := fmt.Sscanf(string(b), "%d.%d", &v.Major, &v.Minor); err != nil {
		return fmt.Errorf("version %q: %w", b, err)
	}
	return nil
}

// Point crosses as Data through its binary methods; a negative X fails
// to marshal.
type Point struct{ X, Y int8 }

// MarshalBinary implements encoding.BinaryMarshaler.
func (p *Point) MarshalBinary() ([]byte, error) {
	if p.X < 0 {
		return nil, errors.New("point: negative x")
	}
	return []byte{byte(p.X), byte(p.Y)}, nil
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (p *Point) UnmarshalBinary(b []byte) error {
	if len(b) != 2 {
		return errors.New("point: want 2 bytes")
	}
	p.X, p.Y = int8(b[0]), int8(b[1])
	return nil
}

// Marshalers carries types with marshal methods.
//
//ipc:interface
type Marshalers interface {
	// Swap returns its arguments, swapped around, and a nil optional.
	Swap(ctx context.Context, v Version, p Point, vs []Version, pp *Point) (Point, Version, []Version, *Point, error)
	// Bad returns a Point that fails to marshal.
	Bad(ctx context.Context) (Point, error)
}
