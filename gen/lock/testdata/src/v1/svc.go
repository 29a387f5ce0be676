// Package svc is the first version of a service.
package svc

import "context"

// Opts tunes Get.
type Opts struct {
	Limit  int32
	MaxFee *int64
	Note   string
}

// Svc is a key-value service.
//
//ipc:interface
type Svc interface {
	Get(ctx context.Context, key string, opts Opts) (value []byte, found bool, err error)
	Drop(ctx context.Context, key string) error
}
