package args

//ipc:interface id=0xZZ
type A interface{ F() }

//ipc:interface id=
type B interface{ F() }

//ipc:interface foo=1
type C interface{ F() }

//ipc:interface id=0x8000000000000001 id=0x8000000000000002
type D interface{ F() }

//ipc:interface junk
type E interface{ F() }

//ipc:interface id=0x1234
type F interface{ F() }

//ipc:interface id=1234
type G interface{ F() }

//ipc:interface id=0x1ffffffffffffffff
type H interface{ F() }

//ipc:interface "unterminated
type I interface {
	//ipc:method was=foo-bar
	M()
	//ipc:method was=lower
	N()
}

//ipc:enum x=1
type J int

const J0 J = 0
