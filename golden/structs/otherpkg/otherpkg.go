// Package otherpkg declares structs that golden/structs sends across the
// wire from outside the interface package, one of them with the same name
// as a struct there.
package otherpkg

// Point has the same name as structs.Point; the schema tells them apart
// by package.
type Point struct {
	Lat, Lon float64
}

// Tag is a struct from another package used as a field.
type Tag struct {
	Key, Value string
	hidden     int // unexported: never crosses
}

// NewTag returns a Tag with its unexported field set, to show that it does
// not cross.
func NewTag(key, value string) Tag { return Tag{Key: key, Value: value, hidden: 1} }

// Hidden returns the unexported field.
func (t Tag) Hidden() int { return t.hidden }
