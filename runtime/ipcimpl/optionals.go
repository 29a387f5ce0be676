package ipcimpl

import "capnproto.org/go/capnp/v3"

// An optional Go value (*T) whose wire form is a pointer is null when
// absent. Its generated reader is one call:
//
//	func readOptionalBlockRef(from ipcimpl.Pointer, dst **mining.BlockRef) error {
//		return ipcimpl.ReadOptionalStruct(from, dst, ReadBlockRef)
//	}
//
// The value is read into a new variable, on the heap anyway, so handing
// it to read through a function value costs nothing. (Writers call their
// conversion directly: the pointer they are handed may point to a
// caller's stack.)

// ReadOptional sets *dst to a new value that read reads from the pointer
// (ipcimpl.ReadText, readInt32List); a null pointer leaves *dst as it was,
// and so does an error.
func ReadOptional[E any](from Pointer, dst **E, read func(Pointer, *E) error) error {
	if from.IsNull() {
		return nil
	}
	value := new(E)
	if err := read(from, value); err != nil {
		return err
	}
	*dst = value
	return nil
}

// ReadOptionalStruct sets *dst to a new value that read (ReadBlockRef)
// reads from the struct the pointer points to; a null pointer leaves *dst
// as it was, and so does an error.
func ReadOptionalStruct[S ~capnp.StructKind, E any](from Pointer, dst **E, read func(S, *E) error) error {
	if from.IsNull() {
		return nil
	}
	s, err := Struct[S](from)
	if err != nil {
		return err
	}
	value := new(E)
	if err := read(s, value); err != nil {
		return err
	}
	*dst = value
	return nil
}
