package ipcimpl

import (
	"encoding"
	"fmt"
	"time"
)

// WallTime is how a time.Time crosses the wire (the capnp struct WallTime
// of every schema that carries one): the instant as whole seconds since
// the Unix epoch and nanoseconds within the second, and the offset of the
// time's zone, in seconds east of UTC. Every instant a time.Time can hold
// survives to the nanosecond, and so does its offset; the zone's name,
// its rules (a *time.Location) and any monotonic clock reading do not. A
// time at offset 0 arrives in UTC, any other in a time.FixedZone of its
// offset, without a name.
type WallTime struct {
	Seconds int64
	Nanos   int32
	Offset  int32
}

// TimeToWire returns the WallTime of t. It never fails; the error is
// there because generated code treats every conversion alike.
func TimeToWire(t time.Time) (WallTime, error) {
	_, offset := t.Zone()
	return WallTime{Seconds: t.Unix(), Nanos: int32(t.Nanosecond()), Offset: int32(offset)}, nil
}

// TimeFromWire returns the time.Time of w. It fails when Nanos is not in
// [0, 1e9) or the offset is more than a day.
func TimeFromWire(w WallTime) (time.Time, error) {
	if w.Nanos < 0 || w.Nanos >= 1e9 {
		return time.Time{}, fmt.Errorf("time: %d nanoseconds is not within a second", w.Nanos)
	}
	if w.Offset <= -86400 || w.Offset >= 86400 {
		return time.Time{}, fmt.Errorf("time: zone offset %ds is more than a day", w.Offset)
	}
	t := time.Unix(w.Seconds, int64(w.Nanos))
	if w.Offset == 0 {
		return t.UTC(), nil
	}
	return t.In(time.FixedZone("", int(w.Offset))), nil
}

// MarshalBinary is the hook generated code uses to send a T whose pointer
// is an encoding.BinaryMarshaler: as Data, the bytes MarshalBinary returns.
func MarshalBinary[T any, PT interface {
	*T
	encoding.BinaryMarshaler
}](v T) ([]byte, error) {
	return PT(&v).MarshalBinary()
}

// UnmarshalBinary is the hook generated code uses to receive a T whose
// pointer is an encoding.BinaryUnmarshaler: the zero T, then UnmarshalBinary
// of the Data received.
func UnmarshalBinary[T any, PT interface {
	*T
	encoding.BinaryUnmarshaler
}](b []byte) (T, error) {
	var v T
	err := PT(&v).UnmarshalBinary(b)
	return v, err
}

// MarshalText is MarshalBinary for an encoding.TextMarshaler, sent as Text.
func MarshalText[T any, PT interface {
	*T
	encoding.TextMarshaler
}](v T) (string, error) {
	b, err := PT(&v).MarshalText()
	return string(b), err
}

// UnmarshalText is UnmarshalBinary for an encoding.TextUnmarshaler.
func UnmarshalText[T any, PT interface {
	*T
	encoding.TextUnmarshaler
}](s string) (T, error) {
	var v T
	err := PT(&v).UnmarshalText([]byte(s))
	return v, err
}
