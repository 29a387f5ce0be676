package nearmiss

// ipc:interface
type A interface{ F() }

// Near misses that gofmt would rewrite in a doc comment ("//ipc:Interface"
// becomes "// ipc:Interface") stand alone here, so that this file is gofmt-clean.

//ipc:Interface

//IPC:enum

//ipc: interface

//ipc:inTerface
type E interface{ F() }

/* ipc:interface */
type F interface{ F() }

//ipc:interface
type G interface {
	//	ipc:method was=Old
	M()
}

/*ipc:Blah*/
type H int

// ipc: this is prose and not a near miss.
// Neither is ipc:interface in the middle of a line.
type I int

// ipc:Interface
type J interface{ F() }
