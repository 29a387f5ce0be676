package unknown

//ipc:interfce
type A interface{ F() }

//ipc:frobnicate
type B interface{ F() }

//ipc:enums
type C int
