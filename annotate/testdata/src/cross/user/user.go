package user

import (
	"context"

	"example.com/t/cross/base"
)

//ipc:interface
type User interface {
	Use(ctx context.Context, r base.Ref, l base.Loose, k []base.Kind, t base.Template, d base.Done) (*base.Ref, error)
}
