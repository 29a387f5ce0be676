package ipcimpl

// Fields keeps the first error of the conversions of a struct's fields,
// located at its field (InField), so that a generated conversion
// converts one field per line:
//
//	func WriteValues(s Values, v *lists.Values) error {
//		var fields ipcimpl.Fields
//		fields.Check("Ints", ipcimpl.WriteScalars(ipcimpl.Field(s, 0), capnp.NewInt64List, v.Ints))
//		if tipWire, err := s.NewTip(); fields.Check("Tip", err) {
//			fields.Check("Tip", WriteBlockRef(tipWire, &v.Tip))
//		}
//		return fields.Err()
//	}
//
// The conversion goes on after a field fails, and the error returned is
// the one stopping at the first failure would have returned. Generated
// code relies on every conversion being safe after an earlier one failed:
// a write is bounded by the Go value it writes, a read by the message's
// read budget, and a step that needs what a failed step would have made
// (the struct NewTip failed to allocate) runs only when Check reported
// success.
//
// The zero Fields holds no error. A Fields is a local of one conversion:
// it is not safe for concurrent use.
type Fields struct {
	err error
}

// Check records err, located at field name, unless it is nil or an error
// is recorded already. It reports whether err is nil: whether the steps
// that depend on the one that returned err may run.
func (f *Fields) Check(name string, err error) bool {
	if err == nil {
		return true
	}
	if f.err == nil {
		f.err = InField(name, err)
	}
	return false
}

// Err returns the first error recorded, or nil.
func (f *Fields) Err() error { return f.err }
