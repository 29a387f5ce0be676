// Package svc is the second version of the service in ../v1: a method
// inserted first, one renamed with its parameters and results reordered
// and renamed, one removed; in Opts a field inserted first, two renamed
// and one removed.
package svc

import "context"

// Opts tunes Fetch.
type Opts struct {
	Extra   bool
	MaxFees *int64 `ipc:",was=maxFee"`
	Max     int32  `ipc:"limit2,was=limit"`
}

// Svc is a key-value service.
//
//ipc:interface
type Svc interface {
	Put(ctx context.Context, key string, v []byte) error

	// Fetch was Get.
	//
	//ipc:method was=Get
	//ipc:param name was=key
	//ipc:result ok was=found
	Fetch(ctx context.Context, opts Opts, name string) (ok bool, value []byte, err error)
}
