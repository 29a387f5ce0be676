// Package ipcimpl is the support code that the Go code ifacegen generates
// calls: the prelude and epilogue of every client and server method (the
// call itself, error classification, panic recovery), the server adapter's
// capability, capability pointers in messages, the pointer positions
// (Pointer, Field, Elem) through which the one conversion function per wire
// type is called for a struct field and for a list element alike, what
// those functions call (error paths: InField, InElem; enums, sorted map
// entries, list length bounds), the built-in hooks of time.Time (WallTime)
// and of encoding's marshalers, and the //ipc:error registry
// (RegisterError, ServerError).
//
// It is for generated code only. Its API has no compatibility promise to
// users and changes with the generator; SupportPackageIsVersion3 tells a
// generated package that it was generated for this runtime. Programs use
// runtime/ipc, which holds only what they call or match (its api_test.go
// keeps that list).
//
// A generated client method is, for example,
//
//	func (c *MiningClient) GetTip(ctx context.Context) (result *mining.BlockRef, err error) {
//		err = ipcimpl.Call(ctx, c.c, &methodMiningGetTip, nil, func(r capnp.Struct) error {
//			return ipcimpl.InField("result", ipcimpl.ReadOptionalStruct(ipcimpl.Field(r, 0), &result, ReadBlockRef))
//		})
//		return ipcimpl.ZeroOnError(result, err)
//	}
//
// and its server side one case of the adapter's Dispatch switch and a
// short method ending in Results. Neither closure escapes: a call
// allocates only what the engine and the conversions do. Lists, maps and
// optionals are converted by the generic helpers of lists.go, maps.go and
// optionals.go, and the fields of a struct one per line through Fields.
package ipcimpl
