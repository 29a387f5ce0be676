package typeerror

//ipc:interface
type Broken interface {
	F(x Undefined) error
}

var _ int = "not an int"
