package renames

import "context"

type Tags struct {
	A int32 `ipc:"a,was=b,was=c"`
	B int32 `ipc:",was=Bad_name"`
	C int32 `ipc:",was=c"`
	D int32 `ipc:",foo=1"`
	E int32 `ipc:",was=old"`
	F int32 `ipc:",was=old"`
	G int32 `ipc:"-,was=g"`
}

//ipc:interface
type Service interface {
	//ipc:param x was=y
	//ipc:param t
	//ipc:param was=z
	//ipc:param n was=oldN
	//ipc:param n was=otherN
	//ipc:result ok was=ok
	//ipc:result missing was=m
	//ipc:param _ was=q
	//ipc:param Bad-name was=q
	//ipc:param n was=Old_n
	Do(ctx context.Context, t Tags, n int32) (ok bool, err error)

	//ipc:param a was=x
	//ipc:param b was=x
	//ipc:result was=r
	Two(a, b int32) (int32, error)
}

// Not an ipc interface.
type Plain interface {
	//ipc:param a was=b
	M(a int32)
}

//ipc:result r was=s
type Misplaced struct{}
