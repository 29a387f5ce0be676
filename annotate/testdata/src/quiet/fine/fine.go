// Package fine has an //ipc:enum and no interface: Load checks the enum and
// returns nothing.
package fine

//ipc:enum
type State uint16

const (
	Idle State = iota
	Busy
)
