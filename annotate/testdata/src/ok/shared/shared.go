// Package shared holds types used by ok/types. It has no interface, so Load
// skips it, but its //ipc:enum is still checked.
package shared

// Data has a Cap'n Proto built-in name: it crosses as SharedData.
type Data struct {
	Bytes []byte
}

// Types shares its name with the interface ok/types.Types: it crosses as
// SharedTypes.
type Types struct {
	N int
}

// Level is a log level.
//
//ipc:enum
type Level int

const (
	Debug Level = iota
	Info
	Warn
)

// Colour is declared here but used by nobody.
//
//ipc:enum
type Colour int8

const (
	Red Colour = iota
	Green
)
