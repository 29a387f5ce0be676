package duplicate

//ipc:interface
//ipc:interface
type A interface {
	//ipc:method was=Old
	//ipc:method
	F()
}

//ipc:interface
type (
	//ipc:interface
	B interface{ F() }
)

//ipc:enum
//ipc:enum
type C int

const C0 C = 0
